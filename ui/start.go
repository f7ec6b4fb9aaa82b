package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	bcrypto "gobag/crypto"
	gitsync "gobag/sync"
)

// startView is what the app shows when it has no binder to open: create
// an identity and a binder, open the demo, open a binder directory, or
// join a binder by cloning it from a remote.
type startView struct {
	u    *App
	root fyne.CanvasObject
	tabs *container.AppTabs
	note *fieldError // why this screen is shown, if not the first run

	create struct {
		id       *identityForm
		name     *escEntry
		nameErr  *fieldError
		dir      *escEntry
		dirErr   *fieldError
		button   *widget.Button
		progress *widget.Label
	}
	open struct {
		dir, identity *escEntry
		err           *fieldError
		button        *widget.Button
	}
	demo struct {
		button   *widget.Button
		progress *widget.Label
	}
	join struct {
		id       *identityForm
		url      *escEntry
		urlErr   *fieldError
		dir      *escEntry
		dirErr   *fieldError
		fp       *escEntry
		fpErr    *fieldError
		tofu     *widget.Check
		button   *widget.Button
		cancel   *widget.Button
		progress *widget.Label
		stop     context.CancelFunc
		hostKey  *dialog.ConfirmDialog // the SSH host key to accept, while asked
	}
}

// showStart shows the start screen, with note (if any) saying why.
func (u *App) showStart(note string) {
	u.show(newStartView(u, note))
}

func newStartView(u *App, note string) *startView {
	v := &startView{u: u, note: errorLabel()}
	v.note.Importance = widget.WarningImportance
	v.note.SetText(note)
	if note == "" {
		v.note.Hide()
	}
	title := widget.NewLabelWithStyle("Welcome to gobag", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := wrapped("A continuity binder: your team's plans, contacts, runbooks and systems, signed, encrypted and kept in step between copies. Start a new binder, join your team's, or look around the demo.")
	v.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Create a binder", theme.ContentAddIcon(), v.createTab()),
		container.NewTabItemWithIcon("Join a binder", theme.DownloadIcon(), v.joinTab()),
		container.NewTabItemWithIcon("Open a binder", theme.FolderOpenIcon(), v.openTab()),
		container.NewTabItemWithIcon("Try the demo", theme.InfoIcon(), v.demoTab()),
	)
	v.tabs.OnSelected = func(*container.TabItem) { v.shown(u.win.Canvas()) }
	body := container.NewBorder(container.NewVBox(title, intro, v.note), nil, nil, nil, v.tabs)
	v.root = container.NewCenter(container.NewGridWrap(fyne.NewSize(720, 620), container.NewPadded(body)))
	return v
}

func (v *startView) content() fyne.CanvasObject { return v.root }

// shown puts the cursor in the first field of the tab shown.
func (v *startView) shown(c fyne.Canvas) {
	var first fyne.Focusable
	switch v.tabs.SelectedIndex() {
	case 0:
		first = v.create.id.first()
	case 1:
		first = v.join.url
	case 2:
		first = v.open.dir
	}
	if first != nil {
		c.Focus(first)
	}
}

func (v *startView) createTab() fyne.CanvasObject {
	c := &v.create
	c.id = newIdentityForm(v.u.opts.IdentityPath)
	c.name = newEntry()
	c.name.SetPlaceHolder("Example Statistics Office")
	c.nameErr = errorLabel()
	c.dir = newEntry()
	c.dir.SetPlaceHolder(suggestDir("binder"))
	c.dirErr = errorLabel()
	c.progress = widget.NewLabel("")
	c.button = widget.NewButtonWithIcon("Create the binder", theme.ConfirmIcon(), v.createBinder)
	c.button.Importance = widget.HighImportance
	c.name.OnSubmitted = func(string) { v.createBinder() }
	c.dir.OnSubmitted = func(string) { v.createBinder() }
	form := widget.NewForm(
		widget.NewFormItem("Binder name", container.NewVBox(c.name, c.nameErr)),
		widget.NewFormItem("Directory", container.NewVBox(v.withBrowse(c.dir), c.dirErr)),
	)
	return container.NewVScroll(container.NewVBox(c.id.box, widget.NewSeparator(), form, c.button, c.progress))
}

