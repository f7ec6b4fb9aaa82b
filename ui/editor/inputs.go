package editor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// Entry is a text field that gives up the focus on Esc (so that a second
// Esc reaches the window) and lets Tab move to the next field even when it
// has several lines.
type Entry struct {
	widget.Entry
	// OnEscape, if set, is what Esc does instead.
	OnEscape func()
}

// NewEntry returns an entry on one line, or on several if multiLine.
func NewEntry(multiLine bool) *Entry {
	e := &Entry{}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	if multiLine {
		e.SetMinRowsVisible(3)
	}
	return e
}

// TypedKey gives up the focus on Esc.
func (e *Entry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		if e.OnEscape != nil {
			e.OnEscape()
			return
		}
		if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
			c.Unfocus()
		}
		return
	}
	e.Entry.TypedKey(ev)
}

// AcceptsTab is false: Tab moves to the next field.
func (e *Entry) AcceptsTab() bool { return false }

// textInput edits text, a number, a duration, or a list of text one item
// a line.
type textInput struct {
	e    *Entry
	list bool
}

func newTextInput(fd binder.Field, v any, multiLine bool, changed func()) *textInput {
	in := &textInput{e: NewEntry(multiLine), list: fd.Type == binder.TypeTextList}
	switch x := v.(type) {
	case nil:
	case string:
		in.e.SetText(x)
	case []any, []string:
		in.e.SetText(strings.Join(binder.Values{"v": x}.Strings("v"), "\n"))
	default:
		in.e.SetText(fd.Format(v, nil))
	}
	in.e.OnChanged = func(string) { changed() }
	return in
}

func (in *textInput) object() fyne.CanvasObject { return in.e }
func (in *textInput) focusable() fyne.Focusable { return in.e }

func (in *textInput) value() any {
	if in.list {
		if l := splitLines(in.e.Text); len(l) > 0 {
			return l
		}
		return nil
	}
	if strings.TrimSpace(in.e.Text) == "" {
		return nil
	}
	// Kept as typed, as the binder keeps text.
	return in.e.Text
}

