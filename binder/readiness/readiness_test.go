package readiness

import (
	"fmt"
	"gobag/binder"
	"gobag/binder/roster"
	"regexp"
	"strings"
	"testing"
	"time"
)

var checkNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// daysAgo is a date n days before checkNow.
func daysAgo(n int) time.Time {
	d := checkNow.AddDate(0, 0, -n)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// filledBody turns a template's body into a plan's: every guidance block
// replaced by text.
func filledBody(t *testing.T, planType string) string {
	t.Helper()
	tpl, err := binder.Template(planType)
	if err != nil {
		t.Fatal(err)
	}
	guidance := regexp.MustCompile(`(?m)^> \*Guidance:\*.*(\n>.*)*`)
	return guidance.ReplaceAllString(tpl.Body, "Our own text for this section.")
}

type fixture struct {
	recs   []*binder.Record
	ids    map[string]*binder.Record // by short name
	copies []OffsiteCopy
	team   *Team
}

func (f *fixture) add(name, kind, title string, fields map[string]any, body string) *binder.Record {
	r := &binder.Record{ID: binder.NewID(), Kind: kind, Title: title, Rev: 1, Fields: fields, Body: body}
	if err := r.Validate(); err != nil {
		panic(fmt.Sprintf("fixture %s: %v", name, err))
	}
	f.recs = append(f.recs, r)
	f.ids[name] = r
	return r
}

func (f *fixture) id(name string) string { return f.ids[name].ID }

// healthy builds a binder's records that pass every readiness rule.
func healthy(t *testing.T) *fixture {
	f := &fixture{ids: map[string]*binder.Record{}, copies: []OffsiteCopy{{Name: "offsite", LastCopy: daysAgo(1)}}}
	phones := func(n int) []map[string]any {
		return []map[string]any{
			{"label": "office", "number": fmt.Sprintf("+44 20 7946 %04d", n)},
			{"label": "mobile", "number": fmt.Sprintf("+44 7700 90%04d", n)},
		}
	}
	f.add("settings", "binder", "Example Office", map[string]any{}, "")
	lead := f.add("lead", "contact", "Amara Okafor", map[string]any{"phones": phones(1), "last_verified": daysAgo(10)}, "")
	alt := f.add("alt", "contact", "Tomás Herrera", map[string]any{"phones": phones(2), "last_verified": daysAgo(20)}, "")
	lead.Fields["alternates"] = []any{alt.ID}
	alt.Fields["alternates"] = []any{lead.ID}
	f.add("team", "team", "Disaster recovery team", map[string]any{"purpose": "disaster-recovery", "lead": lead.ID, "alternate_lead": alt.ID,
		"members": []any{lead.ID, alt.ID}, "activation_authority": lead.ID, "succession": []any{alt.ID}}, "")
	v2 := f.add("vendor2", "vendor", "Second hosting", map[string]any{"continuity_obligation": true}, "")
	v1 := f.add("vendor", "vendor", "Hosting", map[string]any{"continuity_obligation": true, "alternate": v2.ID}, "")
	v2.Fields["alternate"] = v1.ID
	steps := []map[string]any{
		{"role": "DBA", "do": "restore the newest dump", "duration": "1h", "check": "row counts match", "fallback": "restore the VM image"},
		{"role": "ICT lead", "do": "run the smoke tests", "duration": "30m"},
	}
	rbDB := f.add("rb-db", "runbook", "Restore the database", map[string]any{"scenarios": anyList(binder.Scenarios), "steps": steps, "tests": []any{"users open a release"},
		"detection": "monitoring alerts the on-call DBA", "activation": "the ICT lead, within 30 minutes of the alert"}, "")
	rbApp := f.add("rb-app", "runbook", "Rebuild the application VM", map[string]any{"scenarios": []any{"hardware-failure"},
		"detection": "the host stops answering", "activation": "the ICT lead decides when a restart has failed",
		"steps": []map[string]any{{"role": "sysadmin", "do": "restore the VM", "duration": "1h", "check": "it boots", "fallback": "rebuild from scratch"}}}, "")
	cred := f.add("cred", "credential", "Database administrator password", map[string]any{"threshold": int64(2)}, "")
	db := f.add("db", "system", "Database VM", map[string]any{"tier": int64(1), "rto": "3h", "rpo": "24h", "mtd": "8h", "backup_method": "dump", "owner": lead.ID,
		"backup_interval": "6h", "last_restore_test": daysAgo(30), "runbooks": []any{rbDB.ID}, "credentials": []any{cred.ID}}, "")
	app := f.add("app", "system", "Application VM", map[string]any{"tier": int64(1), "rto": "3h", "rpo": "24h", "mtd": "8h", "owner": alt.ID,
		"last_restore_test": daysAgo(30), "runbooks": []any{rbApp.ID}, "credentials": []any{cred.ID}, "depends_on": []any{db.ID}}, "")
	plan := f.add("plan", "plan", "Business continuity plan", map[string]any{"type": "bcp", "status": "approved", "owner": lead.ID,
		"approved_by": lead.ID, "approved_on": daysAgo(100), "next_review": daysAgo(-200), "contacts": []any{lead.ID},
		"systems": []any{app.ID, db.ID}, "changes": []map[string]any{{"date": daysAgo(100), "version": "1.0", "summary": "first issue"}}},
		filledBody(t, "bcp"))
	f.add("exercise", "exercise", "Tabletop: data centre fire", map[string]any{"type": "tabletop", "date": daysAgo(60), "plans": []any{plan.ID},
		"results": "the call tree worked; the restore took longer than written",
		"actions": []map[string]any{{"action": "update the call tree", "due": daysAgo(-30), "status": "open", "owner": lead.ID}, {"action": "old", "due": daysAgo(10), "status": "done"}}}, "")
	f.add("next-exercise", "exercise", "Functional: restore at the second site", map[string]any{"type": "functional", "status": "planned", "date": daysAgo(-120), "plans": []any{plan.ID}}, "")
	main := f.add("main-site", "site", "Main data centre", map[string]any{"role": "primary", "capacity": int64(10)}, "")
	second := f.add("second-site", "site", "Second data centre", map[string]any{"role": "alternate", "readiness": "warm", "backs_up": main.ID, "distance_km": int64(120),
		"capacity": int64(4), "seats": int64(6), "teams": []any{f.id("team")}}, "")
	for _, s := range []*binder.Record{db, app} {
		s.Fields["primary_site"], s.Fields["alternate_site"] = main.ID, second.ID
	}
	f.add("risk", "risk", "Loss of the main data centre", map[string]any{"scenarios": anyList(binder.Scenarios), "systems": []any{db.ID, app.ID},
		"likelihood": int64(3), "impact": int64(5), "residual_likelihood": int64(2), "treatment": "reduce", "plans": []any{plan.ID},
		"owner": lead.ID, "assessed": daysAgo(30), "next_review": daysAgo(-300)}, "")
	f.add("document", "document", "Network diagram", map[string]any{"type": "diagram", "location": "https://wiki.example/net", "reviewed": daysAgo(30)}, "")
	req := f.add("requirement", "requirement", "Statistics Act: releases on time", map[string]any{"type": "legal", "max_rto": "4h", "exercise_months": int64(12), "review_months": int64(12)}, "")
	plan.Fields["requirements"] = []any{req.ID}
	f.add("policy", "policy", "Business continuity policy", map[string]any{"status": "approved", "approved_on": daysAgo(100), "next_review": daysAgo(-265)}, "")
	f.add("function", "function", "Publish statistics", map[string]any{"rto": "4h", "mtd": "1d", "systems": []any{app.ID}, "assessed": daysAgo(90)}, "")
	f.add("training", "training", "Plan walkthrough for ICT", map[string]any{"date": daysAgo(40)}, "")
	f.add("incident", "incident", "Storage fault", map[string]any{"status": "closed", "lessons": "spare disks on site"}, "")
	cred.Fields["custodians"] = []any{"ana", "ben", "chen"}
	secret := f.add("secret", "secret", "db-admin", map[string]any{"credential": cred.ID}, "")
	member := func(h string, roles ...string) roster.Member { return roster.Member{Handle: h, Roles: roles} }
	f.team = &Team{
		Members:   []roster.Member{member("priya", "manager"), member("sam", "manager"), member("ana", "custodian"), member("ben", "custodian"), member("chen", "custodian")},
		Secrets:   []*binder.Secret{{ID: secret.ID, Name: "db-admin", Credential: cred.ID, Generation: 1, Custodians: []string{"ana", "ben", "chen"}, Threshold: 2, Since: daysAgo(30), By: "priya"}},
		Approvals: map[string]binder.PlanApproval{plan.ID: {Plan: plan.ID, By: "priya", At: daysAgo(100), Rev: 1, Current: true, Manager: true}},
	}
	return f
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func rules(rep *Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Rule+" ("+f.Title+"): "+f.Message)
	}
	return out
}

