package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// clipboardClearAfter is how long a copied phone number stays on the
// clipboard; tests shorten it.
var clipboardClearAfter = 30 * time.Second

// detail shows one record: every field formatted by its type, the links
// both ways (each opens the other record), the body as Markdown, and what
// can be done with it.
type detail struct {
	u    *App
	v    *browser
	root fyne.CanvasObject

	title   *widget.Label
	meta    *widget.Label
	notice  *widget.Label // conflicts, or why the record cannot be shown
	bar     *fyne.Container
	back    *widget.Button
	edit    *widget.Button
	del     *widget.Button
	history *widget.Button
	solve   *widget.Button
	fields  *fyne.Container // holds form, rebuilt for each record
	form    *widget.Form    // the record's fields and what links to it
	body    *widget.RichText
	scroll  *container.Scroll
	rec     *binder.Record // the record shown, nil if none
}

func newDetail(u *App, v *browser) *detail {
	d := &detail{u: u, v: v,
		title:  widget.NewLabelWithStyle("No record chosen", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		meta:   widget.NewLabel("Choose a record in the list, or search for one (Ctrl+F)."),
		notice: widget.NewLabel(""),
		fields: container.NewVBox(),
		form:   widget.NewForm(),
		body:   widget.NewRichTextFromMarkdown(""),
	}
	d.title.SizeName = theme.SizeNameSubHeadingText
	d.title.Wrapping = fyne.TextWrapWord
	d.meta.Wrapping = fyne.TextWrapWord
	d.notice.Wrapping = fyne.TextWrapWord
	d.notice.Importance = widget.WarningImportance
	d.notice.Hide()
	d.body.Wrapping = fyne.TextWrapWord

	d.back = widget.NewButtonWithIcon("Back", theme.NavigateBackIcon(), func() { v.back() })
	d.edit = widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() {
		if d.rec != nil {
			v.nav.editRecord(d.rec.ID, "")
		}
	})
	d.edit.Importance = widget.HighImportance
	d.history = widget.NewButtonWithIcon("History", theme.HistoryIcon(), func() {
		if d.rec != nil {
			v.showHistory(d.rec.ID)
		}
	})
	d.solve = widget.NewButtonWithIcon("Resolve conflicts", theme.WarningIcon(), func() {
		if d.rec != nil {
			v.showConflicts(d.rec.ID)
		}
	})
	d.solve.Importance = widget.WarningImportance
	d.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), d.confirmDelete)
	d.del.Importance = widget.DangerImportance
	d.bar = container.NewHBox(d.back, d.edit, d.history, d.solve, d.del)
	d.bar.Hide()

	d.fields.Objects = []fyne.CanvasObject{d.form}
	top := container.NewVBox(d.title, d.meta, d.bar, d.notice)
	d.scroll = container.NewVScroll(container.NewVBox(top, d.fields, widget.NewSeparator(), d.body))
	d.root = container.NewPadded(d.scroll)
	return d
}

// shownID is the id of the record shown, or "".
func (d *detail) shownID() string {
	if d.rec == nil {
		return ""
	}
	return d.rec.ID
}

// reread shows the record shown again as it is now in the binder.
func (d *detail) reread() {
	if d.rec != nil {
		d.load(d.rec.ID)
	}
}

// load shows the record id.
func (d *detail) load(id string) {
	b := d.u.Binder()
	if b == nil {
		d.say("A gobag command from a terminal is using the binder: this shows the record as it was.")
		return
	}
	ctx := context.Background()
	r, err := b.Get(ctx, id)
	if err != nil {
		if d.rec != nil && d.rec.ID == id && binder.KindOf(err) == binder.NotExist {
			d.clear("This record was deleted.", "Its history keeps every version it had.")
			return
		}
		d.clear("Cannot show the record", err.Error())
		return
	}
	to, from, err := b.Links(ctx, r.ID)
	same := d.rec != nil && d.rec.ID == r.ID
	d.rec = r
	d.render(r, to, from, same)
	if err != nil {
		d.say("Cannot read the record's links: " + err.Error())
	}
}

// say shows msg above the fields.
func (d *detail) say(msg string) {
	d.notice.SetText(msg)
	d.notice.Show()
}

// clear shows no record, with title and text saying why.
func (d *detail) clear(title, text string) {
	d.rec = nil
	d.title.SetText(title)
	d.meta.SetText(text)
	d.notice.Hide()
	d.bar.Hide()
	d.form = widget.NewForm()
	d.fields.Objects = []fyne.CanvasObject{d.form}
	d.fields.Refresh()
	d.body.ParseMarkdown("")
	d.scroll.ScrollToTop()
	d.scroll.Refresh()
}