// createBinder creates the identity (if new) and the binder, off the UI
// goroutine, and opens it.
func (v *startView) createBinder() {
	c := &v.create
	if c.button.Disabled() {
		return
	}
	ok := c.id.check()
	name := strings.TrimSpace(c.name.Text)
	c.nameErr.SetText("")
	if name == "" {
		c.nameErr.SetText("Give the binder a name: your organisation's, or the team's.")
		ok = false
	}
	dir, msg := newDirectory(c.dir.Text)
	c.dirErr.SetText(msg)
	ok = ok && msg == ""
	if !ok {
		return
	}
	c.button.Disable()
	c.progress.SetText("Creating your identity and the binder…")
	form := c.id
	load := form.loader()
	runTask(v.u.tasks, func(ctx context.Context, _ binder.Progress) (*binder.Binder, error) {
		id, err := load()
		if err != nil {
			return nil, err
		}
		return binder.Create(ctx, dir, id, name)
	}, nil, func(b *binder.Binder, err error) {
		c.button.Enable()
		c.progress.SetText("")
		if v.u.closed {
			closeBinder(b)
			return
		}
		if err != nil {
			if !form.failed(err) {
				c.dirErr.SetText(sentence(err))
			}
			return
		}
		v.u.opts.BinderDir, v.u.opts.IdentityPath = dir, form.path
		v.u.opened(b, b.Identity(), nil)
	})
}

func (v *startView) openTab() fyne.CanvasObject {
	o := &v.open
	o.dir = newEntry()
	o.dir.SetPlaceHolder(suggestDir("binder"))
	o.identity = newEntry()
	o.identity.SetText(v.u.opts.IdentityPath)
	o.err = errorLabel()
	o.button = widget.NewButtonWithIcon("Open", theme.FolderOpenIcon(), v.openBinder)
	o.button.Importance = widget.HighImportance
	o.dir.OnSubmitted = func(string) { v.openBinder() }
	o.identity.OnSubmitted = func(string) { v.openBinder() }
	browseID := widget.NewButtonWithIcon("", theme.FileIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				o.identity.SetText(r.URI().Path())
				r.Close()
			}
		}, v.u.win)
		d.Show()
	})
	form := widget.NewForm(
		widget.NewFormItem("Binder directory", v.withBrowse(o.dir)),
		widget.NewFormItem("Your identity", container.NewBorder(nil, nil, nil, browseID, o.identity)),
	)
	help := wrapped("A binder on this computer: one you created, or a copy you joined. Your identity's passphrase is asked for next.")
	return container.NewVBox(help, form, o.err, o.button)
}

// openBinder opens the directory given, asking for the identity's
// passphrase as at any start.
func (v *startView) openBinder() {
	o := &v.open
	dir := strings.TrimSpace(o.dir.Text)
	idPath := strings.TrimSpace(o.identity.Text)
	switch {
	case dir == "":
		o.err.SetText("Choose the binder's directory.")
		return
	case !isDir(dir):
		o.err.SetText(fmt.Sprintf("%s is not a directory on this computer.", dir))
		return
	case idPath == "":
		o.err.SetText("Choose your identity file.")
		return
	}
	if _, err := os.Stat(idPath); err != nil {
		o.err.SetText(fmt.Sprintf("There is no identity file at %s. Create one on the first tab, or choose the file.", idPath))
		return
	}
	v.u.opts.BinderDir, v.u.opts.IdentityPath = absPath(dir), absPath(idPath)
	v.u.start()
}

func (v *startView) demoTab() fyne.CanvasObject {
	d := &v.demo
	d.progress = widget.NewLabel("")
	d.button = widget.NewButtonWithIcon("Open the demo", theme.MediaPlayIcon(), v.openDemo)
	d.button.Importance = widget.HighImportance
	where := v.u.opts.DemoDir
	if v.u.opts.Demo == nil || where == "" {
		d.button.Disable()
		where = "(not available in this build)"
	}
	help := wrapped(fmt.Sprintf("A national statistics office's continuity binder, far from ready: a safe place to try every screen. "+
		"It is made the first time, in %s, with its own identity, whose passphrase is \"demo\".", where))
	return container.NewVBox(help, d.button, d.progress)
}

// openDemo creates the demo binder the first time and opens it with its
// identity.
func (v *startView) openDemo() {
	d := &v.demo
	dir, make := v.u.opts.DemoDir, v.u.opts.Demo
	d.button.Disable()
	d.progress.SetText("Preparing the demo binder…")
	runTask(v.u.tasks, func(ctx context.Context, _ binder.Progress) (string, error) {
		return make(ctx, dir)
	}, nil, func(idPath string, err error) {
		d.button.Enable()
		d.progress.SetText("")
		if err != nil {
			d.progress.SetText("The demo could not be made: " + sentence(err))
			return
		}
		v.u.opts.BinderDir, v.u.opts.IdentityPath = dir, idPath
		v.u.unlockNote = `The demo identity's passphrase is "demo".`
		v.u.start()
	})
}

