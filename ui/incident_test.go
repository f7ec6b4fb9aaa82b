package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/calltree"
)

// incidentClockForTest drives incident mode's clock from the test.
type incidentClockForTest struct {
	ticks  chan time.Time
	ticked chan struct{}
	ended  chan struct{}
}

func driveIncidentClock(t *testing.T) *incidentClockForTest {
	c := &incidentClockForTest{ticks: make(chan time.Time), ticked: make(chan struct{}), ended: make(chan struct{}, 4)}
	testOnlyIncidentTicks, testOnlyIncidentTicked, testOnlyIncidentClockEnded = c.ticks, c.ticked, c.ended
	t.Cleanup(func() { testOnlyIncidentTicks, testOnlyIncidentTicked, testOnlyIncidentClockEnded = nil, nil, nil })
	return c
}

// tick makes the clock tick at now and waits until the screen has shown it.
func (c *incidentClockForTest) tick(t *testing.T, now time.Time) {
	t.Helper()
	select {
	case c.ticks <- now:
	case <-time.After(5 * time.Second):
		t.Fatal("the clock is not running")
	}
	<-c.ticked
}

// openIncidentApp opens the app on the demo binder and goes to incident
// mode with Ctrl+I.
func openIncidentApp(t *testing.T) (*App, *incidentScreen, Options) {
	t.Helper()
	driveIncidentClock(t)
	a := test.NewTempApp(t)
	opts, _ := newDemoBinder(t)
	u := New(a, opts)
	t.Cleanup(u.Close)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatal("binder not opened")
	}
	u.Window().Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyI, Modifier: fyne.KeyModifierShortcutDefault})
	if u.shell.current != "incident" {
		t.Fatalf("after Ctrl+I the screen is %q; want incident", u.shell.current)
	}
	v := u.shell.screens["incident"].(*incidentScreen)
	return u, v, opts
}

// incSerial runs action, which starts background work, then the work, and
// waits for it: the test driver runs a task's callback on the task's
// goroutine, which must not run while the test touches widgets.
func incSerial(u *App, action func()) {
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	action()
	u.tasks.testOnlyGate = nil
	close(gate)
	u.tasks.wait()
}

// incPick ticks the plan or runbook called title on the start page.
func incPick(t *testing.T, picks []*incidentPick, title string) {
	t.Helper()
	for _, p := range picks {
		if p.check.Text == title {
			test.Tap(p.check)
			return
		}
	}
	t.Fatalf("no %q to pick", title)
}

func incPicked(picks []*incidentPick) []string {
	var out []string
	for _, p := range picks {
		if p.check.Checked {
			out = append(out, p.check.Text)
		}
	}
	return out
}

const (
	irpTitle        = "Cyber Incident Response Procedure"
	ransomwareTitle = "Cyber attack or ransomware on the data platform"
)

// openRansomware opens an incident activating the cyber incident
// response procedure, whose runbook comes with it.
func openRansomware(t *testing.T, u *App, v *incidentScreen) {
	t.Helper()
	if f := u.Window().Canvas().Focused(); f != v.title {
		t.Fatalf("focused %T on the start page; want the title field", f)
	}
	test.Type(v.title, "Ransomware on the file server")
	incPick(t, v.plans, irpTitle)
	if got := incPicked(v.runbooks); len(got) != 1 || got[0] != ransomwareTitle {
		t.Fatalf("runbooks ticked with the plan = %q; want [%s]", got, ransomwareTitle)
	}
	incSerial(u, func() { v.title.OnSubmitted(v.title.Text) }) // Enter
	if v.d == nil {
		t.Fatalf("no incident shown; status %q", v.status.Text)
	}
}

