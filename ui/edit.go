package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/ui/editor"
)

// editScreen edits one record: its title, the form its kind's fields
// call for, and its Markdown body with a preview. It is reached from the
// other screens through u.editRecord and u.newRecord.
type editScreen struct {
	u    *App
	root *fyne.Container

	heading  *widget.Label
	notice   *widget.Label // append-only, changed elsewhere, busy, a save that failed
	template *widget.Select
	tplRow   *fyne.Container
	title    *editor.Entry
	titleErr *widget.Label
	form     *editor.Form
	formBox  *fyne.Container
	body     *editor.Entry
	preview  *widget.RichText
	tabs     *container.AppTabs
	scroll   *container.Scroll
	saveBtn  *widget.Button
	undo     *widget.Button
	cancel   *widget.Button

	// saved is the record as last loaded or saved (for a new record, what
	// the editor started with): what Undo goes back to.
	saved    *binder.Record
	isNew    bool
	readOnly bool
	finder   *recordFinder
	// startBody is the body the record was loaded with, to tell whether a
	// new plan's template may be swapped without losing anything typed.
	startBody string
}

func newEditScreen(u *App) *editScreen {
	s := &editScreen{u: u, finder: &recordFinder{u: u}}
	s.heading = widget.NewLabelWithStyle("Nothing to edit", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.heading.Truncation = fyne.TextTruncateEllipsis
	s.notice = widget.NewLabel("")
	s.notice.Wrapping = fyne.TextWrapWord
	s.notice.Importance = widget.WarningImportance
	s.notice.Hide()
	s.title = editor.NewEntry(false)
	s.titleErr = widget.NewLabel("")
	s.titleErr.Importance = widget.DangerImportance
	s.titleErr.Hide()
	s.body = editor.NewEntry(true)
	s.body.SetMinRowsVisible(14)
	s.body.SetPlaceHolder("Markdown: # a heading, **bold**, - a list item")
	s.preview = widget.NewRichTextFromMarkdown("")
	s.preview.Wrapping = fyne.TextWrapWord
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Edit", theme.DocumentCreateIcon(), s.body),
		container.NewTabItemWithIcon("Preview", theme.VisibilityIcon(), s.preview))
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == "Preview" {
			s.preview.ParseMarkdown(s.body.Text)
		}
	}
	s.template = widget.NewSelect(templateNames(), func(string) { s.swapTemplate() })
	s.tplRow = container.NewBorder(nil, nil, widget.NewLabel("Start from the template of a"), nil, s.template)
	s.tplRow.Hide()
	s.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), s.save)
	s.saveBtn.Importance = widget.HighImportance
	s.undo = widget.NewButtonWithIcon("Undo changes", theme.ContentUndoIcon(), s.revert)
	s.cancel = widget.NewButtonWithIcon("Close", theme.CancelIcon(), func() { s.goBack() })
	s.formBox = container.NewStack()
	titleLabel := widget.NewLabelWithStyle("title", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	titleRow := container.NewBorder(nil, nil, titleLabel, nil, container.NewVBox(s.title, s.titleErr))
	bodyLabel := widget.NewLabelWithStyle("Text", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.scroll = container.NewVScroll(container.NewPadded(container.NewVBox(
		s.tplRow, titleRow, widget.NewSeparator(), s.formBox, widget.NewSeparator(), bodyLabel, s.tabs)))
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(s.undo, s.cancel, s.saveBtn), s.heading)
	s.root = container.NewBorder(container.NewVBox(bar, s.notice), nil, nil, nil, s.scroll)
	s.setButtons()
	return s
}

func templateNames() []string {
	var out []string
	for _, t := range binder.PlanTypes {
		if _, err := binder.Template(t); err == nil {
			out = append(out, t+": "+binder.PlanTypeNames[t])
		}
	}
	return out
}

func (s *editScreen) content() fyne.CanvasObject { return s.root }

func (s *editScreen) shown(c fyne.Canvas) {
	// Ctrl+Z outside a text field (which undoes its own typing) undoes
	// the unsaved changes.
	c.AddShortcut(&fyne.ShortcutUndo{}, func(fyne.Shortcut) {
		if s.u.shell.current == "edit" {
			s.revert()
		}
	})
}

// refresh notes a change made elsewhere to the record being edited; it
// never throws away what is typed.
func (s *editScreen) refresh() {
	s.finder.forget()
	if s.saved == nil || s.isNew {
		return
	}
	b := s.u.Binder()
	if b == nil {
		return
	}
	cur, err := b.Get(context.Background(), s.saved.ID)
	switch {
	case binder.KindOf(err) == binder.NotExist:
		s.say("This record has been deleted elsewhere. Saving it will not bring it back; copy what you need.")
	case err == nil && cur.Rev != s.saved.Rev:
		if !s.dirty() {
			s.load(cur, false, "")
			return
		}
		s.say(fmt.Sprintf("Someone else saved this record (now revision %d) while you were editing. Saving now is refused: copy what you need, then Undo changes to see theirs.", cur.Rev))
	}
}

