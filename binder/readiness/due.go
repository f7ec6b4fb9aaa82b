package readiness

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"gobag/binder"
	"gobag/binder/programme"
)

// What falls due: the kinds of [Due] item.
const (
	DueReview      = "review"               // a plan's next review
	DueExercise    = "exercise"             // a plan's next exercise
	DueVerify      = "contact verification" // a contact's details to check again
	DueRestoreTest = "restore test"         // a system's next restore test
	DueAction      = "action item"          // an exercise's open action item
	DueRotation    = "credential rotation"  // a credential to change
	DueImpact      = "impact analysis"      // a function's impact to assess again
	DueTraining    = "training"             // the next training on the plans
	DuePlanned     = "planned exercise"     // an exercise planned for the day
	DueRisk        = "risk review"          // a risk to reassess
	DueDocument    = "document review"      // a document to review
	DuePolicy      = "policy review"        // the continuity policy's review
)

// Due is something that falls due on a date: the date a rule's period
// runs out, or a date a record names.
type Due struct {
	What string    `json:"what"`
	Date time.Time `json:"date"`
	// Record is the record it concerns (empty for training, which
	// concerns the binder as a whole).
	Record string `json:"record,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Title  string `json:"title,omitempty"`
	// Detail says more where the record's title does not (an action
	// item's text).
	Detail string `json:"detail,omitempty"`
	// Fix is what to do once it is done, or to do it.
	Fix *binder.Fix `json:"fix"`
}

// Upcoming lists what falls due among recs (a binder's live records) from
// the day of now until days later, soonest first. Dates come from the
// records' own date fields (a plan's next review, an action item's due
// date) and from the periods of the binder's settings (a contact verified
// on a day is due again ContactDays later). What is overdue already is a
// finding of Check, not listed here. It is a pure function of its
// arguments.
func Upcoming(recs []*binder.Record, now time.Time, days int) []Due {
	from := startOfDay(now)
	return dueIn(recs, now, from, from.AddDate(0, 0, days+1))
}

// Schedule lists everything that falls due among recs, overdue or not,
// soonest first: what a calendar of the binder's dates holds. Like
// Upcoming, it is a pure function of its arguments.
func Schedule(recs []*binder.Record, now time.Time) []Due {
	return dueIn(recs, now, time.Time{}.In(now.Location()), startOfDay(now).AddDate(100, 0, 0))
}

// dueIn lists what falls due among recs in [from, until).
func dueIn(recs []*binder.Record, now, from, until time.Time) []Due {
	u := upcoming{from: from, until: until}
	byKind := map[string][]*binder.Record{}
	for _, r := range recs {
		// Each record as gobag would have written it, as the check reads
		// it: a status "Done" is done.
		r = binder.Canonical(r)
		byKind[r.Kind] = append(byKind[r.Kind], r)
	}
	var settings *binder.Record
	if s := byKind["binder"]; len(s) > 0 {
		settings = s[0]
	}
	per := SettingsFrom(settings)

	for _, p := range byKind["plan"] {
		if p.Text("status") == "retired" {
			continue
		}
		if next, ok := reviewDate(p, "approved_on", per.ReviewMonths); ok {
			u.add(DueReview, next, p, "", edit(p, "next_review", "", "review the plan, then set its next review date and add a row to its changes"))
		}
		var exercises []*binder.Record
		for _, e := range byKind["exercise"] {
			if slices.Contains(e.Links("plans"), p.ID) && programme.ExerciseState(e, now) == programme.Held {
				exercises = append(exercises, e)
			}
		}
		if last := latest(exercises, "date", programme.Today(now)); !last.IsZero() {
			u.add(DueExercise, last.AddDate(0, per.ExerciseMonths, 0), p, "",
				add("exercise", "plans", p.ID, "exercise the plan (a walkthrough or tabletop at least) and record it", set("type", "tabletop")))
		}
	}
	for _, e := range byKind["exercise"] {
		if d, ok := e.Date("date"); ok && programme.ExerciseState(e, now) == programme.Planned {
			u.add(DuePlanned, d, e, e.Text("type"), edit(e, "status", programme.Held, "hold it, then record it as held with its after-action report"))
		}
	}
	var holders []*binder.Record
	for _, k := range programme.ActionKinds() {
		holders = append(holders, byKind[k]...)
	}
	for _, a := range programme.Actions(holders) {
		if due, ok := a.DueDate(); ok && a.Open() {
			r := &binder.Record{ID: a.Record, Kind: a.Kind, Title: a.Title}
			u.add(DueAction, due, r, a.Text, edit(r, "actions", "", fmt.Sprintf("finish action %d and set its status to done", a.Row)))
		}
	}
	for _, r := range byKind["risk"] {
		if next, ok := reviewDate(r, "assessed", per.RiskMonths); ok {
			u.add(DueRisk, next, r, "", edit(r, "next_review", "", "reassess the risk, then set when it was assessed and its next review"))
		}
	}
	for _, d := range byKind["document"] {
		months := per.DocumentMonths
		if n, ok := d.Int("review_months"); ok && n > 0 {
			months = int(n)
		}
		if rev, ok := d.Date("reviewed"); ok {
			u.add(DueDocument, rev.AddDate(0, months, 0), d, "", edit(d, "reviewed", "", "check it is still right, then set the date"))
		}
	}
	for _, p := range byKind["policy"] {
		if p.Text("status") == "retired" {
			continue
		}
		if next, ok := reviewDate(p, "approved_on", per.ReviewMonths); ok {
			u.add(DuePolicy, next, p, "", edit(p, "next_review", "", "review the policy, have it approved again and set its next review date"))
		}
	}
	for _, r := range byKind["contact"] {
		if v, ok := r.Date("last_verified"); ok {
			u.add(DueVerify, v.AddDate(0, 0, per.ContactDays), r, "", edit(r, "last_verified", "", "check the details with them, then set the date"))
		}
	}
	for _, s := range byKind["system"] {
		if t, ok := s.Date("last_restore_test"); ok && (critical(s) || s.Text("backup_method") != "") {
			u.add(DueRestoreTest, t.AddDate(0, per.RestoreTestMonths, 0), s, "", edit(s, "last_restore_test", "", "restore a backup to a test environment and check it, then set the date"))
		}
	}
	for _, c := range byKind["credential"] {
		rotated, ok := c.Date("rotated")
		every, hasEvery := c.Duration("rotate_every")
		if ok && hasEvery && every > 0 {
			u.add(DueRotation, rotated.Add(every), c, "", edit(c, "rotated", "", "change the credential and escrow the new one, then set the date"))
		}
	}
	for _, f := range byKind["function"] {
		if a, ok := f.Date("assessed"); ok {
			u.add(DueImpact, a.AddDate(0, per.BIAMonths, 0), f, "", edit(f, "assessed", "", "reassess the function's impact with its owner, then set the date"))
		}
	}
	if last := latest(byKind["training"], "date", programme.Today(now)); !last.IsZero() {
		u.add(DueTraining, last.AddDate(0, per.TrainingMonths, 0), nil, "", add("training", "date", "", "train the people who carry out the plans, and record it"))
	}
	sort.SliceStable(u.items, func(i, j int) bool {
		a, b := u.items[i], u.items[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		return a.Title < b.Title
	})
	return u.items
}

// upcoming collects what falls due in [from, until).
type upcoming struct {
	from, until time.Time
	items       []Due
}

func (u *upcoming) add(what string, date time.Time, r *binder.Record, detail string, fix *binder.Fix) {
	// A date field is a calendar day: compare it as that day where now is.
	y, m, dd := date.Date()
	date = time.Date(y, m, dd, 0, 0, 0, 0, u.from.Location())
	if date.Before(u.from) || !date.Before(u.until) {
		return
	}
	d := Due{What: what, Date: date, Detail: detail, Fix: fix}
	if r != nil {
		d.Record, d.Kind, d.Title = r.ID, r.Kind, r.Title
	}
	u.items = append(u.items, d)
}

// startOfDay is midnight at the start of t's day, in t's location.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