func TestIncidentOpensWithPlanAndRunbook(t *testing.T) {
	u, v, _ := openIncidentApp(t)
	// A title is needed: the message is at the field, and nothing is saved.
	test.Tap(v.openButton)
	if !v.titleMsg.Visible() || v.d != nil {
		t.Fatalf("open without a title: message shown %v, incident %v", v.titleMsg.Visible(), v.d != nil)
	}
	openRansomware(t, u, v)
	if v.titleMsg.Visible() {
		t.Fatal("the title message stays after opening")
	}
	inc := v.d.inc
	if inc.Title != "Ransomware on the file server" || inc.Text("status") != "open" {
		t.Fatalf("incident %q status %q", inc.Title, inc.Text("status"))
	}
	if _, ok := inc.Date("opened"); !ok {
		t.Fatal("incident has no opened time")
	}
	if len(v.d.plans) != 1 || v.d.plans[0].Title != irpTitle || inc.Link("plan") != v.d.plans[0].ID {
		t.Fatalf("plans %d; plan link %q", len(v.d.plans), inc.Link("plan"))
	}
	if len(v.d.runbooks) != 1 || v.d.runbooks[0].Title != ransomwareTitle {
		t.Fatalf("runbooks = %d", len(v.d.runbooks))
	}
	// The browser shows the plan as a link of the incident.
	_, from, err := u.Binder().Links(context.Background(), v.d.plans[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	linked := false
	for _, l := range from {
		linked = linked || l.ID == inc.ID
	}
	if !linked {
		t.Fatal("the plan is not linked from the incident")
	}
	if len(v.d.entries) != 1 || !strings.Contains(v.d.entries[0].Text, "activated: "+irpTitle) {
		t.Fatalf("first entries = %+v", v.d.entries)
	}
	if len(v.steps) != 4 || v.steps[0].check.Checked {
		t.Fatalf("checklist has %d steps; want the runbook's 4, none ticked", len(v.steps))
	}
	if f := u.Window().Canvas().Focused(); f != v.logEntry {
		t.Fatalf("focused %T; want the log field", f)
	}
	// The start page lists it as open, to continue.
	test.Tap(v.others)
	if v.d != nil {
		t.Fatal("Other incidents did not go back to the start page")
	}
	var cont *widget.Button
	for _, o := range v.openList.Objects {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, "Ransomware on the file server") {
			cont = b
		}
	}
	if cont == nil {
		t.Fatal("the open incident is not listed to continue")
	}
	incSerial(u, func() { test.Tap(cont) })
	if v.d == nil || v.d.inc.ID != inc.ID {
		t.Fatal("continue did not show the incident")
	}
}

func TestIncidentStepTickIsASignedTimelineEntry(t *testing.T) {
	u, v, opts := openIncidentApp(t)
	openRansomware(t, u, v)
	step := v.steps[0]
	test.Tap(step.check)
	if !step.check.Checked || step.msg.Visible() {
		t.Fatalf("after ticking: checked %v, message %q", step.check.Checked, step.msg.Text)
	}
	entries, err := u.Binder().Timeline(context.Background(), v.id)
	if err != nil {
		t.Fatal(err)
	}
	// Entries of the same second come in no set order from the binder.
	want := ransomwareTitle + ", step 1 done: Isolate the affected VMs"
	var last binder.TimelineEntry
	for _, e := range entries {
		if strings.HasPrefix(e.Text, want) {
			last = e
		}
	}
	if last.ID == "" {
		t.Fatalf("no entry starting %q in %+v", want, entries)
	}
	if last.Author != "priya" || time.Since(last.At) > time.Minute {
		t.Fatalf("entry by %q at %v; want priya, now", last.Author, last.At)
	}
	// A note of the step's result, and the fall-back taken.
	test.Tap(step.result)
	if !step.msg.Visible() {
		t.Fatal("noting an empty result says nothing at the step")
	}
	test.Type(step.note, "VMs 12 and 14 isolated")
	step.note.OnSubmitted(step.note.Text)
	fb := v.steps[2]
	test.Tap(fb.fallback) // nothing typed: the runbook's fall-back
	if step.note.Text != "" || !strings.Contains(step.notes.Text, "step 1 result: VMs 12 and 14 isolated") {
		t.Fatalf("notes %q, field %q", step.notes.Text, step.note.Text)
	}
	if !strings.Contains(fb.notes.Text, "step 3 fall-back taken: if no clean dump") {
		t.Fatalf("fall-back notes %q", fb.notes.Text)
	}

	// The checklist comes from the timeline: a new screen shows the same.
	fresh := newIncidentScreen(u)
	incSerial(u, func() { fresh.showIncident(v.id) })
	if !fresh.steps[0].check.Checked || fresh.steps[1].check.Checked {
		t.Fatalf("rebuilt checklist: step 1 %v, step 2 %v; want true, false", fresh.steps[0].check.Checked, fresh.steps[1].check.Checked)
	}
	fresh.stopClock()
	// Unticking is logged too, and the step is open again.
	test.Tap(step.check)
	if step.check.Checked {
		t.Fatal("unticked step is still ticked")
	}
	if d, _ := v.d.stepState(v.d.runbooks[0].ID, 1); d {
		t.Fatal("the timeline still says step 1 is done")
	}
	// Ticked and unticked within the same second: read afresh from the
	// timeline, the step is open (entries keep the order they were logged).
	again := newIncidentScreen(u)
	incSerial(u, func() { again.showIncident(v.id) })
	if again.steps[0].check.Checked {
		t.Fatal("read afresh, the unticked step is ticked")
	}
	again.stopClock()

	// Every entry is signed: verify the whole history once the app has
	// let the binder go.
	u.Close()
	rep, err := binder.Verify(context.Background(), opts.BinderDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Problems)
	}
}

