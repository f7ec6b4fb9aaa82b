package programme

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gobag/binder"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func rec(kind, title string, fields map[string]any) *binder.Record {
	r := &binder.Record{ID: binder.NewID(), Kind: kind, Title: title, Rev: 1, Fields: fields}
	if err := r.Validate(); err != nil {
		panic(err)
	}
	return r
}

func TestActionRegisterReadsEveryKind(t *testing.T) {
	ana := rec("contact", "Ana Silva", nil)
	ben := rec("contact", "Ben Ode", nil)
	row := func(text, owner, due, status string) map[string]any {
		m := map[string]any{"action": text}
		if owner != "" {
			m["owner"] = owner
		}
		if due != "" {
			m["due"] = due
		}
		if status != "" {
			m["status"] = status
		}
		return m
	}
	recs := []*binder.Record{ana, ben,
		rec("exercise", "Tabletop", map[string]any{"actions": []map[string]any{row("fix the call list", ana.ID, "2026-10-01", ""), row("buy radios", ben.ID, "2027-02-01", "done")}}),
		rec("incident", "Outage", map[string]any{"actions": []map[string]any{row("add a second link", ben.ID, "2026-12-15", "in-progress")}}),
		rec("audit", "Internal audit", map[string]any{"actions": []map[string]any{row("write a policy", "", "", "")}}),
		rec("risk", "Ransomware", map[string]any{"actions": []map[string]any{row("offline backups", ana.ID, "2027-03-01", "open")}}),
		rec("plan", "Plan", nil), // no actions field: not read
	}
	all := Actions(recs)
	var got []string
	for _, a := range all {
		got = append(got, fmt.Sprintf("%s/%d %s %s %s %s", a.Kind, a.Row, a.Text, a.Name, a.Due, a.Status))
	}
	want := []string{
		"exercise/1 fix the call list Ana Silva 2026-10-01 open",
		"incident/1 add a second link Ben Ode 2026-12-15 in-progress",
		"risk/1 offline backups Ana Silva 2027-03-01 open",
		"audit/1 write a policy   open",
		"exercise/2 buy radios Ben Ode 2027-02-01 done",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("register:\ngot  %q\nwant %q", got, want)
	}
	if !all[0].Overdue(now) || all[1].Overdue(now) || all[4].Overdue(now) {
		t.Errorf("overdue: got %v %v %v; want true false false", all[0].Overdue(now), all[1].Overdue(now), all[4].Overdue(now))
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want int
	}{
		{"open", Filter{Open: true}, 4},
		{"owner by name", Filter{Owner: "ana"}, 2},
		{"owner by two words", Filter{Owner: "ben ode"}, 2},
		{"owner by id", Filter{Owner: ben.ID[:6]}, 2},
		{"owner unknown", Filter{Owner: "zed"}, 0},
		{"owner by the middle of a name", Filter{Owner: "na"}, 0},
		{"owner by the start of a word", Filter{Owner: "sil"}, 2},
		{"due before", Filter{DueBefore: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, 2},
		{"open, Ben's, due before", Filter{Open: true, Owner: "ben", DueBefore: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(tc.f.Apply(all)); got != tc.want {
				t.Errorf("got %d actions; want %d", got, tc.want)
			}
		})
	}
}

func TestExerciseProgramme(t *testing.T) {
	bcp := rec("plan", "BCP", nil)
	drp := rec("plan", "DRP", nil)
	old := rec("plan", "Old", map[string]any{"status": "retired"})
	ex := func(title, date, status string, plans ...*binder.Record) *binder.Record {
		f := map[string]any{"type": "tabletop"}
		if date != "" {
			f["date"] = date
		}
		if status != "" {
			f["status"] = status
		}
		var ids []any
		for _, p := range plans {
			ids = append(ids, p.ID)
		}
		if ids != nil {
			f["plans"] = ids
		}
		return rec("exercise", title, f)
	}
	recs := []*binder.Record{bcp, drp, old,
		ex("held by date", "2026-03-10", "", bcp, old),
		ex("planned in the past", "2026-06-01", "planned", bcp),
		ex("planned ahead", "2026-12-10", "", drp),
		ex("held, said so", "2026-11-27", "held", drp),
		ex("cancelled", "2026-08-01", "cancelled", drp),
		ex("no plan", "2026-02-01", "held"),
		ex("last year", "2025-05-01", "held", bcp),
		ex("undated", "", "planned", bcp),
	}
	y := Programme(recs, 2026, now)
	if len(y.Plans) != 2 || y.Plans[0].Plan.ID != bcp.ID || y.Plans[1].Plan.ID != drp.ID {
		t.Fatalf("got %d plans; want BCP and DRP (the retired one left out)", len(y.Plans))
	}
	cell := func(row PlanRow, month time.Month) string {
		var out []string
		for _, s := range row.Months[month-1] {
			w := s.State
			if s.Overdue {
				w += "!"
			}
			out = append(out, w)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		row   int
		month time.Month
		want  string
	}{
		{0, time.March, "held"}, {0, time.June, "planned!"}, {1, time.December, "planned"},
		{1, time.November, "held"}, {1, time.August, "cancelled"}, {0, time.May, ""},
	} {
		if got := cell(y.Plans[tc.row], tc.month); got != tc.want {
			t.Errorf("%s in %s: got %q; want %q", y.Plans[tc.row].Plan.Title, tc.month, got, tc.want)
		}
	}
	if y.Plans[0].Held != 1 || y.Plans[1].Held != 1 {
		t.Errorf("held: got %d and %d; want 1 and 1 (planned and cancelled do not count)", y.Plans[0].Held, y.Plans[1].Held)
	}
	if len(y.NoPlan) != 1 || len(y.Undated) != 1 {
		t.Errorf("got %d without a plan and %d undated; want 1 and 1", len(y.NoPlan), len(y.Undated))
	}
}

func TestRiskRating(t *testing.T) {
	for _, tc := range []struct {
		fields             map[string]any
		inherent, residual int64
		band               string
	}{
		{map[string]any{"likelihood": int64(5), "impact": int64(5)}, 25, 25, Critical},
		{map[string]any{"likelihood": int64(5), "impact": int64(5), "residual_likelihood": int64(2)}, 25, 10, High},
		{map[string]any{"likelihood": int64(3), "impact": int64(3), "residual_likelihood": int64(1), "residual_impact": int64(3)}, 9, 3, Low},
		{map[string]any{"likelihood": int64(4), "impact": int64(2)}, 8, 8, Medium},
		{map[string]any{"likelihood": int64(4)}, 0, 0, ""},
	} {
		r := rec("risk", "r", tc.fields)
		in, res := Inherent(r), Residual(r)
		if in.Score != tc.inherent || res.Score != tc.residual || res.Band(DefaultHigh) != tc.band {
			t.Errorf("%v: got %d, %d, %q; want %d, %d, %q", tc.fields, in.Score, res.Score, res.Band(DefaultHigh), tc.inherent, tc.residual, tc.band)
		}
	}
	// Off the scale (a record another tool wrote): not rated.
	r := &binder.Record{Kind: "risk", Fields: map[string]any{"likelihood": int64(9), "impact": int64(9)}}
	if Inherent(r).Rated() {
		t.Errorf("a likelihood of 9 was rated")
	}
	if got := (Rating{Score: 12}).Band(15); got != Medium {
		t.Errorf("12 with high from 15: got %s; want medium", got)
	}
}

func TestSetStatus(t *testing.T) {
	ex := rec("exercise", "Tabletop", map[string]any{"actions": []map[string]any{{"action": "one"}, {"action": "two", "status": "open"}}})
	a := Actions([]*binder.Record{ex})[1]
	done, err := SetStatus(ex, a, "done")
	if err != nil {
		t.Fatal(err)
	}
	if got := done.Rows("actions")[1].Text("status"); got != "done" || ex.Rows("actions")[1].Text("status") != "open" {
		t.Errorf("got %q, original %q; want done on a copy, open kept", got, ex.Rows("actions")[1].Text("status"))
	}
	if err := done.Validate(); err != nil {
		t.Errorf("the copy does not validate: %v", err)
	}
	if _, err := SetStatus(ex, a, "finished"); err == nil {
		t.Errorf("an unknown status was taken")
	}
	moved := a
	moved.Text = "something else"
	if _, err := SetStatus(ex, moved, "done"); err != ErrActionMoved {
		t.Errorf("got %v; want ErrActionMoved", err)
	}
	if _, err := SetStatus(rec("plan", "p", nil), a, "done"); err == nil {
		t.Errorf("a plan's action was set")
	}
	// One row written as a single table, as [fields.actions] is read.
	single := &binder.Record{ID: binder.NewID(), Kind: "audit", Title: "Audit", Fields: map[string]any{"actions": map[string]any{"action": "only one"}}}
	one := Actions([]*binder.Record{single})
	if len(one) != 1 {
		t.Fatalf("single table: %d actions", len(one))
	}
	set, err := SetStatus(single, one[0], "done")
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Rows("actions"); len(got) != 1 || got[0].Text("status") != "done" {
		t.Errorf("single table: got %v", got)
	}
}
