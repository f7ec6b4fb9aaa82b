package programme

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"gobag/binder"
)

// Action is one action item: a row of a record's actions table.
type Action struct {
	// Record, Kind and Title are the record it sits in: an exercise, an
	// incident, an audit or a risk (its source).
	Record string `json:"record"`
	Kind   string `json:"kind"`
	Title  string `json:"title"`
	// Row is its place in the record's actions table, from 1.
	Row    int    `json:"row"`
	Text   string `json:"action"`
	Owner  string `json:"owner,omitempty"`      // a contact's id
	Name   string `json:"owner_name,omitempty"` // the owner's title, when the contact exists
	Due    string `json:"due,omitempty"`        // 2026-11-27
	Status string `json:"status"`               // open when the row says nothing
}

// Open reports whether the action is still to be done.
func (a Action) Open() bool { return a.Status != "done" && a.Status != "dropped" }

// DueDate is the action's due date, if it has one.
func (a Action) DueDate() (time.Time, bool) {
	if a.Due == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", a.Due)
	return t, err == nil
}

// Overdue reports whether an open action's due date has passed by now.
func (a Action) Overdue(now time.Time) bool {
	due, ok := a.DueDate()
	y, m, d := now.Date()
	return ok && a.Open() && due.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ActionKinds are the kinds whose records hold action items.
func ActionKinds() []string {
	var out []string
	for _, k := range binder.Kinds {
		if f, ok := k.Field("actions"); ok && f.Type == binder.TypeTable {
			out = append(out, k.Name)
		}
	}
	return out
}

// Actions lists every action item among recs (a binder's live records):
// open ones first, then by due date (none last), then by source.
func Actions(recs []*binder.Record) []Action {
	kinds := ActionKinds()
	byID := map[string]*binder.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	var out []Action
	for _, r := range recs {
		if r.Deleted || r.Unreadable || !slices.Contains(kinds, r.Kind) {
			continue
		}
		for i, row := range r.Rows("actions") {
			a := Action{Record: r.ID, Kind: r.Kind, Title: r.Title, Row: i + 1, Text: row.Text("action"),
				Owner: row.Link("owner"), Status: row.Text("status")}
			if a.Status == "" {
				a.Status = "open"
			}
			if c := byID[a.Owner]; c != nil && c.Kind == "contact" && !c.Deleted {
				a.Name = c.Title
			}
			if d, ok := row.Date("due"); ok {
				a.Due = d.Format("2006-01-02")
			}
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Open() != b.Open() {
			return a.Open()
		}
		if (a.Due == "") != (b.Due == "") {
			return a.Due != ""
		}
		if a.Due != b.Due {
			return a.Due < b.Due
		}
		if a.Title != b.Title {
			return a.Title < b.Title
		}
		return a.Row < b.Row
	})
	return out
}

// Filter narrows an action register.
type Filter struct {
	// Open keeps the actions still to be done.
	Open bool
	// Owner keeps the actions of the owners it names: a contact's id or
	// the start of one (4 characters at least), or words of their name.
	Owner string
	// DueBefore, if not zero, keeps the actions due before that day.
	DueBefore time.Time
}

// Apply returns the actions f keeps.
func (f Filter) Apply(actions []Action) []Action {
	out := []Action{}
	owner := strings.ToLower(strings.TrimSpace(f.Owner))
	for _, a := range actions {
		if f.Open && !a.Open() {
			continue
		}
		if owner != "" && !ownerMatches(a, owner) {
			continue
		}
		if !f.DueBefore.IsZero() {
			due, ok := a.DueDate()
			if !ok || !due.Before(f.DueBefore) {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// ownerMatches reports whether owner names a's owner: the start of its
// id (4 characters at least), or words each the start of a word of its
// name ("ana s" for Ana Silva; "ra" is not Amara).
func ownerMatches(a Action, owner string) bool {
	if a.Owner == "" {
		return false
	}
	if len(owner) >= 4 && strings.HasPrefix(a.Owner, owner) {
		return true
	}
	words := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	name := words(a.Name)
	for _, w := range words(owner) {
		if !slices.ContainsFunc(name, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return len(name) > 0
}

// ErrActionMoved is returned by SetStatus when the action is no longer
// at its place in the record (someone changed the record meanwhile).
var ErrActionMoved = errors.New("the action item is no longer where it was: the record changed; look at it again")

// SetStatus returns a copy of r, the record holding a, with a's status
// set to status (one of open, in-progress, done, dropped). It refuses when
// a's row no longer holds a's text.
func SetStatus(r *binder.Record, a Action, status string) (*binder.Record, error) {
	f, _ := binder.KindByName(r.Kind)
	col, ok := f.Field("actions")
	if !ok {
		return nil, fmt.Errorf("a %s holds no action items", r.Kind)
	}
	statusCol, _ := fieldIn(col.Columns, "status")
	if !slices.Contains(statusCol.Values, status) {
		return nil, fmt.Errorf("%q is not a status: %s", status, strings.Join(statusCol.Values, ", "))
	}
	rows := r.Rows("actions")
	if a.Row < 1 || a.Row > len(rows) || rows[a.Row-1].Text("action") != a.Text {
		return nil, ErrActionMoved
	}
	out := r.Clone()
	switch t := out.Fields["actions"].(type) {
	case []map[string]any:
		t[a.Row-1]["status"] = status
	case []any:
		m, ok := t[a.Row-1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("row %d of the actions of %s %q is not a table: correct the record", a.Row, r.Kind, r.Title)
		}
		m["status"] = status
	case map[string]any:
		// One row written as a single table ([fields.actions]): written
		// back as a list of one.
		t["status"] = status
		out.Fields["actions"] = []map[string]any{t}
	default:
		return nil, fmt.Errorf("the actions of %s %q are not a table: correct the record", r.Kind, r.Title)
	}
	return out, nil
}

func fieldIn(fs []binder.Field, name string) (binder.Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return binder.Field{}, false
}
