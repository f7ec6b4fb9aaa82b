package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	bcrypto "gobag/crypto"
	"gobag/ui/editor"
)

// recordTitled returns the id of the record called title.
func recordTitled(t *testing.T, b *binder.Binder, kind, title string) string {
	t.Helper()
	list, err := b.List(context.Background(), kind)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range list {
		if it.Title == title {
			return it.ID
		}
	}
	t.Fatalf("no %s %q", kind, title)
	return ""
}

// editing opens the editor on the record id and returns the screen.
func editing(t *testing.T, u *App, id, field string) *editScreen {
	t.Helper()
	u.editRecord(id, field)
	s, ok := u.shell.screens["edit"].(*editScreen)
	if !ok || s.form == nil {
		t.Fatalf("edit screen is %T, form loaded %v", u.shell.screens["edit"], ok && s.form != nil)
	}
	return s
}

// objects lists the widgets of type T inside o, in the order they are
// laid out (containers only, as the form builds them).
func objects[T fyne.CanvasObject](o fyne.CanvasObject) []T {
	var out []T
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if x, ok := o.(T); ok {
			out = append(out, x)
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, ch := range c.Objects {
				walk(ch)
			}
		}
	}
	walk(o)
	return out
}

// fieldBox is the part of the form that holds field.
func fieldBox(t *testing.T, s *editScreen, field string) fyne.CanvasObject {
	t.Helper()
	_, box, ok := s.form.Focusable(field)
	if !ok {
		t.Fatalf("the form has no field %s", field)
	}
	return box
}

// reopen closes the app and opens the binder afresh, as a command would.
func reopen(t *testing.T, u *App, opts Options, id *bcrypto.Identity) *binder.Binder {
	t.Helper()
	u.Close()
	b, err := binder.Open(context.Background(), opts.BinderDir, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestEditContactPhonesAndSave(t *testing.T) {
	opts, id := newDemoBinder(t)
	u := openApp(t, opts)
	rid := recordTitled(t, u.Binder(), "contact", "Amara Okafor — Head of ICT")
	s := editing(t, u, rid, "phones")
	box := fieldBox(t, s, "phones")
	if got := u.Window().Canvas().Focused(); got != objects[*widget.Select](box)[0] {
		t.Fatalf("focused %T; want the first phone's label", got)
	}

	// Change the office number.
	num := objects[*editor.Entry](box)[0]
	num.SetText("")
	test.Type(num, "+44 20 7946 0199")
	// Add a satellite phone, move it up above the mobile, remove the office.
	test.Tap(buttonLabelled(t, box, "Add a row"))
	if got := len(objects[*editor.Entry](box)); got != 3 {
		t.Fatalf("rows after adding one: %d; want 3", got)
	}
	objects[*widget.Select](box)[2].SetSelected("satellite")
	test.Type(objects[*editor.Entry](box)[2], "+870 772 001 234")
	rowButtonsOf := func(row int) []*widget.Button {
		var bs []*widget.Button
		for _, b := range objects[*widget.Button](box) {
			if b.Text == "" {
				bs = append(bs, b)
			}
		}
		return bs[row*3 : row*3+3] // up, down, remove
	}
	test.Tap(rowButtonsOf(2)[0]) // the satellite phone up
	test.Tap(rowButtonsOf(0)[2]) // remove the office number
	if !s.dirty() || s.undo.Disabled() {
		t.Fatal("the edit is not seen as a change")
	}
	test.Tap(s.saveBtn)
	if s.notice.Visible() {
		t.Fatalf("save failed: %s", s.notice.Text)
	}

	b := reopen(t, u, opts, id)
	r, err := b.Get(context.Background(), rid)
	if err != nil {
		t.Fatal(err)
	}
	want := "satellite · +870 772 001 234\nmobile · +44 7700 900100"
	if got := binder.FormatField(r, "phones", nil); got != want {
		t.Fatalf("phones saved:\n%s\nwant:\n%s", got, want)
	}
	if got := r.Rows("phones")[0].Text("e164"); got != "+870772001234" {
		t.Fatalf("satellite number in international form: %q; want +870772001234", got)
	}
	if r.Rev != 2 {
		t.Fatalf("rev %d; want 2", r.Rev)
	}
}

// buttonLabelled finds the button with text in o.
func buttonLabelled(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, b := range objects[*widget.Button](o) {
		if b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q", text)
	return nil
}

func TestEditShowsValidationAtTheFieldAndSavesNothing(t *testing.T) {
	opts, _ := newDemoBinder(t)
	u := openApp(t, opts)
	b := u.Binder()
	rid := recordTitled(t, b, "contact", "Amara Okafor — Head of ICT")
	s := editing(t, u, rid, "")
	cases := []struct {
		field string
		edit  func()
		want  string
	}{
		{"last_verified", func() {
			e := objects[*editor.Entry](fieldBox(t, s, "last_verified"))[0]
			e.SetText("")
			test.Type(e, "2026-13-40")
		}, `want a date like 2026-11-27, got text "2026-13-40"`},
		{"escalation", func() {
			e := objects[*editor.Entry](fieldBox(t, s, "escalation"))[0]
			e.SetText("")
			test.Type(e, "second")
		}, "want a whole number"},
		{"phones", func() {
			e := objects[*editor.Entry](fieldBox(t, s, "phones"))[1]
			e.SetText("")
			test.Type(e, "call reception")
		}, `Row 2: "call reception" is not a phone number`},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			s.revert()
			c.edit()
			typed := s.form.Changed()
			test.Tap(s.saveBtn)
			if got := s.form.Problem(c.field); !strings.Contains(strings.ToLower(got), strings.ToLower(c.want)) {
				t.Fatalf("message at %s: %q; want %q", c.field, got, c.want)
			}
			fc, _, _ := s.form.Focusable(c.field)
			if got := u.Window().Canvas().Focused(); got != fc {
				t.Fatalf("focused %T; want the bad field", got)
			}
			r, err := b.Get(context.Background(), rid)
			if err != nil || r.Rev != 1 {
				t.Fatalf("after a refused save: rev %d, %v; want rev 1", r.Rev, err)
			}
			if !typed || !s.form.Changed() {
				t.Fatal("what was typed was lost")
			}
			// Other fields show no message.
			for _, f := range s.form.Fields() {
				if f != c.field && s.form.Problem(f) != "" {
					t.Fatalf("message at %s too: %q", f, s.form.Problem(f))
				}
			}
		})
	}
}

func TestEditUndoRestoresTheSavedRecord(t *testing.T) {
	opts, _ := newDemoBinder(t)
	u := openApp(t, opts)
	rid := recordTitled(t, u.Binder(), "team", "Incident Response Team")
	s := editing(t, u, rid, "")
	if !s.undo.Disabled() {
		t.Fatal("undo enabled before any change")
	}
	test.Type(s.title, " (night shift)")
	objects[*widget.Select](fieldBox(t, s, "purpose"))[0].SetSelected("crisis-management")
	s.body.SetText("Rewritten.")
	if s.undo.Disabled() || !s.dirty() {
		t.Fatal("undo not offered after a change")
	}
	// Esc asks before discarding.
	if !s.back() {
		t.Fatal("Esc with unsaved changes did not ask")
	}
	if top := u.Window().Canvas().Overlays().Top(); top == nil {
		t.Fatal("no Discard changes? dialog")
	} else {
		u.Window().Canvas().Overlays().Remove(top)
	}
	u.Window().Canvas().Unfocus()
	u.Window().Canvas().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutUndo{}) // Ctrl+Z outside a text field
	if s.title.Text != "Incident Response Team" || s.body.Text != s.saved.Body || s.dirty() {
		t.Fatalf("after undo: title %q, dirty %v", s.title.Text, s.dirty())
	}
	vals, _ := s.form.Values()
	if vals["purpose"] != "incident-response" {
		t.Fatalf("purpose after undo: %v", vals["purpose"])
	}
	if !s.undo.Disabled() {
		t.Fatal("undo still enabled with nothing to undo")
	}
	if s.back() {
		t.Fatal("Esc asks although nothing changed")
	}
}

