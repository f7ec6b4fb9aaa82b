package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// Options say what the app opens.
type Options struct {
	BinderDir    string
	IdentityPath string
	// Passphrase, if set, supplies the identity's passphrase without asking
	// (from GOBAG_PASSPHRASE_FILE).
	Passphrase func() ([]byte, error)
	// Version is what the About box shows: gobag version's first line and
	// commit.
	Version string
	// Trace, if set, receives a line at each moment the performance
	// budget is measured at (unlock, binder open, first screen, each
	// search) and each screen shown: timings and screen names only, never
	// content.
	Trace io.Writer
	// ConfigDir is the user's config directory, where the app remembers
	// the binder opened last (gobag/desktop.toml) and opens it again when
	// no binder is given; empty remembers nothing.
	ConfigDir string
	// DemoDir is where the demo binder is made the first time it is
	// asked for, and Demo makes it there (if it is not there yet) and
	// returns the path of its identity; without either the start screen
	// offers no demo.
	DemoDir string
	Demo    func(ctx context.Context, dir string) (identityPath string, err error)
}

// App is the desktop app's main window and its state.
type App struct {
	fyneApp fyne.App
	win     fyne.Window
	opts    Options
	session *session // the identity and binder, once unlocked
	shell   *shell   // the main window's screens, once unlocked
	view    view     // what the window shows
	tasks   *tasks
	closed  bool
	// closeOnce makes Close run once, whichever of the window, the end of
	// the app's loop and the watchdog after a signal (cmd/gobag) calls it
	// first; ended is closed when it has run.
	closeOnce sync.Once
	ended     chan struct{}
	trace     *tracer
	// warnings is the text of the warning dialog shown, if one is.
	warnings *widget.Label
	// unlockNote is shown on the next unlock screen (the demo's
	// passphrase).
	unlockNote string
}

// New builds the main window on a; call Show or ShowAndRun on Window().
// Unlocking and opening the binder run in the background.
func New(a fyne.App, opts Options) *App {
	u := &App{fyneApp: a, win: a.NewWindow("gobag"), opts: opts, tasks: newTasks(), ended: make(chan struct{}), trace: &tracer{w: opts.Trace, start: time.Now()}}
	u.win.Resize(fyne.NewSize(1000, 680))
	u.win.SetOnClosed(u.Close)
	u.win.SetCloseIntercept(u.closeWindow)
	u.win.SetMainMenu(u.mainMenu())
	if choice := a.Preferences().String(themePref); choice != "" {
		applyTheme(a, choice)
	}
	u.start()
	return u
}

// Window returns the main window.
func (u *App) Window() fyne.Window { return u.win }

// Binder returns the open binder, or nil before unlock and while another
// process has it.
func (u *App) Binder() *binder.Binder {
	if u.session == nil {
		return nil
	}
	return u.session.b
}

// closeWindow closes the window, asking first if the editor holds unsaved
// changes.
func (u *App) closeWindow() {
	if inc, ok := u.shellScreen("incident").(*incidentScreen); ok && inc.unsavedLog() > 0 {
		inc.flush()
		if n := inc.unsavedLog(); n > 0 {
			dialog.ShowConfirm("Quit without saving the log?", fmt.Sprintf("%d incident log entries wait for a gobag command from a terminal to finish with the binder. Quit now and they are lost.", n), func(quit bool) {
				if quit {
					u.win.Close()
				}
			}, u.win)
			return
		}
	}
	if u.shell != nil && u.view == u.shell {
		if title, ok := u.shell.unsavedTitle(); ok {
			dialog.ShowConfirm("Quit without saving?", fmt.Sprintf("The changes to “%s” have not been saved.", title), func(quit bool) {
				if quit {
					u.win.Close()
				}
			}, u.win)
			return
		}
	}
	u.win.Close()
}

// shellScreen is the main window's screen called name, once it was built.
func (u *App) shellScreen(name string) screen {
	if u.shell == nil {
		return nil
	}
	return u.shell.screens[name]
}

// Close stops the background work and releases the binder. It runs once:
// later calls, from any goroutine, wait until the first has finished.
func (u *App) Close() {
	u.closeOnce.Do(func() {
		u.closed = true
		u.tasks.stop()
		if u.session != nil {
			u.session.close()
		}
		close(u.ended)
	})
}

// Closed is closed once Close has run: the window was closed, or the
// app's loop ended and its caller closed it.
func (u *App) Closed() <-chan struct{} { return u.ended }