// The fix for a plan's missing section edits that plan's body, naming
// the template that shows the sections; it never adds a new plan.
func TestMissingSectionFixEditsThePlan(t *testing.T) {
	f := healthy(t)
	p := f.ids["plan"]
	p.Body = strings.Replace(p.Body, "## 5.2 Succession of authority", "## 5.2 Something else", 1)
	for _, fd := range CheckWith(f.recs, f.copies, f.team, checkNow).Findings {
		if fd.Rule != "plan.section-missing" {
			continue
		}
		if fd.Fix.Action != binder.ActionEdit || fd.Fix.Record != p.ID || fd.Fix.Field != "body" || fd.Fix.Template != "bcp" {
			t.Fatalf("fix %+v; want an edit of the plan's body naming the bcp template", fd.Fix)
		}
		if !strings.HasPrefix(fd.Message, "a business continuity plan needs 1 section") {
			t.Fatalf("message %q", fd.Message)
		}
		return
	}
	t.Fatal("no plan.section-missing finding")
}

func TestHealthyBinderHasNoFindings(t *testing.T) {
	f := healthy(t)
	rep := CheckWith(f.recs, f.copies, f.team, checkNow)
	if len(rep.Findings) != 0 {
		t.Fatalf("got findings on a healthy binder:\n%s", strings.Join(rules(rep), "\n"))
	}
}

