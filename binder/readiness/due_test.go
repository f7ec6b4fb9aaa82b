package readiness

import (
	"testing"
	"time"

	"gobag/binder"
)

// Upcoming lists what falls due in the window, soonest first, from the
// records' date fields and the settings' periods, and nothing overdue or
// further off.
func TestUpcoming(t *testing.T) {
	f := healthy(t)
	// Rotated 350 days ago, every 365 days: due in 15 days.
	f.ids["cred"].Fields["rotated"] = daysAgo(350)
	f.ids["cred"].Fields["rotate_every"] = "365d"
	// Overdue already: a finding, not an upcoming item.
	f.ids["exercise"].Fields["actions"] = append(f.ids["exercise"].Fields["actions"].([]map[string]any),
		map[string]any{"action": "late one", "due": daysAgo(3), "status": "open"})
	type item struct {
		what, title, detail string
		in                  int // days from checkNow
	}
	got := func(days int) []item {
		var out []item
		for _, d := range Upcoming(f.recs, checkNow, days) {
			in := int(d.Date.Sub(daysAgo(0)).Hours() / 24)
			out = append(out, item{d.What, d.Title, d.Detail, in})
			if d.Fix == nil || (d.Record != "" && d.Fix.Record != d.Record && d.Fix.Action == binder.ActionEdit) {
				t.Errorf("%s %q: fix %+v; want one acting on its record", d.What, d.Title, d.Fix)
			}
		}
		return out
	}
	for _, tc := range []struct {
		days int
		want []item
	}{
		{30, []item{{DueRotation, "Database administrator password", "", 15}, {DueAction, "Tabletop: data centre fire", "update the call tree", 30}}},
		{90, []item{{DueRotation, "Database administrator password", "", 15}, {DueAction, "Tabletop: data centre fire", "update the call tree", 30},
			{DueVerify, "Tomás Herrera", "", 70}, {DueVerify, "Amara Okafor", "", 80}}},
		{250, []item{{DueRotation, "Database administrator password", "", 15}, {DueAction, "Tabletop: data centre fire", "update the call tree", 30},
			{DueVerify, "Tomás Herrera", "", 70}, {DueVerify, "Amara Okafor", "", 80},
			{DuePlanned, "Functional: restore at the second site", "functional", 120}, {DueReview, "Business continuity plan", "", 200}}},
		{400, []item{{DueRotation, "Database administrator password", "", 15}, {DueAction, "Tabletop: data centre fire", "update the call tree", 30},
			{DueVerify, "Tomás Herrera", "", 70}, {DueVerify, "Amara Okafor", "", 80},
			{DuePlanned, "Functional: restore at the second site", "functional", 120}, {DueReview, "Business continuity plan", "", 200},
			{DuePolicy, "Business continuity policy", "", 265}, {DueRisk, "Loss of the main data centre", "", 300}, {DueExercise, "Business continuity plan", "", 305},
			{DueTraining, "", "", 325}, {DueRestoreTest, "Application VM", "", 335}, {DueRestoreTest, "Database VM", "", 335}, {DueDocument, "Network diagram", "", 335}}},
	} {
		g := got(tc.days)
		if len(g) != len(tc.want) {
			t.Fatalf("next %d days: got %+v; want %+v", tc.days, g, tc.want)
		}
		for i := range g {
			if g[i] != tc.want[i] {
				t.Errorf("next %d days, item %d: got %+v; want %+v", tc.days, i, g[i], tc.want[i])
			}
		}
	}
}

// The binder's settings change the periods: contacts verified every 30
// days fall due sooner.
func TestUpcomingUsesTheBindersPeriods(t *testing.T) {
	f := healthy(t)
	f.ids["settings"].Fields["contact_days"] = int64(30)
	var got []string
	for _, d := range Upcoming(f.recs, checkNow, 30) {
		if d.What == DueVerify {
			got = append(got, d.Title+" "+d.Date.Format(time.DateOnly))
		}
	}
	// Amara verified 10 days ago: due in 20; Tomás 20 days ago: due in 10.
	want := []string{"Tomás Herrera " + daysAgo(-10).Format(time.DateOnly), "Amara Okafor " + daysAgo(-20).Format(time.DateOnly)}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %v; want %v", got, want)
	}
}

// Schedule holds everything Upcoming holds, and what is overdue or far
// off besides: what a calendar shows.
func TestScheduleHoldsOverdueAndFarOff(t *testing.T) {
	f := healthy(t)
	f.ids["exercise"].Fields["actions"] = append(f.ids["exercise"].Fields["actions"].([]map[string]any),
		map[string]any{"action": "late one", "due": daysAgo(3), "status": "open"})
	all := Schedule(f.recs, checkNow)
	soon := Upcoming(f.recs, checkNow, 250)
	late := false
	for _, d := range all {
		late = late || d.Detail == "late one"
	}
	if !late || len(all) <= len(soon) {
		t.Fatalf("schedule of %d items (upcoming %d), overdue action in it: %v", len(all), len(soon), late)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Date.Before(all[i-1].Date) {
			t.Fatalf("item %d (%s) before item %d (%s)", i, all[i].Date, i-1, all[i-1].Date)
		}
	}
}

// What falls due reads each record as gobag would have written it: an
// action a peer marked "Done" is done, and falls due no more.
func TestUpcomingReadsRecordsCanonically(t *testing.T) {
	f := healthy(t)
	f.ids["exercise"].Fields["actions"].([]map[string]any)[0]["status"] = "Done"
	for _, d := range Upcoming(f.recs, checkNow, 90) {
		if d.What == DueAction {
			t.Fatalf("a done action falls due: %+v", d)
		}
	}
}