func TestIncidentCallNotReached(t *testing.T) {
	u, v, _ := openIncidentApp(t)
	openRansomware(t, u, v)
	// The incident response team, lead first by the call tree.
	var names []string
	for _, c := range v.d.callees {
		names = append(names, c.contact.Title)
	}
	if len(names) == 0 {
		t.Fatal("empty call list")
	}
	var row *incidentCallRow
	for _, r := range v.callRows {
		if r.c.ID == v.d.callees[0].contact.ID {
			row = r
			break
		}
	}
	if row.state.Text != "Not called yet" {
		t.Fatalf("state %q before calling", row.state.Text)
	}
	test.Tap(row.notReached)
	number := incFirstPhone(row.c)
	want := "Called " + row.c.Title + " (" + number + "): not reached"
	if got := v.d.entries[len(v.d.entries)-1].Text; got != want {
		t.Fatalf("entry %q; want %q", got, want)
	}
	if !strings.HasPrefix(row.state.Text, "Not reached at ") || row.state.Importance != widget.DangerImportance {
		t.Fatalf("state %q", row.state.Text)
	}
	// Their alternates follow them, with numbers to copy.
	if alts := v.d.callees[0].alternates; len(alts) > 0 {
		found := false
		for _, r := range v.callRows {
			found = found || r.c.ID == alts[0].ID
		}
		if !found {
			t.Fatalf("alternate %s not on the call list", alts[0].Title)
		}
	}
	test.Tap(row.copies[0])
	if got := u.fyneApp.Clipboard().Content(); got != incPhone(row.c.Rows("phones")[0]) {
		t.Fatalf("clipboard %q", got)
	}
	if !strings.Contains(v.status.Text, "cleared in 30 s") {
		t.Fatalf("status %q", v.status.Text)
	}
}

