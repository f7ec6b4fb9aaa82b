package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// column is one column of a table screen: its heading and width.
type column struct {
	title string
	width float32
}

// newColumnTable is a table of labels under a header of cols, as the
// register screens show them: rows says how many rows there are, fill
// sets a cell's label (its text, importance, style) and chosen is called
// with the row and column of a cell chosen, the selection cleared first.
func newColumnTable(cols []column, rows func() int, fill func(row, col int, l *widget.Label), chosen func(row, col int)) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return rows(), len(cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("in-progress, overdue")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Importance = widget.MediumImportance
			l.TextStyle = fyne.TextStyle{}
			if id.Row >= rows() {
				l.SetText("")
				return
			}
			fill(id.Row, id.Col, l)
			l.Refresh()
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("heading", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(cols) {
			o.(*widget.Label).SetText(cols[id.Col].title)
		}
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
	t.OnSelected = func(id widget.TableCellID) {
		t.UnselectAll()
		if id.Row >= 0 && id.Row < rows() && chosen != nil {
			chosen(id.Row, id.Col)
		}
	}
	return t
}
