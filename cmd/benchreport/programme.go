package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gobag/binder"
)

// The continuity programme: the commands that read it across a binder
// whose records are mostly the programme's kinds, linked as a real
// programme links them.

const (
	programmeHeading = "## The continuity programme"
	// programmeRecords is the size of the generated programme binder.
	programmeRecords = 10000
	// hostileTreeRows is the length of a call tree near the size limit of
	// one record, as a careless or hostile peer may sync in.
	hostileTreeRows = 10000
)

// programmeFixture makes n records: contacts, teams with call trees,
// plans, systems on sites, exercises held and planned with actions,
// risks with treatment plans, requirements, documents, audits, incidents
// and a policy, each linked by @ref within the one import.
func programmeFixture(n int, now time.Time) []*binder.Record {
	rng := rand.New(rand.NewPCG(uint64(n), 13))
	var out []*binder.Record
	add := func(kind, ref, title string, fields map[string]any) {
		out = append(out, &binder.Record{Kind: kind, Ref: ref, Title: title, Fields: fields})
	}
	day := func(days int) string { return now.AddDate(0, 0, days).Format("2006-01-02") }
	share := func(per int) int { return n * per / 100 }
	contacts, teams, plans, systems, sites := share(40), share(3), share(5), share(15), max(2, share(1)/2)
	for i := range contacts {
		f := map[string]any{"phones": []map[string]any{{"label": "office", "number": fmt.Sprintf("+44 20 7946 %04d", i%10000)}, {"label": "mobile", "number": fmt.Sprintf("+44 7700 9%05d", i)}},
			"last_verified": day(-rng.IntN(200)), "escalation": int64(1 + i%20)}
		if i%5 != 0 {
			f["alternates"] = []any{fmt.Sprintf("@c%d", (i+1)%contacts)}
		}
		add("contact", fmt.Sprintf("c%d", i), fmt.Sprintf("Contact %d", i), f)
	}
	for i := range teams {
		var members []any
		var tree []map[string]any
		for j := range 12 {
			c := fmt.Sprintf("@c%d", (i*12+j)%contacts)
			members = append(members, c)
			caller := ""
			if j > 2 {
				caller = fmt.Sprintf("@c%d", (i*12+j/3)%contacts)
			}
			row := map[string]any{"calls": c}
			if caller != "" {
				row["caller"] = caller
			}
			tree = append(tree, row)
		}
		f := map[string]any{"lead": members[0], "alternate_lead": members[1], "members": members, "activation_authority": members[2],
			"succession": []any{members[3]}, "if_unreachable": "call the duty officer"}
		if i%2 == 0 {
			f["call_tree"] = tree
		}
		add("team", fmt.Sprintf("t%d", i), fmt.Sprintf("Team %d", i), f)
	}
	for i := range sites {
		f := map[string]any{"role": "primary", "capacity": int64(systems)}
		if i%2 == 1 {
			f = map[string]any{"role": "alternate", "readiness": "warm", "backs_up": fmt.Sprintf("@s%d", i-1), "distance_km": int64(20 + rng.IntN(200)), "capacity": int64(systems / sites * 2)}
		}
		add("site", fmt.Sprintf("s%d", i), fmt.Sprintf("Site %d", i), f)
	}
	for i := range systems {
		p := (i % (sites / 2)) * 2
		add("system", fmt.Sprintf("y%d", i), fmt.Sprintf("System %d", i), map[string]any{"tier": int64(1 + i%4), "rto": fmt.Sprintf("%dh", 1+i%24),
			"rpo": "24h", "primary_site": fmt.Sprintf("@s%d", p), "alternate_site": fmt.Sprintf("@s%d", p+1)})
	}
	reqs := max(1, share(1)/2)
	for i := range reqs {
		add("requirement", fmt.Sprintf("q%d", i), fmt.Sprintf("Requirement %d", i), map[string]any{"type": "regulatory", "max_rto": "12h", "exercise_months": int64(12)})
	}
	for i := range plans {
		add("plan", fmt.Sprintf("p%d", i), fmt.Sprintf("Plan %d", i), map[string]any{"type": "drp", "status": "draft",
			"teams": []any{fmt.Sprintf("@t%d", i%teams), fmt.Sprintf("@t%d", (i+1)%teams)}, "scenarios": []any{"hardware-failure"},
			"systems": []any{fmt.Sprintf("@y%d", i%systems), fmt.Sprintf("@y%d", (i*7)%systems)}, "requirements": []any{fmt.Sprintf("@q%d", i%reqs)}})
	}
	actions := func(k int) []map[string]any {
		var rows []map[string]any
		for j := range k {
			rows = append(rows, map[string]any{"action": fmt.Sprintf("Action %d", j), "owner": fmt.Sprintf("@c%d", rng.IntN(contacts)),
				"due": day(rng.IntN(400) - 200), "status": []string{"open", "in-progress", "done"}[rng.IntN(3)]})
		}
		return rows
	}
	rest := n - len(out)
	for i := range rest {
		switch i % 10 {
		case 0, 1, 2, 3:
			status := "held"
			if i%3 == 0 {
				status = "planned"
			}
			add("exercise", "", fmt.Sprintf("Exercise %d", i), map[string]any{"type": "tabletop", "status": status, "date": day(rng.IntN(730) - 365),
				"plans": []any{fmt.Sprintf("@p%d", i%plans)}, "results": "went well", "actions": actions(2)})
		case 4, 5, 6:
			add("risk", "", fmt.Sprintf("Risk %d", i), map[string]any{"scenarios": []any{"hardware-failure"}, "likelihood": int64(1 + rng.IntN(5)),
				"impact": int64(1 + rng.IntN(5)), "treatment": "reduce", "plans": []any{fmt.Sprintf("@p%d", i%plans)}, "next_review": day(rng.IntN(400) - 100),
				"actions": actions(1)})
		case 7, 8:
			add("document", "", fmt.Sprintf("Document %d", i), map[string]any{"type": "diagram", "location": "https://wiki.example/d", "reviewed": day(-rng.IntN(700))})
		case 9:
			if i%20 == 9 {
				add("audit", "", fmt.Sprintf("Audit %d", i), map[string]any{"date": day(-rng.IntN(365)), "actions": actions(3)})
			} else {
				add("incident", "", fmt.Sprintf("Incident %d", i), map[string]any{"status": "closed", "lessons": "noted", "actions": actions(2)})
			}
		}
	}
	out[len(out)-1] = &binder.Record{Kind: "policy", Title: "Business continuity policy", Fields: map[string]any{"status": "approved", "approved_on": day(-100)}}
	return out
}

