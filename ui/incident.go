package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"gobag/binder"
	"gobag/binder/calltree"
)

// Incident mode is for the responder in an outage: big type, few choices,
// everything offline. It opens or continues an incident, and for the
// plans and runbooks activated shows the call list, each runbook as a
// checklist, a free-text log with the timeline, and the recovery order
// with each system's RTO counting down from the incident's start.
//
// Everything the responder does is a timeline entry: a record of its own,
// signed by whoever logged it, written exactly as the timeline command
// writes one, so that responders logging offline never conflict. What the
// checklist and the call list show is derived from those entries, so it
// survives a restart and arrives with other copies' syncs.

// The custom fields an incident and its timeline entries carry for
// incident mode. The incident kind links one plan; the others activated
// with it, and the runbooks, are kept in custom fields (any kind accepts
// fields starting with x-), as are what an entry is about: a runbook
// step, or a call.
const (
	incFieldPlans    = "x-plans"    // incident: the plans activated (ids)
	incFieldRunbooks = "x-runbooks" // incident: the runbooks activated (ids)
	incFieldRunbook  = "x-runbook"  // entry: the runbook of a step
	incFieldStep     = "x-step"     // entry: the step's number, from 1
	incFieldEvent    = "x-event"    // entry: done, undone, note or fallback
	incFieldContact  = "x-contact"  // entry: the contact called
	incFieldCall     = "x-call"     // entry: reached or not-reached
	incFieldSeq      = "x-seq"      // entry: its place in the timeline when logged
)

// What an entry says about a step or a call.
const (
	incStepDone     = "done"
	incStepUndone   = "undone"
	incStepNote     = "note"
	incStepFallback = "fallback"
	incReached      = "reached"
	incNotReached   = "not-reached"
)

// incidentTextScale is how much bigger incident mode's text is than the
// rest of the app's.
const incidentTextScale = 1.4

// incidentTheme is the app's theme, light or dark as it is, with bigger
// text: legible under stress.
type incidentTheme struct{}

func (incidentTheme) base() fyne.Theme {
	if a := fyne.CurrentApp(); a != nil {
		return a.Settings().Theme()
	}
	return theme.DefaultTheme()
}

func (t incidentTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base().Color(n, v)
}

func (t incidentTheme) Font(s fyne.TextStyle) fyne.Resource { return t.base().Font(s) }

func (t incidentTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base().Icon(n) }

func (t incidentTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.base().Size(n)
	switch n {
	case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
		theme.SizeNameCaptionText, theme.SizeNameInlineIcon:
		return s * incidentTextScale
	}
	return s
}

// incidentEntry is one timeline entry, with the custom fields that say
// what it is about.
type incidentEntry struct {
	binder.TimelineEntry
	about binder.Values
	saved time.Time // when it was saved, to order entries logged in the same second
	seq   int64     // its place in the timeline when it was logged (x-seq)
}

// incidentCallee is one person on the call list, with their alternates:
// a place in a call tree of the plans' teams.
type incidentCallee struct {
	contact    *binder.Record
	alternates []*binder.Record
	teams      []string // the teams' titles that name them
	tree       string   // the tree's name: its team's, or "Named in the plan"
	number     string   // their place in the tree: "1.2"
	depth      int
	calledBy   string // who calls them; "" for whoever starts the tree
	role       string // what their team makes them
	ifNot      string // what to do when nobody answers
	// repeatOf, if set, is the tree under which this person is listed
	// already: here they are only named.
	repeatOf string
}

// incidentData is an incident and what its plans and runbooks involve,
// read from the binder.
type incidentData struct {
	inc      *binder.Record
	start    time.Time // when it began: the RTOs count from here
	plans    []*binder.Record
	runbooks []*binder.Record
	callees  []incidentCallee
	systems  []string        // the systems involved (none: all)
	entries  []incidentEntry // oldest first
	missing  int             // linked records that do not exist (any more)
}

// incidentStart is when an incident began: its opened field, else when it
// was activated, else when the record was written.
func incidentStart(r *binder.Record) time.Time {
	if t, ok := r.Date("opened"); ok {
		return t
	}
	if t, ok := r.Date("activated"); ok {
		return t
	}
	return r.Updated
}

// incidentClosed reports whether an incident is over.
func incidentClosed(r *binder.Record) bool {
	_, closed := r.Date("closed")
	return closed || r.Text("status") == "closed"
}

