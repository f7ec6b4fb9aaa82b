package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// historyLimit caps the revisions the history shows.
const historyLimit = 100

// historyView shows a record's history from the signed log: who changed
// it, when, and what changed, field by field.
type historyView struct {
	u       *App
	root    fyne.CanvasObject
	heading *widget.Label
	status  *widget.Label
	list    *fyne.Container // one block per revision, newest first
	scroll  *container.Scroll
	id      string
	revs    []revision // what is shown
	loading int        // the load whose result is awaited
}

// revision is one change of a record and what it changed.
type revision struct {
	binder.LogEntry
	changes []change
	// older is false for the oldest revision shown when the history has
	// more than historyLimit: what it changed is not known.
	older bool
}

// change is one field that a revision changed: its value before and after,
// formatted ("" if absent).
type change struct {
	field    string
	was, now string
	summary  string // said instead of was and now (the body)
}

func newHistoryView(u *App, back func()) *historyView {
	h := &historyView{u: u, heading: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), status: widget.NewLabel(""), list: container.NewVBox()}
	h.heading.SizeName = theme.SizeNameSubHeadingText
	h.heading.Wrapping = fyne.TextWrapWord
	h.status.Wrapping = fyne.TextWrapWord
	backBtn := widget.NewButtonWithIcon("Back to the record", theme.NavigateBackIcon(), back)
	top := container.NewVBox(container.NewHBox(backBtn), h.heading, h.status)
	h.scroll = container.NewVScroll(h.list)
	h.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, h.scroll))
	return h
}

// load reads the history of record id off the UI goroutine (it walks the
// log and reads each revision) and shows it.
func (h *historyView) load(id string) {
	h.id = id
	h.loading++
	n := h.loading
	if b := h.u.Binder(); b != nil {
		if r, err := b.Get(context.Background(), id); err == nil {
			h.heading.SetText("History of “" + r.Title + "”")
		}
	}
	h.status.SetText("Reading the history…")
	runRefreshTask(h.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]revision, error) {
		return readHistory(ctx, b, id, historyLimit)
	}, nil, func(revs []revision, err error) {
		if n != h.loading {
			return // a later load replaced this one
		}
		if err != nil {
			h.status.SetText("Cannot read the history: " + err.Error())
			return
		}
		h.show(revs)
	})
}

func (h *historyView) show(revs []revision) {
	h.revs = revs
	switch len(revs) {
	case 0:
		h.status.SetText("The history has no change to this record.")
	case 1:
		h.status.SetText("1 change, each signed by its author.")
	default:
		h.status.SetText(fmt.Sprintf("%d changes, newest first, each signed by its author.", len(revs)))
	}
	var objs []fyne.CanvasObject
	for _, r := range revs {
		objs = append(objs, revisionBlock(r), widget.NewSeparator())
	}
	h.list.Objects = objs
	h.list.Refresh()
	h.scroll.ScrollToTop()
	h.scroll.Refresh()
}