func TestNewPlanStartsFromTemplate(t *testing.T) {
	opts, id := newDemoBinder(t)
	u := openApp(t, opts)
	tpl, err := binder.Template("drp")
	if err != nil {
		t.Fatal(err)
	}
	u.newRecord("plan", "drp", []binder.FieldValue{{Field: "next_review", Value: "2027-01-31"}})
	s := u.shell.screens["edit"].(*editScreen)
	if s.body.Text != tpl.Body || s.title.Text != tpl.Title || !s.tplRow.Visible() {
		t.Fatalf("new plan: title %q, body from the template %v", s.title.Text, s.body.Text == tpl.Body)
	}
	if u.Window().Canvas().Focused() != s.title {
		t.Fatal("the cursor is not in the title")
	}
	s.title.SetText("")
	test.Type(s.title, "Data centre recovery")
	s.save()
	if s.notice.Visible() || s.isNew {
		t.Fatalf("not saved: %s", s.notice.Text)
	}
	rid := s.saved.ID
	b := reopen(t, u, opts, id)
	r, err := b.Get(context.Background(), rid)
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "Data centre recovery" || r.Text("type") != "drp" || binder.FormatField(r, "next_review", nil) != "2027-01-31" {
		t.Fatalf("saved plan: %q type %q review %q", r.Title, r.Text("type"), binder.FormatField(r, "next_review", nil))
	}
	if got, want := len(binder.ParseSections(r.Body)), len(binder.RequiredSections("drp")); got != want || want == 0 {
		t.Fatalf("saved plan has %d sections; want the template's %d", got, want)
	}
}