// start opens the binder given, or else the one opened last; with
// neither, it shows the start screen.
func (u *App) start() {
	if u.opts.BinderDir == "" {
		last, err := loadRemembered(u.opts.ConfigDir)
		switch {
		case err != nil:
			u.showStart("What was opened last could not be read: " + err.Error())
			return
		case last.Binder == "":
			u.showStart("")
			return
		case !isDir(last.Binder):
			u.showStart(fmt.Sprintf("The binder opened last, %s, is not there any more: open or join it again.", last.Binder))
			return
		}
		u.opts.BinderDir = last.Binder
		if last.Identity != "" {
			u.opts.IdentityPath = last.Identity
		}
	}
	data, err := os.ReadFile(u.opts.IdentityPath)
	if err != nil {
		u.message("No identity", fmt.Sprintf("Cannot read your identity, %s: %v\n\nChoose another binder to create an identity, or to open the binder with another identity file.", u.opts.IdentityPath, err))
		return
	}
	var pass []byte
	if bcrypto.IsSealed(data) && u.opts.Passphrase != nil {
		if p, err := u.opts.Passphrase(); err == nil {
			pass = p
		}
	}
	if bcrypto.IsSealed(data) && pass == nil {
		u.askPassphrase(data, "")
		return
	}
	v := newUnlockView(u.opts.IdentityPath, nil)
	v.opening()
	u.show(v)
	u.unlock(data, pass, v)
}

// askPassphrase shows the unlock view for the sealed identity data, with
// msg (if any) saying why it asks.
func (u *App) askPassphrase(data []byte, msg string) {
	var v *unlockView
	v = newUnlockView(u.opts.IdentityPath, func(pass []byte) { u.unlock(data, pass, v) })
	u.show(v)
	if msg != "" {
		v.failed(u.win.Canvas(), msg)
	} else if u.unlockNote != "" {
		v.report(u.unlockNote)
	}
}

// opened is what unlocking produces.
type opened struct {
	b          *binder.Binder
	id         *bcrypto.Identity
	wrongPass  bool
	identityOK bool
	// stopLending ends this window's hold as the binder's lender.
	stopLending func()
}