func (v *startView) joinTab() fyne.CanvasObject {
	j := &v.join
	j.id = newIdentityForm(v.u.opts.IdentityPath)
	j.url = newEntry()
	j.url.SetPlaceHolder("ssh://user@host/srv/binder.git, https://…, or a directory")
	j.urlErr = errorLabel()
	j.dir = newEntry()
	j.dir.SetPlaceHolder(suggestDir("binder"))
	j.dirErr = errorLabel()
	j.fp = newEntry()
	j.fp.SetPlaceHolder("SHA256:…, as a member of the binder gives it to you")
	j.fpErr = errorLabel()
	j.tofu = widget.NewCheck("No fingerprint: trust on first use (check it with a member after)", func(on bool) {
		if on {
			j.fp.Disable()
		} else {
			j.fp.Enable()
		}
	})
	j.progress = widget.NewLabel("")
	j.progress.Wrapping = fyne.TextWrapWord
	j.button = widget.NewButtonWithIcon("Join", theme.DownloadIcon(), func() { v.joinBinder("") })
	j.button.Importance = widget.HighImportance
	j.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if j.stop != nil {
			j.stop()
		}
	})
	j.cancel.Hide()
	form := widget.NewForm(
		widget.NewFormItem("Remote", container.NewVBox(j.url, j.urlErr)),
		widget.NewFormItem("Directory", container.NewVBox(v.withBrowse(j.dir), j.dirErr)),
		widget.NewFormItem("Fingerprint", container.NewVBox(j.fp, j.fpErr, j.tofu)),
	)
	help := wrapped("Make your own copy of your team's binder. A manager must first have added your identity's public keys to the binder.")
	return container.NewVScroll(container.NewVBox(help, form, widget.NewSeparator(), j.id.box, container.NewHBox(j.button, j.cancel), j.progress))
}

// joinBinder clones the binder off the UI goroutine, with hostKey the SSH
// host key fingerprint the user accepted (if any), and opens the copy.
func (v *startView) joinBinder(hostKey string) {
	j := &v.join
	if j.button.Disabled() {
		return
	}
	ok := j.id.check()
	url := strings.TrimSpace(j.url.Text)
	j.urlErr.SetText("")
	if url == "" {
		j.urlErr.SetText("Give the address of the binder to join.")
		ok = false
	}
	dir, msg := newDirectory(j.dir.Text)
	j.dirErr.SetText(msg)
	ok = ok && msg == ""
	fp := strings.TrimSpace(j.fp.Text)
	j.fpErr.SetText("")
	switch {
	case j.tofu.Checked:
		fp = ""
	case fp == "":
		j.fpErr.SetText("Ask a member for the binder's fingerprint and type it here, or choose to trust the binder on first use.")
		ok = false
	case !strings.HasPrefix(fp, "SHA256:"):
		j.fpErr.SetText("A binder's fingerprint starts with SHA256:")
		ok = false
	}
	if !ok {
		return
	}
	ctx, stop := context.WithCancel(v.u.tasks.ctx)
	j.stop = stop
	j.button.Disable()
	j.cancel.Show()
	j.progress.SetText("Unlocking your identity…")
	form := j.id
	tofu := j.tofu.Checked
	load := form.loader()
	runTask(v.u.tasks, func(_ context.Context, progress binder.Progress) (*binder.Binder, error) {
		id, err := load()
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress("connect", 0, 0)
		}
		return gitsync.Clone(ctx, url, dir, id, gitsync.CloneOptions{
			Options:           gitsync.Options{Identity: id, Progress: progress},
			ExpectFingerprint: fp,
			TrustOnFirstUse:   tofu,
			AcceptHostKey:     hostKey,
		})
	}, func(stage string, done, total int) {
		j.progress.SetText(syncProgressLine(stage, done, total))
	}, func(b *binder.Binder, err error) {
		stop()
		j.stop = nil
		j.button.Enable()
		j.cancel.Hide()
		j.progress.SetText("")
		if v.u.closed {
			closeBinder(b)
			return
		}
		if fix := binder.FixOf(err); fix != nil && fix.Action == binder.ActionCloneHostKey && hostKey == "" {
			j.hostKey = askHostKey(v.u.win, url, fix.Value, func(accept bool) {
				j.hostKey = nil
				if accept {
					v.joinBinder(fix.Value)
					return
				}
				j.progress.SetText("Not joined: the server's host key was not accepted.")
			})
			return
		}
		switch {
		case errors.Is(err, context.Canceled):
			j.progress.SetText("Cancelled: nothing was kept.")
			return
		case err != nil:
			if !form.failed(err) {
				j.progress.SetText(sentence(err))
			}
			return
		}
		v.u.opts.BinderDir, v.u.opts.IdentityPath = dir, form.path
		v.u.opened(b, b.Identity(), nil)
		if tofu {
			// A question for the user to settle, not a passing note: it
			// stays until dismissed.
			dialog.ShowInformation("Check the binder's fingerprint",
				"You joined trusting the binder on first use. Check with a member of the binder, in person or by phone, that its fingerprint is\n\n"+
					b.Fingerprint()+"\n\nSettings shows it again at any time. If it differs, this is not your team's binder: remove this copy.", v.u.win)
			v.u.notify("Joined, trusting on first use: check with a member that the binder's fingerprint is " + b.Fingerprint())
		}
	})
}

