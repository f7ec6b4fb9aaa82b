package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"gobag/binder"
	"gobag/binder/programme"
	"gobag/binder/readiness"
)

// The Actions screen lists every action item of the demo, filters them,
// and marks one done in the record that holds it.
func TestActionsScreen(t *testing.T) {
	u := openApp(t, demoBinder(t, nil))
	s, ok := u.shell.goTo("actions").(*actionsScreen)
	if !ok {
		t.Fatalf("actions screen is %T", u.shell.screens["actions"])
	}
	u.tasks.wait()
	recs, err := u.Binder().Records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := programme.Actions(recs)
	if len(s.all) != len(all) || len(all) < 4 {
		t.Fatalf("the screen read %d action items; the binder has %d", len(s.all), len(all))
	}
	open := programme.Filter{Open: true}.Apply(all)
	if len(s.list) != len(open) {
		t.Fatalf("still to be done: shows %d; want %d", len(s.list), len(open))
	}
	capture(t, u, "actions")
	s.open.SetChecked(false)
	if len(s.list) != len(all) {
		t.Fatalf("every item: shows %d; want %d", len(s.list), len(all))
	}
	s.dueBefore.SetText("tomorrow")
	if !s.dueErr.Visible() {
		t.Errorf("a due date that is not a date shows no error")
	}
	s.dueBefore.SetText("")
	s.owner.SetSelected("Amara Okafor — Head of ICT")
	for _, a := range s.list {
		if a.Name != "Amara Okafor — Head of ICT" {
			t.Fatalf("owner filter let through %q's item", a.Name)
		}
	}
	if len(s.list) == 0 {
		t.Fatal("no item of the owner chosen")
	}
	// Mark the first open item done: saved in its record.
	s.owner.SetSelected(anyone)
	s.open.SetChecked(true)
	target := s.list[0]
	s.choose(0)
	test.Tap(s.doneBtn)
	u.tasks.wait()
	if !strings.HasPrefix(s.status.Text, "Marked done") {
		t.Fatalf("status %q", s.status.Text)
	}
	r, err := u.Binder().Get(context.Background(), target.Record)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Rows("actions")[target.Row-1].Text("status"); got != "done" {
		t.Fatalf("the action's status is %q in its record; want done", got)
	}
	u.tasks.wait()
	for _, a := range s.list {
		if a.Record == target.Record && a.Row == target.Row {
			t.Fatalf("the item marked done is still listed as to be done")
		}
	}
}

// The Programme screen shows the year's exercises by plan and month, the
// risk register worst first, and each team's call tree.
func TestProgrammeScreen(t *testing.T) {
	u := openApp(t, demoBinder(t, nil))
	s, ok := u.shell.goTo("programme").(*programmeScreen)
	if !ok {
		t.Fatalf("programme screen is %T", u.shell.screens["programme"])
	}
	u.tasks.wait()
	if len(s.prog.Plans) != 3 {
		t.Fatalf("programme of %d plans; want the demo's 3", len(s.prog.Plans))
	}
	// The demo's tabletop was 13 months ago: last year's programme holds it.
	tabletop := func() bool {
		for _, row := range s.prog.Plans {
			for _, m := range row.Months {
				for _, x := range m {
					if x.Exercise.Title == "Tabletop: ransomware on the data platform" && x.State == programme.Held {
						return true
					}
				}
			}
		}
		return false
	}
	for y := s.year; y >= s.year-2 && !tabletop(); y-- {
		s.year--
		s.showProgramme()
	}
	if !tabletop() {
		t.Fatal("the held tabletop is in no year's programme")
	}
	capture(t, u, "programme")
	if len(s.risks) != 3 {
		t.Fatalf("%d risks; want 3", len(s.risks))
	}
	for i := 1; i < len(s.risks); i++ {
		if programme.Residual(s.risks[i]).Score > programme.Residual(s.risks[i-1]).Score {
			t.Fatalf("risk %d is worse than the one before it", i)
		}
	}
	if got := programme.Residual(s.risks[0]).Words(s.high); got != "15 (3×5) high" {
		t.Errorf("worst residual risk: %q; want 15 (3×5) high", got)
	}
	s.showTab("Risk register")
	capture(t, u, "programme-risks")
	s.showTab("Call trees")
	s.teamPick.SetSelected("Crisis Management Team")
	if !incShows(s.tree, "No alternate, and nothing says what to do") || !incShows(s.tree, "called by Helena Mwangi") {
		t.Errorf("the crisis team's tree does not show who calls whom and its dead end")
	}
	capture(t, u, "programme-calltree")
}

// Two teams that share a title can each be shown: the picker tells them
// apart by id.
func TestProgrammeTeamsOfOneTitle(t *testing.T) {
	u := openApp(t, demoBinder(t, func(recs []*binder.Record) {
		for _, r := range recs {
			if r.Kind == "team" && r.Title == "Incident Response Team" {
				r.Title = "Crisis Management Team"
			}
		}
	}))
	s := u.shell.goTo("programme").(*programmeScreen)
	u.tasks.wait()
	var both []string
	for _, o := range s.teamPick.Options {
		if strings.HasPrefix(o, "Crisis Management Team (") {
			both = append(both, o)
		}
	}
	if len(both) != 2 {
		t.Fatalf("options %q; want the two teams of one title told apart by id", s.teamPick.Options)
	}
	starts := map[bool]int{}
	for _, o := range both {
		s.teamPick.SetSelected(o)
		starts[incShows(s.tree, "called by Helena Mwangi")]++
	}
	if starts[true] != 1 || starts[false] != 1 {
		t.Errorf("the two options show the same tree")
	}
}

// The readiness report by standard: every clause, with its findings, the
// clauses clear and those no rule checks.
func TestReadinessByStandard(t *testing.T) {
	u := openApp(t, demoBinder(t, nil))
	r := reportOf(t, u)
	r.group.SetSelected(byStandard)
	clauses, uncovered := 0, 0
	for i, row := range r.rows {
		if row.finding != nil {
			continue
		}
		if row.clause == nil {
			t.Fatalf("row %d is a heading with no clause", i)
		}
		clauses++
		if len(row.clause.Rules) == 0 {
			uncovered++
			if !strings.Contains(groupHeading(row), "no rule checks it") {
				t.Errorf("heading %q", groupHeading(row))
			}
		}
	}
	if clauses != len(readiness.Clauses) || uncovered == 0 {
		t.Fatalf("%d clause headings, %d with no rule; want %d and some", clauses, uncovered, len(readiness.Clauses))
	}
	found := false
	for _, row := range r.rows {
		if row.clause != nil && row.clause.Clause.ID == "bcm-policy ¶5g" {
			for _, f := range row.clause.Findings {
				found = found || f.Rule == "site.no-alternate"
			}
		}
	}
	if !found {
		t.Errorf("bcm-policy ¶5g does not hold the demo's missing alternate sites")
	}
	capture(t, u, "readiness-by-standard")
}

// A held exercise starts from the after-action report's template.
func TestAfterActionReportFromTemplate(t *testing.T) {
	u := openApp(t, demoBinder(t, nil))
	u.newRecord("exercise", binder.AfterActionTemplate, nil)
	e, ok := u.shell.screens["edit"].(*editScreen)
	if !ok || u.shell.current != "edit" {
		t.Fatalf("the editor is not open: %q", u.shell.current)
	}
	if e.saved == nil || e.saved.Kind != "exercise" || e.saved.Text("status") != "held" || !strings.Contains(e.body.Text, "# 2. What did not go well") {
		t.Fatalf("the new exercise is not the after-action report: %+v\n%s", e.saved, e.body.Text)
	}
}
