package ui

import (
	"context"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// screen is one of the app's screens once the binder is open: the
// dashboard, the records, incident mode, the readiness report, the
// recovery order, sync, settings.
type screen interface {
	view
	// refresh reads again what the screen shows, after the binder changed
	// (a save here, a command from a terminal, a sync) or came back from
	// another process.
	refresh()
}

// Screens may also take the app's shortcuts.
type (
	// saver saves what the screen edits (Ctrl+S).
	saver interface{ save() }
	// creator starts a new record (Ctrl+N).
	creator interface{ create() }
	// backer handles Esc itself (an editor asking about unsaved changes);
	// false lets the shell go back to the previous screen.
	backer interface{ back() bool }
)

// screenSpec names a screen and says how to build it.
type screenSpec struct {
	name  string
	title string
	icon  func() fyne.Resource // a theme's icon, looked up once an app runs
	build func(u *App) screen
	// hidden screens are not in the navigation: they are reached from
	// other screens (the editor) or by their own button (incident mode).
	hidden bool
}

// navSpecs are the screens the navigation lists.
func navSpecs() []screenSpec {
	var out []screenSpec
	for _, sp := range screenSpecs {
		if !sp.hidden {
			out = append(out, sp)
		}
	}
	return out
}

// screenSpecs are the screens, in the order the navigation lists them.
// They are set in init: a screen's constructor may reach the shell, which
// reads this table, and Go refuses such a loop in a variable's
// initializer.
var screenSpecs []screenSpec

func init() {
	screenSpecs = []screenSpec{
		{name: "dashboard", title: "Dashboard", icon: theme.HomeIcon, build: func(u *App) screen { return newDashboard(u) }},
		{name: "records", title: "Records", icon: theme.ListIcon, build: func(u *App) screen { return newBrowser(u) }},
		{name: "readiness", title: "Readiness", icon: theme.ConfirmIcon, build: func(u *App) screen { return newReadinessReport(u) }},
		{name: "recovery", title: "Recovery order", icon: theme.StorageIcon, build: func(u *App) screen { return newRecoveryOrder(u) }},
		{name: "actions", title: "Actions", icon: theme.CheckButtonCheckedIcon, build: func(u *App) screen { return newActionsScreen(u) }},
		{name: "programme", title: "Programme", icon: theme.GridIcon, build: func(u *App) screen { return newProgrammeScreen(u) }},
		{name: "edit", title: "Edit", icon: theme.DocumentCreateIcon, build: func(u *App) screen { return newEditScreen(u) }, hidden: true},
		{name: "incident", title: "Incident mode", icon: theme.WarningIcon, build: func(u *App) screen { return newIncidentScreen(u) }, hidden: true},
		{name: "escrow", title: "Escrow", icon: theme.LoginIcon, build: func(u *App) screen { return newEscrowScreen(u) }},
		{name: "members", title: "Members", icon: theme.AccountIcon, build: func(u *App) screen { return newMembersScreen(u) }},
		{name: "audit", title: "Audit log", icon: theme.HistoryIcon, build: func(u *App) screen { return newAuditScreen(u) }},
		{name: "sync", title: "Sync", icon: theme.ViewRefreshIcon, build: func(u *App) screen { return newSyncScreen(u) }},
		{name: "settings", title: "Settings", icon: theme.SettingsIcon, build: func(u *App) screen { return newSettingsScreen(u) }},
	}
}

// place is a screen and what it showed, for going back.
type place struct {
	name string
	arg  string // a record id, for the records screen
}

// shell is the main window once the binder is open: the navigation on the
// left, the current screen, and a status line.
type shell struct {
	u *App
	// preview and importPreview are the export's preview and the
	// import's dry run, while one is shown.
	preview       *dialog.ConfirmDialog
	importPreview *dialog.CustomDialog
	root          fyne.CanvasObject
	nav           *widget.List
	body          *fyne.Container
	banner        *widget.Label // the binder is lent to another process
	// retry opens the binder again after that failed; bannerBox holds
	// the banner and retry.
	retry     *widget.Button
	bannerBox *fyne.Container
	status    *widget.Label
	// draft leads back to the editor while it holds unsaved changes and
	// another screen is shown.
	draft      *widget.Button
	screens    map[string]screen
	current    string
	history    []place
	navigating bool // the navigation list is being set by the program
}

func newShell(u *App) *shell {
	s := &shell{u: u, body: container.NewStack(), banner: widget.NewLabel(""), status: widget.NewLabel(""), screens: map[string]screen{}}
	s.banner.Importance = widget.WarningImportance
	s.draft = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() { s.goTo("edit") })
	s.draft.Importance = widget.WarningImportance
	s.draft.Hide()
	s.retry = widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), func() {
		s.retry.Hide()
		s.banner.SetText("Opening the binder again…")
		s.u.session.settle()
	})
	s.retry.Hide()
	s.banner.Wrapping = fyne.TextWrapWord
	s.bannerBox = container.NewBorder(nil, nil, nil, s.retry, s.banner)
	s.bannerBox.Hide()
	s.status.Truncation = fyne.TextTruncateEllipsis
	nav := navSpecs()
	s.nav = widget.NewList(func() int { return len(nav) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.ListIcon()), widget.NewLabel("Recovery order"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(nav[i].icon())
			row.Objects[1].(*widget.Label).SetText(nav[i].title)
		})
	s.nav.OnSelected = func(i widget.ListItemID) {
		if !s.navigating {
			s.goTo(nav[i].name)
		}
	}
	incident := widget.NewButtonWithIcon("Incident mode", theme.WarningIcon(), func() { s.goTo("incident") })
	incident.Importance = widget.DangerImportance
	if _, ok := specOf("incident"); !ok {
		incident.Hide()
	}
	left := container.NewBorder(nil, incident, nil, nil, s.nav)
	split := container.NewHSplit(left, container.NewBorder(s.bannerBox, container.NewBorder(nil, nil, nil, s.draft, s.status), nil, nil, s.body))
	split.Offset = 0.16
	s.root = split
	return s
}

