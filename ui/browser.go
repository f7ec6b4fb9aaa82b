package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// browser lists the binder's records and shows the selected one.
type browser struct {
	root   fyne.CanvasObject
	u      *App
	kinds  *widget.Select
	list   *widget.List
	items  []binder.Summary
	title  *widget.Label
	meta   *widget.Label
	fields *fyne.Container // holds form, rebuilt for each record
	form   *widget.Form    // the record's fields and what links to it
	body   *widget.RichText
	status *widget.Label
}

func newBrowser(u *App) *browser {
	v := &browser{u: u, title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		meta: widget.NewLabel(""), fields: container.NewVBox(), body: widget.NewRichTextFromMarkdown(""), status: widget.NewLabel("")}
	v.body.Wrapping = fyne.TextWrapWord
	options := []string{"All records"}
	for _, k := range binder.Kinds {
		if !k.Hidden {
			options = append(options, k.Name)
		}
	}
	v.kinds = widget.NewSelect(options, func(string) { v.reload() })
	v.list = widget.NewList(func() int { return len(v.items) },
		func() fyne.CanvasObject {
			kind := widget.NewLabelWithStyle("function", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			title := widget.NewLabel("title")
			title.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(88, kind.MinSize().Height), kind), nil, title)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(v.items[i].Title)
			row.Objects[1].(*fyne.Container).Objects[0].(*widget.Label).SetText(v.items[i].Kind)
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.show(v.items[i].ID) }
	left := container.NewBorder(v.kinds, v.status, nil, nil, v.list)
	detail := container.NewVScroll(container.NewVBox(v.title, v.meta, v.fields, widget.NewSeparator(), v.body))
	split := container.NewHSplit(left, container.NewPadded(detail))
	split.Offset = 0.38
	v.root = split
	v.kinds.SetSelected("All records")
	if len(v.items) > 0 {
		v.list.Select(0)
	}
	return v
}

func (v *browser) refresh() { v.reload() }

func (v *browser) content() fyne.CanvasObject { return v.root }

func (v *browser) shown(fyne.Canvas) {}

func (v *browser) reload() {
	kind := v.kinds.Selected
	if kind == "All records" {
		kind = ""
	}
	b := v.u.Binder()
	if b == nil {
		return
	}
	items, err := b.List(context.Background(), kind)
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.items = items
	noun := "records"
	if len(items) == 1 {
		noun = "record"
	}
	v.status.SetText(fmt.Sprintf("%d %s · binder %s", len(items), noun, shortFP(b.Fingerprint())))
	v.list.UnselectAll()
	v.list.Refresh()
}

func shortFP(fp string) string {
	if len(fp) > 19 {
		return fp[:19] + "…"
	}
	return fp
}

func (v *browser) show(id string) {
	ctx := context.Background()
	b := v.u.Binder()
	if b == nil {
		return
	}
	r, err := b.Get(ctx, id)
	if err != nil {
		v.title.SetText("Cannot show record")
		v.meta.SetText(err.Error())
		return
	}
	to, from, err := b.Links(ctx, r.ID)
	if err != nil {
		v.status.SetText(err.Error())
	}
	titles := map[string]string{}
	for _, l := range to {
		if l.Missing {
			titles[l.ID] = "(missing record " + l.ID[:10] + ")"
		} else {
			titles[l.ID] = l.Title
		}
	}
	v.title.SetText(r.Title)
	v.meta.SetText(fmt.Sprintf("%s · rev %d · %s · updated %s", r.Kind, r.Rev, r.Author, r.Updated.Local().Format("2006-01-02 15:04")))
	// A new form each time: a form's rows keep their widgets.
	form := widget.NewForm()
	lookup := func(id string) (string, bool) { t, ok := titles[id]; return t, ok }
	for _, k := range binder.FieldOrder(r) {
		val := widget.NewLabel(binder.FormatField(r, k, lookup))
		val.Wrapping = fyne.TextWrapWord
		form.Append(strings.ReplaceAll(k, "_", " "), val)
	}
	if len(from) > 0 {
		var lines []string
		for _, l := range from {
			lines = append(lines, fmt.Sprintf("%s (%s, as %s)", l.Title, l.Kind, strings.ReplaceAll(l.Field, "_", " ")))
		}
		val := widget.NewLabel(strings.Join(lines, "\n"))
		val.Wrapping = fyne.TextWrapWord
		form.Append("linked from", val)
	}
	v.form = form
	v.fields.Objects = []fyne.CanvasObject{form}
	v.fields.Refresh()
	v.body.ParseMarkdown(r.Body)
}