// TestEachRuleTriggers breaks the healthy binder in one way per case and
// expects exactly the rule that way breaks (the healthy binder itself
// triggering none is the case where each rule holds).
func TestEachRuleTriggers(t *testing.T) {
	cases := []struct {
		rule   string
		want   string // in the message
		break_ func(f *fixture)
	}{
		{"plan.none", "no continuity plan", func(f *fixture) { f.drop("plan"); f.drop("exercise") }},
		{"plan.none", "no continuity plan", func(f *fixture) { f.ids["plan"].Fields["status"] = "retired" }},
		{"plan.changed-since-approval", `system "Database VM" (2026-11-20)`, func(f *fixture) { f.ids["db"].Updated, f.ids["db"].Rev = daysAgo(7), 2 }},
		{"plan.not-exercised", "never been exercised", func(f *fixture) { f.ids["exercise"].Fields["date"] = daysAgo(-10) }},
		{"action.incomplete", "has no owner and no due date", func(f *fixture) {
			a := f.ids["exercise"].Fields["actions"].([]map[string]any)[0]
			delete(a, "owner")
			delete(a, "due")
		}},
		{"system.no-owner", "no owner", func(f *fixture) { delete(f.ids["db"].Fields, "owner") }},
		{"runbook.no-activation", "how the need for it is detected, nor who decides", func(f *fixture) {
			delete(f.ids["rb-app"].Fields, "detection")
			delete(f.ids["rb-app"].Fields, "activation")
		}},
		{"runbook.no-activation", "who decides to start it", func(f *fixture) { delete(f.ids["rb-db"].Fields, "activation") }},
		{"team.no-succession", "beyond the lead", func(f *fixture) { f.ids["team"].Fields["succession"] = []any{f.id("lead")} }},
		{"plan.section-missing", "Succession of authority", func(f *fixture) {
			p := f.ids["plan"]
			p.Body = strings.Replace(p.Body, "## 5.2 Succession of authority", "## 5.2 Something else", 1)
		}},
		{"plan.section-empty", "Damage assessment", func(f *fixture) {
			p := f.ids["plan"]
			p.Body = strings.Replace(p.Body, "# 6. Damage assessment\n\nOur own text for this section.", "# 6. Damage assessment\n\n> *Guidance:* assess it.", 1)
		}},
		{"plan.not-approved", "draft", func(f *fixture) { f.ids["plan"].Fields["status"] = "draft" }},
		{"plan.review-overdue", "due for review", func(f *fixture) { f.ids["plan"].Fields["next_review"] = daysAgo(1) }},
		{"plan.review-overdue", "due for review", func(f *fixture) {
			delete(f.ids["plan"].Fields, "next_review")
			f.ids["plan"].Fields["approved_on"] = daysAgo(400)
			f.ids["plan"].Fields["changes"] = []map[string]any{{"date": daysAgo(400), "summary": "first"}}
		}},
		{"plan.no-review-date", "no review date", func(f *fixture) {
			delete(f.ids["plan"].Fields, "next_review")
			delete(f.ids["plan"].Fields, "approved_on")
		}},
		{"plan.no-changes", "no record of changes", func(f *fixture) { delete(f.ids["plan"].Fields, "changes") }},
		{"plan.not-exercised", "last exercised", func(f *fixture) { f.ids["exercise"].Fields["date"] = daysAgo(400) }},
		{"plan.not-exercised", "never been exercised", func(f *fixture) { delete(f.ids["exercise"].Fields, "plans") }},
		{"action.overdue", "update the call tree", func(f *fixture) {
			f.ids["exercise"].Fields["actions"].([]map[string]any)[0]["due"] = daysAgo(5)
		}},
		{"action.overdue", "add a second link", func(f *fixture) {
			f.ids["incident"].Fields["actions"] = []map[string]any{{"action": "add a second link", "owner": f.id("alt"), "due": daysAgo(3), "status": "in-progress"}}
		}},
		{"action.incomplete", "no due date", func(f *fixture) {
			f.add("audit", "audit", "Internal audit", map[string]any{"actions": []map[string]any{{"action": "write the policy down", "owner": f.id("lead")}}}, "")
		}},
		{"action.incomplete", "no owner", func(f *fixture) {
			f.ids["risk"].Fields["actions"] = []map[string]any{{"action": "offline backups", "due": daysAgo(-30)}}
		}},
		{"plan.not-exercised", "never been exercised", func(f *fixture) { f.ids["exercise"].Fields["status"] = "planned" }},
		{"exercise.none-planned", "no exercise of the plan is planned", func(f *fixture) { f.ids["next-exercise"].Fields["date"] = daysAgo(-400) }},
		{"exercise.none-planned", "no exercise of the plan is planned", func(f *fixture) { f.ids["next-exercise"].Fields["status"] = "cancelled" }},
		{"exercise.planned-past", "not recorded as held", func(f *fixture) {
			f.add("missed", "exercise", "Drill that slipped", map[string]any{"status": "planned", "date": daysAgo(3), "plans": []any{f.id("plan")}}, "")
		}},
		{"exercise.no-report", "no after-action report", func(f *fixture) { delete(f.ids["exercise"].Fields, "results") }},
		{"exercise.misdated", "held, but has no date", func(f *fixture) {
			f.add("undated", "exercise", "Walkthrough, date not written", map[string]any{"status": "held", "results": "ok", "plans": []any{f.id("plan")}}, "")
		}},
		{"exercise.misdated", "still to come", func(f *fixture) {
			f.add("early", "exercise", "Drill recorded early", map[string]any{"status": "held", "date": daysAgo(-5), "results": "ok", "plans": []any{f.id("plan")}}, "")
		}},
		{"exercise.misdated", "planned, but has no date", func(f *fixture) {
			f.add("someday", "exercise", "Full-scale, one day", map[string]any{"status": "planned", "plans": []any{f.id("plan")}}, "")
		}},
		{"exercise.no-report", "no after-action report", func(f *fixture) {
			delete(f.ids["exercise"].Fields, "results")
			tpl, _ := binder.Template(binder.AfterActionTemplate)
			f.ids["exercise"].Body = tpl.Body // the template, only guidance
		}},
		{"calltree.dead-end", `"Tomás Herrera" has no alternate`, func(f *fixture) { delete(f.ids["alt"].Fields, "alternates") }},
		{"calltree.unreachable", `never reaches "Tomás Herrera"`, func(f *fixture) {
			f.ids["team"].Fields["call_tree"] = []map[string]any{{"calls": f.id("lead")}}
		}},
		{"site.no-alternate", "no alternate site", func(f *fixture) { delete(f.ids["db"].Fields, "alternate_site") }},
		{"site.no-alternate", "is its primary site", func(f *fixture) { f.ids["db"].Fields["alternate_site"] = f.id("main-site") }},
		{"site.no-alternate", "closer than the 50 km", func(f *fixture) { f.ids["second-site"].Fields["distance_km"] = int64(8) }},
		{"site.no-alternate", "closer than the 200 km", func(f *fixture) { f.ids["settings"].Fields["site_distance_km"] = int64(200) }},
		{"site.no-alternate", "is not recorded", func(f *fixture) { delete(f.ids["second-site"].Fields, "distance_km") }},
		{"site.no-alternate", "primary site is not recorded", func(f *fixture) { delete(f.ids["app"].Fields, "primary_site") }},
		{"site.over-capacity", "takes 2 more when \"Main data centre\" is lost: 3, more than its capacity of 2", func(f *fixture) {
			f.ids["second-site"].Fields["capacity"] = int64(2)
			f.add("web", "system", "Web", map[string]any{"tier": int64(3), "primary_site": f.id("second-site")}, "")
		}},
		{"site.over-capacity", "hosts 2 systems, more than its capacity of 1", func(f *fixture) { f.ids["main-site"].Fields["capacity"] = int64(1) }},
		{"site.over-capacity", "number 2 people, more than its 1 seats", func(f *fixture) { f.ids["second-site"].Fields["seats"] = int64(1) }},
		{"risk.unassessed", "the pandemic scenario", func(f *fixture) {
			var keep []any
			for _, s := range binder.Scenarios {
				if s != "pandemic" {
					keep = append(keep, s)
				}
			}
			f.ids["risk"].Fields["scenarios"] = keep
		}},
		{"risk.unrated", "no likelihood", func(f *fixture) { delete(f.ids["risk"].Fields, "impact") }},
		{"risk.untreated", "residual rating 10 of 25 (high), but it has no treatment", func(f *fixture) { delete(f.ids["risk"].Fields, "treatment") }},
		{"risk.untreated", "no plan that answers it", func(f *fixture) { delete(f.ids["risk"].Fields, "plans") }},
		{"risk.untreated", "residual rating 15", func(f *fixture) {
			delete(f.ids["risk"].Fields, "residual_likelihood")
			delete(f.ids["risk"].Fields, "plans")
		}},
		{"risk.review-overdue", "due for review", func(f *fixture) { f.ids["risk"].Fields["next_review"] = daysAgo(2) }},
		{"risk.review-overdue", "due for review", func(f *fixture) {
			delete(f.ids["risk"].Fields, "next_review")
			f.ids["risk"].Fields["assessed"] = daysAgo(370)
		}},
		{"document.review-overdue", "last reviewed", func(f *fixture) { f.ids["document"].Fields["reviewed"] = daysAgo(400) }},
		{"document.review-overdue", "more than 1 months", func(f *fixture) {
			f.ids["document"].Fields["review_months"] = int64(1)
			f.ids["document"].Fields["reviewed"] = daysAgo(45)
		}},
		{"document.review-overdue", "never reviewed", func(f *fixture) { delete(f.ids["document"].Fields, "reviewed") }},
		{"requirement.not-met", "an RTO of 6h, over its 4h", func(f *fixture) {
			f.ids["db"].Fields["rto"], f.ids["db"].Fields["mtd"] = "6h", "8h"
		}},
		{"requirement.not-met", "exercised every 1 months and was last on", func(f *fixture) { f.ids["requirement"].Fields["exercise_months"] = int64(1) }},
		{"requirement.not-met", "approved again every 3 months", func(f *fixture) { f.ids["requirement"].Fields["review_months"] = int64(3) }},
		{"requirement.not-met", "has no RPO to hold", func(f *fixture) {
			f.ids["requirement"].Fields["max_rpo"] = "1d"
			delete(f.ids["db"].Fields, "rpo")
		}},
		{"requirement.uncovered", "no plan is linked", func(f *fixture) {
			f.add("req2", "requirement", "Data protection law", map[string]any{"type": "legal"}, "")
		}},
		{"plan.no-requirement", "linked to no requirement", func(f *fixture) { delete(f.ids["plan"].Fields, "requirements") }},
		{"policy.none", "not approved", func(f *fixture) { f.ids["policy"].Fields["status"] = "draft" }},
		{"policy.none", "no continuity policy", func(f *fixture) { f.drop("policy") }},
		{"policy.review-overdue", "due for review", func(f *fixture) { f.ids["policy"].Fields["next_review"] = daysAgo(1) }},
		{"contact.no-alternate", "no alternate", func(f *fixture) { delete(f.ids["lead"].Fields, "alternates") }},
		{"contact.no-office-phone", "no office number", func(f *fixture) {
			f.ids["alt"].Fields["phones"] = []map[string]any{{"label": "mobile", "number": "1"}}
		}},
		{"contact.no-other-phone", "outside the office", func(f *fixture) {
			f.ids["alt"].Fields["phones"] = []map[string]any{{"label": "office", "number": "1"}}
		}},
		{"contact.stale", "last verified", func(f *fixture) { f.ids["alt"].Fields["last_verified"] = daysAgo(91) }},
		{"team.no-lead", "no lead", func(f *fixture) { delete(f.ids["team"].Fields, "lead") }},
		{"team.no-alternate-lead", "no alternate lead", func(f *fixture) { delete(f.ids["team"].Fields, "alternate_lead") }},
		{"team.no-succession", "line of succession", func(f *fixture) { delete(f.ids["team"].Fields, "succession") }},
		{"vendor.no-obligation", "not recorded", func(f *fixture) { delete(f.ids["vendor"].Fields, "continuity_obligation") }},
		{"vendor.no-obligation", "does not oblige", func(f *fixture) { f.ids["vendor"].Fields["continuity_obligation"] = false }},
		{"vendor.no-alternate", "no alternate vendor", func(f *fixture) { delete(f.ids["vendor"].Fields, "alternate") }},
		{"system.rto-exceeds-mtd", "RTO 3h exceeds MTD 2h", func(f *fixture) { f.ids["db"].Fields["mtd"] = "2h" }},
		{"system.no-objectives", "no RPO", func(f *fixture) {
			delete(f.ids["db"].Fields, "rpo")
		}},
		{"system.no-runbook", "no recovery runbook", func(f *fixture) { delete(f.ids["app"].Fields, "runbooks") }},
		{"system.no-credential", "no escrowed recovery credential", func(f *fixture) { delete(f.ids["app"].Fields, "credentials") }},
		{"system.backup-exceeds-rpo", "backed up every 2d", func(f *fixture) { f.ids["db"].Fields["backup_interval"] = "2d" }},
		{"system.restore-test-stale", "last tested", func(f *fixture) { f.ids["db"].Fields["last_restore_test"] = daysAgo(400) }},
		{"system.dependency-cycle", "dependency cycle", func(f *fixture) { f.ids["db"].Fields["depends_on"] = []any{f.id("app")} }},
		{"system.dependency-no-runbook", "depends on it", func(f *fixture) {
			f.add("dns", "system", "DNS", map[string]any{"tier": int64(2)}, "")
			f.ids["db"].Fields["depends_on"] = []any{f.id("dns")}
		}},
		{"system.critical-path", "takes 5h30m", func(f *fixture) {
			// The application's own 1h on top of the database's 4h30m.
			f.ids["rb-db"].Fields["steps"].([]map[string]any)[0]["duration"] = "4h"
			f.ids["db"].Fields["rto"] = "6h"
		}},
		{"bia.none", "no business impact analysis", func(f *fixture) { f.drop("function") }},
		{"bia.stale", "more than 24 months", func(f *fixture) { f.ids["function"].Fields["assessed"] = daysAgo(6 * 365) }},
		{"bia.stale", "more than 12 months ago: review it", func(f *fixture) { f.ids["function"].Fields["assessed"] = daysAgo(400) }},
		{"bia.rto-exceeds-mtd", "RTO 4h exceeds MTD 2h", func(f *fixture) { f.ids["function"].Fields["mtd"] = "2h" }},
		{"bia.system-rto", "whose RTO 3h exceeds the function's RTO 2h", func(f *fixture) { f.ids["function"].Fields["rto"] = "2h" }},
		{"runbook.no-steps", "no steps", func(f *fixture) { delete(f.ids["rb-app"].Fields, "steps") }},
		{"runbook.step-no-owner", "step 2 has no owner", func(f *fixture) { delete(f.ids["rb-db"].Fields["steps"].([]map[string]any)[1], "role") }},
		{"runbook.no-verification", "verify", func(f *fixture) { delete(f.ids["rb-app"].Fields["steps"].([]map[string]any)[0], "check") }},
		{"runbook.no-fallback", "fall-back", func(f *fixture) { delete(f.ids["rb-app"].Fields["steps"].([]map[string]any)[0], "fallback") }},
		{"runbook.step-no-duration", "step 2 has no duration", func(f *fixture) { delete(f.ids["rb-db"].Fields["steps"].([]map[string]any)[1], "duration") }},
		{"scenario.uncovered", "social unrest", func(f *fixture) {
			var keep []any
			for _, s := range binder.Scenarios {
				if s != "social-unrest" {
					keep = append(keep, s)
				}
			}
			f.ids["rb-db"].Fields["scenarios"] = keep
		}},
		{"training.none", "more than 12 months ago", func(f *fixture) { f.ids["training"].Fields["date"] = daysAgo(400) }},
		{"training.none", "no training", func(f *fixture) { f.drop("training") }},
		{"incident.no-lessons", "no lessons learned", func(f *fixture) { delete(f.ids["incident"].Fields, "lessons") }},
		{"remote.none", "no remote", func(f *fixture) { f.copies = []OffsiteCopy{} }},
		{"remote.stale", "since 2026-11-19", func(f *fixture) { f.copies[0].LastCopy = daysAgo(8) }},
		{"remote.stale", "has ever received", func(f *fixture) {
			f.copies = append(f.copies, OffsiteCopy{Name: "usb"})
			f.copies[0].LastCopy = time.Time{}
		}},
		{"link.dangling", "does not exist", func(f *fixture) { f.ids["team"].Fields["members"] = []any{f.id("lead"), binder.NewID()} }},
		{"link.wrong-kind", "a vendor", func(f *fixture) { f.ids["team"].Fields["members"] = []any{f.id("lead"), f.id("vendor")} }},
		{"record.invalid", "no field", func(f *fixture) { f.ids["training"].Fields["attendance"] = "12" }},
		{"record.conflict", "unresolved conflict: audience", func(f *fixture) {
			f.ids["training"].Conflicts = []binder.FieldConflict{{Field: "audience", Ours: "ICT", Theirs: "all staff"}}
		}},
		{"team.single-manager", "a single manager", func(f *fixture) { f.team.Members[1].Roles = []string{"custodian"} }},
		{"plan.approval-unsigned", "no manager signed", func(f *fixture) { delete(f.team.Approvals, f.id("plan")) }},
		{"plan.approval-unsigned", "not of its current version", func(f *fixture) {
			a := f.team.Approvals[f.id("plan")]
			a.Current = false
			f.team.Approvals[f.id("plan")] = a
		}},
		{"plan.approval-unsigned", "who is not a manager now", func(f *fixture) {
			a := f.team.Approvals[f.id("plan")]
			a.Manager = false
			f.team.Approvals[f.id("plan")] = a
		}},
		{"escrow.threshold-exceeds-custodians", "needs 4 custodians", func(f *fixture) { f.team.Secrets[0].Threshold = 4 }},
		{"escrow.threshold-exceeds-custodians", "needs 4 custodians to open it, but names 3", func(f *fixture) { f.ids["cred"].Fields["threshold"] = int64(4) }},
		{"escrow.custodian-not-member", "custodian chen of \"db-admin\" is not a member", func(f *fixture) { f.team.Members = f.team.Members[:4] }},
		{"escrow.custodian-not-member", "names dora as custodian", func(f *fixture) { f.ids["cred"].Fields["custodians"] = []any{"ana", "dora"} }},
		{"escrow.rotation", "opened by ana", func(f *fixture) { f.team.Secrets[0].Rotate = []string{"opened by ana on 2026-11-20"} }},
		{"escrow.rotation", "overdue since", func(f *fixture) { f.team.Secrets[0].Rotate = []string{"overdue since 2026-10-01"} }},
		{"system.credential-custodians", "escrowed with 1 custodians", func(f *fixture) { f.team.Secrets[0].Custodians = []string{"ana"}; f.team.Secrets[0].Threshold = 1 }},
		{"system.credential-custodians", "escrowed with 0 custodians", func(f *fixture) { f.team.Secrets = nil }},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.rule] = true
		t.Run(tc.rule+"/"+tc.want, func(t *testing.T) {
			f := healthy(t)
			tc.break_(f)
			rep := CheckWith(f.recs, f.copies, f.team, checkNow)
			found := false
			for _, fd := range rep.Findings {
				if fd.Rule != tc.rule {
					// One way of breaking the binder may break another
					// rule as a consequence; those are listed below.
					if !alsoExpected(tc.rule, fd.Rule) {
						t.Errorf("unexpected %s: %s", fd.Rule, fd.Message)
					}
					continue
				}
				if strings.Contains(fd.Message, tc.want) {
					found = true
				}
				if fd.Fix == nil || fd.Fix.Action == "" || fd.Severity == "" {
					t.Errorf("%s has no fix or severity: %+v", fd.Rule, fd)
				}
			}
			if !found {
				t.Fatalf("got %v; want %s with %q", rules(rep), tc.rule, tc.want)
			}
		})
	}
	for _, r := range Rules {
		if !seen[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}
}

