package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// unlockView asks for the identity's passphrase. Unlocking runs off the
// UI goroutine; meanwhile the view shows a progress line and takes no
// more input.
type unlockView struct {
	root     fyne.CanvasObject
	title    *widget.Label
	entry    *widget.Entry
	button   *widget.Button
	progress *widget.Label  // what is being done now
	cancel   *widget.Button // stops opening the binder (shown meanwhile)
	onCancel func()
	status   *widget.Label // why the last try failed
}

// newUnlockView builds the view; unlock starts unlocking with the
// passphrase and later calls failed or leaves the view.
func newUnlockView(path string, unlock func(pass []byte)) *unlockView {
	v := &unlockView{entry: widget.NewPasswordEntry(), progress: widget.NewLabel(""), status: widget.NewLabel("")}
	v.entry.SetPlaceHolder("Passphrase")
	v.status.Importance = widget.DangerImportance
	submit := func() {
		if v.entry.Disabled() || v.entry.Text == "" {
			return
		}
		v.busy("Unlocking your identity…")
		unlock([]byte(v.entry.Text))
	}
	v.entry.OnSubmitted = func(string) { submit() }
	v.button = widget.NewButton("Unlock", submit)
	v.button.Importance = widget.HighImportance
	v.title = widget.NewLabelWithStyle("Unlock your identity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel(path)
	hint.Truncation = fyne.TextTruncateEllipsis
	v.cancel = widget.NewButton("Cancel", func() {
		if v.onCancel != nil {
			v.onCancel()
		}
	})
	v.cancel.Hide()
	form := container.NewVBox(v.title, hint, v.entry, v.button, v.progress, container.NewHBox(v.cancel), v.status)
	v.root = container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 260), form))
	return v
}

func (v *unlockView) content() fyne.CanvasObject { return v.root }

// shown focuses the passphrase field, so that typing goes there at once.
func (v *unlockView) shown(c fyne.Canvas) {
	if v.entry.Visible() {
		c.Focus(v.entry)
	}
}

// busy shows what is being done and takes no input meanwhile.
func (v *unlockView) busy(what string) {
	v.status.SetText("")
	v.progress.SetText(what)
	v.entry.Disable()
	v.button.Disable()
}

// opening turns the view into a progress screen, for an identity that
// needs no passphrase here (unsealed, or given by a file).
func (v *unlockView) opening() {
	v.title.SetText("Opening the binder")
	v.entry.Hide()
	v.button.Hide()
	v.busy("Opening the binder…")
}

// cancellable shows a Cancel button that calls stop, while the binder
// opens (which may verify the history and rebuild the index).
func (v *unlockView) cancellable(stop func()) {
	v.onCancel = stop
	v.cancel.Enable()
	v.cancel.Show()
}

// report shows the progress of opening the binder.
func (v *unlockView) report(line string) { v.progress.SetText(line) }

// failed says why unlocking failed and asks again, with the field empty
// and focused.
func (v *unlockView) failed(c fyne.Canvas, msg string) {
	v.progress.SetText("")
	v.cancel.Hide()
	v.status.SetText(msg)
	v.entry.Enable()
	v.button.Enable()
	v.entry.SetText("")
	c.Focus(v.entry)
}
