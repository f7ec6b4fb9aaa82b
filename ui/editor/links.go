package editor

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// linkTitle names the record id for a link's button.
func linkTitle(rec Finder, id string) string {
	if rec != nil {
		if t, ok := rec.Title(id); ok {
			return t
		}
	}
	short := id
	if len(short) > 10 {
		short = short[:10]
	}
	return fmt.Sprintf("(no record %s…)", short)
}

// linkInput holds one link: the linked record's title on a button that
// opens the picker, and a button to clear it.
type linkInput struct {
	fd      binder.Field
	rec     Finder
	id      string
	choose  *widget.Button
	clear   *widget.Button
	box     fyne.CanvasObject
	changed func()
	picker  *Picker // the picker last opened
}

func newLinkInput(fd binder.Field, v any, rec Finder, changed func()) *linkInput {
	in := &linkInput{fd: fd, rec: rec, changed: changed}
	in.id, _ = v.(string)
	in.choose = widget.NewButtonWithIcon("", theme.SearchIcon(), in.open)
	in.choose.Alignment = widget.ButtonAlignLeading
	in.clear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { in.set("") })
	in.show()
	in.box = container.NewBorder(nil, nil, nil, in.clear, in.choose)
	return in
}

func (in *linkInput) show() {
	if in.id == "" {
		in.choose.SetText("Choose " + strings.Join(in.fd.Targets, " or ") + "…")
		in.clear.Hide()
		return
	}
	in.choose.SetText(linkTitle(in.rec, in.id))
	in.clear.Show()
}

func (in *linkInput) set(id string) {
	in.id = id
	in.show()
	in.changed()
}

func (in *linkInput) open() {
	in.picker = ShowPicker(fyne.CurrentApp().Driver().CanvasForObject(in.choose), in.fd, in.rec, func(c Choice) {
		in.set(c.ID)
	})
}

func (in *linkInput) object() fyne.CanvasObject { return in.box }
func (in *linkInput) focusable() fyne.Focusable { return in.choose }
func (in *linkInput) value() any {
	if in.id == "" {
		return nil
	}
	return in.id
}

// linkListInput holds links in order: each with buttons to move it up or
// down or remove it, and a button to add one with the picker.
type linkListInput struct {
	fd      binder.Field
	rec     Finder
	ids     []string
	rows    *fyne.Container
	add     *widget.Button
	box     fyne.CanvasObject
	changed func()
	picker  *Picker
}

func newLinkListInput(fd binder.Field, v any, rec Finder, changed func()) *linkListInput {
	in := &linkListInput{fd: fd, rec: rec, changed: changed, rows: container.NewVBox()}
	in.ids = binder.Values{"v": v}.Links("v")
	in.add = widget.NewButtonWithIcon("Add "+strings.Join(fd.Targets, " or ")+"…", theme.ContentAddIcon(), in.open)
	in.layout()
	in.box = container.NewVBox(in.rows, container.NewHBox(in.add))
	return in
}

func (in *linkListInput) layout() {
	objs := make([]fyne.CanvasObject, 0, len(in.ids))
	for i, id := range in.ids {
		up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { in.move(i, i-1) })
		down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { in.move(i, i+1) })
		del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { in.remove(i) })
		if i == 0 {
			up.Disable()
		}
		if i == len(in.ids)-1 {
			down.Disable()
		}
		title := widget.NewLabel(fmt.Sprintf("%d. %s", i+1, linkTitle(in.rec, id)))
		title.Truncation = fyne.TextTruncateEllipsis
		objs = append(objs, container.NewBorder(nil, nil, nil, container.NewHBox(up, down, del), title))
	}
	in.rows.Objects = objs
	in.rows.Refresh()
}

func (in *linkListInput) move(from, to int) {
	if to < 0 || to >= len(in.ids) {
		return
	}
	in.ids[from], in.ids[to] = in.ids[to], in.ids[from]
	in.layout()
	in.changed()
}

func (in *linkListInput) remove(i int) {
	in.ids = slices.Delete(in.ids, i, i+1)
	in.layout()
	in.changed()
}

func (in *linkListInput) open() {
	in.picker = ShowPicker(fyne.CurrentApp().Driver().CanvasForObject(in.add), in.fd, in.rec, func(c Choice) {
		if !slices.Contains(in.ids, c.ID) {
			in.ids = append(in.ids, c.ID)
			in.layout()
			in.changed()
		}
	})
}

func (in *linkListInput) object() fyne.CanvasObject { return in.box }
func (in *linkListInput) focusable() fyne.Focusable { return in.add }
func (in *linkListInput) value() any {
	if len(in.ids) == 0 {
		return nil
	}
	out := make([]any, len(in.ids))
	for i, id := range in.ids {
		out[i] = id
	}
	return out
}

// Picker finds a record to link to by its title: a search field over a
// list of matches, in a pop-up over the window.
type Picker struct {
	Search  *Entry
	List    *widget.List
	Results []Choice
	pop     *widget.PopUp
	fd      binder.Field
	rec     Finder
	pick    func(Choice)
}

// pickerLimit caps the matches listed: the search narrows them.
const pickerLimit = 200

// ShowPicker opens a picker for a record of fd's target kinds on c, and
// calls pick with the one chosen.
func ShowPicker(c fyne.Canvas, fd binder.Field, rec Finder, pick func(Choice)) *Picker {
	p := &Picker{Search: NewEntry(false), fd: fd, rec: rec, pick: pick}
	p.Search.SetPlaceHolder("Type part of a " + strings.Join(fd.Targets, " or ") + "'s name")
	p.List = widget.NewList(func() int { return len(p.Results) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("A record's title")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.Results[i].Title) })
	p.List.OnSelected = func(i widget.ListItemID) { p.Choose(i) }
	p.Search.OnChanged = func(string) { p.find() }
	p.Search.OnEscape = p.Close
	p.Search.OnSubmitted = func(string) {
		if len(p.Results) > 0 {
			p.Choose(0)
		}
	}
	p.find()
	title := widget.NewLabelWithStyle("Link to a "+strings.Join(fd.Targets, " or "), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	cancel := widget.NewButton("Cancel", p.Close)
	content := container.NewBorder(container.NewVBox(title, p.Search), container.NewHBox(cancel), nil, nil, p.List)
	if c == nil {
		return p
	}
	p.pop = widget.NewModalPopUp(content, c)
	size := c.Size()
	p.pop.Resize(fyne.NewSize(min(520, size.Width*0.9), min(440, size.Height*0.85)))
	p.pop.Show()
	c.Focus(p.Search)
	return p
}

func (p *Picker) find() {
	if p.rec == nil {
		return
	}
	p.Results = p.rec.Find(strings.TrimSpace(p.Search.Text), p.fd.Targets, pickerLimit)
	p.List.UnselectAll()
	p.List.Refresh()
	p.List.ScrollToTop()
}

// Choose picks the i-th result and closes the picker.
func (p *Picker) Choose(i int) {
	if i < 0 || i >= len(p.Results) {
		return
	}
	c := p.Results[i]
	p.Close()
	p.pick(c)
}

// Close closes the picker without choosing.
func (p *Picker) Close() {
	if p.pop != nil {
		p.pop.Hide()
	}
}