// render shows r; same says it is the record shown already, read again
// (the scroll stays where the user left it).
func (d *detail) render(r *binder.Record, to, from []binder.Link, same bool) {
	titles := map[string]binder.Link{}
	for _, l := range to {
		titles[l.ID] = l
	}
	lookup := func(id string) (string, bool) {
		l, ok := titles[id]
		if !ok || l.Missing {
			return "", false
		}
		return l.Title, true
	}
	spec, _ := binder.KindByName(r.Kind)
	d.title.SetText(r.Title)
	d.meta.SetText(fmt.Sprintf("%s · revision %d by %s · updated %s", kindNoun(r.Kind), r.Rev, r.Author, r.Updated.Local().Format("2 Jan 2006 15:04")))

	if len(r.Conflicts) > 0 {
		d.say(fmt.Sprintf("Another copy of the binder changed %s differently. Both values are kept until you choose.", conflictFields(r.Conflicts)))
		d.solve.Show()
	} else {
		d.notice.Hide()
		d.solve.Hide()
	}
	if spec.AppendOnly {
		d.edit.Hide()
		d.del.Hide()
	} else {
		d.edit.Show()
		d.del.Show()
	}
	if len(d.v.trail) > 0 {
		d.back.Show()
	} else {
		d.back.Hide()
	}
	d.bar.Show()

	// A new form each time: a form keeps its rows' widgets.
	form := widget.NewForm()
	for _, name := range binder.FieldOrder(r) {
		f, ok := spec.Field(name)
		if !ok {
			f = binder.Field{Name: name, Type: typeOfValue(r.Fields[name])}
		}
		form.Append(fieldLabel(name), d.fieldWidget(r, f, titles, lookup))
	}
	if len(from) > 0 {
		box := container.NewVBox()
		for _, l := range from {
			box.Add(d.linkWidget(l, fmt.Sprintf("%s (%s, as %s)", l.Title, l.Kind, fieldLabel(l.Field))))
		}
		form.Append("linked from", box)
	}
	d.form = form
	d.fields.Objects = []fyne.CanvasObject{form}
	d.fields.Refresh()
	d.body.ParseMarkdown(r.Body)
	if !same {
		d.scroll.ScrollToTop()
	}
	d.scroll.Refresh()
}

// fieldWidget shows one field's value: links as links, phone numbers with
// Copy and Call, e-mail addresses as mailto: links, anything else as text
// formatted by its type.
func (d *detail) fieldWidget(r *binder.Record, f binder.Field, links map[string]binder.Link, lookup binder.Titles) fyne.CanvasObject {
	values := binder.Values(r.Fields)
	switch {
	case f.Type == binder.TypeLink && values.Link(f.Name) != "":
		return d.linkTo(values.Link(f.Name), links)
	case f.Type == binder.TypeLinkList && len(values.Links(f.Name)) > 0:
		box := container.NewVBox()
		for _, id := range values.Links(f.Name) {
			box.Add(d.linkTo(id, links))
		}
		return box
	case f.Type == binder.TypeTable && hasColumn(f, "number"):
		box := container.NewVBox()
		for _, row := range values.Rows(f.Name) {
			box.Add(d.phoneRow(row.Text("label"), row.Text("number"), row.Text("e164")))
		}
		return box
	case f.Type == binder.TypeTable && len(values.Rows(f.Name)) > 0:
		// One numbered line per row, so that long rows stay apart.
		box := container.NewVBox()
		for i, row := range values.Rows(f.Name) {
			l := widget.NewLabel(fmt.Sprintf("%d.  %s", i+1, f.Format(map[string]any(row), lookup)))
			l.Wrapping = fyne.TextWrapWord
			box.Add(l)
		}
		return box
	case f.Type == binder.TypeText && strings.Contains(f.Name, "phone"):
		if e164, ok := binder.NormalizePhone(values.Text(f.Name), ""); ok {
			return d.phoneRow("", values.Text(f.Name), e164)
		}
	case f.Type == binder.TypeTextList && strings.Contains(f.Name, "email"):
		box := container.NewVBox()
		for _, addr := range values.Strings(f.Name) {
			box.Add(mailLink(addr))
		}
		return box
	}
	l := widget.NewLabel(f.Format(r.Fields[f.Name], lookup))
	l.Wrapping = fyne.TextWrapWord
	return l
}

// linkTo shows a link to record id: its title, which opens it.
func (d *detail) linkTo(id string, links map[string]binder.Link) fyne.CanvasObject {
	l, ok := links[id]
	if !ok {
		l = binder.Link{ID: id, Missing: true}
	}
	return d.linkWidget(l, fmt.Sprintf("%s (%s)", l.Title, l.Kind))
}

