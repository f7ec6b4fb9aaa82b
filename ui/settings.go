package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"gobag/binder"
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
)

// settingsScreen shows the identity (public keys as text and a QR code,
// changing the passphrase), the binder (name, fingerprint, readiness
// periods) and the theme.
type settingsScreen struct {
	u    *App
	root fyne.CanvasObject

	keys *widget.Label // the public key line
	qr   *canvas.Image

	oldPass, newPass, again  *escEntry
	oldErr, newErr, againErr *fieldError
	strength                 *widget.Label
	change                   *widget.Button

	name, fingerprint *widget.Label
	periods           *widget.Form
	settingsID        string // the binder's settings record, if it has one

	theme *widget.RadioGroup

	upkeep *upkeep // verify and reindex
}

// themePref is the preference key of the theme chosen.
const themePref = "theme"

func newSettingsScreen(u *App) *settingsScreen {
	s := &settingsScreen{u: u, keys: wrapped(""), oldPass: newEntry(), newPass: newEntry(), again: newEntry(),
		oldErr: errorLabel(), newErr: errorLabel(), againErr: errorLabel(), strength: widget.NewLabel(""),
		name: widget.NewLabel(""), fingerprint: widget.NewLabel(""), periods: widget.NewForm()}
	s.keys.TextStyle.Monospace = true
	s.fingerprint.TextStyle.Monospace = true
	s.fingerprint.Wrapping = fyne.TextWrapBreak
	id := u.session.id
	s.keys.SetText(publicKeyLine(id))
	copyKeys := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		u.win.Clipboard().SetContent(publicKeyLine(id))
		u.notify("Your public keys are on the clipboard: send them to a manager of the binder.")
	})
	if png, err := qrcode.Encode(publicKeyLine(id), qrcode.Medium, 512); err == nil {
		s.qr = canvas.NewImageFromResource(fyne.NewStaticResource("public-keys.png", png))
		s.qr.FillMode = canvas.ImageFillContain
		s.qr.SetMinSize(fyne.NewSize(200, 200))
	}
	for _, e := range []*escEntry{s.oldPass, s.newPass, s.again} {
		e.Password = true
	}
	s.newPass.OnChanged = func(p string) { s.strength.SetText(passphraseStrength(p)) }
	s.again.OnSubmitted = func(string) { s.changePassphrase() }
	s.change = widget.NewButtonWithIcon("Change passphrase", theme.ConfirmIcon(), s.changePassphrase)

	handle := widget.NewLabelWithStyle(id.Handle, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	keyText := container.NewBorder(nil, nil, nil, container.NewVBox(copyKeys), s.keys)
	identity := container.NewVBox(handle, wrapped("Your public keys, to hand to a manager who adds you to a binder's roster: as text, or as this QR code."), keyText)
	var identityBox fyne.CanvasObject = identity
	if s.qr != nil {
		identityBox = container.NewBorder(nil, nil, nil, s.qr, identity)
	}
	passForm := widget.NewForm(
		widget.NewFormItem("Current passphrase", container.NewVBox(s.oldPass, s.oldErr)),
		widget.NewFormItem("New passphrase", container.NewVBox(s.newPass, s.strength, s.newErr)),
		widget.NewFormItem("Again", container.NewVBox(s.again, s.againErr)),
	)
	passBox := container.NewVBox(wrapped("Your identity file, "+u.opts.IdentityPath+", is sealed with this passphrase."), passForm, container.NewHBox(s.change))

	edit := widget.NewButtonWithIcon("Edit the readiness periods", theme.DocumentCreateIcon(), func() {
		if s.settingsID != "" {
			u.editRecord(s.settingsID, "")
			return
		}
		u.newRecord("binder", "", nil)
	})
	binderBox := container.NewVBox(
		widget.NewForm(widget.NewFormItem("Name", s.name), widget.NewFormItem("Fingerprint", s.fingerprint)),
		widget.NewLabelWithStyle("Readiness periods", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.periods, container.NewHBox(edit))

	// The choice made before is shown without applying it again.
	s.theme = widget.NewRadioGroup([]string{"System", "Light", "Dark"}, nil)
	s.theme.Horizontal = true
	s.theme.Selected = u.fyneApp.Preferences().StringWithFallback(themePref, "System")
	s.theme.OnChanged = s.setTheme

	s.upkeep = newUpkeep(u)
	s.root = container.NewVScroll(container.NewPadded(container.NewVBox(
		widget.NewCard("Identity", "", identityBox),
		widget.NewCard("Passphrase", "", passBox),
		widget.NewCard("Binder", "", binderBox),
		widget.NewCard("This copy", "", s.upkeep.root),
		widget.NewCard("Theme", "", container.NewVBox(wrapped("System follows the desktop's light or dark setting."), s.theme)),
	)))
	return s
}

func (s *settingsScreen) content() fyne.CanvasObject { return s.root }

func (s *settingsScreen) shown(fyne.Canvas) {}

// refresh reads the binder's name, fingerprint and settings record.
func (s *settingsScreen) refresh() {
	b := s.u.Binder()
	if b == nil {
		return
	}
	ctx := context.Background()
	s.name.SetText(b.Name(ctx))
	s.fingerprint.SetText(b.Fingerprint())
	s.settingsID = ""
	if list, err := b.List(ctx, "binder"); err == nil && len(list) > 0 {
		s.settingsID = list[0].ID
	}
	set, err := readiness.SettingsOf(ctx, b)
	if err != nil {
		s.periods.Items = []*widget.FormItem{widget.NewFormItem("", wrapped("The settings could not be read: "+sentence(err)))}
		s.periods.Refresh()
		return
	}
	months := func(n int) string { return count(n, "month", "months") }
	days := func(n int) string { return count(n, "day", "days") }
	s.periods.Items = nil
	for _, p := range []struct{ what, value string }{
		{"Plan reviews", "every " + months(set.ReviewMonths)},
		{"Exercises", "every " + months(set.ExerciseMonths)},
		{"Contact verification", "every " + days(set.ContactDays)},
		{"Restore tests", "every " + months(set.RestoreTestMonths)},
		{"Business impact analyses", "every " + months(set.BIAMonths)},
		{"Training", "every " + months(set.TrainingMonths)},
		{"Off-site copy", "synced within " + days(set.OffsiteDays)},
	} {
		s.periods.Append(p.what, widget.NewLabel(p.value))
	}
	s.periods.Refresh()
}

// changePassphrase reseals the identity with the new passphrase, off the
// UI goroutine (scrypt, twice); the file is replaced atomically, and only
// once the old passphrase has opened it.
func (s *settingsScreen) changePassphrase() {
	if s.change.Disabled() {
		return
	}
	for _, l := range []*fieldError{s.oldErr, s.newErr, s.againErr} {
		l.SetText("")
	}
	ok := true
	if s.oldPass.Text == "" {
		s.oldErr.SetText("Type the passphrase you use now.")
		ok = false
	}
	switch {
	case s.newPass.Text == "":
		s.newErr.SetText("Choose the new passphrase.")
		ok = false
	case s.again.Text != s.newPass.Text:
		s.againErr.SetText("The new passphrases differ: type the same one again.")
		ok = false
	}
	if !ok {
		return
	}
	path := s.u.opts.IdentityPath
	old, pass := []byte(s.oldPass.Text), []byte(s.newPass.Text)
	s.change.Disable()
	s.u.notify("Changing your passphrase…")
	runTask(s.u.tasks, func(context.Context, binder.Progress) (struct{}, error) {
		return struct{}{}, reseal(path, old, pass)
	}, nil, func(_ struct{}, err error) {
		s.change.Enable()
		switch {
		case errors.Is(err, bcrypto.ErrWrongPassphrase):
			s.oldErr.SetText("Wrong passphrase: nothing was changed.")
			s.oldPass.SetText("")
			s.u.notify("")
		case err != nil:
			s.u.notify("The passphrase was not changed: " + sentence(err))
		default:
			for _, e := range []*escEntry{s.oldPass, s.newPass, s.again} {
				e.SetText("")
			}
			s.strength.SetText("")
			s.u.notify("Your passphrase is changed: use the new one from now on.")
		}
	})
}

// reseal opens the identity at path with old and writes it sealed with
// pass in its place, atomically: on any failure the old file stays.
func reseal(path string, old, pass []byte) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	id, err := bcrypto.OpenIdentity(data, func() ([]byte, error) { return old, nil })
	if err != nil {
		return err
	}
	if !bcrypto.IsSealed(data) {
		return fmt.Errorf("%s is not sealed with a passphrase", path)
	}
	sealed, err := bcrypto.SealIdentity(id, pass, scryptWorkFactor())
	if err != nil {
		return err
	}
	// What is written must open with the new passphrase, as the same
	// identity, before it replaces the old file.
	back, err := bcrypto.OpenIdentity(sealed, func() ([]byte, error) { return pass, nil })
	if err != nil || !bytes.Equal(back.MarshalText(), id.MarshalText()) {
		return fmt.Errorf("the resealed identity does not open: %v", err)
	}
	return binder.WriteFileAtomic(path, sealed, 0o600)
}

// setTheme applies and remembers the theme chosen.
func (s *settingsScreen) setTheme(choice string) {
	a := s.u.fyneApp
	a.Preferences().SetString(themePref, choice)
	applyTheme(a, choice)
}

// applyTheme sets a's theme from a choice: System, Light or Dark.
func applyTheme(a fyne.App, choice string) {
	switch choice {
	case "Light":
		a.Settings().SetTheme(theme.LightTheme()) //nolint:staticcheck // forcing a variant is what the user asked for
	case "Dark":
		a.Settings().SetTheme(theme.DarkTheme()) //nolint:staticcheck
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// publicKeyLine is the identity's public keys on one line: handle, age
// recipient, signing key.
func publicKeyLine(id *bcrypto.Identity) string { return id.Card().String() }
