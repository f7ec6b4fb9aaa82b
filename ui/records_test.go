package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// openRecords starts the app on opts and returns its records screen.
func openRecords(t *testing.T, opts Options) (*App, *browser) {
	t.Helper()
	a := test.NewTempApp(t)
	u := New(a, opts)
	t.Cleanup(u.Close)
	u.tasks.wait()
	if u.Binder() == nil {
		t.Fatalf("binder not opened: content is %T", u.view)
	}
	br, ok := u.shell.goTo("records").(*browser)
	if !ok {
		t.Fatalf("records screen is %T; want the browser", u.shell.screens["records"])
	}
	return u, br
}

// find returns the first visible object under o that match accepts.
func find[T fyne.CanvasObject](o fyne.CanvasObject, match func(T) bool) (T, bool) {
	var zero T
	if o == nil || !o.Visible() {
		return zero, false
	}
	if t, ok := o.(T); ok && match(t) {
		return t, true
	}
	var children []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		children = c.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(c).Objects()
	}
	for _, ch := range children {
		if t, ok := find(ch, match); ok {
			return t, true
		}
	}
	return zero, false
}

func button(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	b, ok := find(o, func(b *widget.Button) bool { return b.Text == text })
	if !ok {
		t.Fatalf("no button %q shown", text)
	}
	return b
}

// tapLink taps the middle of a link's text (a hyperlink takes taps on its
// text only).
func tapLink(h *widget.Hyperlink) {
	test.TapAt(h, fyne.NewPos(h.MinSize().Width/2, h.MinSize().Height/2))
}

func titles(items []binder.Summary) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

// formValue returns the text of the form row called name, as a label
// shows it.
func formValue(t *testing.T, f *widget.Form, name string) fyne.CanvasObject {
	t.Helper()
	for _, it := range f.Items {
		if it.Text == name {
			return it.Widget
		}
	}
	t.Fatalf("no field %q shown", name)
	return nil
}

func TestRecordsSearchAndOpen(t *testing.T) {
	u, br := openRecords(t, demoOptions(t))
	all := len(br.items)
	if all < 40 {
		t.Fatalf("got %d records listed; want the demo's", all)
	}
	if !strings.HasSuffix(br.count.Text, fmt.Sprintf("%d records", all)) {
		t.Fatalf("count line %q", br.count.Text)
	}
	// Ctrl+F puts the cursor in the search field.
	u.shell.search()
	if f := u.Window().Canvas().Focused(); f != br.search {
		t.Fatalf("focused %T after Ctrl+F; want the search field", f)
	}
	test.Type(br.search, "okafo")
	if len(br.items) != 1 || br.items[0].Title != "Amara Okafor — Head of ICT" {
		t.Fatalf("search for okafo: got %q; want Amara Okafor", titles(br.items))
	}
	if br.count.Text != "1 match" {
		t.Fatalf("count line %q; want 1 match", br.count.Text)
	}
	// A number finds its owner too.
	br.search.SetText("7946 0100")
	if len(br.items) == 0 || br.items[0].Title != "Amara Okafor — Head of ICT" {
		t.Fatalf("search for a number: got %q", titles(br.items))
	}
	// Enter opens the first result and moves to the list.
	br.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if br.title.Text != "Amara Okafor — Head of ICT" {
		t.Fatalf("detail shows %q; want Amara Okafor", br.title.Text)
	}
	if f := u.Window().Canvas().Focused(); f != br.list {
		t.Fatalf("focused %T after Enter; want the list", f)
	}
	if l, ok := formValue(t, br.form, "organisation").(*widget.Label); !ok || l.Text != "ICT Division" {
		t.Fatalf("organisation shown as %#v", formValue(t, br.form, "organisation"))
	}
	// No match says so.
	br.search.SetText("zzzzqqq")
	if len(br.items) != 0 || br.count.Text != "No records match" {
		t.Fatalf("search for nothing: %d items, count %q", len(br.items), br.count.Text)
	}
	// Clearing the search lists everything again.
	br.search.SetText("")
	if len(br.items) != all {
		t.Fatalf("after clearing the search: %d items; want %d", len(br.items), all)
	}
}

