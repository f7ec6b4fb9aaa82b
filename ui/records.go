package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// allKinds is the kind filter's choice that keeps every kind.
const allKinds = "All records"

// searchLimit caps the hits one search shows: more than anyone reads
// through while typing, and few enough that a search of 10,000 records
// takes a few milliseconds (each hit is read from the index).
const searchLimit = 100

// browser is the records screen: a search field and a kind filter over a
// virtualised list of the records, and on the right the record chosen
// (its detail, its history or its conflicts).
type browser struct {
	u      *App
	nav    navigator
	root   fyne.CanvasObject
	search *searchField
	kinds  *widget.Select
	list   *recordList
	items  []binder.Summary
	// whole says items is every record of wholeKind ("" for all), as
	// listed when the search is empty.
	whole     bool
	wholeKind string
	count     *widget.Label
	pane      *fyne.Container // detail, history or conflicts
	*detail
	hist *historyView
	conf *conflictView

	// trail holds the records shown before the current one, when the user
	// followed links: Esc goes back through them.
	trail []string
	// selecting is set while the program, not the user, changes the
	// list's selection.
	selecting bool
	// filter is the kind and query the list shows.
	filter string
	// lastSearch is how long the last search or listing took.
	lastSearch time.Duration
}

func newBrowser(u *App) *browser {
	v := &browser{u: u, nav: u, count: widget.NewLabel(""), pane: container.NewStack()}
	v.count.Truncation = fyne.TextTruncateEllipsis
	v.detail = newDetail(u, v)
	v.hist = newHistoryView(u, v.showDetail)
	v.conf = newConflictView(u, v.nav, v.showDetail)

	v.search = newSearchField()
	v.search.SetPlaceHolder("Search names, numbers, words…")
	v.search.OnChanged = func(string) { v.typed() }
	v.search.OnSubmitted = func(string) { v.openFirst() }
	v.search.onDown = func() { v.focusList() }

	options := []string{allKinds}
	for _, k := range binder.Kinds {
		if !k.Hidden {
			options = append(options, k.Name)
		}
	}
	v.kinds = widget.NewSelect(options, func(string) { v.reload() })
	v.kinds.SetSelected(allKinds)

	v.list = newRecordList(func() int { return len(v.items) },
		func() fyne.CanvasObject {
			kind := widget.NewLabelWithStyle("function", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			title := widget.NewLabel("title")
			title.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(88, kind.MinSize().Height), kind), nil, title)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.items) {
				return
			}
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(v.items[i].Title)
			row.Objects[1].(*fyne.Container).Objects[0].(*widget.Label).SetText(v.items[i].Kind)
		})
	v.list.OnSelected = func(i widget.ListItemID) {
		if v.selecting || i >= len(v.items) {
			return
		}
		v.trail = nil
		v.show(v.items[i].ID)
	}

	filter := container.NewBorder(nil, nil, widget.NewLabel("Kind"), nil, v.kinds)
	top := container.NewVBox(v.search, filter)
	// The objects' order is the tab order: search, kind filter, list.
	left := container.New(layout.NewBorderLayout(top, v.count, nil, nil), top, v.list, v.count)
	v.pane.Objects = []fyne.CanvasObject{v.detail.root}
	split := container.NewHSplit(left, v.pane)
	split.Offset = 0.36
	v.root = split
	v.reload()
	return v
}

func (v *browser) content() fyne.CanvasObject { return v.root }

func (v *browser) shown(fyne.Canvas) {}

// refresh lists the records again and reads again what the right side
// shows: the binder changed, or came back from another process.
func (v *browser) refresh() {
	v.reload()
	switch {
	case v.pane.Objects[0] == v.hist.root:
		v.hist.load(v.hist.id)
	case v.pane.Objects[0] == v.conf.root:
		v.conf.load(v.conf.id)
	default:
		v.detail.reread()
	}
}