func specOf(name string) (screenSpec, bool) {
	for _, sp := range screenSpecs {
		if sp.name == name {
			return sp, true
		}
	}
	return screenSpec{}, false
}

func (s *shell) content() fyne.CanvasObject { return s.root }

func (s *shell) shown(c fyne.Canvas) {
	s.addShortcuts(c)
	if s.current == "" {
		s.goTo(navSpecs()[0].name)
	}
}

// screen returns the screen called name, building it the first time.
func (s *shell) screen(name string) (screen, bool) {
	if sc, ok := s.screens[name]; ok {
		return sc, true
	}
	sp, ok := specOf(name)
	if !ok {
		return nil, false
	}
	sc := sp.build(s.u)
	s.screens[name] = sc
	return sc, true
}

// goTo shows the screen called name, remembering where the user was.
func (s *shell) goTo(name string) screen {
	sc, ok := s.screen(name)
	if !ok {
		return nil
	}
	if s.current != "" && s.current != name {
		s.history = append(s.history, place{name: s.current})
		if len(s.history) > 50 {
			s.history = s.history[1:]
		}
	}
	s.display(name, sc)
	return sc
}

// display makes sc, called name, the screen shown.
func (s *shell) display(name string, sc screen) {
	first := s.current != name
	if first {
		// What the status line said belongs to the screen left.
		s.status.SetText("")
	}
	s.current = name
	s.showDraft()
	s.body.Objects = []fyne.CanvasObject{sc.content()}
	s.body.Refresh()
	s.navigating = true
	s.nav.UnselectAll()
	for i, sp := range navSpecs() {
		if sp.name == name {
			s.nav.Select(i)
		}
	}
	s.navigating = false
	if first {
		sc.refresh()
	}
	sc.shown(s.u.win.Canvas())
	s.u.trace.event("screen", name)
}