func splitLines(s string) []any {
	var out []any
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// boolInput is a check box. A field that was absent stays absent while
// unticked.
type boolInput struct {
	c       *widget.Check
	present bool
}

func newBoolInput(v any, changed func()) *boolInput {
	in := &boolInput{c: widget.NewCheck("yes", nil)}
	if b, ok := v.(bool); ok {
		in.present = true
		in.c.SetChecked(b)
	}
	in.c.OnChanged = func(bool) { changed() }
	return in
}

func (in *boolInput) object() fyne.CanvasObject { return in.c }
func (in *boolInput) focusable() fyne.Focusable { return in.c }
func (in *boolInput) value() any {
	if !in.c.Checked && !in.present {
		return nil
	}
	return in.c.Checked
}

// dateInput takes a date typed as 2026-11-27, or picked from a calendar.
type dateInput struct {
	e   *Entry
	box fyne.CanvasObject
}

const dateLayout = "2006-01-02"

func newDateInput(v any, changed func()) *dateInput {
	in := &dateInput{e: NewEntry(false)}
	in.e.SetPlaceHolder("YYYY-MM-DD")
	switch x := v.(type) {
	case time.Time:
		in.e.SetText(x.Format(dateLayout))
	case string:
		in.e.SetText(x)
	}
	in.e.OnChanged = func(string) { changed() }
	pick := widget.NewButtonWithIcon("", theme.CalendarIcon(), nil)
	pick.OnTapped = func() { in.pick(pick) }
	in.box = container.NewBorder(nil, nil, nil, pick, in.e)
	return in
}

// pick shows a calendar under the field, opened at the date typed (today
// if none).
func (in *dateInput) pick(from fyne.CanvasObject) {
	c := fyne.CurrentApp().Driver().CanvasForObject(from)
	if c == nil {
		return
	}
	start := time.Now()
	if t, err := time.Parse(dateLayout, strings.TrimSpace(in.e.Text)); err == nil {
		start = t
	}
	var pop *widget.PopUp
	cal := widget.NewCalendar(start, func(t time.Time) {
		in.e.SetText(t.Format(dateLayout))
		pop.Hide()
		c.Focus(in.e)
	})
	pop = widget.NewPopUp(cal, c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(in.e)
	pop.ShowAtPosition(pos.Add(fyne.NewPos(0, in.e.Size().Height)))
}

func (in *dateInput) object() fyne.CanvasObject { return in.box }
func (in *dateInput) focusable() fyne.Focusable { return in.e }
func (in *dateInput) value() any {
	if s := strings.TrimSpace(in.e.Text); s != "" {
		return s
	}
	return nil
}

// momentInput takes a date and time, shown in local time; a value that
// was not touched is kept exactly (seconds and offset included).
type momentInput struct {
	e        *Entry
	original any
	shown    string
}

const momentLayout = "2006-01-02 15:04"

func newMomentInput(v any, changed func()) *momentInput {
	in := &momentInput{e: NewEntry(false), original: v}
	in.e.SetPlaceHolder("YYYY-MM-DD HH:MM")
	switch x := v.(type) {
	case time.Time:
		in.shown = x.Local().Format(momentLayout)
		if x.Second() != 0 {
			in.shown = x.Local().Format(momentLayout + ":05")
		}
	case string:
		in.shown = x
	}
	in.e.SetText(in.shown)
	in.e.OnChanged = func(string) { changed() }
	return in
}

func (in *momentInput) object() fyne.CanvasObject { return in.e }
func (in *momentInput) focusable() fyne.Focusable { return in.e }
func (in *momentInput) value() any {
	s := strings.TrimSpace(in.e.Text)
	switch {
	case s == "":
		return nil
	case s == in.shown && in.original != nil:
		return in.original
	}
	return s
}

// enumInput picks one of a field's values.
type enumInput struct {
	s        *widget.Select
	original string // a value that is not one of the field's (shown as is)
}

const noValue = "(none)"

func newEnumInput(fd binder.Field, v any, changed func()) *enumInput {
	opts := append([]string{noValue}, fd.Values...)
	in := &enumInput{}
	s, _ := v.(string)
	if s != "" && !slices.Contains(fd.Values, s) {
		// Kept so that it can be seen and corrected; validation says why.
		in.original = s
		opts = append(opts, s)
	}
	in.s = widget.NewSelect(opts, nil)
	in.s.PlaceHolder = noValue
	if s != "" {
		in.s.SetSelected(s)
	}
	in.s.OnChanged = func(string) { changed() }
	return in
}

func (in *enumInput) object() fyne.CanvasObject { return in.s }
func (in *enumInput) focusable() fyne.Focusable { return in.s }
func (in *enumInput) value() any {
	if in.s.Selected == "" || in.s.Selected == noValue {
		return nil
	}
	return in.s.Selected
}

// enumListInput ticks any of a field's values; the order they were in is
// kept, and new ones follow in the field's order.
type enumListInput struct {
	checks map[string]*widget.Check
	order  []string // the field's values, then any unknown ones
	first  []string // the values as loaded, in their order
	box    *fyne.Container
}

func newEnumListInput(fd binder.Field, v any, changed func()) *enumListInput {
	in := &enumListInput{checks: map[string]*widget.Check{}, order: slices.Clone(fd.Values)}
	in.first = binder.Values{"v": v}.Strings("v")
	for _, s := range in.first {
		if !slices.Contains(in.order, s) {
			in.order = append(in.order, s)
		}
	}
	var objs []fyne.CanvasObject
	for _, val := range in.order {
		c := widget.NewCheck(val, func(bool) { changed() })
		c.Checked = slices.Contains(in.first, val)
		in.checks[val] = c
		objs = append(objs, c)
	}
	cols := 3
	if len(objs) < cols {
		cols = max(1, len(objs))
	}
	in.box = container.NewGridWithColumns(cols, objs...)
	return in
}

func (in *enumListInput) object() fyne.CanvasObject { return in.box }
func (in *enumListInput) focusable() fyne.Focusable {
	if len(in.order) == 0 {
		return nil
	}
	return in.checks[in.order[0]]
}
func (in *enumListInput) value() any {
	var out []any
	for _, s := range in.first {
		if in.checks[s].Checked {
			out = append(out, s)
		}
	}
	for _, s := range in.order {
		if in.checks[s].Checked && !slices.Contains(in.first, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// phoneInput is a phones table's number: kept as typed, with its
// international form shown beside it as the binder will store it.
type phoneInput struct {
	*textInput
	country string
	e164    *widget.Label
	box     fyne.CanvasObject
}

func newPhoneInput(fd binder.Field, v any, country string, changed func()) *phoneInput {
	in := &phoneInput{country: country, e164: widget.NewLabel("")}
	in.e164.Importance = widget.LowImportance
	in.textInput = newTextInput(fd, v, false, changed)
	in.e.SetPlaceHolder("+44 20 7946 0001")
	in.e.OnChanged = func(string) {
		in.show()
		changed()
	}
	in.show()
	in.box = container.NewBorder(nil, nil, nil, in.e164, in.e)
	return in
}

func (in *phoneInput) show() {
	if e, ok := binder.NormalizePhone(in.e.Text, in.country); ok {
		in.e164.SetText(e)
		in.e164.Importance = widget.LowImportance
	} else {
		in.e164.SetText("")
	}
	in.e164.Refresh()
}

func (in *phoneInput) object() fyne.CanvasObject { return in.box }

// problem says why the number cannot be dialled, if it cannot.
func (in *phoneInput) problem() string {
	typed := strings.TrimSpace(in.e.Text)
	if typed == "" {
		return ""
	}
	if _, ok := binder.NormalizePhone(typed, in.country); ok {
		return ""
	}
	// Does it fail only for want of a country code?
	if _, ok := binder.NormalizePhone(typed, "+44"); ok && in.country == "" {
		return fmt.Sprintf("%q has no country code, and the binder sets none: write it as +44 20 7946 0001", typed)
	}
	return fmt.Sprintf("%q is not a phone number: use digits, spaces and + ( ) - . / only, 8 to 15 digits with the country code", typed)
}