// alsoExpected lists the findings that follow from another.
func alsoExpected(cause, other string) bool {
	follows := map[string][]string{
		"plan.none":               {"risk.untreated", "requirement.uncovered", "link.dangling"},
		"plan.not-exercised":      {"requirement.not-met", "exercise.planned-past"},
		"plan.review-overdue":     {"requirement.not-met"},
		"plan.no-review-date":     {"requirement.not-met"},
		"calltree.dead-end":       {"contact.no-alternate"},
		"requirement.not-met":     {"system.no-objectives"},
		"plan.no-requirement":     {"requirement.uncovered"},
		"system.critical-path":    {"requirement.not-met"},
		"system.dependency-cycle": {"system.critical-path"},
		"link.wrong-kind":         {"contact.no-alternate", "contact.no-office-phone", "contact.no-other-phone", "contact.stale"},
		"link.dangling":           {},
		"system.no-objectives":    {"system.backup-exceeds-rpo"},
		"runbook.no-steps":        {"system.critical-path"},
	}
	for _, o := range follows[cause] {
		if o == other {
			return true
		}
	}
	return false
}

func (f *fixture) drop(name string) {
	r := f.ids[name]
	for i, x := range f.recs {
		if x == r {
			f.recs = append(f.recs[:i], f.recs[i+1:]...)
			break
		}
	}
	delete(f.ids, name)
}