// withBrowse puts a button beside e that fills it from a folder dialog.
func (v *startView) withBrowse(e *escEntry) fyne.CanvasObject {
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				e.SetText(u.Path())
			}
		}, v.u.win)
	})
	return container.NewBorder(nil, nil, nil, browse, e)
}

// identityForm asks for the identity a new or joined binder is used
// with: a new one (name, passphrase twice) if there is none at path yet,
// or the passphrase of the one there.
type identityForm struct {
	path     string
	exists   bool
	sealed   bool
	box      *fyne.Container
	title    *widget.Label
	handle   *escEntry
	handleOK *fieldError
	pass     *escEntry
	passErr  *fieldError
	strength *widget.Label
	again    *escEntry
	againErr *fieldError
}

func newIdentityForm(path string) *identityForm {
	f := &identityForm{path: path, handle: newEntry(), pass: newEntry(), again: newEntry(),
		title:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		handleOK: errorLabel(), passErr: errorLabel(), againErr: errorLabel(), strength: widget.NewLabel("")}
	f.pass.Password, f.again.Password = true, true
	f.handle.SetPlaceHolder("priya (lower-case letters, digits, - or _)")
	f.handle.SetText(defaultHandle())
	f.pass.OnChanged = func(s string) {
		if !f.exists {
			f.strength.SetText(passphraseStrength(s))
		}
		f.passErr.SetText("")
	}
	f.again.OnChanged = func(string) { f.againErr.SetText("") }
	f.box = container.NewVBox()
	f.layout()
	return f
}

// layout builds the form for an identity that is new, or exists.
func (f *identityForm) layout() {
	data, err := os.ReadFile(f.path)
	f.exists = err == nil
	f.sealed = f.exists && bcrypto.IsSealed(data)
	var items []*widget.FormItem
	if f.exists {
		f.title.SetText("Your identity")
		items = append(items, widget.NewFormItem("File", wrapped(f.path)))
		if f.sealed {
			items = append(items, widget.NewFormItem("Passphrase", container.NewVBox(f.pass, f.passErr)))
		}
	} else {
		f.title.SetText("Your identity (new)")
		items = append(items,
			widget.NewFormItem("Your name", container.NewVBox(f.handle, f.handleOK)),
			widget.NewFormItem("Passphrase", container.NewVBox(f.pass, f.strength, f.passErr)),
			widget.NewFormItem("Again", container.NewVBox(f.again, f.againErr)))
	}
	note := wrapped("Your identity is your key to the binder: it decrypts it and signs what you write. It is kept in " + f.path + ", sealed with the passphrase.")
	f.box.Objects = []fyne.CanvasObject{f.title, note, widget.NewForm(items...)}
	f.box.Refresh()
}

// first is the field to type into first.
func (f *identityForm) first() fyne.Focusable {
	if f.exists {
		return f.pass
	}
	return f.handle
}

// check says at each field what is wrong with it; it reports whether all
// is well.
func (f *identityForm) check() bool {
	ok := true
	f.handleOK.SetText("")
	f.passErr.SetText("")
	f.againErr.SetText("")
	if f.exists {
		if f.sealed && f.pass.Text == "" {
			f.passErr.SetText("Type your identity's passphrase.")
			ok = false
		}
		return ok
	}
	if !bcrypto.ValidHandle(f.handle.Text) {
		f.handleOK.SetText("Use lower-case letters, digits, - or _ (for example priya or p-raman).")
		ok = false
	}
	if f.pass.Text == "" {
		f.passErr.SetText("Choose a passphrase: it protects your identity on this computer.")
		ok = false
	} else if f.again.Text != f.pass.Text {
		f.againErr.SetText("The passphrases differ: type the same one again.")
		ok = false
	}
	return ok
}

