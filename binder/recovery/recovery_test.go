package recovery

import (
	"strings"
	"testing"

	"gobag/binder"
)

type systems struct {
	recs []*binder.Record
	by   map[string]*binder.Record
}

func (s *systems) add(name, kind, title string, fields map[string]any) *binder.Record {
	r := &binder.Record{ID: binder.NewID(), Kind: kind, Title: title, Rev: 1, Fields: fields}
	if err := r.Validate(); err != nil {
		panic(err)
	}
	s.recs = append(s.recs, r)
	s.by[name] = r
	return r
}

func TestOrder(t *testing.T) {
	s := &systems{by: map[string]*binder.Record{}}
	rbDB := s.add("rb-db", "runbook", "Restore the database", map[string]any{"steps": []map[string]any{
		{"role": "DBA", "do": "restore", "duration": "1h"}, {"role": "ICT", "do": "smoke tests", "duration": "30m"}}})
	rbApp := s.add("rb-app", "runbook", "Rebuild the application VM", map[string]any{"steps": []map[string]any{{"role": "ops", "do": "restore the VM", "duration": "1h"}}})
	net := s.add("net", "system", "Core network", map[string]any{"tier": int64(1), "rto": "1h"})
	db := s.add("db", "system", "Database VM", map[string]any{"tier": int64(1), "rto": "3h", "runbooks": []any{rbDB.ID}, "depends_on": []any{net.ID}})
	app := s.add("app", "system", "Application VM", map[string]any{"tier": int64(1), "rto": "3h", "runbooks": []any{rbApp.ID}, "depends_on": []any{db.ID}})
	s.add("stage", "system", "Staging VM", map[string]any{"tier": int64(3)})
	plan := Order(s.recs)
	var order []string
	for _, st := range plan.Steps {
		order = append(order, st.Title)
	}
	if got, want := strings.Join(order, ", "), "Core network, Database VM, Application VM, Staging VM"; got != want {
		t.Fatalf("order: got %s; want %s", got, want)
	}
	step := plan.Steps[2]
	// Network has no runbook (0, unknown); database 1h30m; application 1h.
	if step.CriticalPath != "2h30m" || step.RTOMet == nil || !*step.RTOMet || !step.Unknown {
		t.Fatalf("application step: %+v", step)
	}
	if strings.Join(step.Path, " → ") != "Core network → Database VM → Application VM" {
		t.Fatalf("path: %v", step.Path)
	}
	if len(plan.Cycles) != 0 {
		t.Fatalf("cycles: %v", plan.Cycles)
	}
	// A slower database misses the application's RTO.
	db.Fields["rto"] = "6h"
	rbDB.Fields["steps"].([]map[string]any)[0]["duration"] = "4h"
	plan = Order(s.recs)
	if st := plan.Steps[2]; st.CriticalPath != "5h30m" || st.RTOMet == nil || *st.RTOMet {
		t.Fatalf("slow database: %+v", st)
	}
	net.Fields["depends_on"] = []any{app.ID}
	plan = Order(s.recs)
	if len(plan.Cycles) != 1 || len(plan.Cycles[0]) != 3 || len(plan.Steps) != 4 {
		t.Fatalf("cycle: %+v", plan)
	}
	for _, st := range plan.Steps {
		if st.Cycle != (st.Title != "Staging VM") {
			t.Errorf("%s: cycle %v", st.Title, st.Cycle)
		}
	}
}