func (d *detail) linkWidget(l binder.Link, text string) fyne.CanvasObject {
	if l.Missing {
		short := l.ID
		if len(short) > 10 {
			short = short[:10] + "…"
		}
		w := widget.NewLabel("missing record " + short)
		w.Importance = widget.WarningImportance
		return w
	}
	h := widget.NewHyperlink(text, nil)
	h.Wrapping = fyne.TextWrapWord
	id := l.ID
	h.OnTapped = func() { d.v.followLink(id) }
	return h
}

// phoneRow shows a number with buttons to copy it and to call it.
func (d *detail) phoneRow(label, number, e164 string) fyne.CanvasObject {
	dial := e164
	if dial == "" {
		dial = number
	}
	text := number
	if label != "" {
		text = label + "  " + number
	}
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { d.u.copyPhone(dial) })
	call := widget.NewButton("Call", func() {
		if err := openURL("tel:" + telNumber(dial)); err != nil {
			d.u.notify("Cannot start a call: " + err.Error())
		}
	})
	return container.NewBorder(nil, nil, nil, container.NewHBox(copyBtn, call), widget.NewLabel(text))
}

// telNumber keeps what a tel: URL may hold of a number: digits and a
// leading +.
func telNumber(n string) string {
	var b strings.Builder
	for i, c := range n {
		if c >= '0' && c <= '9' || c == '+' && i == 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func mailLink(addr string) fyne.CanvasObject {
	u := &url.URL{Scheme: "mailto", Opaque: addr}
	return widget.NewHyperlink(addr, u)
}

// openURL asks the system to open u (a tel: or mailto: handler).
func openURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return fyne.CurrentApp().OpenURL(u)
}

// copyPhone puts number on the clipboard, and takes it off again after
// clipboardClearAfter unless something else was copied meanwhile.
func (u *App) copyPhone(number string) {
	u.copyForAWhile(number, number, "The copied number was cleared from the clipboard.")
}

// copyForAWhile puts text on the clipboard, says so (naming it as what),
// and takes it off again after clipboardClearAfter, saying cleared,
// unless something else was copied meanwhile.
func (u *App) copyForAWhile(text, what, cleared string) {
	clip := u.fyneApp.Clipboard()
	clip.SetContent(text)
	u.notify(fmt.Sprintf("Copied %s — the clipboard is cleared in %s", what, wordDuration(clipboardClearAfter)))
	wait := clipboardClearAfter
	runTask(u.tasks, func(ctx context.Context, _ binder.Progress) (struct{}, error) {
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		return struct{}{}, nil
	}, nil, func(struct{}, error) {
		if clip.Content() == text {
			clip.SetContent("")
			if !u.closed {
				u.notify(cleared)
			}
		}
	})
}

// wordDuration writes a short span for people: 30 s, 2 min.
func wordDuration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	if d >= time.Second {
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	}
	return d.String()
}

// confirmDelete asks before deleting the record shown.
func (d *detail) confirmDelete() {
	r := d.rec
	if r == nil {
		return
	}
	msg := fmt.Sprintf("Delete the %s “%s”?\n\nIt disappears from every copy of the binder at their next sync.\nIts history keeps every version it had.", r.Kind, r.Title)
	dialog.ShowConfirm("Delete record", msg, func(ok bool) {
		if !ok {
			return
		}
		b := d.u.Binder()
		if b == nil {
			d.say("A gobag command from a terminal is using the binder: try again in a moment. Nothing was deleted.")
			return
		}
		if err := b.Delete(context.Background(), r.ID); err != nil {
			d.say("Cannot delete the record: " + err.Error())
			return
		}
		d.clear("Deleted “"+r.Title+"”", "Its history keeps every version it had.")
		d.u.notify("Deleted “" + r.Title + "”.")
		d.u.changed()
	}, d.u.win)
}

// kindNoun capitalises a kind's name for a heading.
func kindNoun(kind string) string {
	if kind == "" {
		return ""
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}

// fieldLabel is a field's name for people: underscores as spaces.
func fieldLabel(name string) string { return strings.ReplaceAll(name, "_", " ") }

// conflictFields lists the fields in conflict, for a sentence.
func conflictFields(cs []binder.FieldConflict) string {
	var names []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.Field] {
			seen[c.Field] = true
			names = append(names, fieldLabel(c.Field))
		}
	}
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func hasColumn(f binder.Field, name string) bool {
	for _, c := range f.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

// typeOfValue guesses the type of a field its kind does not describe (a
// note's free fields), for formatting.
func typeOfValue(v any) binder.FieldType {
	switch v.(type) {
	case int64, int:
		return binder.TypeInteger
	case bool:
		return binder.TypeBoolean
	case []any, []string:
		return binder.TypeTextList
	}
	return binder.TypeText
}
