package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// browser lists the binder's records and shows the selected one.
type browser struct {
	content fyne.CanvasObject
	b       *binder.Binder
	kinds   *widget.Select
	list    *widget.List
	items   []binder.Summary
	title   *widget.Label
	meta    *widget.Label
	fields  *widget.Form
	body    *widget.RichText
	status  *widget.Label
}

func newBrowser(b *binder.Binder) *browser {
	v := &browser{b: b, title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		meta: widget.NewLabel(""), fields: widget.NewForm(), body: widget.NewRichTextFromMarkdown(""), status: widget.NewLabel("")}
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
	v.content = split
	v.kinds.SetSelected("All records")
	if len(v.items) > 0 {
		v.list.Select(0)
	}
	return v
}

func (v *browser) reload() {
	kind := v.kinds.Selected
	if kind == "All records" {
		kind = ""
	}
	items, err := v.b.List(context.Background(), kind)
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.items = items
	v.status.SetText(fmt.Sprintf("%d records · binder %s", len(items), shortFP(v.b.Fingerprint())))
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
	r, err := v.b.Get(context.Background(), id)
	if err != nil {
		v.title.SetText("Cannot show record")
		v.meta.SetText(err.Error())
		return
	}
	v.title.SetText(r.Title)
	v.meta.SetText(fmt.Sprintf("%s · rev %d · %s · updated %s", r.Kind, r.Rev, r.Author, r.Updated.Local().Format("2006-01-02 15:04")))
	v.fields.Items = nil
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := widget.NewLabel(formatValue(r.Fields[k]))
		val.Wrapping = fyne.TextWrapWord
		v.fields.Append(strings.ReplaceAll(k, "_", " "), val)
	}
	v.fields.Refresh()
	v.body.ParseMarkdown(r.Body)
}

func formatValue(x any) string {
	switch t := x.(type) {
	case []any:
		var parts []string
		for _, e := range t {
			parts = append(parts, formatValue(e))
		}
		return strings.Join(parts, "\n")
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(t) {
			parts = append(parts, k+": "+formatValue(t[k]))
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(x)
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
