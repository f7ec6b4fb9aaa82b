package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/go-gl/glfw/v3.3/glfw"

	"gobag/assets"
	"gobag/binder"
	"gobag/ui"
)

// newDesktopCommand returns gobag itself: with no command it opens the
// desktop app. Its sub-commands are the commands.
func newDesktopCommand() *Command {
	var showVersion bool
	cmd := newCommand("gobag", "open the desktop app", `
gobag is an offline-first continuity binder: a team's plans, contacts,
runbooks, systems and recovery credentials in a signed, encrypted git
repository, synced to other copies. With no command it opens the desktop
app; with one, it runs that command.`)
	cmd.Flag.BoolVar(&showVersion, "version", false, "print gobag's version, commit and Go version, as gobag version does")
	cmd.Run = func(ctx context.Context, c *cli, _ []string) error {
		if showVersion {
			return printVersion(c)
		}
		return c.desktop()
	}
	return cmd
}

// errNoDisplay is the error of gobag with no command where there is no
// display to open a window on.
var errNoDisplay = &binder.Error{
	Kind: binder.Other,
	Err:  errors.New("no display to open the desktop app on"),
	Hint: "set DISPLAY to a running X display (a Wayland session provides one through XWayland), or use a command: gobag help lists them",
}

// hasDisplay reports whether a window could be opened: on the systems
// where a display server is named by the environment, whether one is.
// gobag's window is an X11 one (Fyne's default build), so on Wayland it
// needs the DISPLAY that XWayland provides.
func (c *cli) hasDisplay() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return c.getenv("DISPLAY") != ""
	}
	return true
}

// dataDir is the user's data directory: XDG_DATA_HOME, or
// ~/.local/share; "" if neither is known.
func (c *cli) dataDir() string {
	if d := c.getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share")
	}
	return ""
}

// desktop opens the desktop app: gobag with no command.
func (c *cli) desktop() (err error) {
	if !c.hasDisplay() {
		return errNoDisplay
	}
	idPath, err := c.identityFile()
	if err != nil {
		return err
	}
	opts := ui.Options{BinderDir: c.binderDir, IdentityPath: idPath, Version: buildVersion().String(), Demo: openDemo}
	if p := c.getenv("GOBAG_TRACE"); p != "" {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("GOBAG_TRACE: %w", err)
		}
		defer f.Close()
		opts.Trace = f
	}
	// The binder opened last is remembered in the user's config dir
	// (XDG_CONFIG_HOME), the demo made in their data dir (XDG_DATA_HOME).
	if dir, err := os.UserConfigDir(); err == nil {
		opts.ConfigDir = dir
	}
	if dir := c.dataDir(); dir != "" {
		opts.DemoDir = filepath.Join(dir, "gobag", "demo")
	}
	if c.getenv("GOBAG_PASSPHRASE_FILE") != "" {
		opts.Passphrase = func() ([]byte, error) { return c.passphrase("", false) }
	}
	// A display that is named but cannot be opened fails inside GLFW's
	// initialisation, which Fyne only logs; GLFW's next call then panics
	// on this goroutine. That panic, and only that one, becomes an error.
	defer func() {
		if r := recover(); r != nil {
			var ge *glfw.Error
			if e, ok := r.(error); !ok || !errors.As(e, &ge) {
				panic(r)
			}
			display := c.getenv("DISPLAY")
			err = &binder.Error{Kind: binder.Other, Err: fmt.Errorf("%w: display %q could not be opened", errNoDisplay.Err, display), Hint: errNoDisplay.Hint}
		}
	}()
	// The app stays open for hours with a small live heap: collecting at
	// half the default growth keeps its resident memory ~15 MB lower
	// (docs/PERFORMANCE.md) for a few more, short collections.
	debug.SetGCPercent(50)
	a := app.NewWithID("org.gobag.desktop")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	u := ui.New(a, opts)
	endWithoutFyne(u)
	u.Window().ShowAndRun()
	// Fyne ends its loop on SIGTERM and SIGINT as on Quit, without closing
	// the window: close the binder here, so that this copy's memory of it
	// is written whichever way the app ends.
	u.Close()
	return nil
}

// shutdownGrace is how long the app waits, once it was told to end, for
// Fyne's loop to return before it ends the process itself.
const shutdownGrace = 3 * time.Second

// endWithoutFyne makes sure the app ends once it was told to: its window
// closed, or SIGTERM or SIGINT (a logout). When Fyne's loop ends it
// queues one last event and waits for it, and that event can be lost in
// a race of its shutdown on a busy machine: ShowAndRun then never
// returns. After shutdownGrace the binder is closed here instead (Close
// runs once, so a late return of the loop waits for it) and the process
// exits.
func endWithoutFyne(u *ui.App) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		select {
		case <-signals:
		case <-u.Closed():
		}
		time.Sleep(shutdownGrace)
		u.Close()
		os.Exit(0)
	}()
}