func TestSettingsChangeThePeriods(t *testing.T) {
	f := healthy(t)
	f.ids["alt"].Fields["last_verified"] = daysAgo(40)
	if rep := CheckWith(f.recs, f.copies, f.team, checkNow); len(rep.Findings) != 0 {
		t.Fatalf("default 90 days: got %v", rules(rep))
	}
	f.ids["settings"].Fields["contact_days"] = int64(30)
	rep := CheckWith(f.recs, f.copies, f.team, checkNow)
	if len(rep.Findings) != 1 || rep.Findings[0].Rule != "contact.stale" || rep.Settings.ContactDays != 30 {
		t.Fatalf("contact_days 30: got %v", rules(rep))
	}
}

// Every rule names where it comes from, among the sources listed.
func TestEveryRuleCitesASource(t *testing.T) {
	known := map[string]bool{}
	for _, s := range Sources {
		known[s.ID] = true
	}
	for _, r := range Rules {
		if r.Source == "" {
			t.Errorf("%s cites nothing", r.ID)
		}
		for _, cite := range strings.Split(r.Source, "; ") {
			id, _, _ := strings.Cut(cite, " ")
			if !known[id] {
				t.Errorf("%s cites %q, not among the sources", r.ID, cite)
			}
		}
	}
}

// TestRulesHold changes the healthy binder in ways each rule must let
// pass: the edge of each rule, on the side where it holds.
func TestRulesHold(t *testing.T) {
	cases := []struct {
		rule   string
		name   string
		change func(f *fixture)
	}{
		{"site.no-alternate", "exactly the minimum distance", func(f *fixture) { f.ids["second-site"].Fields["distance_km"] = int64(50) }},
		{"site.no-alternate", "the primary records the distance", func(f *fixture) {
			delete(f.ids["second-site"].Fields, "distance_km")
			delete(f.ids["second-site"].Fields, "backs_up")
			f.ids["main-site"].Fields["backs_up"], f.ids["main-site"].Fields["distance_km"] = f.id("second-site"), int64(90)
		}},
		{"site.no-alternate", "no minimum distance asked", func(f *fixture) {
			f.ids["settings"].Fields["site_distance_km"] = int64(0)
			f.ids["second-site"].Fields["distance_km"] = int64(1)
		}},
		{"site.no-alternate", "a system that is not critical", func(f *fixture) {
			f.add("web", "system", "Web", map[string]any{"tier": int64(2), "primary_site": f.id("main-site")}, "")
		}},
		{"site.over-capacity", "exactly full at failover", func(f *fixture) { f.ids["second-site"].Fields["capacity"] = int64(2) }},
		{"calltree.dead-end", "the team says what to do", func(f *fixture) {
			f.ids["team"].Fields["if_unreachable"] = "call the duty officer on +44 20 7946 0000"
			delete(f.ids["alt"].Fields, "alternates")
		}},
		{"calltree.dead-end", "the row says what to do", func(f *fixture) {
			f.ids["team"].Fields["call_tree"] = []map[string]any{
				{"calls": f.id("alt"), "if_unreachable": "leave a message and text the team channel"},
			}
			delete(f.ids["alt"].Fields, "alternates")
		}},
		{"calltree.unreachable", "an explicit tree reaching everyone", func(f *fixture) {
			f.ids["team"].Fields["call_tree"] = []map[string]any{{"calls": f.id("alt")}}
		}},
		{"risk.untreated", "a low residual risk, untreated", func(f *fixture) {
			f.add("small", "risk", "Printer out of toner", map[string]any{"likelihood": int64(4), "impact": int64(1), "next_review": daysAgo(-30)}, "")
		}},
		{"risk.untreated", "high from 16 in the settings", func(f *fixture) {
			f.ids["settings"].Fields["risk_high"] = int64(16)
			delete(f.ids["risk"].Fields, "treatment")
		}},
		{"risk.unassessed", "a scenario nothing plans for", func(f *fixture) {
			f.ids["rb-db"].Fields["scenarios"] = []any{"hardware-failure"}
			f.ids["risk"].Fields["scenarios"] = []any{"hardware-failure"}
		}},
		{"action.overdue", "a done action past its date", func(f *fixture) {
			f.ids["incident"].Fields["actions"] = []map[string]any{{"action": "x", "owner": f.id("lead"), "due": daysAgo(9), "status": "done"}}
		}},
		{"action.incomplete", "a dropped action with no owner", func(f *fixture) {
			f.ids["incident"].Fields["actions"] = []map[string]any{{"action": "x", "status": "dropped"}}
		}},
		{"exercise.none-planned", "planned 11 months ahead", func(f *fixture) { f.ids["next-exercise"].Fields["date"] = daysAgo(-330) }},
		{"exercise.none-planned", "planned with no status, by its date", func(f *fixture) { delete(f.ids["next-exercise"].Fields, "status") }},
		{"exercise.planned-past", "cancelled after its day", func(f *fixture) {
			f.add("off", "exercise", "Drill called off", map[string]any{"status": "cancelled", "date": daysAgo(3), "plans": []any{f.id("plan")}}, "")
		}},
		{"exercise.no-report", "a report in the body alone", func(f *fixture) {
			delete(f.ids["exercise"].Fields, "results")
			f.ids["exercise"].Body = "# What went well\n\nThe call tree reached everyone in 20 minutes.\n"
		}},
		{"document.review-overdue", "its own longer period", func(f *fixture) {
			f.ids["document"].Fields["reviewed"] = daysAgo(700)
			f.ids["document"].Fields["review_months"] = int64(36)
		}},
		{"requirement.not-met", "RTO exactly the maximum", func(f *fixture) { f.ids["requirement"].Fields["max_rto"] = "3h" }},
		{"policy.none", "a retired policy beside the approved one", func(f *fixture) {
			f.add("old-policy", "policy", "Old policy", map[string]any{"status": "retired"}, "")
		}},
		{"plan.not-exercised", "a held exercise with no status", func(f *fixture) { delete(f.ids["exercise"].Fields, "status") }},
		{"exercise.misdated", "planned with a date to come", func(f *fixture) {
			f.add("soon", "exercise", "Drill next month", map[string]any{"status": "planned", "date": daysAgo(-30), "plans": []any{f.id("plan")}}, "")
		}},
		{"plan.not-exercised", "a value written in another accepted form", func(f *fixture) {
			f.ids["exercise"].Fields["status"] = "Held"
			f.ids["exercise"].Fields["actions"].([]map[string]any)[1]["status"] = "Done"
		}},
		{"action.overdue", "a status written in capitals", func(f *fixture) {
			f.ids["exercise"].Fields["actions"].([]map[string]any)[1]["status"] = "Done"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			f := healthy(t)
			tc.change(f)
			for _, fd := range CheckWith(f.recs, f.copies, f.team, checkNow).Findings {
				if fd.Rule == tc.rule {
					t.Errorf("got %s: %s; want none", fd.Rule, fd.Message)
				}
			}
		})
	}
}

