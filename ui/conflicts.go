package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// conflictView shows a record's conflicts side by side: for each field two
// copies of the binder changed differently, this copy's value and the
// other's, who made each, and buttons to keep one or edit the field.
type conflictView struct {
	u       *App
	nav     navigator
	root    fyne.CanvasObject
	heading *widget.Label
	status  *widget.Label
	rows    *fyne.Container
	scroll  *container.Scroll
	allOurs *widget.Button
	allThem *widget.Button
	id      string
	done    func() // back to the record, once nothing is left to resolve
}

func newConflictView(u *App, nav navigator, done func()) *conflictView {
	c := &conflictView{u: u, nav: nav, done: done, heading: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		status: widget.NewLabel(""), rows: container.NewVBox()}
	c.heading.SizeName = theme.SizeNameSubHeadingText
	c.heading.Wrapping = fyne.TextWrapWord
	c.status.Wrapping = fyne.TextWrapWord
	backBtn := widget.NewButtonWithIcon("Back to the record", theme.NavigateBackIcon(), done)
	c.allOurs = widget.NewButton("Keep all mine", func() { c.resolveAll("ours") })
	c.allThem = widget.NewButton("Keep all theirs", func() { c.resolveAll("theirs") })
	intro := widget.NewLabel("While the copies were apart, each changed these fields differently. Choose the value to keep for each field, or edit it.")
	intro.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(container.NewHBox(backBtn), c.heading, intro, container.NewHBox(c.allOurs, c.allThem), c.status)
	c.scroll = container.NewVScroll(c.rows)
	c.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, c.scroll))
	return c
}

// load shows the conflicts of record id as they are now.
func (c *conflictView) load(id string) {
	c.id = id
	b := c.u.Binder()
	if b == nil {
		c.status.SetText("A gobag command from a terminal is using the binder: try again in a moment.")
		return
	}
	ctx := context.Background()
	r, err := b.Get(ctx, id)
	if err != nil {
		c.status.SetText("Cannot read the record: " + err.Error())
		return
	}
	c.heading.SetText("Conflicts in “" + r.Title + "”")
	c.status.SetText("")
	if len(r.Conflicts) == 0 {
		c.status.SetText("This record has no conflicts left.")
	}
	to, _, _ := b.Links(ctx, id)
	names := map[string]string{}
	for _, l := range to {
		if !l.Missing {
			names[l.ID] = l.Title
		}
	}
	titles := func(id string) (string, bool) {
		if t, ok := names[id]; ok {
			return t, true
		}
		if o, err := b.Get(ctx, id); err == nil {
			return o.Title, true
		}
		return "", false
	}
	spec, _ := binder.KindByName(r.Kind)
	var objs []fyne.CanvasObject
	for _, g := range groupConflicts(r.Conflicts) {
		objs = append(objs, c.fieldBlock(r, spec, g, titles), widget.NewSeparator())
	}
	c.rows.Objects = objs
	c.rows.Refresh()
	c.scroll.Refresh()
}

// conflictGroup is one field's conflicts: this copy's value and each other
// value it was given.
type conflictGroup struct {
	field  string
	ours   binder.FieldConflict
	theirs []binder.FieldConflict
}

func groupConflicts(cs []binder.FieldConflict) []conflictGroup {
	var out []conflictGroup
	at := map[string]int{}
	for _, fc := range cs {
		i, ok := at[fc.Field]
		if !ok {
			i = len(out)
			at[fc.Field] = i
			out = append(out, conflictGroup{field: fc.Field, ours: fc})
		}
		out[i].theirs = append(out[i].theirs, fc)
	}
	return out
}