// Every demo record goes through the editor unchanged: what the form
// reads back is what the binder holds.
func TestEditorRoundTripsEveryDemoRecord(t *testing.T) {
	opts, _ := newDemoBinder(t)
	u := openApp(t, opts)
	b := u.Binder()
	ctx := context.Background()
	recs, err := b.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 50 {
		t.Fatalf("%d demo records", len(recs))
	}
	for _, r := range recs {
		t.Run(r.Kind+"/"+r.Title, func(t *testing.T) {
			s := editing(t, u, r.ID, "")
			if s.dirty() {
				t.Fatal("dirty as loaded")
			}
			got, problems := s.form.Values()
			if len(problems) > 0 {
				t.Fatalf("problems: %+v", problems)
			}
			want := r.Clone()
			if err := want.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(want.Fields) == 0 {
				return
			}
			if !reflect.DeepEqual(got, want.Fields) {
				t.Fatalf("fields read back:\n%#v\nwant:\n%#v", got, want.Fields)
			}
		})
	}
}

func TestLinkPickerFindsARecordByPartOfItsTitle(t *testing.T) {
	opts, _ := newDemoBinder(t)
	u := openApp(t, opts)
	b := u.Binder()
	rid := recordTitled(t, b, "team", "Incident Response Team")
	head := recordTitled(t, b, "contact", "Amara Okafor — Head of ICT")
	s := editing(t, u, rid, "lead")
	lead := objects[*widget.Button](fieldBox(t, s, "lead"))[0]
	test.Tap(lead)
	top := u.Window().Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no picker")
	}
	search := objects[*editor.Entry](top.(*widget.PopUp).Content)[0]
	list := objects[*widget.List](top.(*widget.PopUp).Content)[0]
	if u.Window().Canvas().Focused() != search {
		t.Fatal("the cursor is not in the picker's search")
	}
	if n := list.Length(); n < 10 {
		t.Fatalf("%d contacts listed before typing", n)
	}
	test.Type(search, "okaf")
	if n := list.Length(); n != 1 {
		t.Fatalf("%d matches for okaf; want 1", n)
	}
	list.Select(0)
	if u.Window().Canvas().Overlays().Top() != nil {
		t.Fatal("the picker stays open after choosing")
	}
	if lead.Text != "Amara Okafor — Head of ICT" {
		t.Fatalf("link shows %q", lead.Text)
	}
	vals, _ := s.form.Values()
	if vals["lead"] != head {
		t.Fatalf("lead = %v; want %s", vals["lead"], head)
	}
}

func TestTimelineEntriesCannotBeEdited(t *testing.T) {
	opts, _ := newDemoBinder(t)
	u := openApp(t, opts)
	list, err := u.Binder().List(context.Background(), "timeline")
	if err != nil || len(list) == 0 {
		t.Fatalf("timeline entries: %d, %v", len(list), err)
	}
	s := editing(t, u, list[0].ID, "")
	if !s.notice.Visible() || !strings.Contains(s.notice.Text, "cannot be changed once saved") {
		t.Fatalf("notice %q", s.notice.Text)
	}
	if !s.saveBtn.Disabled() || !s.title.Disabled() {
		t.Fatal("a timeline entry can be edited")
	}
}

// Unsaved changes survive leaving the editor: another screen offers the
// way back, opening another record in the editor asks first, and closing
// the window asks first.
func TestUnsavedChangesAreNeverDroppedSilently(t *testing.T) {
	opts, _ := newDemoBinder(t)
	u := openApp(t, opts)
	priya := recordTitled(t, u.Binder(), "contact", "Priya Raman — Information Security Officer")
	other := recordTitled(t, u.Binder(), "contact", "Amara Okafor — Head of ICT")
	s := editing(t, u, priya, "")
	s.title.SetText("Priya Raman — typed during an incident")

	u.shell.goTo("records")
	if !u.shell.draft.Visible() || !strings.Contains(u.shell.draft.Text, "typed during an incident") {
		t.Fatalf("away from the editor, no way back to the changes (%q)", u.shell.draft.Text)
	}
	// Edit on another record: asked first; No keeps the changes.
	u.editRecord(other, "")
	top := u.Window().Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("another record replaced unsaved changes without asking")
	}
	test.Tap(button(t, top, "No"))
	if s.saved.ID != priya || s.title.Text != "Priya Raman — typed during an incident" {
		t.Fatalf("after No: editing %q, title %q", s.saved.Title, s.title.Text)
	}
	// Edit on the same record keeps them too.
	u.shell.goTo("dashboard")
	u.editRecord(priya, "")
	if u.Window().Canvas().Overlays().Top() != nil || s.title.Text != "Priya Raman — typed during an incident" {
		t.Fatalf("the same record again: title %q", s.title.Text)
	}
	// The draft button leads back; closing the window asks.
	u.shell.goTo("records")
	test.Tap(u.shell.draft)
	if u.shell.current != "edit" || u.shell.draft.Visible() {
		t.Fatalf("the draft button led to %q", u.shell.current)
	}
	u.closeWindow()
	if top := u.Window().Canvas().Overlays().Top(); top == nil {
		t.Fatal("closing the window with unsaved changes did not ask")
	} else {
		test.Tap(button(t, top, "No"))
	}
	if u.closed {
		t.Fatal("the app closed after No")
	}
	// Yes on another record's question discards them.
	u.editRecord(other, "")
	test.Tap(button(t, u.Window().Canvas().Overlays().Top(), "Yes"))
	if s.saved.ID != other || s.dirty() {
		t.Fatalf("after Yes: editing %q, dirty %v", s.saved.Title, s.dirty())
	}
}
