package ui

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	bcrypto "gobag/crypto"
)

func openSettings(t *testing.T, u *App) *settingsScreen {
	t.Helper()
	u.tasks.wait()
	if u.shell == nil {
		t.Fatal("binder not opened")
	}
	s, ok := u.shell.goTo("settings").(*settingsScreen)
	if !ok {
		t.Fatalf("got %T; want the settings screen", u.shell.screens["settings"])
	}
	return s
}

// Changing the passphrase: a wrong current one changes nothing; then the
// new one unlocks the identity and the old one does not.
func TestSettingsChangesPassphrase(t *testing.T) {
	testOnlyScryptWorkFactor = 10
	defer func() { testOnlyScryptWorkFactor = 0 }()
	a := test.NewTempApp(t)
	opts := newBinder(t, true)
	opts.Passphrase = func() ([]byte, error) { return []byte("pw"), nil }
	u := New(a, opts)
	defer u.Close()
	s := openSettings(t, u)
	before, _ := os.ReadFile(opts.IdentityPath)

	test.Type(s.oldPass, "nope")
	test.Type(s.newPass, "a much longer passphrase")
	test.Type(s.again, "a much longer passphrase!")
	test.Tap(s.change)
	if s.againErr.Text == "" {
		t.Fatal("got no error for differing new passphrases")
	}
	s.again.SetText("a much longer passphrase")
	test.Tap(s.change)
	u.tasks.wait()
	if !strings.Contains(s.oldErr.Text, "Wrong passphrase") {
		t.Fatalf("got %q at the current passphrase; want it said wrong", s.oldErr.Text)
	}
	if after, _ := os.ReadFile(opts.IdentityPath); string(after) != string(before) {
		t.Fatal("a wrong current passphrase changed the identity file")
	}
	test.Type(s.oldPass, "pw")
	test.Tap(s.change)
	u.tasks.wait()
	data, _ := os.ReadFile(opts.IdentityPath)
	if _, err := bcrypto.OpenIdentity(data, func() ([]byte, error) { return []byte("a much longer passphrase"), nil }); err != nil {
		t.Fatalf("got %v opening with the new passphrase; want it open", err)
	}
	if _, err := bcrypto.OpenIdentity(data, func() ([]byte, error) { return []byte("pw"), nil }); err == nil {
		t.Fatal("the old passphrase still opens the identity")
	}
	if s.oldPass.Text != "" || !strings.Contains(u.shell.status.Text, "changed") {
		t.Fatalf("got status %q; want the change said and the fields cleared", u.shell.status.Text)
	}
}

// The QR code decodes to the public key line.
func TestSettingsQRCodeDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed: the QR code cannot be decoded here")
	}
	a := test.NewTempApp(t)
	u := New(a, newBinder(t, false))
	defer u.Close()
	s := openSettings(t, u)
	if s.qr == nil {
		t.Fatal("no QR code")
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(file, s.qr.Resource.Content(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--raw", "-q", file).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), publicKeyLine(u.session.id); got != want {
		t.Fatalf("got QR code %q; want %q", got, want)
	}
	if s.keys.Text != publicKeyLine(u.session.id) {
		t.Fatalf("got keys %q; want the public key line", s.keys.Text)
	}
}

// The theme chosen applies at once and is remembered for the next start.
func TestSettingsThemeSwitch(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, newBinder(t, false))
	defer u.Close()
	s := openSettings(t, u)
	s.theme.SetSelected("Dark")
	bg := func(th fyne.Theme) any { return th.Color(theme.ColorNameBackground, theme.VariantLight) }
	if bg(a.Settings().Theme()) != bg(theme.DarkTheme()) { //nolint:staticcheck
		t.Fatalf("got background %v; want the dark theme's", bg(a.Settings().Theme()))
	}
	if got := a.Preferences().String(themePref); got != "Dark" {
		t.Fatalf("got preference %q; want Dark", got)
	}
	s.theme.SetSelected("Light")
	if bg(a.Settings().Theme()) != bg(theme.LightTheme()) { //nolint:staticcheck
		t.Fatal("got no light theme")
	}
	// The binder's name and periods are shown.
	if s.name.Text != "Example Statistics Office" || len(s.periods.Items) != 7 {
		t.Fatalf("got name %q, %d periods", s.name.Text, len(s.periods.Items))
	}
}

// TestRenderScreens writes the screens as PNGs for a look, when
// GOBAG_UI_SHOTS names a directory.
func TestRenderScreens(t *testing.T) {
	dir := os.Getenv("GOBAG_UI_SHOTS")
	if dir == "" {
		t.Skip("GOBAG_UI_SHOTS not set")
	}
	for _, dark := range []bool{false, true} {
		a := test.NewTempApp(t)
		if dark {
			a.Settings().SetTheme(theme.DarkTheme()) //nolint:staticcheck
		} else {
			a.Settings().SetTheme(theme.LightTheme()) //nolint:staticcheck
		}
		suffix := map[bool]string{false: "light", true: "dark"}[dark]
		shot := func(name string, u *App) {
			u.Window().Resize(fyne.NewSize(1100, 720))
			f, _ := os.Create(filepath.Join(dir, name+"-"+suffix+".png"))
			png.Encode(f, u.Window().Canvas().Capture())
			f.Close()
		}
		start := New(a, Options{IdentityPath: filepath.Join(t.TempDir(), "id.age")})
		test.Type(start.view.(*startView).create.id.pass, "abc")
		test.Tap(start.view.(*startView).create.button)
		shot("start", start)
		start.view.(*startView).tabs.SelectIndex(1)
		shot("join", start)
		start.Close()
		u := New(a, newBinder(t, false))
		u.tasks.wait()
		s := openSync(t, u)
		s.name.SetText("usb")
		s.url.SetText(filepath.Join(t.TempDir(), "usb.git"))
		s.addRemote("")
		u.tasks.wait()
		shot("sync", u)
		openSettings(t, u)
		shot("settings", u)
		u.Close()
	}
}
