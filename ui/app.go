package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
}

// App is the desktop app's main window and its state.
type App struct {
	fyneApp fyne.App
	win     fyne.Window
	opts    Options
	binder  *binder.Binder
	view    any // the current screen: *unlockView, *browser or *messageView
}

// New builds the main window on a; call Show or ShowAndRun on Window().
func New(a fyne.App, opts Options) *App {
	u := &App{fyneApp: a, win: a.NewWindow("gobag"), opts: opts}
	u.win.Resize(fyne.NewSize(1000, 680))
	u.win.SetOnClosed(u.Close)
	u.start()
	return u
}

// Window returns the main window.
func (u *App) Window() fyne.Window { return u.win }

// Binder returns the open binder, or nil before unlock.
func (u *App) Binder() *binder.Binder { return u.binder }

// Close releases the binder.
func (u *App) Close() {
	if u.binder != nil {
		u.binder.Close()
		u.binder = nil
	}
}

func (u *App) start() {
	if u.opts.BinderDir == "" {
		u.message("No binder selected",
			"Start gobag with --binder DIR (or set GOBAG_BINDER).\n\n"+
				"Create a binder with:  gobag init --binder DIR --name \"Organisation\"\n"+
				"or try the demo with:  gobag demo --binder DIR")
		return
	}
	data, err := os.ReadFile(u.opts.IdentityPath)
	if err != nil {
		u.message("No identity", fmt.Sprintf("Cannot read identity %s: %v\n\nCreate one with: gobag id new", u.opts.IdentityPath, err))
		return
	}
	if !bcrypto.IsSealed(data) {
		u.unlock(data, nil)
		return
	}
	if u.opts.Passphrase != nil {
		if pass, err := u.opts.Passphrase(); err == nil {
			u.unlock(data, pass)
			return
		}
	}
	v := newUnlockView(u.opts.IdentityPath, func(pass []byte) string {
		return u.unlock(data, pass)
	})
	u.view = v
	u.win.SetContent(v.content)
}

// unlock opens the identity and the binder; it returns an error message
// for the unlock view, or "" on success.
func (u *App) unlock(identity, pass []byte) string {
	id, err := bcrypto.OpenIdentity(identity, func() ([]byte, error) { return pass, nil })
	if errors.Is(err, bcrypto.ErrWrongPassphrase) {
		return "Wrong passphrase. Try again."
	}
	if err != nil {
		u.message("Cannot read identity", err.Error())
		return err.Error()
	}
	b, err := binder.Open(context.Background(), u.opts.BinderDir, id)
	if err != nil {
		msg := err.Error()
		if h := binder.HintOf(err); h != "" {
			msg += "\n\n" + h
		}
		u.message("Cannot open binder", msg)
		return msg
	}
	u.binder = b
	// Unlocking ran scrypt (256 MB at age's work factor) and opening may
	// have rebuilt the index: hand that memory back to the system now
	// rather than whenever the runtime gets to it.
	debug.FreeOSMemory()
	u.win.SetTitle("gobag — " + b.Name(context.Background()))
	br := newBrowser(b)
	u.view = br
	u.win.SetContent(br.content)
	return ""
}

// messageView is a screen that explains why nothing else can be shown.
type messageView struct {
	title, text string
	content     fyne.CanvasObject
}

func (u *App) message(title, text string) {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := widget.NewLabel(text)
	body.Wrapping = fyne.TextWrapWord
	m := &messageView{title: title, text: text, content: container.NewPadded(container.NewVBox(t, body))}
	u.view = m
	u.win.SetContent(m.content)
}
