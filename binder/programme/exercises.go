package programme

import (
	"slices"
	"sort"
	"strings"
	"time"

	"gobag/binder"
)

// The effective states of an exercise.
const (
	Planned   = "planned"
	Held      = "held"
	Cancelled = "cancelled"
)

// ExerciseState is what an exercise is as of now: its status, or without
// one, held if dated on or before the day of now and planned if after
// (or undated). A planned exercise never counts as held, whatever its
// date.
func ExerciseState(e *binder.Record, now time.Time) string {
	if s := e.Text("status"); s != "" {
		return s
	}
	d, ok := e.Date("date")
	if ok && !d.After(Today(now)) {
		return Held
	}
	return Planned
}

// Today is the day of now (in now's zone) as a date field holds a day:
// midnight UTC. A date is on or before today when it is not After it.
func Today(now time.Time) time.Time {
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Session is one exercise in the programme.
type Session struct {
	Exercise *binder.Record
	Date     time.Time // zero if undated
	Type     string
	State    string
	// Overdue is a planned exercise whose date has passed: it was not
	// recorded as held.
	Overdue bool
}

// PlanRow is one plan's exercises in a year, by month.
type PlanRow struct {
	Plan   *binder.Record
	Months [12][]Session
	// Held counts the exercises held in the year.
	Held int
}

// Year is the exercise programme of one year: for each live plan (not
// retired), its exercises by month; then the exercises of the year that
// exercise no plan.
type Year struct {
	Year    int
	Plans   []PlanRow
	NoPlan  []Session
	Undated []Session // exercises with no date: planned, to be scheduled, or held and not dated
}

// Programme returns the exercise programme of year among recs (a
// binder's live records), as of now.
func Programme(recs []*binder.Record, year int, now time.Time) Year {
	y := Year{Year: year}
	var plans []*binder.Record
	byPlan := map[string]int{}
	for _, r := range recs {
		if r.Kind == "plan" && !r.Deleted && !r.Unreadable && r.Text("status") != "retired" {
			plans = append(plans, r)
		}
	}
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].Title < plans[j].Title })
	for i, p := range plans {
		y.Plans = append(y.Plans, PlanRow{Plan: p})
		byPlan[p.ID] = i
	}
	var exercises []*binder.Record
	for _, r := range recs {
		if r.Kind == "exercise" && !r.Deleted && !r.Unreadable {
			exercises = append(exercises, r)
		}
	}
	sort.SliceStable(exercises, func(i, j int) bool {
		a, _ := exercises[i].Date("date")
		b, _ := exercises[j].Date("date")
		return a.Before(b)
	})
	for _, e := range exercises {
		s := Session{Exercise: e, Type: e.Text("type"), State: ExerciseState(e, now)}
		d, dated := e.Date("date")
		if dated {
			s.Date = d
		}
		s.Overdue = s.State == Planned && dated && d.Before(Today(now))
		if !dated {
			// Planned and not yet scheduled, or held and not dated (which
			// counts for no plan until it is): shown apart.
			if s.State != Cancelled {
				y.Undated = append(y.Undated, s)
			}
			continue
		}
		if d.Year() != year {
			continue
		}
		linked := false
		for _, id := range e.Links("plans") {
			i, ok := byPlan[id]
			if !ok {
				continue
			}
			linked = true
			row := &y.Plans[i]
			row.Months[d.Month()-1] = append(row.Months[d.Month()-1], s)
			if s.State == Held && !d.After(Today(now)) {
				row.Held++
			}
		}
		if !linked {
			y.NoPlan = append(y.NoPlan, s)
		}
	}
	return y
}

// typeLetters abbreviate the exercise types in a programme's grid.
var typeLetters = map[string]string{"walkthrough": "W", "tabletop": "T", "seminar": "S", "workshop": "K", "game": "G",
	"drill": "D", "functional": "F", "full-scale": "X"}

// Cell abbreviates a month's exercises for a programme's grid: a letter
// per exercise by type (E for none known), upper case if held, lower case
// if planned, followed by ! when its day passed; - if cancelled. "" for
// none.
func Cell(ss []Session) string {
	var b strings.Builder
	for _, s := range ss {
		l, ok := typeLetters[s.Type]
		if !ok {
			l = "E"
		}
		switch s.State {
		case Cancelled:
			l = "-"
		case Planned:
			l = strings.ToLower(l)
			if s.Overdue {
				l += "!"
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// Discussion reports whether an exercise type is discussion-based
// (seminar, workshop, tabletop, game, walkthrough) rather than
// operations-based (drill, functional, full-scale).
func Discussion(exerciseType string) bool {
	return slices.Contains([]string{"walkthrough", "seminar", "workshop", "tabletop", "game"}, exerciseType)
}

// Sessions lists the year's exercises once each, in date order: those of
// the plans, then those of no plan, by date; the undated last.
func (y Year) Sessions() []Session {
	var out []Session
	seen := map[string]bool{}
	for _, r := range y.Plans {
		for _, m := range r.Months {
			for _, s := range m {
				if !seen[s.Exercise.ID] {
					seen[s.Exercise.ID] = true
					out = append(out, s)
				}
			}
		}
	}
	out = append(out, y.NoPlan...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return append(out, y.Undated...)
}