// revisionBlock shows one revision: who, when, what, and the changes.
func revisionBlock(r revision) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(fmt.Sprintf("%s · %s · %s", r.Time.Local().Format("2 Jan 2006 15:04"), r.Author, actionWords(r.Action, r.Rev)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(head)
	switch {
	case r.older:
		box.Add(note("What this revision changed is before the part of the history shown."))
	case r.Action == "delete":
		box.Add(note("Deleted: the record's last version stays in the history."))
	case len(r.changes) == 0:
		box.Add(note("No field changed (the record was saved again, or re-encrypted)."))
	}
	form := widget.NewForm()
	for _, c := range r.changes {
		var text string
		switch {
		case c.summary != "":
			text = c.summary
		case c.was == "" && r.Action == "add":
			text = c.now
		case c.was == "":
			text = "set to: " + c.now
		case c.now == "":
			text = "removed (was: " + c.was + ")"
		case strings.Contains(c.was, "\n") || strings.Contains(c.now, "\n") || len(c.was)+len(c.now) > 60:
			text = "was:\n" + indent(c.was) + "\nnow:\n" + indent(c.now)
		default:
			text = c.was + "  →  " + c.now
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		form.Append(fieldLabel(c.field), l)
	}
	if len(r.changes) > 0 {
		box.Add(form)
	}
	return box
}

func note(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	return l
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// actionWords words a log entry's action.
func actionWords(action string, rev int) string {
	switch action {
	case "add":
		return "created it"
	case "edit":
		return fmt.Sprintf("changed it (revision %d)", rev)
	case "delete":
		return "deleted it"
	case "merge":
		return fmt.Sprintf("merged another copy's changes (revision %d)", rev)
	}
	return fmt.Sprintf("%s (revision %d)", action, rev)
}

// readHistory reads the last limit changes of record id, each compared
// with the revision before it.
func readHistory(ctx context.Context, b *binder.Binder, id string, limit int) ([]revision, error) {
	entries, err := b.Log(ctx, id, limit+1)
	if err != nil {
		return nil, err
	}
	more := len(entries) > limit
	versions := make([]*binder.Record, len(entries))
	for i, e := range entries {
		if versions[i], err = b.RecordAt(ctx, e.Commit, e.ID); err != nil {
			return nil, err
		}
	}
	titles := linkTitles(ctx, b)
	if more {
		entries = entries[:limit]
	}
	out := make([]revision, len(entries))
	for i, e := range entries {
		out[i].LogEntry = e
		switch {
		case i+1 < len(versions):
			out[i].changes = diffRecords(versions[i+1], versions[i], titles)
		case e.Action == "add":
			out[i].changes = diffRecords(nil, versions[i], titles)
		default:
			out[i].older = true
		}
	}
	return out, nil
}

// linkTitles names linked records by their titles as they are now.
func linkTitles(ctx context.Context, b *binder.Binder) binder.Titles {
	cache := map[string]string{}
	return func(id string) (string, bool) {
		if t, ok := cache[id]; ok {
			return t, t != ""
		}
		r, err := b.Get(ctx, id)
		if err != nil {
			cache[id] = ""
			return "", false
		}
		cache[id] = r.Title
		return r.Title, true
	}
}

// diffRecords lists what changed from old to new (old nil: new was
// created; new deleted: nothing to compare), field by field in the kind's
// order, values formatted by type.
func diffRecords(old, new *binder.Record, titles binder.Titles) []change {
	if new == nil || new.Deleted {
		return nil
	}
	if old == nil || old.Deleted {
		old = &binder.Record{Kind: new.Kind}
	}
	var out []change
	if old.Title != new.Title {
		out = append(out, change{field: "title", was: old.Title, now: new.Title})
	}
	spec, _ := binder.KindByName(new.Kind)
	names := binder.FieldOrder(new)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, n := range binder.FieldOrder(old) {
		if !seen[n] {
			names = append(names, n)
		}
	}
	for _, n := range names {
		f, ok := spec.Field(n)
		if !ok {
			f = binder.Field{Name: n, Type: typeOfValue(new.Fields[n])}
		}
		was, now := "", ""
		if v, ok := old.Fields[n]; ok {
			was = f.Format(v, titles)
		}
		if v, ok := new.Fields[n]; ok {
			now = f.Format(v, titles)
		}
		if was != now {
			out = append(out, change{field: n, was: was, now: now})
		}
	}
	if old.Body != new.Body {
		out = append(out, change{field: "text", summary: bodyChange(old.Body, new.Body)})
	}
	return out
}

// bodyChange words how a Markdown body changed, in lines added and
// removed (the body may be pages long).
func bodyChange(old, new string) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if strings.TrimSpace(l) != "" {
				m[l]++
			}
		}
		return m
	}
	o, n := count(old), count(new)
	added, removed := 0, 0
	for l, k := range n {
		if k > o[l] {
			added += k - o[l]
		}
	}
	for l, k := range o {
		if k > n[l] {
			removed += k - n[l]
		}
	}
	switch {
	case old == "":
		return fmt.Sprintf("written (%s)", plural(added, "line"))
	case new == "":
		return "removed"
	case added == 0 && removed == 0:
		return "reflowed (blank lines or spacing)"
	}
	return fmt.Sprintf("%s added, %s removed", plural(added, "line"), plural(removed, "line"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