// Every clause a rule cites is in the catalogue, so that a check by
// standard places every finding.
func TestEveryCitedClauseIsCatalogued(t *testing.T) {
	known := map[string]bool{}
	for _, c := range Clauses {
		if known[c.ID] {
			t.Errorf("clause %s listed twice", c.ID)
		}
		known[c.ID] = true
	}
	for _, r := range Rules {
		for _, id := range r.Cites() {
			if !known[id] {
				t.Errorf("%s cites %q, which is not among the clauses", r.ID, id)
			}
		}
	}
	got := Rule{Source: "bcm-policy ¶9a, ¶9b; nist-800-34 app. A (plan approval); audit-finding"}.Cites()
	if want := "bcm-policy ¶9a|bcm-policy ¶9b|nist-800-34 app. A|audit-finding"; strings.Join(got, "|") != want {
		t.Errorf("got %q; want %q", strings.Join(got, "|"), want)
	}
}

func TestByStandard(t *testing.T) {
	f := healthy(t)
	delete(f.ids["risk"].Fields, "treatment") // risk.untreated: bcm-policy ¶5b; iso-22301 8.2.3, 8.3
	by := ByStandard(CheckWith(f.recs, f.copies, f.team, checkNow), nil)
	if len(by) != len(Clauses) {
		t.Fatalf("got %d clauses; want %d", len(by), len(Clauses))
	}
	findings := map[string]int{}
	uncovered := 0
	for _, c := range by {
		findings[c.Clause.ID] = len(c.Findings)
		if len(c.Rules) == 0 {
			uncovered++
		}
	}
	for _, id := range []string{"bcm-policy ¶5b", "iso-22301 8.2.3", "iso-22301 8.3"} {
		if findings[id] != 1 {
			t.Errorf("%s: got %d findings; want 1", id, findings[id])
		}
	}
	if findings["bcm-policy ¶7"] != 0 {
		t.Errorf("bcm-policy ¶7: got %d findings; want 0", findings["bcm-policy ¶7"])
	}
	if uncovered == 0 || uncovered == len(Clauses) {
		t.Errorf("%d clauses have no rule; want some, not all", uncovered)
	}
	// Filtered to the remote rules, the risk clauses are not clear: their
	// finding is counted as left out.
	rep := CheckWith(f.recs, f.copies, f.team, checkNow)
	for _, c := range ByStandard(rep, func(fd Finding) bool { return Keeps(fd, "", []string{"remote"}) }) {
		if c.Clause.ID == "iso-22301 8.2.3" && (c.Clear() || c.Hidden != 1 || len(c.Findings) != 0) {
			t.Errorf("filtered: iso-22301 8.2.3 clear %v, hidden %d, shown %d; want not clear, 1 hidden", c.Clear(), c.Hidden, len(c.Findings))
		}
	}
}