// incidentPlanIDs returns the plans an incident activated, the linked one
// first.
func incidentPlanIDs(r *binder.Record) []string {
	return incDedupe(append([]string{r.Link("plan")}, r.Links(incFieldPlans)...))
}

func incDedupe(ids []string) []string {
	seen := map[string]bool{"": true}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// loadIncident reads the incident id and what it involves. These are
// quick reads through the index: an incident names a few plans,
// runbooks, teams and people, and its timeline holds tens or hundreds of
// entries.
func loadIncident(ctx context.Context, b *binder.Binder, id string) (*incidentData, error) {
	inc, err := b.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if inc.Kind != "incident" {
		return nil, fmt.Errorf("%s is a %s, not an incident", inc.Title, inc.Kind)
	}
	d := &incidentData{inc: inc, start: incidentStart(inc)}
	cache := map[string]*binder.Record{}
	get := func(id, kind string) *binder.Record {
		if r, ok := cache[id]; ok {
			return r
		}
		r, err := b.Get(ctx, id)
		if err != nil || r.Kind != kind {
			d.missing++
			r = nil
		}
		cache[id] = r
		return r
	}
	for _, pid := range incidentPlanIDs(inc) {
		if p := get(pid, "plan"); p != nil {
			d.plans = append(d.plans, p)
		}
	}
	for _, rid := range incDedupe(inc.Links(incFieldRunbooks)) {
		if r := get(rid, "runbook"); r != nil {
			d.runbooks = append(d.runbooks, r)
		}
	}
	// The systems: those the plans cover.
	var systems []string
	for _, p := range d.plans {
		systems = append(systems, p.Links("systems")...)
	}
	d.systems = incDedupe(systems)

	// The call list: the call trees of the plans' teams (binder/calltree,
	// as gobag call-tree prints them), then the people the plans name
	// besides; each person once, at their first place.
	seen := map[string]int{}
	tget := calltree.Reading(func(id string) (*binder.Record, error) { return b.Get(ctx, id) })
	for _, p := range d.plans {
		for _, tree := range calltree.ForPlan(binder.Canonical(p), tget) {
			d.missing += tree.Missing
			tree.WalkNumbered(func(person *calltree.Person, num string) {
				if at, ok := seen[person.Contact.ID]; ok {
					if tree.Team != nil && !incContains(d.callees[at].teams, tree.Name) {
						d.callees[at].teams = append(d.callees[at].teams, tree.Name)
					}
					// Listed once, where first placed; here only a pointer
					// to it, so that this tree's numbers still read whole.
					d.callees = append(d.callees, incidentCallee{contact: person.Contact, number: num, depth: person.Depth,
						tree: tree.Name, repeatOf: d.callees[at].tree})
				} else {
					c := incidentCallee{contact: person.Contact, alternates: person.Alternates, number: num, depth: person.Depth,
						role: person.Role, ifNot: person.IfUnreachable, tree: tree.Name}
					if person.Caller != nil {
						c.calledBy = person.Caller.Title
					}
					if tree.Team != nil {
						c.teams = []string{tree.Name}
					}
					seen[person.Contact.ID] = len(d.callees)
					d.callees = append(d.callees, c)
				}
			})
		}
	}

	// The timeline: the entries that link to the incident.
	_, from, err := b.Links(ctx, inc.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range from {
		if l.Kind != "timeline" || l.Field != "incident" {
			continue
		}
		r, err := b.Get(ctx, l.ID)
		if err != nil {
			return nil, err
		}
		at, ok := r.Date("at")
		if !ok {
			at = r.Updated
		}
		seq, _ := r.Int(incFieldSeq)
		d.entries = append(d.entries, incidentEntry{
			TimelineEntry: binder.TimelineEntry{ID: r.ID, At: at, Author: r.Author, Text: r.Title},
			about:         binder.Values(r.Fields),
			saved:         r.Updated,
			seq:           seq,
		})
	}
	// Entries logged in the same second keep the order they were saved in.
	sort.SliceStable(d.entries, func(i, j int) bool {
		a, b := d.entries[i], d.entries[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.seq != b.seq {
			return a.seq < b.seq
		}
		return a.saved.Before(b.saved)
	})
	return d, nil
}

func incContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stepState is what the timeline says of step n (from 1) of runbook rb:
// whether it is done (the last tick or untick decides), and the notes of
// its results and fall-backs, oldest first.
func (d *incidentData) stepState(rb string, n int) (done bool, notes []incidentEntry) {
	for _, e := range d.entries {
		if e.about.Link(incFieldRunbook) != rb {
			continue
		}
		if s, _ := e.about.Int(incFieldStep); int(s) != n {
			continue
		}
		switch e.about.Text(incFieldEvent) {
		case incStepDone:
			done = true
		case incStepUndone:
			done = false
		case incStepNote, incStepFallback:
			notes = append(notes, e)
		}
	}
	return done, notes
}

// callState is what the timeline says of the last call to contact id:
// reached, not-reached or "" if nobody logged a call, and when.
func (d *incidentData) callState(id string) (state string, at time.Time) {
	for _, e := range d.entries {
		if e.about.Link(incFieldContact) == id {
			if s := e.about.Text(incFieldCall); s == incReached || s == incNotReached {
				state, at = s, e.At
			}
		}
	}
	return state, at
}

// errIncidentBusy is what a write says while a command from a terminal has the
// binder; what the user typed is kept.
var errIncidentBusy = errors.New("a gobag command from a terminal is using the binder: nothing was logged, try again in a moment")

// logIncident writes a timeline entry for the incident id: text, at at,
// with the custom fields about; signed by this identity's member, in one
// save (the same record the timeline command writes). It returns the
// entry saved; a save whose index is behind is saved.
func logIncident(u *App, id, text string, about map[string]any, at time.Time) (*binder.Record, error) {
	b := u.Binder()
	if b == nil {
		return nil, errIncidentBusy
	}
	// Times have whole seconds: x-seq orders the entries of one second
	// (a step ticked and unticked at once) as they were logged.
	seq := int64(1)
	if entries, err := b.Timeline(context.Background(), id); err == nil {
		seq = int64(len(entries)) + 1
	}
	fields := map[string]any{"incident": id, "at": at.Format(time.RFC3339), incFieldSeq: seq}
	for k, v := range about {
		fields[k] = v
	}
	saved, err := b.Add(context.Background(), &binder.Record{Kind: "timeline", Title: text, Fields: fields})
	if saved != nil {
		return saved, nil
	}
	return nil, err
}

// incFormatLeft words the time until a deadline, to the second: "2h 05m 09s
// left", or "overdue by 12m 30s".
func incFormatLeft(d time.Duration) string {
	over := d < 0
	if over {
		d = -d
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var out string
	switch {
	case h >= 48:
		out = fmt.Sprintf("%dd %02dh %02dm", h/24, h%24, m)
	case h > 0:
		out = fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	default:
		out = fmt.Sprintf("%dm %02ds", m, s)
	}
	if over {
		return "overdue by " + out
	}
	return out + " left"
}

// incidentClock returns when and how the clock ticks: once a second,
// unless a test drives it.
func incidentClock() (ticks <-chan time.Time, stop func()) {
	if testOnlyIncidentTicks != nil {
		return testOnlyIncidentTicks, func() {}
	}
	t := time.NewTicker(time.Second)
	return t.C, t.Stop
}

// testOnlyIncidentTicks, when a test sets it, replaces the clock's
// ticker; testOnlyIncidentTicked then hears after each tick is handled,
// and testOnlyIncidentClockEnded when the clock's goroutine ends.
var (
	testOnlyIncidentTicks      chan time.Time
	testOnlyIncidentTicked     chan struct{}
	testOnlyIncidentClockEnded chan struct{}
)

// incidentLine words a timeline entry for the list: when, who, what.
func incidentLine(e incidentEntry, start time.Time) string {
	when := e.At.Local().Format("15:04")
	if e.At.Local().YearDay() != start.Local().YearDay() || e.At.Year() != start.Year() {
		when = e.At.Local().Format("Jan 2 15:04")
	}
	return fmt.Sprintf("%s  %s  %s", when, e.Author, e.Text)
}

// incPhone returns the number to dial for a phone row: its international
// form when the binder filled it in, else the number as written.
func incPhone(row binder.Values) string {
	if n := row.Text("e164"); n != "" {
		return n
	}
	return row.Text("number")
}

// incFirstPhone is a contact's first number, "" if it has none.
func incFirstPhone(c *binder.Record) string {
	for _, row := range c.Rows("phones") {
		if n := incPhone(row); n != "" {
			return n
		}
	}
	return ""
}

// incOneLine shortens s to one line of at most n runes.
func incOneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