// unlock opens the identity with pass and then the binder, off the UI
// goroutine, reporting progress on v; then it shows the browser, asks
// again for a wrong passphrase, or explains what went wrong.
func (u *App) unlock(identity, pass []byte, v *unlockView) {
	dir := u.opts.BinderDir
	u.trace.event("unlock", "")
	// Cancel (on the view) and closing the app both stop the opening.
	ctx, stop := context.WithCancel(u.tasks.ctx)
	v.cancellable(func() {
		v.cancel.Disable()
		v.report("Cancelling…")
		stop()
	})
	runTask(u.tasks, func(_ context.Context, progress binder.Progress) (opened, error) {
		defer stop()
		id, err := bcrypto.OpenIdentity(identity, func() ([]byte, error) { return pass, nil })
		u.trace.event("identity", "")
		if errors.Is(err, bcrypto.ErrWrongPassphrase) {
			return opened{wrongPass: true}, nil
		}
		if err != nil {
			return opened{}, err
		}
		if ctx.Err() != nil {
			return opened{identityOK: true}, ctx.Err()
		}
		// One window lends a binder: a second one waits for the first to
		// close, rather than take the binder while the first has lent it.
		stopLending, err := binder.Lend(dir)
		for binder.KindOf(err) == binder.Locked {
			progress("another-window", 0, 0)
			select {
			case <-ctx.Done():
				return opened{identityOK: true}, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
			stopLending, err = binder.Lend(dir)
		}
		if err != nil {
			return opened{identityOK: true}, err
		}
		warn := binder.WithWarnings(u.warnLater)
		b, err := binder.Open(ctx, dir, id, binder.WithProgress(progress), warn)
		for binder.KindOf(err) == binder.Locked {
			// Another window, or a command: wait for it, as commands do.
			progress("waiting", 0, 0)
			select {
			case <-ctx.Done():
				return opened{}, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
			b, err = binder.Open(ctx, dir, id, binder.WithProgress(progress), warn)
		}
		// Unlocking ran scrypt (256 MB at age's work factor) and opening
		// may have rebuilt the index: hand that memory back to the system
		// now rather than whenever the runtime gets to it.
		debug.FreeOSMemory()
		if err == nil && ctx.Err() != nil {
			// Cancelled as it finished: the user asked for nothing open.
			b.Close()
			err = ctx.Err()
		}
		if err != nil {
			stopLending()
			return opened{identityOK: true}, err
		}
		u.trace.event("binder-open", "")
		return opened{b: b, id: id, identityOK: true, stopLending: stopLending}, nil
	}, func(stage string, done, total int) {
		v.report(progressLine(stage, done, total))
	}, func(o opened, err error) {
		switch {
		case u.closed:
			if o.b != nil {
				o.b.Close()
				o.stopLending()
			}
		case errors.Is(err, context.Canceled):
			// Nothing was opened: ask again, or offer another binder.
			if bcrypto.IsSealed(identity) {
				u.askPassphrase(identity, "Opening the binder was cancelled.")
			} else {
				u.message("Opening the binder was cancelled", "Nothing was changed. Choose another binder, or start gobag again to open this one.")
			}
		case o.wrongPass && !v.entry.Visible():
			// The passphrase came from a file, and is wrong: ask.
			u.askPassphrase(identity, "The passphrase from the passphrase file is wrong. Type it here.")
		case o.wrongPass:
			v.failed(u.win.Canvas(), "Wrong passphrase. Try again.")
		case err != nil && !o.identityOK:
			u.message("Cannot read identity", err.Error())
		case err != nil:
			msg := err.Error()
			if h := binder.HintOf(err); h != "" {
				msg += "\n\n" + h
			}
			u.message("Cannot open binder", msg)
		default:
			u.opened(o.b, o.id, o.stopLending)
		}
	})
}

// appMemoryLimit is the Go runtime's soft memory limit once the binder is
// open: above the live heap of a 10,000-record binder's screens (about
// 45 MB), below what the budget allows the whole process.
const appMemoryLimit = 80 << 20

// opened shows the main window's screens on the binder b, opened with id;
// stopLending ends the window's hold as its lender (binder.Lend), taken
// here if the caller has not (a binder just made or joined, which no
// other window can have open).
func (u *App) opened(b *binder.Binder, id *bcrypto.Identity, stopLending func()) {
	if stopLending == nil {
		if stop, err := binder.Lend(b.Dir()); err == nil {
			stopLending = stop
		}
	}
	// The identity is open: the passphrase's scrypt, which needs 256 MB,
	// is done. The app now sits open for hours with a live heap of a few
	// tens of MB (10,000 records); a soft limit keeps the heap's growth
	// between collections, and what it returns to the system, in step
	// with that rather than with the default doubling (docs/PERFORMANCE.md).
	debug.SetMemoryLimit(appMemoryLimit)
	u.unlockNote = ""
	u.remember()
	u.session = newSession(b, id)
	u.session.stopLending = stopLending
	u.win.SetTitle("gobag — " + b.Name(context.Background()))
	u.shell = newShell(u)
	u.session.onChange = u.shell.binderChanged
	u.session.onFailure = u.shell.reopenFailed
	u.session.warn = u.warnLater
	u.show(u.shell)
	u.trace.event("first-screen", u.shell.current)
}

// warnLater shows, from any goroutine, what the binder found that the
// user should know but that does not stop the work: its index changed on
// disk by someone without its key, a full disk.
func (u *App) warnLater(msg string) { uiDo(func() { u.warn(msg) }) }

// warn shows msg in a dialog, or adds it to the one shown.
func (u *App) warn(msg string) {
	if u.warnings != nil {
		u.warnings.SetText(u.warnings.Text + "\n\n" + msg)
		return
	}
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	u.warnings = text
	d := dialog.NewCustom("Warning", "I understand", container.NewPadded(text), u.win)
	d.SetOnClosed(func() { u.warnings = nil })
	d.Resize(fyne.NewSize(560, 260))
	d.Show()
}

// remember keeps the binder just opened, and its identity, for the next
// start with no binder given.
func (u *App) remember() {
	r := remembered{Binder: absPath(u.opts.BinderDir), Identity: absPath(u.opts.IdentityPath)}
	if err := saveRemembered(u.opts.ConfigDir, r); err != nil {
		// The binder is open all the same; only the next start will ask.
		fyne.LogError("remember the binder opened", err)
	}
}

// restart leaves the binder open now, if any, and shows the start screen.
func (u *App) restart() {
	if u.session != nil {
		u.session.close()
		u.session, u.shell = nil, nil
	}
	u.opts.BinderDir = ""
	u.win.SetTitle("gobag")
	u.showStart("")
}

// progressLine words a progress report for the unlock screen.
func progressLine(stage string, done, total int) string {
	switch stage {
	case "waiting":
		return "Waiting: a gobag command has the binder open…"
	case "another-window":
		return "Waiting: this binder is open in another gobag window. Close it there, or use that window."
	}
	what := map[string]string{"history": "Checking the history", "records": "Checking the records", "index": "Building the index"}[stage]
	if what == "" {
		what = "Opening the binder (" + stage + ")"
	}
	if total > 0 {
		return fmt.Sprintf("%s: %d of %d", what, done, total)
	}
	return fmt.Sprintf("%s: %d", what, done)
}

// messageView is a screen that explains why nothing else can be shown.
type messageView struct {
	title, text string
	root        fyne.CanvasObject
}

func (m *messageView) content() fyne.CanvasObject { return m.root }

func (m *messageView) shown(fyne.Canvas) {}

func (u *App) message(title, text string) {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := widget.NewLabel(text)
	body.Wrapping = fyne.TextWrapWord
	back := widget.NewButtonWithIcon("Choose another binder", theme.NavigateBackIcon(), u.restart)
	u.show(&messageView{title: title, text: text, root: container.NewPadded(container.NewVBox(t, body, container.NewHBox(back)))})
}