func (s *editScreen) say(msg string) {
	s.notice.SetText(msg)
	s.notice.Show()
}

// keepOrDiscard protects unsaved changes before the editor loads another
// record: it runs load at once if there are none, else asks first. The
// same record asked for again keeps the changes (and goes to field).
func (s *editScreen) keepOrDiscard(id, field string, load func()) {
	if !s.dirty() {
		load()
		return
	}
	if id != "" && !s.isNew && s.saved != nil && s.saved.ID == id {
		if field != "" {
			s.focus(field)
		}
		return
	}
	dialog.ShowConfirm("Discard changes?", fmt.Sprintf("The changes to “%s” have not been saved. Discard them and open the other record?", s.draftTitle()), func(discard bool) {
		if discard {
			load()
		}
	}, s.u.win)
}

// draftTitle names the record being edited, for the questions about it.
func (s *editScreen) draftTitle() string {
	if t := strings.TrimSpace(s.title.Text); t != "" {
		return t
	}
	if s.saved != nil && s.saved.Title != "" {
		return s.saved.Title
	}
	return "the new record"
}

// editRecord loads the record id, with the cursor at field (the title if
// empty), asking first if another record has unsaved changes.
func (s *editScreen) editRecord(id, field string) {
	s.keepOrDiscard(id, field, func() { s.loadRecord(id, field) })
}

func (s *editScreen) loadRecord(id, field string) {
	b := s.u.Binder()
	if b == nil {
		s.say("A gobag command from a terminal is using the binder: open the record again in a moment.")
		return
	}
	r, err := b.Get(context.Background(), id)
	if err != nil {
		s.saved = nil
		s.heading.SetText("Cannot open the record")
		s.say(err.Error())
		return
	}
	s.load(r, false, field)
}

// newRecord starts a record of kind; a plan starts from the template of
// plan type template (a business continuity plan's if empty), and set's
// fields are filled in as a command line's --set would.
func (s *editScreen) newRecord(kind, template string, set []binder.FieldValue) {
	s.keepOrDiscard("", "", func() { s.startRecord(kind, template, set) })
}

func (s *editScreen) startRecord(kind, template string, set []binder.FieldValue) {
	r := &binder.Record{Kind: kind, Fields: map[string]any{}}
	if kind == "plan" && template == "" {
		template = "bcp"
		for _, fv := range set {
			if fv.Field == "type" {
				template = fv.Value
			}
		}
	}
	if template != "" {
		// A plan from its type's template, an exercise from the
		// after-action report's.
		if t, err := binder.FromTemplate(template, time.Now()); err == nil && t.Kind == kind {
			r = t
		}
	}
	var bad []editor.Problem
	for _, fv := range set {
		if err := r.SetField(fv.Field + "=" + fv.Value); err != nil {
			bad = append(bad, editor.Problem{Field: fv.Field, Message: editor.Unwrapped(err).Error()})
		}
	}
	s.load(r, true, "")
	if kind == "plan" {
		s.template.SetOptions(templateNames())
		for _, o := range s.template.Options {
			if strings.HasPrefix(o, template+":") {
				s.template.Selected = o
				s.template.Refresh()
			}
		}
		s.tplRow.Show()
	}
	if len(bad) > 0 {
		s.form.Show(bad)
	}
}

// load shows r in the editor, putting the cursor at field.
func (s *editScreen) load(r *binder.Record, isNew bool, field string) {
	spec, ok := binder.KindByName(r.Kind)
	if !ok {
		s.heading.SetText("Cannot edit a record of kind " + r.Kind)
		return
	}
	s.saved, s.isNew = r.Clone(), isNew
	s.readOnly = spec.AppendOnly && !isNew
	s.notice.Hide()
	s.tplRow.Hide()
	// Values given as text (a preset field, a template) are shown as the
	// binder will store them where they are valid, and as typed where not.
	fields := map[string]any{}
	for k, v := range r.Fields {
		fields[k] = v
		if _, known := spec.Field(k); known {
			if nv, err := editor.Check(r.Kind, k, v); err == nil && nv != nil {
				fields[k] = nv
			}
		}
	}
	s.form = editor.New(spec, fields, editor.Options{Records: s.finder, PhoneCountry: s.phoneCountry(), OnChange: s.setButtons})
	s.formBox.Objects = []fyne.CanvasObject{s.form.Content()}
	s.formBox.Refresh()
	s.title.SetText(r.Title)
	s.title.SetPlaceHolder(spec.TitleIs)
	s.body.SetText(r.Body)
	s.startBody = r.Body
	s.showTitleProblem("")
	s.tabs.SelectIndex(0)
	switch {
	case isNew:
		s.heading.SetText("New " + r.Kind)
	default:
		s.heading.SetText(fmt.Sprintf("Edit %s: %s", r.Kind, r.Title))
	}
	if s.readOnly {
		s.form.Disable()
		s.title.Disable()
		s.body.Disable()
		s.say(fmt.Sprintf("A %s cannot be changed once saved: the record stays as it was written. Add a new one to correct it.", r.Kind))
	} else {
		s.title.Enable()
		s.body.Enable()
	}
	s.title.OnChanged = func(string) { s.setButtons() }
	s.body.OnChanged = func(string) { s.setButtons() }
	s.setButtons()
	s.scroll.ScrollToTop()
	s.focus(field)
}