func TestRecordsKindFilter(t *testing.T) {
	_, br := openRecords(t, demoOptions(t))
	br.kinds.SetSelected("system")
	if len(br.items) == 0 {
		t.Fatal("no systems listed")
	}
	for _, it := range br.items {
		if it.Kind != "system" {
			t.Fatalf("kind filter system lists %s %q", it.Kind, it.Title)
		}
	}
	if !strings.HasSuffix(br.count.Text, "system records") {
		t.Fatalf("count line %q", br.count.Text)
	}
	systems := len(br.items)
	// The filter holds while searching.
	test.Type(br.search, "a")
	for _, it := range br.items {
		if it.Kind != "system" {
			t.Fatalf("search within systems lists %s %q", it.Kind, it.Title)
		}
	}
	if len(br.items) == 0 || len(br.items) > systems {
		t.Fatalf("search within systems: %d items of %d systems", len(br.items), systems)
	}
	br.search.SetText("")
	br.kinds.SetSelected(allKinds)
	if len(br.items) <= systems {
		t.Fatalf("all kinds again: %d items; want more than the %d systems", len(br.items), systems)
	}
}

func TestRecordsLinksBothWaysAndBack(t *testing.T) {
	u, br := openRecords(t, demoOptions(t))
	test.Type(br.search, "Okafor")
	br.openFirst()
	alt, ok := find(br.detail.root, func(h *widget.Hyperlink) bool { return strings.HasSuffix(h.Text, "(contact)") })
	if !ok {
		t.Fatal("no link to the alternate shown")
	}
	tapLink(alt)
	if br.title.Text == "Amara Okafor — Head of ICT" || !strings.HasPrefix(alt.Text, br.title.Text) {
		t.Fatalf("after following %q the detail shows %q", alt.Text, br.title.Text)
	}
	// The alternate shows who links to it, and that link leads back.
	back, ok := find(formValue(t, br.form, "linked from"), func(h *widget.Hyperlink) bool {
		return strings.HasPrefix(h.Text, "Amara Okafor — Head of ICT (contact, as alternates)")
	})
	if !ok {
		t.Fatal("the alternate does not show that Amara Okafor links to it")
	}
	// Esc goes back to where the link was followed.
	u.shell.back()
	if br.title.Text != "Amara Okafor — Head of ICT" {
		t.Fatalf("after Esc the detail shows %q; want Amara Okafor", br.title.Text)
	}
	tapLink(alt)
	tapLink(back)
	if br.title.Text != "Amara Okafor — Head of ICT" {
		t.Fatalf("after the link back the detail shows %q", br.title.Text)
	}
}

func TestRecordsCopyPhoneClearsClipboard(t *testing.T) {
	old := clipboardClearAfter
	clipboardClearAfter = 50 * time.Millisecond
	t.Cleanup(func() { clipboardClearAfter = old })
	u, br := openRecords(t, demoOptions(t))
	test.Type(br.search, "Okafor")
	br.openFirst()
	phones := formValue(t, br.form, "phones")
	clip := u.fyneApp.Clipboard()
	// The gate holds the clearing back while the test looks (the test
	// driver runs it on the task's goroutine).
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	test.Tap(button(t, phones, "Copy"))
	if got := clip.Content(); got != "+442079460100" {
		t.Fatalf("clipboard holds %q; want +442079460100", got)
	}
	if got := u.shell.status.Text; !strings.Contains(got, "+442079460100") || !strings.Contains(got, "cleared in 50ms") {
		t.Fatalf("status %q", got)
	}
	close(gate)
	u.tasks.wait()
	if got := clip.Content(); got != "" {
		t.Fatalf("after the delay the clipboard holds %q; want it empty", got)
	}
	// Something copied since is left alone.
	gate = make(chan struct{})
	u.tasks.testOnlyGate = gate
	test.Tap(button(t, phones, "Copy"))
	clip.SetContent("the user's own text")
	close(gate)
	u.tasks.wait()
	if got := clip.Content(); got != "the user's own text" {
		t.Fatalf("the clipboard holds %q; want what the user copied since", got)
	}
	if got := telNumber("+44 (0)20-7946 0100"); got != "+4402079460100" {
		t.Fatalf("telNumber = %q", got)
	}
}

