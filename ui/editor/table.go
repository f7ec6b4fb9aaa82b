package editor

import (
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// e164Column is a phones table's computed column: the number in
// international form, which the binder fills in from the number typed.
const e164Column = "e164"

// tableInput edits a table field: one line of cells per row, each cell
// its column's widget, with buttons to move a row up or down or remove
// it, and one to add a row.
type tableInput struct {
	f       *Form
	fd      binder.Field
	cols    []binder.Field // the columns with a widget
	phones  bool           // a phones table: number is a phone, e164 computed
	rows    []*tableRow
	rowsBox *fyne.Container
	add     *widget.Button
	box     fyne.CanvasObject
}

type tableRow struct {
	cells []input
	kept  map[string]any // cells of columns the kind does not define (x-…)
}

func newTableInput(f *Form, fd binder.Field, v any) *tableInput {
	in := &tableInput{f: f, fd: fd, rowsBox: container.NewVBox()}
	_, hasE164 := fieldIn(fd.Columns, e164Column)
	_, hasNumber := fieldIn(fd.Columns, "number")
	in.phones = hasE164 && hasNumber
	for _, c := range fd.Columns {
		if in.phones && c.Name == e164Column {
			continue
		}
		in.cols = append(in.cols, c)
	}
	for _, row := range (binder.Values{"v": v}).Rows("v") {
		in.rows = append(in.rows, in.newRow(row))
	}
	in.add = widget.NewButtonWithIcon("Add a row", theme.ContentAddIcon(), func() {
		in.rows = append(in.rows, in.newRow(nil))
		in.layout()
		in.f.opts.OnChange()
		if fc := in.rows[len(in.rows)-1].cells[0].focusable(); fc != nil {
			if c := fyne.CurrentApp().Driver().CanvasForObject(in.add); c != nil {
				c.Focus(fc)
			}
		}
	})
	var heads []fyne.CanvasObject
	for _, c := range in.cols {
		name := Label(c.Name)
		if c.Required {
			name += " *"
		}
		heads = append(heads, widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	spacer := canvas.NewRectangle(color.Transparent)
	spacer.SetMinSize(rowButtons(nil, 0, 0).MinSize())
	header := container.NewBorder(nil, nil, nil, spacer, container.NewGridWithColumns(len(in.cols), heads...))
	in.layout()
	if in.wide() {
		// Each row names its own cells.
		in.box = container.NewVBox(in.rowsBox, container.NewHBox(in.add))
	} else {
		in.box = container.NewVBox(header, in.rowsBox, container.NewHBox(in.add))
	}
	return in
}

func fieldIn(fs []binder.Field, name string) (binder.Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return binder.Field{}, false
}

func (in *tableInput) newRow(row binder.Values) *tableRow {
	r := &tableRow{kept: map[string]any{}}
	for _, c := range in.cols {
		var cell input
		if in.phones && c.Name == "number" {
			cell = newPhoneInput(c, row[c.Name], in.f.opts.PhoneCountry, in.f.opts.OnChange)
		} else {
			cell = in.f.newInput(c, row[c.Name], false)
		}
		r.cells = append(r.cells, cell)
	}
	for k, cv := range row {
		if _, ok := fieldIn(in.fd.Columns, k); !ok {
			r.kept[k] = cv
		}
	}
	return r
}

// rowButtons are a row's up, down and remove buttons.
func rowButtons(in *tableInput, i, n int) *fyne.Container {
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { in.move(i, i-1) })
	down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { in.move(i, i+1) })
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { in.remove(i) })
	if i == 0 {
		up.Disable()
	}
	if i >= n-1 {
		down.Disable()
	}
	return container.NewHBox(up, down, del)
}

// wide tables (more than three columns: a runbook's steps) lay each row
// out as a small form, one cell a line, rather than squeezing the cells
// side by side.
func (in *tableInput) wide() bool { return len(in.cols) > 3 }

func (in *tableInput) layout() {
	objs := make([]fyne.CanvasObject, 0, len(in.rows))
	for i, r := range in.rows {
		buttons := rowButtons(in, i, len(in.rows))
		if in.wide() {
			cells := make([]fyne.CanvasObject, 0, 2*len(r.cells))
			for j, c := range r.cells {
				name := Label(in.cols[j].Name)
				if in.cols[j].Required {
					name += " *"
				}
				cells = append(cells, widget.NewLabelWithStyle(name, fyne.TextAlignTrailing, fyne.TextStyle{Italic: true}), c.object())
			}
			num := widget.NewLabelWithStyle(fmt.Sprintf("%d", i+1), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			if i > 0 {
				objs = append(objs, widget.NewSeparator())
			}
			objs = append(objs, container.NewBorder(nil, nil, num, container.NewVBox(buttons), container.New(layout.NewFormLayout(), cells...)))
			continue
		}
		cells := make([]fyne.CanvasObject, len(r.cells))
		for j, c := range r.cells {
			cells[j] = c.object()
		}
		objs = append(objs, container.NewBorder(nil, nil, nil, buttons, container.NewGridWithColumns(len(cells), cells...)))
	}
	in.rowsBox.Objects = objs
	in.rowsBox.Refresh()
}

// Move puts row from at to (both counted from 0).
func (in *tableInput) move(from, to int) {
	if to < 0 || to >= len(in.rows) {
		return
	}
	in.rows[from], in.rows[to] = in.rows[to], in.rows[from]
	in.layout()
	in.f.opts.OnChange()
}

func (in *tableInput) remove(i int) {
	in.rows = slices.Delete(in.rows, i, i+1)
	in.layout()
	in.f.opts.OnChange()
}

func (in *tableInput) object() fyne.CanvasObject { return in.box }

func (in *tableInput) focusable() fyne.Focusable {
	if len(in.rows) > 0 {
		if fc := in.rows[0].cells[0].focusable(); fc != nil {
			return fc
		}
	}
	return in.add
}

// value returns the rows with anything in them, as a list of tables.
func (in *tableInput) value() any {
	var out []any
	for _, r := range in.rows {
		row := maps.Clone(r.kept)
		for j, c := range in.cols {
			if v := r.cells[j].value(); v != nil {
				row[c.Name] = v
			}
		}
		if len(row) == 0 {
			continue
		}
		if in.phones {
			if typed, ok := row["number"].(string); ok {
				if e, ok := binder.NormalizePhone(typed, in.f.opts.PhoneCountry); ok {
					row[e164Column] = e
				}
			}
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// problem says which rows hold a number that cannot be dialled.
func (in *tableInput) problem() string {
	var msgs []string
	n := 0
	for _, r := range in.rows {
		empty := true
		for _, c := range r.cells {
			empty = empty && c.value() == nil
		}
		if empty && len(r.kept) == 0 {
			continue
		}
		n++
		for _, c := range r.cells {
			if p, ok := c.(interface{ problem() string }); ok {
				if msg := p.problem(); msg != "" {
					msgs = append(msgs, fmt.Sprintf("Row %d: %s", n, msg))
				}
			}
		}
	}
	return strings.Join(msgs, "\n")
}