// Incident mode calls down the same trees as gobag call-tree: the plan's
// teams' trees from binder/calltree, each person once, with who calls
// them and what to do when nobody answers.
func TestIncidentCallListFollowsTheCallTree(t *testing.T) {
	u, v, _ := openIncidentApp(t)
	test.Type(v.title, "Data centre power cut")
	incPick(t, v.plans, "National Statistics Office — Business Continuity Plan")
	incSerial(u, func() { test.Tap(v.openButton) })
	ctx := context.Background()
	b := u.Binder()
	var plan *binder.Record
	for _, p := range v.d.plans {
		plan = p
	}
	get := func(id string) *binder.Record {
		r, err := b.Get(ctx, id)
		if err != nil {
			return nil
		}
		return r
	}
	var want []string
	seen := map[string]bool{}
	for _, tree := range calltree.ForPlan(plan, get) {
		tree.Walk(func(p *calltree.Person) {
			if !seen[p.Contact.ID] {
				seen[p.Contact.ID] = true
				want = append(want, p.Contact.Title)
			}
		})
	}
	var got []string
	for _, c := range v.d.callees {
		if c.repeatOf == "" {
			got = append(got, c.contact.Title)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") || len(got) < 3 {
		t.Fatalf("call list\n%s\nwant the call trees'\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The crisis team's tree starts with its activation authority, who
	// calls its lead's alternate and the members; the dead end says so.
	first := v.d.callees[0]
	if first.number != "1" || first.calledBy != "" || first.role != "activation authority" || first.tree != "Crisis Management Team" {
		t.Errorf("first: number %q, called by %q, role %q, tree %q", first.number, first.calledBy, first.role, first.tree)
	}
	second := v.d.callees[1]
	if second.number != "1.1" || second.calledBy != first.contact.Title {
		t.Errorf("second: number %q, called by %q; want 1.1 called by %s", second.number, second.calledBy, first.contact.Title)
	}
	if !incShows(v.calls, "nothing says what to do if they cannot be reached") || !incShows(v.calls, "called by "+first.contact.Title) {
		t.Errorf("the call list does not show who calls whom and the dead ends")
	}
}

// incShows reports whether a label under o holds text.
func incShows(o fyne.CanvasObject, text string) bool {
	switch x := o.(type) {
	case *widget.Label:
		return strings.Contains(x.Text, text)
	case *fyne.Container:
		for _, c := range x.Objects {
			if incShows(c, text) {
				return true
			}
		}
	}
	return false
}

func TestIncidentFreeTextLog(t *testing.T) {
	u, v, _ := openIncidentApp(t)
	openRansomware(t, u, v)
	// Nothing typed: nothing logged.
	test.Tap(v.logButton)
	if n := len(v.d.entries); n != 1 {
		t.Fatalf("%d entries after logging nothing; want 1", n)
	}
	test.Type(v.logEntry, "Ransom note found on the file server")
	v.logEntry.OnSubmitted(v.logEntry.Text)
	if v.logEntry.Text != "" {
		t.Fatalf("log field keeps %q", v.logEntry.Text)
	}
	top, _, _ := strings.Cut(v.timeline.Text, "\n")
	if !strings.HasSuffix(top, "priya  Ransom note found on the file server") {
		t.Fatalf("newest timeline line %q", top)
	}
	// While a terminal command has the binder, what is logged waits with
	// the moment it was logged, and the user is told; it is saved, in
	// order, once the binder is back.
	b := u.session.b
	u.session.b = nil
	before := time.Now().Truncate(time.Second)
	test.Type(v.logEntry, "Backups checked")
	test.Tap(v.logButton)
	test.Type(v.logEntry, "Pumps started")
	v.logEntry.OnSubmitted(v.logEntry.Text)
	if v.logEntry.Text != "" || !strings.Contains(v.status.Text, "as soon as the gobag command") || v.unsavedLog() != 2 {
		t.Fatalf("while lent: field %q, status %q, %d waiting", v.logEntry.Text, v.status.Text, v.unsavedLog())
	}
	time.Sleep(1100 * time.Millisecond)
	u.session.b = b
	u.shell.binderChanged()
	if v.unsavedLog() != 0 || !strings.Contains(v.status.Text, "Saved 2") {
		t.Fatalf("after the binder came back: %d waiting, status %q", v.unsavedLog(), v.status.Text)
	}
	entries, err := b.Timeline(context.Background(), v.id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Text)
		if e.Text == "Backups checked" && (e.At.Before(before) || e.At.After(before.Add(time.Second))) {
			t.Errorf("logged at %s, saved with %s", before, e.At)
		}
	}
	if len(got) < 2 || got[len(got)-2] != "Backups checked" || got[len(got)-1] != "Pumps started" {
		t.Fatalf("timeline %q; want the two entries last, in order", got)
	}
}

func TestIncidentRTOCountdown(t *testing.T) {
	u, v, _ := openIncidentApp(t)
	openRansomware(t, u, v)
	u.tasks.wait() // the recovery order
	var db *incidentClockRow
	for _, c := range v.clocks {
		if c.step.Title == "Data platform — production database VM" {
			db = c
		}
	}
	if db == nil {
		t.Fatalf("the database is not in the recovery order (%d systems); message %q", len(v.clocks), v.recoveryMsg.Text)
	}
	clock := &incidentClockForTest{ticks: testOnlyIncidentTicks, ticked: testOnlyIncidentTicked, ended: testOnlyIncidentClockEnded}
	start := v.d.start
	deadline := start.Add(3 * time.Hour)
	// The due time has its date when it falls on another day than now
	// (a test run late in the evening).
	due := func(now time.Time) string {
		if deadline.Local().YearDay() != now.Local().YearDay() || deadline.Year() != now.Year() {
			return deadline.Local().Format("Jan 2 15:04")
		}
		return deadline.Local().Format("15:04")
	}
	now := start.Add(time.Hour + 30*time.Minute + 5*time.Second)
	clock.tick(t, now)
	if want := "Due " + due(now) + ": 1h 29m 55s left"; db.left.Text != want || db.left.Importance != widget.MediumImportance {
		t.Fatalf("countdown %q; want %q", db.left.Text, want)
	}
	now = start.Add(3*time.Hour + 12*time.Minute)
	clock.tick(t, now)
	if want := "Due " + due(now) + ": overdue by 12m 00s"; db.left.Text != want || db.left.Importance != widget.DangerImportance {
		t.Fatalf("countdown %q (importance %v); want %q in red", db.left.Text, db.left.Importance, want)
	}
	// Leaving the screen stops the clock's goroutine.
	u.shell.goTo("records")
	select {
	case clock.ticks <- time.Now():
		<-clock.ticked
	case <-time.After(5 * time.Second):
		t.Fatal("clock not ticking")
	}
	select {
	case <-clock.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the clock goes on after the screen was left")
	}
	// Coming back starts it again; closing the app stops it.
	u.shell.goTo("incident")
	clock.tick(t, time.Now())
	u.Close()
	select {
	case <-clock.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the clock goes on after the app closed")
	}
}

func TestIncidentCloseAsksForLessons(t *testing.T) {
	u, v, _ := openIncidentApp(t)
	openRansomware(t, u, v)
	id := v.id
	test.Tap(v.closeButton)
	if v.lessons == nil || u.Window().Canvas().Focused() != v.lessons {
		t.Fatal("closing does not ask for the lessons learned")
	}
	test.Tap(v.closeOK)
	if !v.lessonsMsg.Visible() || v.d == nil {
		t.Fatal("closed without lessons learned")
	}
	test.Type(v.lessons, "Keep offline copies of the VM images.")
	test.Tap(v.closeOK)
	if v.d != nil {
		t.Fatalf("still showing the incident; message %q", v.lessonsMsg.Text)
	}
	r, err := u.Binder().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, closed := r.Date("closed"); !closed || r.Text("status") != "closed" || r.Text("lessons") != "Keep offline copies of the VM images." {
		t.Fatalf("closed incident: status %q, lessons %q", r.Text("status"), r.Text("lessons"))
	}
	for _, o := range v.openList.Objects {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, r.Title) {
			t.Fatal("the closed incident is still listed as open")
		}
	}
}

func TestIncidentFormatLeft(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{90 * time.Second, "1m 30s left"},
		{2*time.Hour + 5*time.Minute + 9*time.Second, "2h 05m 09s left"},
		{-12*time.Minute - 30*time.Second, "overdue by 12m 30s"},
		{50 * time.Hour, "2d 02h 00m left"},
	} {
		if got := incFormatLeft(c.d); got != c.want {
			t.Errorf("incFormatLeft(%v) = %q; want %q", c.d, got, c.want)
		}
	}
}