// phoneCountry is the binder's calling code for numbers written without
// one, from its settings record.
func (s *editScreen) phoneCountry() string {
	b := s.u.Binder()
	if b == nil {
		return ""
	}
	ctx := context.Background()
	list, err := b.List(ctx, "binder")
	if err != nil || len(list) == 0 {
		return ""
	}
	r, err := b.Get(ctx, list[0].ID)
	if err != nil {
		return ""
	}
	return r.Text("phone_country")
}

// focus puts the cursor in field (the title if empty or unknown) and
// scrolls it into view.
func (s *editScreen) focus(field string) {
	c := s.u.win.Canvas()
	if field == "" || field == "title" || s.form == nil {
		c.Focus(s.title)
		return
	}
	if field == "body" {
		c.Focus(s.body)
		return
	}
	fc, box, ok := s.form.Focusable(field)
	if !ok || fc == nil {
		c.Focus(s.title)
		return
	}
	c.Focus(fc)
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(box).Y - d.AbsolutePositionForObject(s.scroll.Content).Y
	s.scroll.Offset = fyne.NewPos(0, max(0, y-theme.Padding()*4))
	s.scroll.Refresh()
}

// dirty reports whether anything differs from the record as loaded.
func (s *editScreen) dirty() bool {
	if s.saved == nil || s.readOnly {
		return false
	}
	return s.title.Text != s.saved.Title || s.body.Text != s.saved.Body || s.form.Changed()
}

func (s *editScreen) setButtons() {
	d := s.dirty()
	if s.saved == nil || s.readOnly {
		s.saveBtn.Disable()
	} else {
		s.saveBtn.Enable()
	}
	if d {
		s.undo.Enable()
	} else {
		s.undo.Disable()
	}
}

// swapTemplate starts a new plan from another template, while nothing has
// been typed in its text.
func (s *editScreen) swapTemplate() {
	if !s.isNew || s.saved == nil || s.saved.Kind != "plan" {
		return
	}
	typ, _, _ := strings.Cut(s.template.Selected, ":")
	t, err := binder.Template(typ)
	if err != nil {
		return
	}
	if s.body.Text != s.startBody {
		s.say("The text has been changed: the template was not swapped. Undo changes first to start from another template.")
		return
	}
	title := s.title.Text
	s.load(t, true, "")
	s.tplRow.Show()
	if title != s.saved.Title && title != "" {
		s.title.SetText(title)
	}
}

// revert goes back to the record as last loaded or saved (Undo).
func (s *editScreen) revert() {
	if s.saved == nil || s.readOnly {
		return
	}
	tpl := s.tplRow.Visible()
	s.load(s.saved, s.isNew, "")
	if tpl {
		s.tplRow.Show()
	}
	s.u.notify("Changes undone.")
}

func (s *editScreen) showTitleProblem(msg string) {
	s.titleErr.SetText(msg)
	s.titleErr.Hidden = msg == ""
	s.titleErr.Refresh()
}

