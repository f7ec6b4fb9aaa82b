// Package editor builds a record's editing form from its kind's field
// specs: one widget per field type (text, number, check, date, duration,
// choice, choices, link, links, phone, table), reading values back into
// the types the binder stores, and showing the binder's own validation
// messages at the field they concern.
//
// It knows nothing of where records come from: links are looked up
// through a [Finder] the caller supplies.
package editor

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// Choice is a record a link may point to.
type Choice struct {
	ID, Kind, Title string
}

// Finder looks up the records links point to.
type Finder interface {
	// Find returns at most limit records of one of kinds (any kind if
	// none) that match query, best first; all of them, in title order,
	// for an empty query.
	Find(query string, kinds []string, limit int) []Choice
	// Title returns the title of the record id, or false if there is no
	// such record.
	Title(id string) (string, bool)
}

// Options are what a form needs from outside.
type Options struct {
	// Records finds the targets of links.
	Records Finder
	// PhoneCountry is the binder's calling code for numbers written
	// without one ("+44"), or "".
	PhoneCountry string
	// OnChange is called after any edit.
	OnChange func()
}

// Problem is what is wrong with one field's value.
type Problem struct {
	Field   string
	Message string
}

// Form edits the fields of one record of one kind.
type Form struct {
	spec   binder.KindSpec
	opts   Options
	rows   []*fieldRow
	byName map[string]*fieldRow
	// kept are fields the form has no widget for (custom fields holding
	// something other than text): they are saved as they were.
	kept map[string]any
	root *fyne.Container
}

// fieldRow is one field: its label, its input and the message under it.
type fieldRow struct {
	field   binder.Field
	label   *widget.Label
	in      input
	problem *widget.Label
	box     *fyne.Container
	initial any // the raw value the input showed when loaded
}

// input is the widget for one value of one field type.
type input interface {
	object() fyne.CanvasObject
	// value returns what was entered, as the binder's validation takes
	// it (a date as "2026-11-27", a list as []any…), or nil if empty.
	value() any
	// focusable returns the widget to put the cursor in.
	focusable() fyne.Focusable
}

// New builds the form for fields (a record's Fields, not changed) of a
// record of kind spec.
func New(spec binder.KindSpec, fields map[string]any, opts Options) *Form {
	if opts.OnChange == nil {
		opts.OnChange = func() {}
	}
	f := &Form{spec: spec, opts: opts, byName: map[string]*fieldRow{}, kept: map[string]any{}}
	var cells []fyne.CanvasObject // label, input, label, input…
	add := func(fd binder.Field, in input) {
		r := &fieldRow{field: fd, in: in, label: widget.NewLabelWithStyle(Label(fd.Name), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})}
		r.problem = widget.NewLabel("")
		r.problem.Importance = widget.DangerImportance
		r.problem.Wrapping = fyne.TextWrapWord
		r.problem.Hide()
		parts := []fyne.CanvasObject{in.object()}
		if fd.Doc != "" {
			hint := widget.NewLabel(fd.Doc)
			hint.SizeName = theme.SizeNameCaptionText
			hint.Importance = widget.LowImportance
			hint.Wrapping = fyne.TextWrapWord
			parts = append(parts, hint)
		}
		parts = append(parts, r.problem)
		r.box = container.NewVBox(parts...)
		r.initial = in.value()
		f.rows = append(f.rows, r)
		f.byName[fd.Name] = r
		cells = append(cells, r.label, r.box)
	}
	for _, fd := range spec.Fields {
		add(fd, f.newInput(fd, fields[fd.Name], true))
	}
	// Fields the kind does not define (custom x- fields, or any field of
	// a kind that takes free fields): text is edited as text, anything
	// else is kept as it is.
	for _, name := range binder.FieldOrder(&binder.Record{Kind: spec.Name, Fields: fields}) {
		if _, ok := spec.Field(name); ok {
			continue
		}
		if s, ok := fields[name].(string); ok {
			add(binder.Field{Name: name, Type: binder.TypeText}, f.newInput(binder.Field{Name: name, Type: binder.TypeText}, s, true))
		} else {
			f.kept[name] = fields[name]
		}
	}
	// Laid out once, not after each field.
	f.root = container.New(layout.NewFormLayout(), cells...)
	return f
}

// Label words a field's name for a label: "last_verified" → "last verified".
func Label(name string) string { return strings.ReplaceAll(name, "_", " ") }

// Content returns the form's widgets.
func (f *Form) Content() fyne.CanvasObject { return f.root }

// Fields returns the names of the fields the form edits, in order.
func (f *Form) Fields() []string {
	out := make([]string, len(f.rows))
	for i, r := range f.rows {
		out[i] = r.field.Name
	}
	return out
}

// Changed reports whether any value differs from what the form was built
// with.
func (f *Form) Changed() bool {
	for _, r := range f.rows {
		if !reflect.DeepEqual(r.in.value(), r.initial) {
			return true
		}
	}
	return false
}

