package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// recoveryOf opens the recovery order and waits for it.
func recoveryOf(t *testing.T, u *App) *recoveryOrder {
	t.Helper()
	r, ok := u.shell.goTo("recovery").(*recoveryOrder)
	if !ok {
		t.Fatalf("recovery screen is %T", u.shell.screens["recovery"])
	}
	u.tasks.wait()
	if r.plan == nil {
		t.Fatalf("no plan: %q", r.summary.Text)
	}
	return r
}

// A system whose critical path is longer than its RTO is flagged in red
// in the table and the picture; a cycle is reported.
func TestRecoveryOrderFlagsAMissedRTO(t *testing.T) {
	var slow string
	u := openApp(t, demoBinder(t, func(recs []*binder.Record) {
		app := recordByRef(recs, "system-prod-app")
		app.Fields["rto"] = "10m"
		slow = app.Title
		// The staging systems need each other: a cycle.
		recordByRef(recs, "system-staging-db").Fields["depends_on"] = []any{"@system-staging-app"}
	}))
	r := recoveryOf(t, u)
	row := -1
	for i, s := range r.plan.Steps {
		if s.Title == slow {
			row = i
		}
	}
	if row < 0 {
		t.Fatalf("%q not in the order", slow)
	}
	cell := r.table.CreateCell().(*widget.Label)
	r.table.UpdateCell(widget.TableCellID{Row: row, Col: 6}, cell)
	if !strings.HasPrefix(cell.Text, "no, misses it") || cell.Importance != widget.DangerImportance {
		t.Fatalf("meets RTO cell: got %q (importance %v); want a red no", cell.Text, cell.Importance)
	}
	r.table.UpdateCell(widget.TableCellID{Row: row, Col: 3}, cell)
	if cell.Text != "10m" {
		t.Fatalf("RTO cell: got %q; want 10m", cell.Text)
	}
	for i, s := range r.plan.Steps {
		if s.RTOMet != nil && *s.RTOMet {
			r.table.UpdateCell(widget.TableCellID{Row: i, Col: 6}, cell)
			if cell.Importance == widget.DangerImportance {
				t.Fatalf("%s meets its RTO but is red", s.Title)
			}
			break
		}
	}
	var node *graphNode
	for i := range r.graph.nodes {
		if r.graph.nodes[i].step.Title == slow {
			node = &r.graph.nodes[i]
		}
	}
	if node == nil || !node.missed {
		t.Fatalf("picture: node %+v; want %q drawn as missing its RTO", node, slow)
	}
	if !r.cycles.Visible() || len(r.plan.Cycles) != 1 {
		t.Fatalf("cycle: shown %v, %q; want it reported", r.cycles.Visible(), r.cycles.Text)
	}
	capture(t, u, "recovery")
}

// In the picture each system stands right of what it depends on, and
// tapping one opens it.
func TestRecoveryPictureOpensASystem(t *testing.T) {
	spies := spyOn(t, "records")
	u := openApp(t, demoBinder(t, nil))
	r := recoveryOf(t, u)
	g := r.graph
	at := map[string]fyne.Position{}
	for _, n := range g.nodes {
		at[n.step.ID] = n.pos
	}
	onPath := 0
	for _, n := range g.nodes {
		for _, d := range n.step.DependsOn {
			if p, ok := at[d]; ok && p.X >= n.pos.X {
				t.Errorf("%s drawn at x %v, not right of a dependency at x %v", n.step.Title, n.pos.X, p.X)
			}
		}
		if n.onPath {
			onPath++
		}
	}
	if onPath < 2 {
		t.Errorf("critical path highlights %d systems; want a chain", onPath)
	}
	n := g.nodes[len(g.nodes)-1]
	test.TapAt(g, n.pos.AddXY(nodeWidth/2, nodeHeight/2))
	if u.shell.current != "records" || len(spies["records"].opened) != 1 || spies["records"].opened[0] != n.step.ID {
		t.Fatalf("after tapping %q: shell %q, opened %v; want its record", n.step.Title, u.shell.current, spies["records"].opened)
	}
	// Between the boxes there is nothing to open.
	u.shell.goTo("recovery")
	test.TapAt(g, fyne.NewPos(1, 1))
	if len(spies["records"].opened) != 1 {
		t.Fatalf("a tap outside the systems opened %v", spies["records"].opened[1:])
	}
}