// TestIncidentRender draws incident mode in light and dark, for a person
// to look at when GOBAG_UI_SHOTS names a directory.
func TestIncidentRender(t *testing.T) {
	dir := os.Getenv("GOBAG_UI_SHOTS")
	if dir == "" {
		t.Skip("set GOBAG_UI_SHOTS to a directory to render incident mode")
	}
	for _, variant := range []string{"light", "dark"} {
		t.Run(variant, func(t *testing.T) {
			u, v, _ := openIncidentApp(t)
			th := theme.LightTheme()
			if variant == "dark" {
				th = theme.DarkTheme()
			}
			u.fyneApp.Settings().SetTheme(th)
			u.Window().Resize(fyne.NewSize(1100, 720))
			shot := func(name string) {
				img := u.Window().Canvas().Capture()
				f, err := os.Create(filepath.Join(dir, "incident-"+name+"-"+variant+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
			}
			shot("start")
			openRansomware(t, u, v)
			test.Tap(v.steps[0].check)
			test.Type(v.steps[2].note, "Dump of 03:00 is clean")
			test.Tap(v.steps[2].result)
			test.Type(v.logEntry, "Ransom note found on the file server")
			test.Tap(v.logButton)
			test.Tap(v.callRows[0].notReached)
			shot("runbooks")
			v.tabs.SelectIndex(1)
			shot("calls")
			u.tasks.wait()
			v.tabs.SelectIndex(2)
			shot("recovery")
			test.Tap(v.closeButton)
			shot("close")
		})
	}
}
