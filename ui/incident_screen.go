package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/recovery"
)

// incidentScreen is incident mode: the start page (continue an open
// incident, or open one) and the incident being handled.
type incidentScreen struct {
	u      *App
	root   *container.ThemeOverride
	body   *fyne.Container // the start page or the incident page
	status *widget.Label   // what the last action did, or why it failed

	// The start page.
	startPage  fyne.CanvasObject
	openList   *fyne.Container // the open incidents, to continue
	title      *escEntry
	titleMsg   *widget.Label
	scenario   *widget.Select
	plans      []*incidentPick
	runbooks   []*incidentPick
	picks      *fyne.Container // the plans' and runbooks' checks
	openButton *widget.Button

	// The incident page, for the incident id.
	id          string
	d           *incidentData
	built       string // the incident the page was built for
	rev         int    // and its revision
	page        fyne.CanvasObject
	heading     *widget.Label
	meta        *widget.Label
	tabs        *container.AppTabs
	checklist   *fyne.Container
	calls       *fyne.Container
	recovery    *fyne.Container
	recoveryMsg *widget.Label
	clocks      []*incidentClockRow
	steps       []*incidentStep
	callRows    []*incidentCallRow
	logEntry    *escEntry
	logButton   *widget.Button
	timeline    *widget.Label // newest first
	tabPages    []*container.ThemeOverride
	closeButton *widget.Button
	others      *widget.Button // back to the start page
	// pending are the entries logged while a command from a terminal had
	// the binder, each with the moment it was logged: they are saved, in
	// order, as soon as the binder is back (flush).
	pending     []pendingEntry
	lessons     *widget.Entry // the close dialog's, while it is open
	lessonsMsg  *widget.Label
	closeDialog dialog.Dialog
	closeOK     *widget.Button

	clockStop context.CancelFunc // the clock runs while the incident page is shown
}

// incidentPick is a plan or runbook to activate.
type incidentPick struct {
	id    string
	check *widget.Check
}

// incidentStep is one runbook step on the checklist.
type incidentStep struct {
	rb       *binder.Record
	n        int // from 1
	row      binder.Values
	check    *widget.Check
	notes    *widget.Label
	note     *escEntry
	result   *widget.Button
	fallback *widget.Button
	msg      *widget.Label
	setting  bool // the check is being set from the timeline
}

// incidentCallRow is one person to call: their state and the buttons that
// log a call.
type incidentCallRow struct {
	c          *binder.Record
	state      *widget.Label
	reached    *widget.Button
	notReached *widget.Button
	copies     []*widget.Button
	calls      []*widget.Button
}

// incidentClockRow is one system in the recovery order, its RTO counting
// down from the incident's start.
type incidentClockRow struct {
	step   recovery.Step
	rto    time.Duration
	hasRTO bool
	left   *widget.Label
	open   *widget.Button
}

func newIncidentScreen(u *App) *incidentScreen {
	v := &incidentScreen{u: u, status: widget.NewLabel("")}
	v.status.Wrapping = fyne.TextWrapWord
	v.buildStart()
	v.buildPage()
	v.body = container.NewStack(v.startPage)
	v.root = container.NewThemeOverride(container.NewBorder(nil, v.status, nil, nil, v.body), incidentTheme{})
	return v
}

func (v *incidentScreen) content() fyne.CanvasObject { return v.root }

// shown focuses where the user types next, takes the screen's shortcuts,
// and starts the clock when an incident is shown.
func (v *incidentScreen) shown(c fyne.Canvas) {
	tab := func(i int) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			if v.u.shell.current == "incident" && v.d != nil {
				v.tabs.SelectIndex(i)
			}
		}
	}
	for i := range 3 {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyName(fmt.Sprint(i + 1)), Modifier: fyne.KeyModifierAlt}, tab(i))
	}
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if v.u.shell.current == "incident" && v.d != nil {
			c.Focus(v.logEntry)
		}
	})
	if v.d != nil {
		c.Focus(v.logEntry)
		v.startClock()
	} else {
		c.Focus(v.title)
	}
}