// unsaved is a screen holding changes not yet saved (the editor).
type unsaved interface {
	dirty() bool
	draftTitle() string
}

// showDraft shows the way back to unsaved changes on any other screen.
func (s *shell) showDraft() {
	for name, sc := range s.screens {
		if d, ok := sc.(unsaved); ok && name != s.current && d.dirty() {
			s.draft.SetText("Unsaved: " + d.draftTitle())
			s.draft.Show()
			return
		}
	}
	s.draft.Hide()
}

// unsavedTitle names the record with unsaved changes, if any.
func (s *shell) unsavedTitle() (string, bool) {
	for _, sc := range s.screens {
		if d, ok := sc.(unsaved); ok && d.dirty() {
			return d.draftTitle(), true
		}
	}
	return "", false
}

// back goes to the previous screen (Esc), unless the screen handles it.
func (s *shell) back() {
	if b, ok := s.screens[s.current].(backer); ok && b.back() {
		return
	}
	if len(s.history) == 0 {
		return
	}
	p := s.history[len(s.history)-1]
	s.history = s.history[:len(s.history)-1]
	if sc, ok := s.screen(p.name); ok {
		s.display(p.name, sc)
	}
}

// binderChanged tells every screen built so far that the binder changed
// or came back, and shows whether it is lent now.
func (s *shell) binderChanged() {
	if s.u.session.lent() {
		s.banner.SetText("A gobag command from a terminal is using the binder. This window catches up when it is done.")
		if s.u.session.reloading || !s.u.session.asked {
			s.banner.SetText("Opening the binder again…")
		}
		s.retry.Hide()
		s.bannerBox.Show()
		return
	}
	s.bannerBox.Hide()
	// What was logged while the binder was lent is saved first, whether
	// or not the command changed anything.
	for _, sc := range s.screens {
		if f, ok := sc.(interface{ flush() }); ok {
			f.flush()
		}
	}
	if s.u.session.unchanged {
		return
	}
	for _, sc := range s.screens {
		sc.refresh()
	}
}

// reopenFailed says that the binder could not be opened again after a
// command had it, and offers to try again. The screens stay as they were,
// an editor's unsaved changes with them.
func (s *shell) reopenFailed(err error) {
	s.banner.SetText("The binder could not be opened again: " + sentence(err) + " What you see and any unsaved changes are kept; fix the cause, then try again.")
	s.retry.Show()
	s.bannerBox.Show()
}

// notify shows msg in the status line.
func (s *shell) notify(msg string) { s.status.SetText(msg) }

// shortcuts are the app's keyboard shortcuts; the same ones are in the
// main menu, which the window gives precedence over a focused widget.
func (s *shell) shortcuts() []struct {
	key    fyne.KeyName
	mod    fyne.KeyModifier
	action func()
} {
	return []struct {
		key    fyne.KeyName
		mod    fyne.KeyModifier
		action func()
	}{
		{fyne.KeyF, fyne.KeyModifierShortcutDefault, s.search},
		{fyne.KeyN, fyne.KeyModifierShortcutDefault, s.create},
		{fyne.KeyS, fyne.KeyModifierShortcutDefault, s.save},
		{fyne.KeyI, fyne.KeyModifierShortcutDefault, func() { s.goTo("incident") }},
		{fyne.KeyLeft, fyne.KeyModifierAlt, s.back},
	}
}

func (s *shell) addShortcuts(c fyne.Canvas) {
	for _, sc := range s.shortcuts() {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: sc.key, Modifier: sc.mod}, func(fyne.Shortcut) { sc.action() })
	}
	// Esc goes back when no widget has the focus; fields built with
	// newEntry give it up on Esc first.
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			s.back()
		}
	})
}

// search goes to the records and puts the cursor in the search field.
func (s *shell) search() {
	if sc, ok := s.goTo("records").(interface{ focusSearch() }); ok {
		sc.focusSearch()
	}
}

func (s *shell) create() {
	if c, ok := s.screens[s.current].(creator); ok {
		c.create()
		return
	}
	if c, ok := s.goTo("records").(creator); ok {
		c.create()
	}
}

