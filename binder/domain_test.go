package binder

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestFieldsAreValidatedAndNormalised(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	r, err := b.Add(ctx, &Record{Kind: "system", Title: "Database VM", Fields: map[string]any{
		"tier": "1", "rto": "180m", "last_restore_test": "2026-05-01", "environment": int64(2), "x-asset-tag": "A-17",
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields["tier"] != int64(1) || got.Fields["rto"] != "3h" || got.Fields["environment"] != "2" || got.Fields["x-asset-tag"] != "A-17" {
		t.Fatalf("fields %v", got.Fields)
	}
	if d, ok := got.Fields["last_restore_test"].(time.Time); !ok || d.Format("2006-01-02") != "2026-05-01" {
		t.Fatalf("date %v (%T)", got.Fields["last_restore_test"], got.Fields["last_restore_test"])
	}
	text, _ := got.Marshal()
	if !strings.Contains(string(text), "last_restore_test = 2026-05-01\n") {
		t.Fatalf("a date is written as a TOML date:\n%s", text)
	}
	for _, tc := range []struct {
		kind   string
		fields map[string]any
		want   string // in the error
		hint   string // in the hint
	}{
		{"system", map[string]any{"rtoo": "3h"}, `system: no field "rtoo"`, "rto"},
		{"system", map[string]any{"rto": "soon"}, "system field rto", "duration"},
		{"system", map[string]any{"tier": "high"}, "want a whole number", "criticality"},
		{"system", map[string]any{"tier": int64(7)}, "from 1 to 4, got 7", "criticality"},
		{"function", map[string]any{"impacts": []map[string]any{{"after": "4h", "rating": int64(9)}}}, "from 1 to 5, got 9", "impacts"},
		{"contact", map[string]any{"phones": []map[string]any{{"label": "desk", "number": "1"}}}, `"desk" is not one of`, "label"},
		{"contact", map[string]any{"phones": []map[string]any{{"label": "office"}}}, "row 1 has no number", "phones"},
		{"contact", map[string]any{"last_verified": "last week"}, "want a date", "last_verified"},
		{"plan", map[string]any{"type": "strategy"}, "not one of bcp, drp", "bcp"},
		{"runbook", map[string]any{"scenarios": []any{"meteor"}}, `"meteor" is not one of`, "scenarios"},
		{"team", map[string]any{"lead": "x"}, "is not a record id", "lead"},
	} {
		_, err := b.Add(ctx, &Record{Kind: tc.kind, Title: "T", Fields: tc.fields})
		if KindOf(err) != Invalid || !strings.Contains(err.Error(), tc.want) || !strings.Contains(HintOf(err), tc.hint) {
			t.Errorf("%s %v: got %v (hint %q); want Invalid with %q, hint with %q", tc.kind, tc.fields, err, HintOf(err), tc.want, tc.hint)
		}
	}
	// Friendly input: a unique start of a value, spaces for dashes, aliases.
	rb, err := b.Add(ctx, &Record{Kind: "runbook", Title: "R", Fields: map[string]any{"scenarios": []any{"hardware", "Power Failure", "ransomware"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rb.Fields["scenarios"]); got != "[hardware-failure power-failure cyber-attack]" {
		t.Fatalf("scenarios %s", got)
	}
}

func TestLinks(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	recs, err := b.Import(ctx, []*Record{
		{Ref: "priya", Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"alternates": []any{"@tomas"}}},
		{Ref: "tomas", Kind: "contact", Title: "Tomás Herrera"},
		{Ref: "acme", Kind: "vendor", Title: "Acme Hosting"},
		{Kind: "team", Title: "DR team", Fields: map[string]any{"lead": "@priya", "members": []any{"@priya", "@tomas"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	priya, tomas, acme, team := recs[0], recs[1], recs[2], recs[3]
	if priya.Fields["alternates"].([]any)[0] != tomas.ID || team.Fields["lead"] != priya.ID {
		t.Fatalf("refs not resolved: %v %v", priya.Fields, team.Fields)
	}
	// A prefix resolves; a link to the wrong kind, an unknown id or an
	// unknown ref is refused.
	team.Fields["alternate_lead"] = tomas.ID[:6]
	team, err = b.Update(ctx, team)
	if err != nil || team.Fields["alternate_lead"] != tomas.ID {
		t.Fatalf("prefix: %v %v", team.Fields["alternate_lead"], err)
	}
	for _, bad := range []any{acme.ID, NewID(), "@nobody", "zzzz"} {
		team.Fields["alternate_lead"] = bad
		if _, err := b.Update(ctx, team); KindOf(err) != Invalid {
			t.Errorf("alternate_lead = %v: got %v; want Invalid", bad, err)
		}
	}
	to, from, err := b.Links(ctx, tomas.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(to) != 0 || len(from) != 3 {
		t.Fatalf("tomas: to %v from %v", to, from)
	}
	fields := map[string]bool{}
	for _, l := range from {
		fields[l.Kind+" "+l.Field] = true
	}
	if !fields["contact alternates"] || !fields["team members"] || !fields["team alternate_lead"] {
		t.Fatalf("linked from: %v", from)
	}
	// Delete the target: the link dangles, is shown as missing, and an
	// edit of the linking record that keeps it still saves.
	if err := b.Delete(ctx, tomas.ID); err != nil {
		t.Fatal(err)
	}
	to, _, _ = b.Links(ctx, priya.ID)
	if len(to) != 1 || !to[0].Missing || to[0].Field != "alternates" {
		t.Fatalf("dangling: %+v", to)
	}
	priya, _ = b.Get(ctx, priya.ID)
	priya.Body = "Head of ICT."
	if _, err := b.Update(ctx, priya); err != nil {
		t.Fatalf("edit keeping a dangling link: %v", err)
	}
	// Backlinks follow edits and survive a rebuild of the index.
	team.Fields["members"] = []any{priya.ID}
	delete(team.Fields, "alternate_lead")
	if _, err := b.Update(ctx, team); err != nil {
		t.Fatal(err)
	}
	for _, state := range []string{"after edits", "after a rebuild"} {
		if state == "after a rebuild" {
			b = reopenFromGit(t, b)
		}
		_, from, _ = b.Links(ctx, priya.ID)
		if len(from) != 2 || from[0].Field != "lead" || from[1].Field != "members" {
			t.Fatalf("priya %s: %+v", state, from)
		}
	}
}

func TestAppendOnlyTimeline(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	inc, err := b.Add(ctx, &Record{Kind: "incident", Title: "Power cut", Fields: map[string]any{"status": "open"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := b.Add(ctx, &Record{Kind: "timeline", Title: "Generator started", Fields: map[string]any{"incident": inc.ID, "at": "2026-11-27T10:05:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	e.Title = "Generator started late"
	if _, err := b.Update(ctx, e); KindOf(err) != Invalid || !strings.Contains(err.Error(), "never changed") {
		t.Fatalf("edit: got %v", err)
	}
	if err := b.Delete(ctx, e.ID); KindOf(err) != Invalid {
		t.Fatalf("delete: got %v", err)
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	_, err := b.Import(ctx, []*Record{
		{Kind: "contact", Title: "Tomás Herrera", Fields: map[string]any{"roles": []any{"database administrator"},
			"phones": []map[string]any{{"label": "mobile", "number": "+44 7700 900123"}}}},
		{Kind: "runbook", Title: "Restore the database", Body: "The database administrator restores the dump."},
		{Kind: "system", Title: "Document database", Fields: map[string]any{"description": "stores the releases"}},
		{Kind: "note", Title: "Lunch", Body: "Nothing about it."},
	})
	if err != nil {
		t.Fatal(err)
	}
	titles := func(q, kind string) string {
		hits, err := b.Search(ctx, q, kind, 0)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Title)
		}
		return strings.Join(out, "; ")
	}
	queries := []struct{ q, kind, want string }{
		{"tomas", "", "Tomás Herrera"},       // accents folded
		{"TOMÁS herr", "", "Tomás Herrera"},  // case, and a prefix for the last word
		{"900123", "", "Tomás Herrera"},      // part of a number
		{"7700900123", "", "Tomás Herrera"},  // the number run together
		{"07700900123", "", "Tomás Herrera"}, // with a trunk prefix
		{"+44 7700 900123", "", "Tomás Herrera"},
		{"database", "", "Restore the database; Document database; Tomás Herrera"}, // title and body, title, field
		{"database administrator", "", "Tomás Herrera; Restore the database"},
		{"database admin", "", "Tomás Herrera; Restore the database"},
		{"database", "runbook", "Restore the database"},
		{"database lunch", "", ""},
		{"zebra", "", ""},
	}
	run := func(state string) {
		for _, tc := range queries {
			if got := titles(tc.q, tc.kind); got != tc.want {
				t.Errorf("%s: search %q (kind %q): got %q; want %q", state, tc.q, tc.kind, got, tc.want)
			}
		}
	}
	// Freshly saved: every word is a change since the (empty) base.
	run("changes only")
	// Packing builds a base from every record.
	if err := b.compactSearch(ctx, true); err != nil {
		t.Fatal(err)
	}
	run("base only")
	// Edits on top of a base: the base entry goes stale, the change counts.
	list, _ := b.List(ctx, "system")
	sys, err := b.Get(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	sys.Title = "Document store"
	sys.Body = "The database of releases."
	if _, err := b.Update(ctx, sys); err != nil {
		t.Fatal(err)
	}
	queries[6].want = "Restore the database; Tomás Herrera; Document store"
	queries[9].want = "Restore the database"
	run("base and changes")
	if err := b.compactSearch(ctx, true); err != nil {
		t.Fatal(err)
	}
	run("new base")
	hits, _ := b.Search(ctx, "dump", "", 0)
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "restores the dump") {
		t.Fatalf("snippet: %+v", hits)
	}
	if _, err := b.Search(ctx, "a", "", 0); KindOf(err) != Invalid {
		t.Fatalf("empty query: got %v", err)
	}
	// Deletes leave no stale postings; a rebuild finds the same.
	list, _ = b.List(ctx, "note")
	b.Delete(ctx, list[0].ID)
	if got := titles("lunch", ""); got != "" {
		t.Fatalf("deleted record found: %q", got)
	}
	b = reopenFromGit(t, b)
	if got := titles("tomas", ""); got != "Tomás Herrera" {
		t.Fatalf("after rebuild: %q", got)
	}
}

func TestPlanTemplates(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	for _, typ := range PlanTypes {
		tpl, err := Template(typ)
		if err != nil {
			t.Fatalf("plan type %s has no template: %v", typ, err)
		}
		p, err := b.Add(ctx, tpl)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		// Fresh from the template: every required section there, each
		// holding only guidance.
		have := map[string]Section{}
		for _, s := range ParseSections(p.Body) {
			have[SectionKey(s.Title)] = s
		}
		req := RequiredSections(typ)
		if len(req) < 8 {
			t.Errorf("%s template has %d sections", typ, len(req))
		}
		for _, s := range req {
			got, ok := have[SectionKey(s.Title)]
			if !ok || !got.Empty {
				t.Errorf("%s: section %q missing or not empty in a new plan", typ, s.Title)
			}
		}
	}
	if _, err := Template("bogus"); KindOf(err) != Invalid {
		t.Fatalf("bogus template: %v", err)
	}
}

// A moment given as a time of day alone is today's, local time.
func TestMomentTimeOfDay(t *testing.T) {
	defer func(c func() time.Time) { clock = c }(clock)
	clock = func() time.Time { return time.Date(2026, 11, 27, 9, 15, 0, 0, time.Local) }
	r := &Record{Kind: "timeline", Title: "power back", Fields: map[string]any{"at": "08:40"}}
	if err := r.Validate(); err != nil {
		t.Fatalf("08:40: %v", err)
	}
	at, ok := r.Date("at")
	if want := time.Date(2026, 11, 27, 8, 40, 0, 0, time.Local); !ok || !at.Equal(want) {
		t.Fatalf("08:40 became %v; want %v", at, want)
	}
	for _, bad := range []string{"25:00", "8h40", "yesterday"} {
		r := &Record{Kind: "timeline", Title: "x", Fields: map[string]any{"at": bad}}
		if err := r.Validate(); KindOf(err) != Invalid {
			t.Errorf("%q: got %v; want Invalid", bad, err)
		}
	}
}

// A plan links the plans it calls on (a BCP its DRP and IRP), and only
// plans.
func TestPlansLinkRelatedPlans(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	drp, err := b.Add(ctx, &Record{Kind: "plan", Title: "DRP", Fields: map[string]any{"type": "drp"}})
	if err != nil {
		t.Fatal(err)
	}
	irp, err := b.Add(ctx, &Record{Kind: "plan", Title: "IRP", Fields: map[string]any{"type": "irp"}})
	if err != nil {
		t.Fatal(err)
	}
	bcp, err := b.Add(ctx, &Record{Kind: "plan", Title: "BCP", Fields: map[string]any{"type": "bcp", "related_plans": []any{drp.ID[:8], irp.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := bcp.Links("related_plans"); len(got) != 2 || got[0] != drp.ID || got[1] != irp.ID {
		t.Fatalf("related plans %v", got)
	}
	_, from, err := b.Links(ctx, drp.ID)
	if err != nil || len(from) != 1 || from[0].ID != bcp.ID || from[0].Field != "related_plans" {
		t.Fatalf("the DRP is linked from %+v (%v); want the BCP", from, err)
	}
	c, err := b.Add(ctx, &Record{Kind: "contact", Title: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Add(ctx, &Record{Kind: "plan", Title: "Bad", Fields: map[string]any{"related_plans": []any{c.ID}}}); KindOf(err) != Invalid {
		t.Fatalf("a contact as a related plan: %v", err)
	}
}

// A save of many records (an import) is written in one pack and its
// words go straight into a rebuilt search base: every record is found,
// and edits and deletes after it are searched as usual.
func TestBulkSaveIsSearchable(t *testing.T) {
	b, _ := newTestBinder(t)
	ctx := context.Background()
	var recs []*Record
	for i := range bulkSave + 10 {
		recs = append(recs, &Record{Kind: "contact", Title: fmt.Sprintf("Imported person %d", i), Body: fmt.Sprintf("marker%dword", i)})
	}
	saved, err := b.Import(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.changedSinceBase(); n != 0 {
		t.Fatalf("%d changes since the search base after a bulk save; want a fresh base", n)
	}
	for _, i := range []int{0, 37, bulkSave + 9} {
		hits, err := b.Search(ctx, fmt.Sprintf("marker%dword", i), "", 0)
		if err != nil || len(hits) != 1 || hits[0].ID != saved[i].ID {
			t.Fatalf("search for record %d: %v %v", i, hits, err)
		}
	}
	ed := saved[5].Clone()
	ed.Body = "changedafterimport"
	if _, err := b.Update(ctx, ed); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, saved[6].ID); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"changedafterimport": 1, "marker5word": 0, "marker6word": 0, "imported person": bulkSave + 9} {
		hits, err := b.Search(ctx, q, "", 1000)
		if err != nil || len(hits) != want {
			t.Errorf("search %q: %d hits, %v; want %d", q, len(hits), err, want)
		}
	}
}

// A bulk save stopped between its index commit and the search base's
// rebuild (the process killed) leaves the base marked stale: the next
// search rebuilds it and finds the records.
func TestStaleSearchBaseIsRebuilt(t *testing.T) {
	b, _ := newTestBinder(t)
	ctx := context.Background()
	if _, err := b.Add(ctx, &Record{Kind: "contact", Title: "Before the import"}); err != nil {
		t.Fatal(err)
	}
	x := b.newIndexer(false)
	x.bulk = true
	r := &Record{ID: NewID(), Kind: "contact", Title: "Saved without its words", Rev: 1}
	if err := x.put(r); err != nil {
		t.Fatal(err)
	}
	if err := x.commit(b.tip); err != nil {
		t.Fatal(err)
	}
	hits, err := b.Search(ctx, "without its words", "", 0)
	if err != nil || len(hits) != 1 || hits[0].ID != r.ID {
		t.Fatalf("search after a stopped bulk save: %v %v", hits, err)
	}
	if n := b.changedSinceBase(); n != 0 {
		t.Errorf("the base is still marked stale: %d", n)
	}
}

// One save holds at most MaxSaveRecords records: its commit message names
// each, and must stay a commit every copy can read.
func TestSaveIsBounded(t *testing.T) {
	b, _ := newTestBinder(t)
	recs := make([]*Record, MaxSaveRecords+1)
	for i := range recs {
		recs[i] = &Record{Kind: "contact", Title: "x"}
	}
	tip := b.Tip()
	if _, err := b.Import(context.Background(), recs); KindOf(err) != Invalid || !strings.Contains(HintOf(err), "split") {
		t.Fatalf("a save of %d records: %v", len(recs), err)
	}
	if b.Tip() != tip {
		t.Fatal("something was saved")
	}
}

// Entries logged in the same second keep the order they were logged in:
// by x-seq where the app set one, else by when they were saved.
func TestTimelineOrdersOneSecond(t *testing.T) {
	b, _ := newTestBinder(t)
	ctx := context.Background()
	inc, err := b.Add(ctx, &Record{Kind: "incident", Title: "Outage"})
	if err != nil {
		t.Fatal(err)
	}
	at := "2026-11-27T10:00:00Z"
	for _, e := range []struct {
		text string
		seq  int64
	}{{"third", 3}, {"first", 1}, {"second", 2}} {
		if _, err := b.Add(ctx, &Record{Kind: "timeline", Title: e.text, Fields: map[string]any{"incident": inc.ID, "at": at, "x-seq": e.seq}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Add(ctx, &Record{Kind: "timeline", Title: "fourth", Fields: map[string]any{"incident": inc.ID, "at": at}}); err != nil {
		t.Fatal(err)
	}
	entries, err := b.Timeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Text)
	}
	if strings.Join(got, ",") != "first,second,third,fourth" {
		t.Fatalf("got %v; want first, second, third (by x-seq), then fourth (none)", got)
	}
}

// RecordsOf decodes the records of the kinds asked for only; Titled gives
// their summaries as records.
func TestRecordsOfKinds(t *testing.T) {
	b, _ := newTestBinder(t)
	ctx := context.Background()
	for _, r := range []*Record{{Kind: "risk", Title: "Flood"}, {Kind: "risk", Title: "Fire"}, {Kind: "contact", Title: "Ana"}, {Kind: "plan", Title: "BCP"}} {
		if _, err := b.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.RecordsOf(ctx, "risk", "plan")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range got {
		kinds[r.Kind]++
	}
	if len(got) != 3 || kinds["risk"] != 2 || kinds["plan"] != 1 {
		t.Fatalf("got %v; want 2 risks and a plan", kinds)
	}
	titled, err := b.Titled(ctx, "contact")
	if err != nil || len(titled) != 1 || titled[0].Title != "Ana" || titled[0].ID == "" {
		t.Fatalf("titled: %v, %v", titled, err)
	}
	if _, err := b.RecordsOf(ctx, "nonsense"); err == nil {
		t.Fatal("an unknown kind was listed")
	}
}