// create (Ctrl+N) starts a new incident.
func (v *incidentScreen) create() {
	v.showStart()
	v.u.win.Canvas().Focus(v.title)
}

// refresh reads the incident, or the start page's lists, again.
func (v *incidentScreen) refresh() {
	if v.id != "" {
		v.loadPage()
		return
	}
	v.loadStart()
}

// say shows msg in the screen's status line, in big type.
func (v *incidentScreen) say(msg string) { v.status.SetText(msg) }

// ---- The start page ----

func (v *incidentScreen) buildStart() {
	v.openList = container.NewVBox()
	v.title = newEntry()
	v.title.SetPlaceHolder("What happened? (e.g. Ransomware on the file server)")
	v.title.OnSubmitted = func(string) { v.open() }
	v.titleMsg = widget.NewLabel("")
	v.titleMsg.Importance = widget.DangerImportance
	v.titleMsg.Hide()
	scenarios := append([]string{"(not known yet)"}, binder.Scenarios...)
	v.scenario = widget.NewSelect(scenarios, nil)
	v.scenario.SetSelected(scenarios[0])
	v.picks = container.NewVBox()
	v.openButton = widget.NewButtonWithIcon("Open incident", theme.WarningIcon(), v.open)
	v.openButton.Importance = widget.DangerImportance
	heading := widget.NewLabelWithStyle("Incident mode", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText
	newHeading := widget.NewLabelWithStyle("Open a new incident", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	form := container.NewVBox(newHeading, v.title, v.titleMsg,
		container.NewBorder(nil, nil, widget.NewLabel("Scenario"), nil, v.scenario),
		v.picks, container.NewHBox(v.openButton))
	v.startPage = container.NewVScroll(container.NewPadded(container.NewVBox(heading, v.openList, widget.NewSeparator(), form)))
}

// showStart shows the start page.
func (v *incidentScreen) showStart() {
	v.stopClock()
	v.id, v.d = "", nil
	v.body.Objects = []fyne.CanvasObject{v.startPage}
	v.loadStart()
	v.body.Refresh()
}

// loadStart lists the open incidents and the plans and runbooks to pick,
// keeping what is ticked.
func (v *incidentScreen) loadStart() {
	b := v.u.Binder()
	if b == nil {
		v.status.SetText("A gobag command from a terminal is using the binder; this page catches up when it is done.")
		return
	}
	ctx := context.Background()
	incs, err := b.List(ctx, "incident")
	if err != nil {
		v.say("Cannot list the incidents: " + err.Error())
		return
	}
	var open []*binder.Record
	for _, s := range incs {
		r, err := b.Get(ctx, s.ID)
		if err == nil && !incidentClosed(r) {
			open = append(open, r)
		}
	}
	sort.SliceStable(open, func(i, j int) bool { return incidentStart(open[i]).After(incidentStart(open[j])) })
	v.openList.Objects = nil
	if len(open) == 0 {
		v.openList.Add(widget.NewLabel("No incident is open."))
	} else {
		v.openList.Add(widget.NewLabelWithStyle("Continue an open incident", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	for _, r := range open {
		id := r.ID
		label := fmt.Sprintf("%s — since %s", r.Title, incidentStart(r).Local().Format("Jan 2 15:04"))
		btn := widget.NewButtonWithIcon(label, theme.NavigateNextIcon(), func() { v.showIncident(id) })
		btn.Alignment = widget.ButtonAlignLeading
		v.openList.Add(btn)
	}

	was := map[string]bool{}
	for _, p := range append(append([]*incidentPick(nil), v.plans...), v.runbooks...) {
		was[p.id] = p.check.Checked
	}
	plans, err1 := b.List(ctx, "plan")
	runbooks, err2 := b.List(ctx, "runbook")
	if err1 != nil || err2 != nil {
		v.say("Cannot list the plans and runbooks.")
	}
	v.runbooks = nil
	for _, s := range runbooks {
		p := &incidentPick{id: s.ID, check: widget.NewCheck(s.Title, nil)}
		p.check.Checked = was[s.ID]
		v.runbooks = append(v.runbooks, p)
	}
	v.plans = nil
	for _, s := range plans {
		id := s.ID
		p := &incidentPick{id: id, check: widget.NewCheck(s.Title, nil)}
		p.check.Checked = was[id]
		p.check.OnChanged = func(on bool) {
			if on {
				v.pickRunbooksOf(id)
			}
		}
		v.plans = append(v.plans, p)
	}
	v.picks.Objects = nil
	v.picks.Add(widget.NewLabelWithStyle("Plans to activate", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if len(v.plans) == 0 {
		v.picks.Add(widget.NewLabel("The binder has no plans."))
	}
	for _, p := range v.plans {
		v.picks.Add(p.check)
	}
	v.picks.Add(widget.NewLabelWithStyle("Runbooks to follow (a plan's are ticked with it)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if len(v.runbooks) == 0 {
		v.picks.Add(widget.NewLabel("The binder has no runbooks."))
	}
	for _, p := range v.runbooks {
		v.picks.Add(p.check)
	}
	v.root.Refresh()
}

// pickRunbooksOf ticks the runbooks the plan id calls on.
func (v *incidentScreen) pickRunbooksOf(id string) {
	b := v.u.Binder()
	if b == nil {
		return
	}
	p, err := b.Get(context.Background(), id)
	if err != nil {
		return
	}
	for _, rid := range p.Links("runbooks") {
		for _, rb := range v.runbooks {
			if rb.id == rid {
				rb.check.SetChecked(true)
			}
		}
	}
}

// open saves a new incident, activating the plans and runbooks ticked,
// with a first timeline entry saying so, in one commit; then shows it.
func (v *incidentScreen) open() {
	title := strings.TrimSpace(v.title.Text)
	if title == "" {
		v.titleMsg.SetText("Say in a few words what happened: it is the incident's title.")
		v.titleMsg.Show()
		v.u.win.Canvas().Focus(v.title)
		return
	}
	v.titleMsg.Hide()
	b := v.u.Binder()
	if b == nil {
		v.say(errIncidentBusy.Error())
		return
	}
	var plans, runbooks, names []string
	for _, p := range v.plans {
		if p.check.Checked {
			plans = append(plans, p.id)
			names = append(names, p.check.Text)
		}
	}
	for _, p := range v.runbooks {
		if p.check.Checked {
			runbooks = append(runbooks, p.id)
			names = append(names, p.check.Text)
		}
	}
	now := time.Now().Format(time.RFC3339)
	inc := &binder.Record{Kind: "incident", Title: title, Ref: "incident",
		Fields: map[string]any{"opened": now, "activated": now, "status": "open"}}
	if s := v.scenario.SelectedIndex(); s > 0 {
		inc.Fields["scenario"] = v.scenario.Selected
	}
	if len(plans) > 0 {
		inc.Fields["plan"] = plans[0]
		inc.Fields[incFieldPlans] = plans
	}
	if len(runbooks) > 0 {
		inc.Fields[incFieldRunbooks] = runbooks
	}
	first := "Incident opened"
	if len(names) > 0 {
		first += "; activated: " + strings.Join(names, "; ")
	}
	entry := &binder.Record{Kind: "timeline", Title: first, Fields: map[string]any{"incident": "@incident", "at": now}}
	saved, err := b.Import(context.Background(), []*binder.Record{inc, entry})
	if len(saved) == 0 {
		v.say("The incident was not saved: " + err.Error())
		return
	}
	v.title.SetText("")
	for _, p := range append(append([]*incidentPick(nil), v.plans...), v.runbooks...) {
		p.check.Checked = false
	}
	v.id = saved[0].ID
	v.u.changed()
	v.showIncident(saved[0].ID)
	v.say("Incident opened: " + title)
}

// ---- The incident page ----

func (v *incidentScreen) buildPage() {
	v.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.heading.SizeName = theme.SizeNameHeadingText
	v.heading.Wrapping = fyne.TextWrapWord
	v.meta = widget.NewLabel("")
	v.meta.Truncation = fyne.TextTruncateEllipsis
	v.closeButton = widget.NewButtonWithIcon("Close incident…", theme.ConfirmIcon(), v.askClose)
	v.closeButton.Importance = widget.DangerImportance
	v.others = widget.NewButtonWithIcon("Other incidents", theme.NavigateBackIcon(), v.showStart)
	header := container.NewBorder(nil, nil, nil, container.NewHBox(v.others, v.closeButton), container.NewVBox(v.heading, v.meta))

	v.checklist = container.NewVBox()
	v.calls = container.NewVBox()
	v.recovery = container.NewVBox()
	v.recoveryMsg = widget.NewLabel("")
	v.recoveryMsg.Wrapping = fyne.TextWrapWord
	// Each tab has its own override: the tabs not shown are not reached
	// when the screen's is refreshed.
	page := func(o fyne.CanvasObject) fyne.CanvasObject {
		t := container.NewThemeOverride(container.NewVScroll(container.NewPadded(o)), incidentTheme{})
		v.tabPages = append(v.tabPages, t)
		return t
	}
	v.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Runbooks", theme.ListIcon(), page(v.checklist)),
		container.NewTabItemWithIcon("Call list", theme.AccountIcon(), page(v.calls)),
		container.NewTabItemWithIcon("Recovery order", theme.HistoryIcon(), page(container.NewVBox(v.recoveryMsg, v.recovery))),
	)
	v.tabs.OnSelected = func(*container.TabItem) { v.restyle() }

	v.logEntry = newEntry()
	v.logEntry.SetPlaceHolder("What was done or seen")
	v.logEntry.OnSubmitted = func(string) { v.logText() }
	v.logButton = widget.NewButtonWithIcon("Log", theme.DocumentCreateIcon(), v.logText)
	v.logButton.Importance = widget.HighImportance
	v.timeline = widget.NewLabel("")
	v.timeline.Wrapping = fyne.TextWrapWord
	logHeading := widget.NewLabelWithStyle("Log", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	logTop := container.NewVBox(logHeading, container.NewBorder(nil, nil, nil, v.logButton, v.logEntry),
		widget.NewLabelWithStyle("Timeline, newest first", fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	logPane := container.NewBorder(logTop, nil, nil, nil, container.NewVScroll(v.timeline))
	split := container.NewHSplit(v.tabs, container.NewPadded(logPane))
	split.Offset = 0.62
	v.page = container.NewBorder(container.NewPadded(header), nil, nil, nil, split)
}

// showIncident shows the incident id.
func (v *incidentScreen) showIncident(id string) {
	if v.built != id {
		v.rev = 0 // build the page for this incident
	}
	v.id = id
	v.body.Objects = []fyne.CanvasObject{v.page}
	v.body.Refresh()
	v.loadPage()
	if v.d != nil {
		v.u.win.Canvas().Focus(v.logEntry)
		v.startClock()
		v.u.trace.event("incident-shown", "")
	}
}

// loadPage reads the incident again; the checklist, call list and
// recovery order are built again only when the incident itself changed,
// so that what is typed in them stays.
func (v *incidentScreen) loadPage() {
	b := v.u.Binder()
	if b == nil {
		v.status.SetText("A gobag command from a terminal is using the binder; this page catches up when it is done.")
		return
	}
	d, err := loadIncident(context.Background(), b, v.id)
	if err != nil {
		v.showStart()
		v.say("Cannot show the incident: " + err.Error())
		return
	}
	v.d = d
	v.heading.SetText(d.inc.Title)
	if d.inc.Rev != v.rev || v.built != d.inc.ID {
		v.rev, v.built = d.inc.Rev, d.inc.ID
		v.buildChecklist()
		v.buildCalls()
		v.loadRecovery()
	}
	closed := incidentClosed(d.inc)
	if closed {
		v.closeButton.Disable()
	} else {
		v.closeButton.Enable()
	}
	v.update()
	v.tick(time.Now())
	v.restyle()
}

// restyle gives what was added to the screen its big type.
func (v *incidentScreen) restyle() {
	v.root.Refresh()
	for _, t := range v.tabPages {
		t.Refresh()
	}
}

// update shows what the timeline says: the steps done and their notes,
// the calls made, and the timeline itself.
func (v *incidentScreen) update() {
	for _, s := range v.steps {
		done, notes := v.d.stepState(s.rb.ID, s.n)
		s.setting = true
		s.check.SetChecked(done)
		s.setting = false
		var lines []string
		for _, e := range notes {
			lines = append(lines, fmt.Sprintf("%s %s: %s", e.At.Local().Format("15:04"), e.Author, e.Text))
		}
		s.notes.SetText(strings.Join(lines, "\n"))
		s.notes.Hidden = len(lines) == 0
		s.notes.Refresh()
	}
	for _, r := range v.callRows {
		state, at := v.d.callState(r.c.ID)
		switch state {
		case incReached:
			r.state.SetText("Reached at " + at.Local().Format("15:04"))
			r.state.Importance = widget.SuccessImportance
		case incNotReached:
			r.state.SetText("Not reached at " + at.Local().Format("15:04"))
			r.state.Importance = widget.DangerImportance
		default:
			r.state.SetText("Not called yet")
			r.state.Importance = widget.MediumImportance
		}
		r.state.Refresh()
	}
	// One label: the timeline is read, not acted on, and a long one
	// costs one widget.
	lines := make([]string, 0, len(v.d.entries))
	for i := len(v.d.entries) - 1; i >= 0; i-- {
		lines = append(lines, incidentLine(v.d.entries[i], v.d.start))
	}
	if len(lines) == 0 {
		lines = append(lines, "Nothing logged yet.")
	}
	v.timeline.SetText(strings.Join(lines, "\n\n"))
}

// buildChecklist shows each runbook activated as a checklist, keeping
// the notes being typed.
func (v *incidentScreen) buildChecklist() {
	typed := map[string]string{}
	for _, s := range v.steps {
		typed[fmt.Sprint(s.rb.ID, s.n)] = s.note.Text
	}
	v.steps = nil
	v.checklist.Objects = nil
	if len(v.d.runbooks) == 0 {
		l := widget.NewLabel("No runbook was activated with this incident. Log what is done in the log.")
		l.Wrapping = fyne.TextWrapWord
		v.checklist.Add(l)
	}
	for _, rb := range v.d.runbooks {
		title := widget.NewLabelWithStyle(rb.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		title.Wrapping = fyne.TextWrapWord
		v.checklist.Add(title)
		rows := rb.Rows("steps")
		if len(rows) == 0 {
			v.checklist.Add(widget.NewLabel("This runbook has no steps."))
		}
		for i, row := range rows {
			s := v.newStep(rb, i+1, row)
			s.note.SetText(typed[fmt.Sprint(rb.ID, s.n)])
			v.steps = append(v.steps, s)
			v.checklist.Add(s.content())
		}
		v.checklist.Add(widget.NewSeparator())
	}
	v.checklist.Refresh()
}

func (v *incidentScreen) newStep(rb *binder.Record, n int, row binder.Values) *incidentStep {
	s := &incidentStep{rb: rb, n: n, row: row, notes: widget.NewLabel(""), note: newEntry(), msg: widget.NewLabel("")}
	s.check = widget.NewCheck(fmt.Sprintf("Step %d", n), func(on bool) {
		if !s.setting {
			v.tickStep(s, on)
		}
	})
	s.notes.Wrapping = fyne.TextWrapWord
	s.notes.Importance = widget.SuccessImportance
	s.notes.Hide()
	s.msg.Importance = widget.DangerImportance
	s.msg.Wrapping = fyne.TextWrapWord
	s.msg.Hide()
	s.note.SetPlaceHolder("Result, or the fall-back taken")
	s.note.OnSubmitted = func(string) { v.noteStep(s, incStepNote) }
	s.result = widget.NewButton("Note result", func() { v.noteStep(s, incStepNote) })
	s.fallback = widget.NewButton("Fall-back taken", func() { v.noteStep(s, incStepFallback) })
	return s
}

// content lays a step out: the tick and the instruction, then who does
// it, how long it takes, how to check it and its fall-back, then its
// notes and the field for another.
func (s *incidentStep) content() fyne.CanvasObject {
	do := widget.NewLabel(s.row.Text("do"))
	do.Wrapping = fyne.TextWrapWord
	var details []string
	if r := s.row.Text("role"); r != "" {
		details = append(details, "Who: "+r)
	}
	if d, ok := s.row.Duration("duration"); ok {
		details = append(details, "Takes "+binder.FormatDuration(d))
	}
	if c := s.row.Text("check"); c != "" {
		details = append(details, "Check: "+c)
	}
	if f := s.row.Text("fallback"); f != "" {
		details = append(details, "Fall-back: "+f)
	}
	detail := widget.NewLabel(strings.Join(details, "\n"))
	detail.Wrapping = fyne.TextWrapWord
	detail.TextStyle.Italic = true
	detail.Hidden = len(details) == 0
	noteRow := container.NewVBox(s.note, container.NewHBox(s.result, s.fallback))
	return container.NewBorder(nil, nil, container.NewVBox(s.check), nil, container.NewVBox(do, detail, s.notes, noteRow, s.msg))
}

// tickStep logs that step s is done (or not after all).
func (v *incidentScreen) tickStep(s *incidentStep, on bool) {
	event, what := incStepDone, "done"
	if !on {
		event, what = incStepUndone, "not done after all"
	}
	text := fmt.Sprintf("%s, step %d %s: %s", s.rb.Title, s.n, what, incOneLine(s.row.Text("do"), 90))
	queued, err := v.log(text, map[string]any{incFieldRunbook: s.rb.ID, incFieldStep: int64(s.n), incFieldEvent: event})
	if err != nil {
		s.setting = true
		s.check.SetChecked(!on)
		s.setting = false
		s.msg.SetText("Not logged: " + err.Error())
		s.msg.Show()
		return
	}
	s.msg.Hide()
	v.logged(queued, fmt.Sprintf("step %d %s", s.n, what))
}

// noteStep logs the note typed for step s: its result, or the fall-back
// taken (the runbook's, if nothing is typed).
func (v *incidentScreen) noteStep(s *incidentStep, event string) {
	note := strings.TrimSpace(s.note.Text)
	if note == "" && event == incStepFallback {
		note = s.row.Text("fallback")
	}
	if note == "" {
		s.msg.SetText("Write the result first.")
		if event == incStepFallback {
			s.msg.SetText("Write which fall-back was taken first.")
		}
		s.msg.Show()
		v.u.win.Canvas().Focus(s.note)
		return
	}
	what := "result"
	if event == incStepFallback {
		what = "fall-back taken"
	}
	text := fmt.Sprintf("%s, step %d %s: %s", s.rb.Title, s.n, what, note)
	queued, err := v.log(text, map[string]any{incFieldRunbook: s.rb.ID, incFieldStep: int64(s.n), incFieldEvent: event})
	if err != nil {
		s.msg.SetText("Not logged: " + err.Error())
		s.msg.Show()
		return
	}
	s.msg.Hide()
	s.note.SetText("")
	v.logged(queued, fmt.Sprintf("the %s of step %d", what, s.n))
}

// buildCalls shows the call list: each team's call tree in calling
// order, each person with their numbers, who calls them, their
// alternates with theirs and what to do when nobody answers.
func (v *incidentScreen) buildCalls() {
	v.callRows = nil
	v.calls.Objects = nil
	if len(v.d.callees) == 0 {
		l := widget.NewLabel("The plans activated name no teams or people to call.")
		l.Wrapping = fyne.TextWrapWord
		v.calls.Add(l)
	}
	tree := ""
	for _, c := range v.d.callees {
		if c.tree != tree {
			tree = c.tree
			v.calls.Add(widget.NewLabelWithStyle(tree, fyne.TextAlignLeading, fyne.TextStyle{Bold: true, Italic: true}))
		}
		head := c.number + "  " + c.contact.Title
		if c.repeatOf != "" {
			l := widget.NewLabelWithStyle(head+": on the list above, under "+c.repeatOf, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			l.Wrapping = fyne.TextWrapWord
			indent := container.NewGridWrap(fyne.NewSize(float32(20*min(c.depth, maxTreeIndent)), 1))
			v.calls.Add(container.NewBorder(nil, nil, indent, nil, l))
			v.calls.Add(widget.NewSeparator())
			continue
		}
		var about []string
		if c.role != "" {
			about = append(about, c.role)
		}
		if c.calledBy != "" {
			about = append(about, "called by "+c.calledBy)
		}
		if len(c.teams) > 1 {
			about = append(about, strings.Join(c.teams, ", "))
		}
		rows := container.NewVBox(v.callRow(c.contact, head, about, false))
		for j, a := range c.alternates {
			rows.Add(v.callRow(a, fmt.Sprintf("Alternate %d: %s", j+1, a.Title), nil, true))
		}
		switch {
		case c.ifNot != "":
			l := widget.NewLabel("If nobody answers: " + c.ifNot)
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.WarningImportance
			rows.Add(l)
		case len(c.alternates) == 0:
			l := widget.NewLabel("No alternate, and nothing says what to do if they cannot be reached: tell whoever started the tree.")
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.DangerImportance
			rows.Add(l)
		}
		indent := container.NewGridWrap(fyne.NewSize(float32(20*min(c.depth, maxTreeIndent)), 1))
		v.calls.Add(container.NewBorder(nil, nil, indent, nil, rows))
		v.calls.Add(widget.NewSeparator())
	}
	v.calls.Refresh()
}

// callRow is a person: who, their numbers to copy or dial, whether they
// were reached, and the buttons that log a call.
func (v *incidentScreen) callRow(c *binder.Record, head string, teams []string, alternate bool) fyne.CanvasObject {
	r := &incidentCallRow{c: c, state: widget.NewLabel("")}
	name := widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: !alternate})
	name.Wrapping = fyne.TextWrapWord
	var about []string
	if roles := c.Strings("roles"); len(roles) > 0 {
		about = append(about, strings.Join(roles, ", "))
	}
	if len(teams) > 0 {
		about = append(about, strings.Join(teams, ", "))
	}
	box := container.NewVBox(name)
	if len(about) > 0 {
		l := widget.NewLabel(strings.Join(about, " · "))
		l.Wrapping = fyne.TextWrapWord
		l.TextStyle.Italic = true
		box.Add(l)
	}
	phones := c.Rows("phones")
	if len(phones) == 0 {
		box.Add(widget.NewLabel("No phone number"))
	}
	for _, row := range phones {
		number := incPhone(row)
		cp := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { v.copyNumber(number) })
		call := widget.NewButtonWithIcon("Call", theme.MailReplyIcon(), func() { v.dial(number) })
		r.copies = append(r.copies, cp)
		r.calls = append(r.calls, call)
		box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(cp, call),
			widget.NewLabel(fmt.Sprintf("%s  %s", row.Text("label"), row.Text("number")))))
	}
	r.reached = widget.NewButtonWithIcon("Reached", theme.ConfirmIcon(), func() { v.logCall(r, incReached) })
	r.notReached = widget.NewButtonWithIcon("Not reached", theme.CancelIcon(), func() { v.logCall(r, incNotReached) })
	box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(r.reached, r.notReached), r.state))
	v.callRows = append(v.callRows, r)
	if alternate {
		return container.NewPadded(container.NewBorder(nil, nil, widget.NewIcon(theme.MoreHorizontalIcon()), nil, box))
	}
	return box
}

// copyNumber puts number on the clipboard, and takes it off again after
// a while unless something else was copied meanwhile (as the records do,
// and when the app closes too).
func (v *incidentScreen) copyNumber(number string) {
	v.u.copyPhone(number)
	v.say(fmt.Sprintf("Copied %s; the clipboard is cleared in %s.", number, wordDuration(clipboardClearAfter)))
}

// dial hands number to the system's phone handler.
func (v *incidentScreen) dial(number string) {
	u, err := incTelURL(number)
	if err == nil {
		err = v.u.fyneApp.OpenURL(u)
	}
	if err != nil {
		v.say("Cannot dial " + number + ": " + err.Error() + ". Copy the number instead.")
		return
	}
	v.say("Dialling " + number + "…")
}

// logCall logs a call to r's person and whether they were reached.
func (v *incidentScreen) logCall(r *incidentCallRow, state string) {
	what := "reached"
	if state == incNotReached {
		what = "not reached"
	}
	name := r.c.Title
	if n := incFirstPhone(r.c); n != "" {
		name += " (" + n + ")"
	}
	text := fmt.Sprintf("Called %s: %s", name, what)
	queued, err := v.log(text, map[string]any{incFieldContact: r.c.ID, incFieldCall: state})
	if err != nil {
		v.say("Not logged: " + err.Error())
		return
	}
	v.logged(queued, text)
}

// logText logs what is typed in the log field.
func (v *incidentScreen) logText() {
	text := strings.TrimSpace(v.logEntry.Text)
	if text == "" {
		v.say("Type what was done or seen, then log it.")
		v.u.win.Canvas().Focus(v.logEntry)
		return
	}
	queued, err := v.log(text, nil)
	if err != nil {
		v.say("Not logged: " + err.Error())
		return
	}
	v.logEntry.SetText("")
	v.logged(queued, "")
}

// pendingEntry is a timeline entry logged while the binder was lent.
type pendingEntry struct {
	incident, text string
	about          map[string]any
	at             time.Time
}

// maxPending bounds the entries kept while the binder is lent; past it,
// a log says the binder is busy and keeps what was typed where it is.
const maxPending = 500

// log writes a timeline entry for the incident shown, at now. While a
// command from a terminal has the binder, the entry waits with that
// moment, and queued says so: a responder's Enter logs what they saw when
// they saw it, even while a sync from a scheduled job runs.
func (v *incidentScreen) log(text string, about map[string]any) (queued bool, err error) {
	now := time.Now()
	if v.u.Binder() != nil {
		v.flush()
	}
	if v.u.Binder() == nil || len(v.pending) > 0 {
		if len(v.pending) >= maxPending {
			return false, errIncidentBusy
		}
		v.pending = append(v.pending, pendingEntry{incident: v.id, text: text, about: about, at: now})
		return true, nil
	}
	_, err = logIncident(v.u, v.id, text, about, now)
	return false, err
}

// logged says what was logged (what, or "" for the log field's text).
func (v *incidentScreen) logged(queued bool, what string) {
	switch {
	case queued:
		v.say(fmt.Sprintf("Logged at %s; saved as soon as the gobag command from a terminal is done with the binder (%d waiting).", time.Now().Format("15:04:05"), len(v.pending)))
	case what == "":
		v.say("Logged.")
	default:
		v.say("Logged: " + what)
	}
	if !queued {
		v.u.changed()
	}
}

// flush saves the entries logged while the binder was lent, in order and
// with the moments they were logged. One that cannot be saved for another
// reason is said, and its text put back in the log field if that is empty.
func (v *incidentScreen) flush() {
	saved := 0
	for len(v.pending) > 0 && v.u.Binder() != nil {
		e := v.pending[0]
		_, err := logIncident(v.u, e.incident, e.text, e.about, e.at)
		if errors.Is(err, errIncidentBusy) {
			break
		}
		v.pending = v.pending[1:]
		if err != nil {
			v.say(fmt.Sprintf("Not logged: %v: %s", err, e.text))
			if v.logEntry.Text == "" {
				v.logEntry.SetText(e.text)
			}
			continue
		}
		saved++
	}
	if saved > 0 {
		v.say(fmt.Sprintf("Saved %d logged while a gobag command from a terminal had the binder.", saved))
		v.u.changed()
	}
}

// unsavedLog is the number of entries waiting for the binder.
func (v *incidentScreen) unsavedLog() int { return len(v.pending) }