// save checks every field with the binder's validation and saves the
// record if all are good; otherwise it shows each problem at its field
// and puts the cursor at the first. Nothing typed is lost either way.
func (s *editScreen) save() {
	if s.saved == nil || s.readOnly {
		return
	}
	fields, problems := s.form.Values()
	titleOK := strings.TrimSpace(s.title.Text) != ""
	if titleOK {
		s.showTitleProblem("")
	} else {
		s.showTitleProblem("A " + s.saved.Kind + " needs a title: " + binderTitleIs(s.saved.Kind) + ".")
	}
	first := s.form.Show(problems)
	if !titleOK {
		s.focus("title")
		s.u.notify("Not saved: the title is missing.")
		return
	}
	if first != "" {
		s.focus(first)
		s.u.notify(fmt.Sprintf("Not saved: %s has a problem.", editor.Label(first)))
		return
	}
	b := s.u.Binder()
	if b == nil {
		s.say("Not saved yet: a gobag command from a terminal is using the binder. Your changes are kept here; save again in a moment.")
		return
	}
	r := s.saved.Clone()
	r.Title, r.Body, r.Fields = s.title.Text, s.body.Text, fields
	ctx := context.Background()
	var out *binder.Record
	var err error
	if s.isNew {
		out, err = b.Add(ctx, r)
	} else {
		out, err = b.Update(ctx, r)
	}
	if err != nil {
		s.saveFailed(err)
		return
	}
	s.load(out, false, "")
	s.u.changed()
	s.u.openRecord(out.ID)
	s.u.notify(fmt.Sprintf("Saved %s “%s” (revision %d).", out.Kind, out.Title, out.Rev))
}

// goBack goes to the previous screen.
func (s *editScreen) goBack() { s.u.shell.back() }

// saveFailed says why the binder refused the record, at the field if it
// names one.
func (s *editScreen) saveFailed(err error) {
	var fe *binder.FieldError
	switch {
	case errors.As(err, &fe) && slices.Contains(s.form.Fields(), fe.Field):
		msg := fe.Error()
		if fe.Err != nil {
			msg = editor.Unwrapped(fe.Err).Error()
		}
		s.form.Show([]editor.Problem{{Field: fe.Field, Message: msg}})
		s.focus(fe.Field)
		s.u.notify("Not saved: " + editor.Label(fe.Field) + " has a problem.")
	case binder.KindOf(err) == binder.Conflict:
		s.say("Not saved: someone else saved this record while you were editing. Your changes are still here: copy what you need, then Undo changes to see theirs.")
	case binder.KindOf(err) == binder.Permission:
		s.say("Not saved: your role in this binder does not allow this change. " + err.Error())
	default:
		msg := "Not saved: " + err.Error()
		if h := binder.HintOf(err); h != "" {
			msg += " (" + h + ")"
		}
		s.say(msg)
	}
}

func binderTitleIs(kind string) string {
	k, _ := binder.KindByName(kind)
	return k.TitleIs
}

// back asks before throwing away unsaved changes (Esc, Close).
func (s *editScreen) back() bool {
	if !s.dirty() {
		return false
	}
	dialog.ShowConfirm("Discard changes?", "The changes to this record have not been saved.", func(discard bool) {
		if discard {
			s.load(s.saved, s.isNew, "")
			s.goBack()
		}
	}, s.u.win)
	return true
}

// recordFinder finds link targets for the editor: by the binder's search
// (words, names, numbers) and by any part of a title.
type recordFinder struct {
	u    *App
	list []binder.Summary // every record, loaded on first use
	ids  map[string]int
}

var _ editor.Finder = (*recordFinder)(nil)

func (f *recordFinder) forget() { f.list, f.ids = nil, nil }

func (f *recordFinder) load() {
	if f.ids != nil {
		return
	}
	b := f.u.Binder()
	if b == nil {
		return
	}
	list, err := b.List(context.Background(), "")
	if err != nil {
		return
	}
	f.list, f.ids = list, make(map[string]int, len(list))
	for i, it := range list {
		f.ids[it.ID] = i
	}
}

func (f *recordFinder) Title(id string) (string, bool) {
	f.load()
	if i, ok := f.ids[id]; ok {
		return f.list[i].Title, true
	}
	return "", false
}

func (f *recordFinder) Find(query string, kinds []string, limit int) []editor.Choice {
	f.load()
	var out []editor.Choice
	seen := map[string]bool{}
	add := func(id, kind, title string) {
		if !seen[id] && len(out) < limit && (len(kinds) == 0 || slices.Contains(kinds, kind)) {
			seen[id] = true
			out = append(out, editor.Choice{ID: id, Kind: kind, Title: title})
		}
	}
	if b := f.u.Binder(); b != nil && query != "" {
		search := kinds
		if len(search) == 0 {
			search = []string{""}
		}
		for _, k := range search {
			hits, err := b.Search(context.Background(), query, k, limit)
			if err != nil {
				continue
			}
			for _, h := range hits {
				add(h.ID, h.Kind, h.Title)
			}
		}
	}
	words := strings.Fields(strings.ToLower(query))
	for _, it := range f.list {
		if len(out) >= limit {
			break
		}
		t := strings.ToLower(it.Title)
		match := true
		for _, w := range words {
			match = match && strings.Contains(t, w)
		}
		if match {
			add(it.ID, it.Kind, it.Title)
		}
	}
	return out
}