// loader returns what loads the identity: the existing one unlocked, or
// a new one, sealed and written to the form's path, as the fields say
// now. It runs scrypt: call it off the UI goroutine.
func (f *identityForm) loader() func() (*bcrypto.Identity, error) {
	exists, path, handle, pass := f.exists, f.path, f.handle.Text, []byte(f.pass.Text)
	return func() (*bcrypto.Identity, error) { return loadIdentity(exists, path, handle, pass) }
}

func loadIdentity(exists bool, path, handle string, pass []byte) (*bcrypto.Identity, error) {
	if exists {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return bcrypto.OpenIdentity(data, func() ([]byte, error) { return pass, nil })
	}
	id, err := bcrypto.NewIdentity(handle)
	if err != nil {
		return nil, err
	}
	sealed, err := bcrypto.SealIdentity(id, pass, scryptWorkFactor())
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%s appeared meanwhile: %w", path, os.ErrExist)
	}
	if err := binder.WriteFileAtomic(path, sealed, 0o600); err != nil {
		return nil, fmt.Errorf("save your identity: %w", err)
	}
	return id, nil
}

// failed shows err at the identity's fields if it concerns them, and
// reports whether it did. After a new identity was written, the form
// asks for its passphrase from then on.
func (f *identityForm) failed(err error) bool {
	wasNew := !f.exists
	f.layout()
	switch {
	case errors.Is(err, bcrypto.ErrWrongPassphrase):
		f.passErr.SetText("Wrong passphrase. Try again.")
		f.pass.SetText("")
		return true
	case errors.Is(err, os.ErrExist) && wasNew:
		f.passErr.SetText("An identity was made at " + f.path + " meanwhile: type its passphrase.")
		return true
	}
	if wasNew && f.exists {
		f.passErr.SetText("Your identity was saved; type its passphrase to try again.")
	}
	return false
}

// passphraseStrength words how hard a passphrase would be to guess, from
// its length and the kinds of characters in it: a hint, not a rule.
func passphraseStrength(p string) string {
	if p == "" {
		return ""
	}
	var lower, upper, digit, other bool
	n := 0
	for _, r := range p {
		n++
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	pool := 0
	for _, c := range []struct {
		has  bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.has {
			pool += c.size
		}
	}
	bits := float64(n) * math.Log2(float64(pool))
	switch {
	case bits < 45:
		return "Weak: easy to guess. Four or more random words make a strong passphrase."
	case bits < 65:
		return "Fair: longer would be safer."
	case bits < 90:
		return "Good."
	}
	return "Strong."
}

// newDirectory checks typed as the directory for a new binder: it must
// not exist or be empty. It returns the absolute path, or what is wrong.
func newDirectory(typed string) (string, string) {
	dir := strings.TrimSpace(typed)
	if dir == "" {
		return "", "Choose a directory for the binder: a new one, or an empty one."
	}
	dir = absPath(dir)
	ents, err := os.ReadDir(dir)
	switch {
	case err == nil && len(ents) > 0:
		return "", dir + " is not empty: choose a new or empty directory."
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return "", fmt.Sprintf("%s cannot be used: %v", dir, err)
	}
	return dir, ""
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// suggestDir is a directory under the user's home, as a placeholder.
func suggestDir(name string) string {
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "gobag", name)
	}
	return name
}

// defaultHandle is the user's login name, if it makes a valid handle.
func defaultHandle() string {
	for _, k := range []string{"USER", "LOGNAME"} {
		if h := strings.ToLower(os.Getenv(k)); bcrypto.ValidHandle(h) {
			return h
		}
	}
	return ""
}

// testOnlyScryptWorkFactor, when a test sets it, seals identities fast.
var testOnlyScryptWorkFactor int

func scryptWorkFactor() int {
	if testOnlyScryptWorkFactor > 0 {
		return testOnlyScryptWorkFactor
	}
	return bcrypto.DefaultScryptWorkFactor
}

// sentence words an error with its hint, for a label.
func sentence(err error) string {
	msg := err.Error()
	if h := binder.HintOf(err); h != "" {
		msg += ". " + strings.ToUpper(h[:1]) + h[1:] + "."
	}
	return msg
}

// fieldError says what is wrong at a field; it takes no room when
// nothing is.
type fieldError struct{ widget.Label }

func errorLabel() *fieldError {
	l := &fieldError{}
	l.ExtendBaseWidget(l)
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// SetText shows msg, or hides the label if msg is empty.
func (l *fieldError) SetText(msg string) {
	l.Label.SetText(msg)
	if msg == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func closeBinder(b *binder.Binder) {
	if b != nil {
		b.Close()
	}
}