// A business continuity plan's missing section is placed under the
// paragraph of the required contents it stands for, not under all of
// them.
// An exercise held today counts today wherever the check runs: east of
// UTC, the day starts before UTC's.
func TestHeldTodayCountsEastOfUTC(t *testing.T) {
	auckland := time.FixedZone("NZDT", 13*3600)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, auckland) // 2026-11-27 20:00 UTC
	f := healthy(t)
	f.ids["exercise"].Fields["date"] = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	f.ids["exercise"].Fields["status"] = "held"
	for _, fd := range CheckWith(f.recs, f.copies, f.team, now).Findings {
		if fd.Rule == "plan.not-exercised" || fd.Rule == "exercise.misdated" || fd.Rule == "requirement.not-met" {
			t.Errorf("got %s: %s", fd.Rule, fd.Message)
		}
	}
}

func TestSectionFindingsNameTheirClause(t *testing.T) {
	f := healthy(t)
	p := f.ids["plan"]
	p.Body = strings.Replace(p.Body, "# 6. Damage assessment\n\nOur own text for this section.", "# 6. Damage assessment\n\n> *Guidance:* assess it.", 1)
	by := ByStandard(CheckWith(f.recs, f.copies, f.team, checkNow), nil)
	for _, c := range by {
		want := 0
		switch c.Clause.ID {
		case "bcm-policy ¶5", "bcm-policy ¶5f", "nist-800-34 app. A", "iso-22301 8.4":
			want = 1
		}
		if len(c.Findings) != want {
			t.Errorf("%s: %d findings; want %d", c.Clause.ID, len(c.Findings), want)
		}
	}
}