// Values returns the fields as the binder stores them, each checked by
// the binder's own validation, and what is wrong with those it refused
// (which are left out). It does not show the problems: see Show.
func (f *Form) Values() (map[string]any, []Problem) {
	out := maps.Clone(f.kept)
	if out == nil {
		out = map[string]any{}
	}
	var problems []Problem
	for _, r := range f.rows {
		v := r.in.value()
		if v == nil {
			continue
		}
		if p, ok := r.in.(interface{ problem() string }); ok {
			if msg := p.problem(); msg != "" {
				problems = append(problems, Problem{Field: r.field.Name, Message: msg})
				continue
			}
		}
		if _, known := f.spec.Field(r.field.Name); !known {
			out[r.field.Name] = v // a custom field's text, as typed
			continue
		}
		nv, err := Check(f.spec.Name, r.field.Name, v)
		if err != nil {
			problems = append(problems, Problem{Field: r.field.Name, Message: err.Error()})
			continue
		}
		if nv != nil {
			out[r.field.Name] = nv
		}
	}
	return out, problems
}

// Check runs the binder's validation on one value of field name of kind,
// returning the value in the form the binder stores (nil if empty) or
// what is wrong with it, worded for the field's place in a form.
func Check(kind, name string, v any) (any, error) {
	probe := &binder.Record{Kind: kind, Title: "-", Fields: map[string]any{name: v}}
	if err := probe.Validate(); err != nil {
		var fe *binder.FieldError
		if errors.As(err, &fe) && fe.Err != nil {
			return nil, Unwrapped(fe.Err)
		}
		return nil, err
	}
	return probe.Fields[name], nil
}

// Unwrapped is err with its first letter in upper case, for a message
// shown on its own under a field.
func Unwrapped(err error) error {
	s := err.Error()
	if s == "" {
		return err
	}
	return errors.New(strings.ToUpper(s[:1]) + s[1:])
}

// Show puts each problem under its field (clearing the others' messages)
// and returns the first field with a problem, in the form's order ("" if
// none).
func (f *Form) Show(problems []Problem) string {
	msgs := map[string][]string{}
	for _, p := range problems {
		msgs[p.Field] = append(msgs[p.Field], p.Message)
	}
	first := ""
	for _, r := range f.rows {
		m := msgs[r.field.Name]
		if len(m) == 0 {
			r.problem.SetText("")
			r.problem.Hide()
			continue
		}
		if first == "" {
			first = r.field.Name
		}
		r.problem.SetText(strings.Join(m, "\n"))
		r.problem.Show()
	}
	return first
}

// Problem returns the message shown under field ("" if none).
func (f *Form) Problem(field string) string {
	if r, ok := f.byName[field]; ok && r.problem.Visible() {
		return r.problem.Text
	}
	return ""
}

// Focusable returns the widget of field that takes the cursor, and the
// part of the form that holds it (to scroll to); false if the form has
// no such field.
func (f *Form) Focusable(field string) (fyne.Focusable, fyne.CanvasObject, bool) {
	r, ok := f.byName[field]
	if !ok {
		return nil, nil, false
	}
	return r.in.focusable(), r.box, true
}

// Disable makes every input read-only.
func (f *Form) Disable() { disableAll(f.root) }

func disableAll(o fyne.CanvasObject) {
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			disableAll(c)
		}
	case fyne.Disableable:
		x.Disable()
	case interface{ Content() fyne.CanvasObject }:
		disableAll(x.Content())
	}
}

// newInput returns the widget for field fd holding v. top is false for a
// table's cell.
func (f *Form) newInput(fd binder.Field, v any, top bool) input {
	changed := f.opts.OnChange
	switch fd.Type {
	case binder.TypeInteger:
		in := newTextInput(fd, v, false, changed)
		if fd.Max > fd.Min {
			in.e.SetPlaceHolder(fmt.Sprintf("%d to %d", fd.Min, fd.Max))
		}
		return in
	case binder.TypeBoolean:
		return newBoolInput(v, changed)
	case binder.TypeDate:
		return newDateInput(v, changed)
	case binder.TypeMoment:
		return newMomentInput(v, changed)
	case binder.TypeDuration:
		in := newTextInput(fd, v, false, changed)
		in.e.SetPlaceHolder("90m, 3h, 2d, 1w")
		return in
	case binder.TypeEnum:
		return newEnumInput(fd, v, changed)
	case binder.TypeEnumList:
		return newEnumListInput(fd, v, changed)
	case binder.TypeTextList:
		in := newTextInput(fd, v, true, changed)
		in.e.SetPlaceHolder("one a line")
		return in
	case binder.TypeLink:
		return newLinkInput(fd, v, f.opts.Records, changed)
	case binder.TypeLinkList:
		return newLinkListInput(fd, v, f.opts.Records, changed)
	case binder.TypeTable:
		return newTableInput(f, fd, v)
	}
	return newTextInput(fd, v, top && longText(fd, v), changed)
}

// longText reports whether a text field is edited on several lines: those
// that hold a paragraph, and any value that already has more than one.
func longText(fd binder.Field, v any) bool {
	if s, ok := v.(string); ok && strings.Contains(s, "\n") {
		return true
	}
	switch fd.Name {
	case "scope", "description", "damage", "lessons", "results", "detection", "activation", "scenario", "opens":
		return true
	}
	return false
}
