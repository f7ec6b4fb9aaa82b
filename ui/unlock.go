package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// unlockView asks for the identity's passphrase.
type unlockView struct {
	content fyne.CanvasObject
	entry   *widget.Entry
	status  *widget.Label
}

func newUnlockView(path string, unlock func(pass []byte) string) *unlockView {
	v := &unlockView{entry: widget.NewPasswordEntry(), status: widget.NewLabel("")}
	v.entry.SetPlaceHolder("Passphrase")
	submit := func() {
		if msg := unlock([]byte(v.entry.Text)); msg != "" {
			v.status.SetText(msg)
			v.entry.SetText("")
		}
	}
	v.entry.OnSubmitted = func(string) { submit() }
	btn := widget.NewButton("Unlock", submit)
	btn.Importance = widget.HighImportance
	title := widget.NewLabelWithStyle("Unlock your identity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabel(path)
	form := container.NewVBox(title, hint, v.entry, btn, v.status)
	v.content = container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 240), form))
	return v
}
