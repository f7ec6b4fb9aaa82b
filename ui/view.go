package ui

import "fyne.io/fyne/v2"

// view is one screen of the app: the unlock screen, the browser, a
// message. The app shows one at a time.
type view interface {
	// content is what the window shows.
	content() fyne.CanvasObject
	// shown is called once the view is in the window, to focus the
	// widget the user is expected to type into.
	shown(c fyne.Canvas)
}

// show makes v the window's content.
func (u *App) show(v view) {
	u.view = v
	u.win.SetContent(v.content())
	v.shown(u.win.Canvas())
}