// focusSearch puts the cursor in the search field, its text selected so
// that typing replaces it (Ctrl+F).
func (v *browser) focusSearch() {
	if c := v.u.win.Canvas(); c != nil {
		c.Focus(v.search)
		v.search.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

// showRecord shows the record id, asked for by another screen: Esc goes
// back to that screen rather than through links followed here before.
func (v *browser) showRecord(id string) {
	v.trail = nil
	v.show(id)
}

// followLink shows the record id, reached from the one shown: Esc comes
// back to it.
func (v *browser) followLink(id string) {
	if cur := v.detail.shownID(); cur != "" && cur != id {
		v.trail = append(v.trail, cur)
		if len(v.trail) > 50 {
			v.trail = v.trail[1:]
		}
	}
	v.show(id)
}

// show shows the record id's detail and marks it in the list if listed.
func (v *browser) show(id string) {
	v.showDetail()
	v.detail.load(id)
	v.mark(id)
}

// mark selects id in the list if it is there, without showing it again.
func (v *browser) mark(id string) {
	v.selecting = true
	defer func() { v.selecting = false }()
	for i, it := range v.items {
		if it.ID == id {
			v.list.Select(i)
			return
		}
	}
	v.list.UnselectAll()
}

// back goes back from the history or conflicts to the record, then to the
// records the user came from by links (Esc); false once there is nowhere
// left to go back to on this screen.
func (v *browser) back() bool {
	if v.pane.Objects[0] != v.detail.root {
		v.showDetail()
		v.detail.reread()
		return true
	}
	if len(v.trail) == 0 {
		return false
	}
	id := v.trail[len(v.trail)-1]
	v.trail = v.trail[:len(v.trail)-1]
	v.show(id)
	return true
}

func (v *browser) showPane(o fyne.CanvasObject) {
	if v.pane.Objects[0] == o {
		return
	}
	v.pane.Objects = []fyne.CanvasObject{o}
	v.pane.Refresh()
}

func (v *browser) showDetail() { v.showPane(v.detail.root) }

// showHistory shows the history of record id.
func (v *browser) showHistory(id string) {
	v.showPane(v.hist.root)
	v.hist.load(id)
}

// showConflicts shows the conflicts of record id side by side.
func (v *browser) showConflicts(id string) {
	v.showPane(v.conf.root)
	v.conf.load(id)
}

// reload lists the records that match the search and the kind filter.
// With no query it lists them all, in kind and title order; with one, the
// best hits first.
// typed follows the search field as it is typed into. A query too short
// to search for (one letter) shows the whole list: if that is what the
// list holds already, it is left as it is rather than read again.
func (v *browser) typed() {
	query := strings.TrimSpace(v.search.Text)
	kind := v.kinds.Selected
	if kind == allKinds {
		kind = ""
	}
	if v.whole && v.wholeKind == kind && len([]rune(query)) < 2 && v.u.Binder() != nil {
		start := time.Now()
		v.count.SetText(countLine(len(v.items), false, kind))
		if query != "" {
			v.count.SetText(v.count.Text + " · type two letters or more to search")
			v.u.trace.event("search", fmt.Sprintf("chars=%d results=%d ms=%.2f", len([]rune(query)), len(v.items), float64(time.Since(start).Microseconds())/1000))
		}
		return
	}
	v.reload()
}

func (v *browser) reload() {
	if v.list == nil {
		return // the kind filter's first selection, while building
	}
	b := v.u.Binder()
	if b == nil {
		v.count.SetText("A gobag command is using the binder: the list is as it was.")
		return
	}
	kind := v.kinds.Selected
	if kind == allKinds {
		kind = ""
	}
	query := strings.TrimSpace(v.search.Text)
	ctx := context.Background()
	start := time.Now()
	var items []binder.Summary
	var err error
	short := false
	if query != "" {
		var hits []binder.Hit
		hits, err = b.Search(ctx, query, kind, searchLimit)
		items = make([]binder.Summary, len(hits))
		for i, h := range hits {
			items[i] = h.Summary
		}
		// A query of one letter is nothing to search for yet: the list
		// stays whole until the second.
		short = binder.KindOf(err) == binder.Invalid
	}
	v.whole = false
	if query == "" || short {
		items, err = b.List(ctx, kind)
		v.whole, v.wholeKind = err == nil, kind
	}
	v.lastSearch = time.Since(start)
	if err != nil {
		v.count.SetText("Cannot list the records: " + err.Error())
		return
	}
	v.items = items
	v.count.SetText(countLine(len(items), query != "" && !short, kind))
	if short {
		v.count.SetText(v.count.Text + " · type two letters or more to search")
	}
	v.list.Refresh()
	if query != "" {
		// How long a keystroke took to update the list: the budget's
		// figure (make bench). No content: the query's length only.
		v.u.trace.event("search", fmt.Sprintf("chars=%d results=%d ms=%.2f", len([]rune(query)), len(items), float64(time.Since(start).Microseconds())/1000))
	}
	// A new search starts at the top; the same one read again after a
	// change stays where the user was.
	if filter := kind + "\x00" + query; filter != v.filter {
		v.filter = filter
		v.list.ScrollToTop()
	}
	v.mark(v.detail.shownID())
}

// countLine words how many records the list holds.
func countLine(n int, searching bool, kind string) string {
	what := "records"
	if kind != "" {
		what = kind + " records"
	}
	switch {
	case searching && n >= searchLimit:
		return fmt.Sprintf("The first %d matches: type more to narrow the search", n)
	case searching && n == 0:
		return "No " + what + " match"
	case searching && n == 1:
		return "1 match"
	case searching:
		return fmt.Sprintf("%d matches", n)
	case n == 0:
		return "No " + what + " yet"
	case n == 1:
		return "1 record"
	}
	return fmt.Sprintf("%d %s", n, what)
}

// openFirst shows the first record listed (Enter in the search field) and
// moves the focus to the list, so the arrows move through the results.
func (v *browser) openFirst() {
	if len(v.items) == 0 {
		return
	}
	v.trail = nil
	v.show(v.items[0].ID)
	v.focusList()
}

func (v *browser) focusList() {
	if len(v.items) == 0 {
		return
	}
	if c := v.u.win.Canvas(); c != nil {
		c.Focus(v.list)
	}
}

// create asks which kind of record to start (and, for a plan, from which
// plan type's template) and opens the editor on it (Ctrl+N).
func (v *browser) create() {
	var kinds []string
	for _, k := range binder.Kinds {
		if !k.Hidden {
			kinds = append(kinds, k.Name)
		}
	}
	kindSel := widget.NewSelect(kinds, nil)
	if cur := v.kinds.Selected; cur != allKinds {
		kindSel.SetSelected(cur)
	} else {
		kindSel.SetSelected("contact")
	}
	var types []string
	byName := map[string]string{}
	for _, t := range binder.PlanTypes {
		name := fmt.Sprintf("%s (%s)", binder.PlanTypeNames[t], t)
		types = append(types, name)
		byName[name] = t
	}
	typeSel := widget.NewSelect(types, nil)
	typeSel.SetSelected(types[0])
	typeItem := widget.NewFormItem("Plan type", typeSel)
	typeItem.HintText = "the plan starts from this type's template"
	doc := widget.NewLabel("")
	doc.Wrapping = fyne.TextWrapWord
	setKind := func(k string) {
		if typeSel.Disabled() != (k != "plan") {
			if k == "plan" {
				typeSel.Enable()
			} else {
				typeSel.Disable()
			}
		}
		if spec, ok := binder.KindByName(k); ok {
			doc.SetText(strings.ToUpper(spec.Doc[:1]) + spec.Doc[1:] + ".")
		}
	}
	kindSel.OnChanged = setKind
	setKind(kindSel.Selected)
	d := dialog.NewForm("New record", "Create", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Kind", kindSel), typeItem, widget.NewFormItem("", doc)},
		func(ok bool) {
			if !ok || kindSel.Selected == "" {
				return
			}
			template := ""
			if kindSel.Selected == "plan" {
				template = byName[typeSel.Selected]
			}
			v.nav.newRecord(kindSel.Selected, template, nil)
		}, v.u.win)
	d.Resize(fyne.NewSize(520, 0))
	d.Show()
	v.u.win.Canvas().Focus(kindSel)
}

// searchField is the search entry: Esc gives up the focus, Down goes to
// the list.
type searchField struct {
	widget.Entry
	onDown func()
}

func newSearchField() *searchField {
	e := &searchField{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *searchField) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyEscape:
		if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
			c.Unfocus()
		}
		return
	case fyne.KeyDown:
		if e.onDown != nil {
			e.onDown()
			return
		}
	}
	e.Entry.TypedKey(ev)
}

// recordList is a list where Enter, as well as Space, opens the record
// under the keyboard's focus.
type recordList struct {
	widget.List
}

func newRecordList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *recordList {
	l := &recordList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *recordList) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
		ev = &fyne.KeyEvent{Name: fyne.KeySpace}
	}
	l.List.TypedKey(ev)
}

// navigator is how the records screen opens the editor: the App, or in
// tests a recorder of what it was asked for.
type navigator interface {
	editRecord(id, field string)
	newRecord(kind, template string, set []binder.FieldValue)
}