func TestRecordsHistoryShowsWhoChangedWhat(t *testing.T) {
	u, br := openRecords(t, newBinder(t, false))
	br.kinds.SetSelected("contact")
	br.list.Select(0)
	id := br.detail.shownID()
	b := u.Binder()
	r, err := b.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	r.Fields["location"] = "Annex, ground floor"
	r.Fields["organisation"] = "ICT Division"
	if _, err := b.Update(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	u.changed()
	test.Tap(button(t, br.detail.root, "History"))
	u.tasks.wait()
	h := br.hist
	if len(h.revs) != 2 {
		t.Fatalf("got %d revisions; want 2", len(h.revs))
	}
	edit, add := h.revs[0], h.revs[1]
	if edit.Author != "priya" || edit.Action != "edit" || add.Action != "add" {
		t.Fatalf("revisions %+v, %+v", edit.LogEntry, add.LogEntry)
	}
	want := []change{{field: "organisation", now: "ICT Division"}, {field: "location", was: "HQ, 3rd floor", now: "Annex, ground floor"}}
	if fmt.Sprint(edit.changes) != fmt.Sprint(want) {
		t.Fatalf("the edit changed %+v; want %+v", edit.changes, want)
	}
	if len(add.changes) == 0 || add.changes[0].field != "title" || add.changes[0].now != "Priya Raman" {
		t.Fatalf("the first revision shows %+v", add.changes)
	}
	if _, ok := find(h.root, func(l *widget.Label) bool { return strings.Contains(l.Text, "HQ, 3rd floor  →  Annex, ground floor") }); !ok {
		t.Fatal("the history does not show the location's change")
	}
	if !strings.Contains(h.heading.Text, "Priya Raman") || !strings.HasPrefix(h.status.Text, "2 changes") {
		t.Fatalf("heading %q, status %q", h.heading.Text, h.status.Text)
	}
	// Esc goes back to the record.
	u.shell.back()
	if br.pane.Objects[0] != br.detail.root {
		t.Fatal("Esc did not go back from the history to the record")
	}
}

// conflictedBinder makes a binder whose contact's location two copies
// changed differently, merged into the first copy.
func conflictedBinder(t *testing.T) Options {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed: it makes the second copy")
	}
	opts := newBinder(t, false)
	data, err := os.ReadFile(opts.IdentityPath)
	if err != nil {
		t.Fatal(err)
	}
	id, err := bcrypto.OpenIdentity(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	laptop := filepath.Join(t.TempDir(), "laptop")
	if out, err := exec.Command("git", "clone", "-q", "--bare", opts.BinderDir, laptop).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	ctx := context.Background()
	setLocation := func(dir, loc string) *binder.Binder {
		b, err := binder.Open(ctx, dir, id)
		if err != nil {
			t.Fatal(err)
		}
		hits, err := b.Search(ctx, "Priya", "contact", 1)
		if err != nil || len(hits) != 1 {
			t.Fatalf("search: %v, %d hits", err, len(hits))
		}
		r, err := b.Get(ctx, hits[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		r.Fields["location"] = loc
		if _, err := b.Update(ctx, r); err != nil {
			t.Fatal(err)
		}
		return b
	}
	other := setLocation(laptop, "Annex, ground floor")
	theirs := other.Tip()
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	b := setLocation(opts.BinderDir, "HQ, 4th floor")
	if _, err := binder.FetchHistory(ctx, laptop, opts.BinderDir, theirs); err != nil {
		t.Fatal(err)
	}
	res, err := b.Integrate(ctx, theirs, "laptop", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 1 {
		t.Fatalf("merge left conflicts in %v; want one record", res.Conflicts)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return opts
}

func TestRecordsResolveConflictKeepTheirs(t *testing.T) {
	u, br := openRecords(t, conflictedBinder(t))
	test.Type(br.search, "Priya")
	br.openFirst()
	if !br.notice.Visible() || !strings.Contains(br.notice.Text, "location") {
		t.Fatalf("the record does not say it has a conflict: %q", br.notice.Text)
	}
	test.Tap(button(t, br.detail.root, "Resolve conflicts"))
	c := br.conf
	for _, want := range []string{"HQ, 4th floor", "Annex, ground floor", "Mine — by priya", "Theirs — by priya"} {
		if _, ok := find(c.root, func(l *widget.Label) bool { return strings.HasPrefix(l.Text, want) }); !ok {
			t.Fatalf("the conflicts do not show %q", want)
		}
	}
	test.Tap(button(t, c.root, "Keep theirs"))
	r, err := u.Binder().Get(context.Background(), br.detail.shownID())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Text("location"); got != "Annex, ground floor" || len(r.Conflicts) != 0 {
		t.Fatalf("after Keep theirs: location %q, %d conflicts; want Annex, ground floor and none", got, len(r.Conflicts))
	}
	if br.pane.Objects[0] != br.detail.root || br.notice.Visible() {
		t.Fatal("after resolving, the record is not shown without its conflict")
	}
	if got := formValue(t, br.form, "location").(*widget.Label).Text; got != "Annex, ground floor" {
		t.Fatalf("the detail shows location %q", got)
	}
	if !strings.Contains(u.shell.status.Text, "resolved") {
		t.Fatalf("status %q", u.shell.status.Text)
	}
}

func TestRecordsDeleteAsksFirst(t *testing.T) {
	u, br := openRecords(t, newBinder(t, false))
	br.kinds.SetSelected("system")
	br.list.Select(0)
	test.Tap(button(t, br.detail.root, "Delete"))
	overlay := u.Window().Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no confirmation asked")
	}
	test.Tap(button(t, overlay, "No"))
	if len(br.items) != 1 {
		t.Fatalf("after No: %d systems; want 1", len(br.items))
	}
	test.Tap(button(t, br.detail.root, "Delete"))
	test.Tap(button(t, u.Window().Canvas().Overlays().Top(), "Yes"))
	if len(br.items) != 0 || br.detail.shownID() != "" {
		t.Fatalf("after Yes: %q listed, %q shown", titles(br.items), br.detail.shownID())
	}
	if _, err := u.Binder().Get(context.Background(), "Data platform"); err == nil {
		t.Fatal("the record is still there")
	}
}

func TestRecordsTimelineEntriesCannotBeEditedOrDeleted(t *testing.T) {
	opts := newBinderWith(t, func(ctx context.Context, b *binder.Binder) {
		inc, err := b.Add(ctx, &binder.Record{Kind: "incident", Title: "Power cut"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Add(ctx, &binder.Record{Kind: "timeline", Title: "Generator started", Fields: map[string]any{"incident": inc.ID}}); err != nil {
			t.Fatal(err)
		}
	})
	_, br := openRecords(t, opts)
	br.kinds.SetSelected("timeline")
	br.list.Select(0)
	if br.edit.Visible() || br.del.Visible() || !br.history.Visible() {
		t.Fatalf("a timeline entry shows Edit %v, Delete %v, History %v", br.edit.Visible(), br.del.Visible(), br.history.Visible())
	}
}

// navRecorder takes the records screen's requests for other screens.
type navRecorder struct{ calls []string }

func (n *navRecorder) editRecord(id, field string) {
	n.calls = append(n.calls, "edit "+id+" "+field)
}

func (n *navRecorder) newRecord(kind, template string, set []binder.FieldValue) {
	n.calls = append(n.calls, "new "+kind+" "+template)
}

func TestRecordsNewAsksKindAndPlanType(t *testing.T) {
	u, br := openRecords(t, newBinder(t, false))
	nav := &navRecorder{}
	br.nav = nav
	u.shell.create() // Ctrl+N
	overlay := u.Window().Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("Ctrl+N asked nothing")
	}
	kind, ok := find(overlay, func(s *widget.Select) bool { return s.Selected == "contact" })
	if !ok {
		t.Fatal("no kind choice, or not on contact")
	}
	typ, _ := find(overlay, func(s *widget.Select) bool { return s != kind })
	if !typ.Disabled() {
		t.Fatal("the plan type can be chosen for a contact")
	}
	kind.SetSelected("plan")
	typ.SetSelected(typ.Options[1])
	test.Tap(button(t, overlay, "Create"))
	if want := "new plan " + binder.PlanTypes[1]; len(nav.calls) != 1 || nav.calls[0] != want {
		t.Fatalf("calls %q; want %q", nav.calls, want)
	}
	// Edit opens the editor on the record shown.
	br.list.Select(0)
	test.Tap(button(t, br.detail.root, "Edit"))
	if want := "edit " + br.items[0].ID + " "; len(nav.calls) != 2 || nav.calls[1] != want {
		t.Fatalf("calls %q; want %q", nav.calls, want)
	}
}

// Searching 10,000 records as the user types stays well within 50 ms a
// keystroke.
func TestRecordsSearchTenThousand(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds a 10,000-record binder: too slow with -short or -race (run go test -run TestRecordsSearchTenThousand -v ./ui/)")
	}
	start := time.Now()
	opts := newBinderWith(t, func(ctx context.Context, b *binder.Binder) {
		for batch := 0; batch < 10; batch++ {
			recs := make([]*binder.Record, 1000)
			for i := range recs {
				n := batch*1000 + i
				recs[i] = &binder.Record{Kind: "contact", Title: fmt.Sprintf("Person %05d Surname%d", n, n%97),
					Fields: map[string]any{"organisation": fmt.Sprintf("Division %d", n%13), "location": fmt.Sprintf("Building %d", n%7)}}
			}
			if _, err := b.Import(ctx, recs); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Pack(ctx, false, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("built 10,000 records in %v", time.Since(start))
	_, br := openRecords(t, opts)
	if len(br.items) != 10000 {
		t.Fatalf("listed %d records; want 10000", len(br.items))
	}
	t.Logf("listing all 10,000: %v", br.lastSearch)
	var worst time.Duration
	test.Type(br.search, "s")
	if len(br.items) != 10000 || !strings.Contains(br.count.Text, "two letters") {
		t.Fatalf("after one letter: %d items, count %q; want all, and a word on searching", len(br.items), br.count.Text)
	}
	for _, r := range "urname42" {
		test.Type(br.search, string(r))
		t.Logf("%q: %d hits in %v", br.search.Text, len(br.items), br.lastSearch)
		worst = max(worst, br.lastSearch)
	}
	t.Logf("search as typed, slowest keystroke: %v", worst)
	if len(br.items) == 0 {
		t.Fatal("no hits for surname42")
	}
	for _, it := range br.items {
		if !strings.Contains(strings.ToLower(it.Title), "surname42") {
			t.Fatalf("hit %q lacks surname42", it.Title)
		}
	}
	br.kinds.SetSelected("system")
	if len(br.items) != 0 {
		t.Fatalf("systems named surname42: %d; want none", len(br.items))
	}
}

// Tab goes from the search to the kind filter, the list and the record's
// buttons, so nothing needs the mouse.
func TestRecordsTabOrder(t *testing.T) {
	u, br := openRecords(t, newBinder(t, false))
	br.list.Select(0)
	c := u.Window().Canvas()
	c.Focus(br.search)
	var got []string
	for i := 0; i < 4; i++ {
		c.FocusNext()
		switch f := c.Focused().(type) {
		case *widget.Select:
			got = append(got, "kind filter")
		case *recordList:
			got = append(got, "list")
		case *widget.Button:
			got = append(got, f.Text)
		default:
			got = append(got, fmt.Sprintf("%T", f))
		}
	}
	want := []string{"kind filter", "list", "Edit", "History"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tab order after the search: %q; want %q", got, want)
	}
	// Enter in the list opens the record under the focus.
	br.list.Select(1)
	br.list.UnselectAll()
	c.Focus(br.list)
	br.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	br.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if br.title.Text != br.items[1].Title {
		t.Fatalf("after Down and Enter the detail shows %q; want %q", br.title.Text, br.items[1].Title)
	}
}

func TestRecordsResolveConflictKeepAllMine(t *testing.T) {
	u, br := openRecords(t, conflictedBinder(t))
	test.Type(br.search, "Priya")
	br.openFirst()
	test.Tap(button(t, br.detail.root, "Resolve conflicts"))
	test.Tap(button(t, br.conf.root, "Keep all mine"))
	r, err := u.Binder().Get(context.Background(), br.detail.shownID())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Text("location"); got != "HQ, 4th floor" || len(r.Conflicts) != 0 {
		t.Fatalf("after Keep all mine: location %q, %d conflicts; want HQ, 4th floor and none", got, len(r.Conflicts))
	}
	conflicts, err := u.Binder().Conflicts(context.Background())
	if err != nil || len(conflicts) != 0 {
		t.Fatalf("the binder lists %d conflicted records (%v); want none", len(conflicts), err)
	}
}