type programmeResult struct {
	figs []figure
}

// measureProgramme times the programme's commands, whole process, on a
// binder of programmeRecords records, and the call tree of a team whose
// call_tree has hostileTreeRows rows.
func (r *report) measureProgramme(ctx context.Context) error {
	res := &programmeResult{}
	r.programme = res
	id, idPath, err := newIdentity(r.work, "programme")
	if err != nil {
		return err
	}
	dir := filepath.Join(r.work, "programme")
	b, err := binder.Create(ctx, dir, id, "Programme Office")
	if err != nil {
		return err
	}
	recs := programmeFixture(programmeRecords, time.Now())
	var rows []map[string]any
	for i := range hostileTreeRows {
		rows = append(rows, map[string]any{"caller": fmt.Sprintf("@c%d", i%4000), "calls": fmt.Sprintf("@c%d", (i*7+1)%4000)})
	}
	recs = append(recs, &binder.Record{Kind: "team", Title: "Everyone", Fields: map[string]any{"lead": "@c0", "call_tree": rows}})
	if _, err := b.Import(ctx, recs); err != nil {
		b.Close()
		return err
	}
	if _, err := b.Pack(ctx, true, nil); err != nil {
		b.Close()
		return err
	}
	b.Close()
	env := []string{"GOBAG_IDENTITY=" + idPath, "GOBAG_BINDER=" + dir}
	for _, m := range []struct {
		what string
		k    int
		args []string
	}{
		{"`gobag check --json`", 5, []string{"check", "--json"}},
		{"`gobag check --by-standard`", 5, []string{"check", "--by-standard"}},
		{"`gobag actions --open --json`", 5, []string{"actions", "--open", "--json"}},
		{"`gobag programme --json`", 5, []string{"programme", "--json"}},
		{"`gobag risks --json`", 5, []string{"risks", "--json"}},
		{"`gobag call-tree --json`: every team's tree", 5, []string{"call-tree", "--json"}},
		{fmt.Sprintf("`gobag call-tree Everyone`: one tree of %d rows", hostileTreeRows), 5, []string{"call-tree", "Everyone"}},
	} {
		f, err := r.procFigure(m.what, m.k, env, r.gobag, m.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", strings.Join(m.args, " "), err)
		}
		res.figs = append(res.figs, f)
	}
	return nil
}

// programmeMarkdown is the report's section on the programme.
func (r *report) programmeMarkdown() string {
	var b strings.Builder
	b.WriteString(programmeHeading + "\n\n")
	fmt.Fprintf(&b, "Whole processes on a binder of %d records in the shape of a programme:\n", programmeRecords+1)
	b.WriteString("40% contacts with alternates, teams with call trees, plans, systems on\n")
	b.WriteString("primary and alternate sites, exercises held and planned, risks, documents,\n")
	b.WriteString("audits and incidents, about 9,000 action items in all; and one team whose\n")
	fmt.Fprintf(&b, "call tree has %d rows (a record near its size limit), as a careless or hostile\npeer may sync in.\n\n", hostileTreeRows)
	runsTable(&b, r.programme.figs)
	return b.String()
}

// runProgramme measures only the programme and puts its section into the
// report at out, leaving the rest as it is.
func runProgramme(ctx context.Context, r *report, out string) error {
	old, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("%s: the programme part updates an existing report: %w", out, err)
	}
	fmt.Fprintln(os.Stderr, "== the continuity programme")
	if err := r.measureProgramme(ctx); err != nil {
		return fmt.Errorf("programme: %w", err)
	}
	if err := os.WriteFile(out, []byte(spliceSection(string(old), programmeHeading, r.programmeMarkdown())), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "updated %s in %s\n", out, time.Since(r.started).Round(time.Second))
	return nil
}