// fieldBlock shows one field's values side by side, with what to do.
func (c *conflictView) fieldBlock(r *binder.Record, spec binder.KindSpec, g conflictGroup, titles binder.Titles) fyne.CanvasObject {
	format := func(v any) string {
		if v == nil {
			return "(removed)"
		}
		switch g.field {
		case "title", "body":
			if s, ok := v.(string); ok {
				return s
			}
		}
		f, ok := spec.Field(g.field)
		if !ok {
			f = binder.Field{Name: g.field, Type: typeOfValue(v)}
		}
		return f.Format(v, titles)
	}
	name := widget.NewLabelWithStyle(fieldLabel(g.field), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	side := func(heading, value, label string, keep func()) fyne.CanvasObject {
		h := widget.NewLabelWithStyle(heading, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		h.Wrapping = fyne.TextWrapWord
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		btn := widget.NewButton(label, keep)
		return widget.NewCard("", "", container.NewBorder(h, container.NewHBox(btn), nil, nil, v))
	}
	mine := side(fmt.Sprintf("Mine — by %s (revision %d)", g.ours.OursBy, g.ours.OursRev), format(g.ours.Ours), "Keep mine", func() { c.keep(g.field, nil, false) })
	cols := []fyne.CanvasObject{mine}
	for _, t := range g.theirs {
		t := t
		cols = append(cols, side(fmt.Sprintf("Theirs — by %s (revision %d)", t.TheirsBy, t.TheirsRev), format(t.Theirs), "Keep theirs", func() { c.keep(g.field, t.Theirs, true) }))
	}
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { c.nav.editRecord(r.ID, g.field) })
	return container.NewVBox(container.NewBorder(nil, nil, nil, edit, name), container.NewGridWithColumns(len(cols), cols...))
}

// keep settles the conflicts of field: with theirs, to value (nil: the
// other copy removed the field); without, as the record stands.
func (c *conflictView) keep(field string, value any, theirs bool) {
	b := c.u.Binder()
	if b == nil {
		c.status.SetText("A gobag command from a terminal is using the binder: try again in a moment. Nothing was changed.")
		return
	}
	ctx := context.Background()
	r, err := b.Get(ctx, c.id)
	if err != nil {
		c.status.SetText("Cannot read the record: " + err.Error())
		return
	}
	out := r.Clone()
	out.Conflicts = out.Conflicts[:0]
	for _, fc := range r.Conflicts {
		if fc.Field != field {
			out.Conflicts = append(out.Conflicts, fc)
		}
	}
	if len(out.Conflicts) == 0 {
		out.Conflicts = nil
	}
	if theirs {
		setValue(out, field, value)
	}
	if _, err := b.Update(ctx, out); err != nil {
		c.status.SetText("Cannot save the choice: " + err.Error())
		return
	}
	c.saved(out.Conflicts == nil, fmt.Sprintf("Kept %s value of %s.", map[bool]string{true: "their", false: "my"}[theirs], fieldLabel(field)))
}

// resolveAll keeps one side's value of every conflicting field.
func (c *conflictView) resolveAll(take string) {
	b := c.u.Binder()
	if b == nil {
		c.status.SetText("A gobag command from a terminal is using the binder: try again in a moment. Nothing was changed.")
		return
	}
	if _, err := b.ResolveConflicts(context.Background(), c.id, take); err != nil {
		msg := "Cannot resolve: " + err.Error()
		if h := binder.HintOf(err); h != "" {
			msg += " (" + h + ")"
		}
		c.status.SetText(msg)
		return
	}
	c.saved(true, map[string]string{"ours": "Kept my values.", "theirs": "Kept their values."}[take])
}

// saved reports a choice saved, and goes back to the record once no
// conflict is left.
func (c *conflictView) saved(all bool, msg string) {
	if all {
		msg += " The conflicts are resolved."
	}
	c.u.notify(msg)
	if all {
		c.done()
	}
	c.u.changed()
}

// setValue sets field of r (title, body or a field) to v; nil removes it.
func setValue(r *binder.Record, field string, v any) {
	switch field {
	case "title":
		s, _ := v.(string)
		r.Title = s
	case "body":
		s, _ := v.(string)
		r.Body = s
	default:
		if v == nil {
			delete(r.Fields, field)
			return
		}
		if r.Fields == nil {
			r.Fields = map[string]any{}
		}
		r.Fields[field] = v
	}
}