func (s *shell) save() {
	if sv, ok := s.screens[s.current].(saver); ok {
		sv.save()
	}
}

// escEntry is an entry that gives up the focus on Esc, so that a second
// Esc reaches the shell and goes back.
type escEntry struct {
	widget.Entry
	onEsc func()
}

// newEntry returns a single-line entry that gives up the focus on Esc.
func newEntry() *escEntry {
	e := &escEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *escEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		if e.onEsc != nil {
			e.onEsc()
		}
		if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
			c.Unfocus()
		}
		return
	}
	e.Entry.TypedKey(ev)
}

// The screens reach each other through these, so that each stays in its
// own file and knows the others only by name.

// openRecord shows the record id on the records screen.
func (u *App) openRecord(id string) {
	if sc, ok := u.shell.goTo("records").(interface{ showRecord(id string) }); ok {
		sc.showRecord(id)
	}
}

// editRecord opens the editor on the record id, with the cursor at field
// (none if empty).
func (u *App) editRecord(id, field string) {
	if sc, ok := u.shell.goTo("edit").(interface{ editRecord(id, field string) }); ok {
		sc.editRecord(id, field)
	}
}

// newRecord opens the editor on a new record of kind (a plan starting from
// the template of plan type template, if not empty), with set's fields
// filled in.
func (u *App) newRecord(kind, template string, set []binder.FieldValue) {
	if sc, ok := u.shell.goTo("edit").(interface {
		newRecord(kind, template string, set []binder.FieldValue)
	}); ok {
		sc.newRecord(kind, template, set)
	}
}

// changed tells every screen that the binder changed (after a save or a
// sync here), so that each reads it again.
func (u *App) changed() { u.shell.binderChanged() }

// notify shows msg in the status line.
func (u *App) notify(msg string) { u.shell.notify(msg) }

// runRefreshTask is runBinderTask for work that only reads the binder to
// show it (a readiness check, the recovery order, a history): a command
// that asks for the binder cancels it rather than wait for it, and done
// is then not called; the screens read again once the binder is back.
// The function returned cancels it too (a Cancel button): done then gets
// the context's error.
func runRefreshTask[T any](u *App, work func(ctx context.Context, b *binder.Binder, progress binder.Progress) (T, error), progress func(stage string, done, total int), done func(T, error)) (cancel func()) {
	ctx, cancel := context.WithCancel(u.tasks.ctx)
	key := u.session.addRefresh(cancel)
	runBinderTask(u, func(_ context.Context, b *binder.Binder, p binder.Progress) (T, error) {
		return work(ctx, b, p)
	}, progress, func(v T, err error) {
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		cancel()
		if u.session.endRefresh(key) {
			return
		}
		done(v, err)
	})
	return cancel
}

// heavyWork is how long background work on the binder must take for the
// app to return the memory it used to the system straight after.
const heavyWork = 200 * time.Millisecond

// runBinderTask runs work on the open binder off the UI goroutine, like
// runTask; the binder is not lent to another process until work is done.
// If another process has the binder now, done gets errLent at once.
func runBinderTask[T any](u *App, work func(ctx context.Context, b *binder.Binder, progress binder.Progress) (T, error), progress func(stage string, done, total int), done func(T, error)) {
	b, release, err := u.session.use()
	if err != nil {
		var zero T
		done(zero, err)
		return
	}
	runTask(u.tasks, func(ctx context.Context, p binder.Progress) (T, error) {
		start := time.Now()
		v, err := work(ctx, b, p)
		if time.Since(start) > heavyWork {
			// Long work read much of the binder (a readiness check of
			// every record, a sync): give the memory it no longer needs
			// back to the system now, not whenever the runtime gets to it,
			// so that the app stays small while it sits open for hours.
			debug.FreeOSMemory()
		}
		return v, err
	}, progress, func(v T, err error) {
		release()
		done(v, err)
	})
}
