package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/readiness"
)

// reportOf opens the readiness report and waits for its check.
func reportOf(t *testing.T, u *App) *readinessReport {
	t.Helper()
	r, ok := u.shell.goTo("readiness").(*readinessReport)
	if !ok {
		t.Fatalf("readiness screen is %T", u.shell.screens["readiness"])
	}
	u.tasks.wait()
	if r.report == nil {
		t.Fatalf("no report: %q", r.summary.Text)
	}
	return r
}

// shownFindings are the findings the report lists now.
func shownFindings(r *readinessReport) []*readiness.Finding {
	var out []*readiness.Finding
	for _, row := range r.rows {
		if row.finding != nil {
			out = append(out, row.finding)
		}
	}
	return out
}

// The report lists every finding under a heading per severity and rule,
// and its filters narrow it.
func TestReadinessReportGroupsAndFilters(t *testing.T) {
	u := openApp(t, demoBinder(t, nil))
	r := reportOf(t, u)
	all := shownFindings(r)
	if len(all) != len(r.report.Findings) || len(all) == 0 {
		t.Fatalf("unfiltered: got %d findings; want all %d", len(all), len(r.report.Findings))
	}
	// Each heading counts the findings under it, all of its rule.
	for i, row := range r.rows {
		if row.finding != nil {
			continue
		}
		n := 0
		for _, f := range r.rows[i+1:] {
			if f.finding == nil {
				break
			}
			if f.rule != row.rule || f.severity != row.severity {
				t.Fatalf("finding of %s under the heading of %s", f.rule, row.rule)
			}
			n++
		}
		if n != row.n || n == 0 {
			t.Fatalf("heading %s: says %d; lists %d", row.rule, row.n, n)
		}
	}
	capture(t, u, "readiness")

	r.severity.SetSelected("Warnings")
	for _, f := range shownFindings(r) {
		if f.Severity != readiness.SeverityWarning {
			t.Fatalf("warnings only: got a finding of severity %s", f.Severity)
		}
	}
	if got, want := len(shownFindings(r)), r.report.Count(readiness.SeverityWarning); got != want {
		t.Fatalf("warnings: got %d; want %d", got, want)
	}
	r.severity.SetSelected(everySeverity)
	var option string
	for o, id := range r.ruleOf {
		if id == "contact.no-alternate" {
			option = o
		}
	}
	if option == "" {
		t.Fatalf("rule select offers %v; want contact.no-alternate", r.rule.Options)
	}
	r.rule.SetSelected(option)
	got := shownFindings(r)
	if len(got) == 0 || len(r.rows) != len(got)+1 {
		t.Fatalf("one rule: got %d rows for %d findings; want one heading above them", len(r.rows), len(got))
	}
	for _, f := range got {
		if f.Rule != "contact.no-alternate" {
			t.Fatalf("one rule: got a finding of %s", f.Rule)
		}
	}
	title := got[0].Title
	test.Type(r.filter, strings.Fields(title)[0])
	for _, f := range shownFindings(r) {
		if !strings.Contains(strings.ToLower(f.Title+" "+f.Message), strings.ToLower(strings.Fields(title)[0])) {
			t.Fatalf("filtered by %q: got %q", strings.Fields(title)[0], f.Title)
		}
	}
	if n := len(shownFindings(r)); n == 0 || n > len(got) || !strings.HasPrefix(r.summary.Text, "Showing") {
		t.Fatalf("filtered: %d findings, summary %q", n, r.summary.Text)
	}
	r.filter.SetText("no such words anywhere")
	if len(r.rows) != 0 {
		t.Fatalf("filter matching nothing: %d rows", len(r.rows))
	}
}

// A fix's button opens the editor at the field to fill, or starts the
// record the rule asks for; it says in words what it achieves.
func TestReadinessFixButtons(t *testing.T) {
	spies := spyOn(t, "edit")
	u := openApp(t, demoBinder(t, nil))
	r := reportOf(t, u)
	find := func(rule string) (int, *readiness.Finding) {
		t.Helper()
		for i, row := range r.rows {
			if row.finding != nil && row.finding.Rule == rule {
				return i, row.finding
			}
		}
		t.Fatalf("no %s finding on the demo", rule)
		return 0, nil
	}
	// The button of a row, as the list draws it.
	button := func(i int) (label string, tap func()) {
		o := r.newRow()
		r.updateRow(i, o)
		b := findButton(o)
		return b.Text, func() { test.Tap(b) }
	}

	i, f := find("contact.no-alternate")
	label, tap := button(i)
	if label != "Edit alternates" {
		t.Fatalf("button %q; want Edit alternates", label)
	}
	if s := fixSentence(f.Fix); !strings.Contains(s, "Fill in alternates") || !strings.Contains(s, f.Fix.Note) || strings.Contains(s, "gobag") {
		t.Fatalf("fix sentence %q; want what to fill and why, no command", s)
	}
	tap()
	if u.shell.current != "edit" || len(spies["edit"].edited) != 1 || spies["edit"].edited[0] != [2]string{f.Record, "alternates"} {
		t.Fatalf("after the button: shell %q, edited %v; want the editor on %s at alternates", u.shell.current, spies["edit"].edited, f.Record)
	}

	u.shell.goTo("readiness")
	i, f = find("plan.not-exercised")
	label, tap = button(i)
	if label != "Add an exercise" {
		t.Fatalf("button %q; want Add an exercise", label)
	}
	tap()
	if len(spies["edit"].added) != 1 {
		t.Fatalf("after the button: added %v; want a new exercise", spies["edit"].added)
	}
	got := spies["edit"].added[0]
	if got.kind != "exercise" || len(got.set) == 0 || got.set[0] != (binder.FieldValue{Field: "plans", Value: f.Record}) {
		t.Fatalf("new record: got %+v; want an exercise of plan %s", got, f.Record)
	}
}

// findButton is the fix's button in a row of the report.
func findButton(o fyne.CanvasObject) *widget.Button {
	finding := o.(*fyne.Container).Objects[1].(*fyne.Container)
	return finding.Objects[2].(*fyne.Container).Objects[0].(*widget.Button)
}

// A check can be cancelled: the report shown stays, and says so.
func TestReadinessCheckCanBeCancelled(t *testing.T) {
	u := openApp(t, demoBinder(t, nil))
	r := reportOf(t, u)
	before := len(r.report.Findings)
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	r.refresh()
	if !r.cancel.Visible() {
		t.Fatal("no Cancel while checking")
	}
	test.Tap(r.cancel)
	close(gate)
	u.tasks.testOnlyGate = nil
	u.tasks.wait()
	if r.cancel.Visible() || !strings.HasPrefix(r.summary.Text, "Check cancelled.") || len(r.report.Findings) != before {
		t.Fatalf("after Cancel: summary %q, cancel shown %v, %d findings; want %d", r.summary.Text, r.cancel.Visible(), len(r.report.Findings), before)
	}
}
