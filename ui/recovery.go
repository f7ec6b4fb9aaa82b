package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/recovery"
)

// recoveryOrder is the recovery order: a table of the systems in the order
// they must be restored, each critical path against its RTO, and a picture
// of the systems and what they depend on.
type recoveryOrder struct {
	u       *App
	root    fyne.CanvasObject
	summary *widget.Label
	cycles  *widget.Label
	table   *widget.Table
	graph   *dependencyGraph
	plan    *recovery.Plan
	titles  map[string]string // system titles by id
	gen     int
}

// The table's columns.
var recoveryColumns = []column{
	{"#", 44}, {"System", 230}, {"Tier", 50}, {"RTO", 70}, {"Restore", 80}, {"Critical path", 110}, {"Meets RTO", 190}, {"Depends on", 260},
}

func newRecoveryOrder(u *App) *recoveryOrder {
	r := &recoveryOrder{u: u, summary: widget.NewLabel(""), cycles: widget.NewLabel(""), titles: map[string]string{}}
	r.summary.Wrapping = fyne.TextWrapWord
	r.cycles.Wrapping = fyne.TextWrapWord
	r.cycles.Importance = widget.DangerImportance
	r.cycles.Hide()
	r.table = newColumnTable(recoveryColumns, func() int {
		if r.plan == nil {
			return 0
		}
		return len(r.plan.Steps)
	}, func(row, col int, l *widget.Label) {
		s := r.plan.Steps[row]
		l.SetText(r.cell(row, col))
		l.TextStyle.Bold = col == 1
		if s.RTOMet != nil && !*s.RTOMet && (col == 5 || col == 6 || col == 1) {
			l.Importance = widget.DangerImportance
		} else if s.Cycle && col == 6 {
			l.Importance = widget.WarningImportance
		}
	}, func(row, _ int) { r.u.openRecord(r.plan.Steps[row].ID) })
	r.graph = newDependencyGraph(func(id string) { r.u.openRecord(id) })
	picture := container.NewBorder(widget.NewLabelWithStyle("Systems and their dependencies: each is drawn right of what it needs; the longest critical path is highlighted. Choose a system to open it.",
		fyne.TextAlignLeading, fyne.TextStyle{Italic: true}), nil, nil, nil, container.NewScroll(r.graph))
	split := container.NewVSplit(r.table, picture)
	split.Offset = 0.45
	r.root = container.NewBorder(container.NewVBox(r.summary, r.cycles), nil, nil, nil, split)
	return r
}

func (r *recoveryOrder) content() fyne.CanvasObject { return r.root }

func (r *recoveryOrder) shown(fyne.Canvas) {}

// cell is the text of the table's cell at row, col.
func (r *recoveryOrder) cell(row, col int) string {
	s := r.plan.Steps[row]
	switch col {
	case 0:
		return fmt.Sprint(row + 1)
	case 1:
		return s.Title
	case 2:
		if s.Tier > 0 {
			return fmt.Sprint(s.Tier)
		}
		return "–"
	case 3:
		return textOr(s.RTO, "–")
	case 4:
		return s.RestoreTime
	case 5:
		return s.CriticalPath
	case 6:
		return meetsRTO(s)
	case 7:
		var deps []string
		for _, d := range s.DependsOn {
			deps = append(deps, textOr(r.titles[d], "(missing system)"))
		}
		return textOr(strings.Join(deps, ", "), "–")
	}
	return ""
}

// meetsRTO words whether a system's critical path fits its RTO.
func meetsRTO(s recovery.Step) string {
	var out string
	switch {
	case s.RTOMet == nil:
		out = "no RTO"
	case *s.RTOMet:
		out = "yes"
	default:
		out = "no, misses it"
	}
	if s.Unknown {
		out += "; durations missing"
	}
	if s.Cycle {
		out += "; in a cycle"
	}
	return out
}

// refresh computes the order again, off the UI goroutine.
func (r *recoveryOrder) refresh() {
	r.gen++
	gen := r.gen
	if r.u.Binder() == nil {
		r.summary.SetText("The binder is in use by a command from a terminal; the order is worked out again when it is back.")
		return
	}
	r.summary.SetText("Working out the recovery order…")
	runRefreshTask(r.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*recovery.Plan, error) {
		recs, err := b.Records(ctx)
		if err != nil {
			return nil, err
		}
		var systems []*binder.Record
		for _, rec := range recs {
			if rec.Kind == "system" || rec.Kind == "runbook" {
				systems = append(systems, rec)
			}
		}
		return recovery.Order(systems), nil
	}, nil, func(p *recovery.Plan, err error) {
		if gen != r.gen {
			return
		}
		if err != nil {
			r.summary.SetText("Cannot work out the recovery order: " + err.Error())
			return
		}
		r.show(p)
	})
}

// show shows the plan p.
func (r *recoveryOrder) show(p *recovery.Plan) {
	r.plan = p
	r.titles = map[string]string{}
	missed := 0
	for _, s := range p.Steps {
		r.titles[s.ID] = s.Title
		if s.RTOMet != nil && !*s.RTOMet {
			missed++
		}
	}
	switch {
	case len(p.Steps) == 0:
		r.summary.SetText("The binder holds no system yet: add the systems to recover, with their RTOs, dependencies and runbooks.")
	case missed == 0:
		r.summary.SetText(fmt.Sprintf("%s, in the order they must be restored. Every critical path fits its RTO.", countWords(len(p.Steps), "system", "systems")))
	default:
		r.summary.SetText(fmt.Sprintf("%s, in the order they must be restored. %s: restoring %s with %s dependencies by %s runbooks takes longer than %s RTO.",
			countWords(len(p.Steps), "system", "systems"), countWords(missed, "misses its RTO", "miss their RTOs"),
			pick(missed, "it", "them"), pick(missed, "its", "their"), pick(missed, "its", "their"), pick(missed, "its", "their")))
	}
	var cycles []string
	for _, c := range p.Cycles {
		var names []string
		for _, id := range c {
			names = append(names, textOr(r.titles[id], "(missing system)"))
		}
		cycles = append(cycles, strings.Join(names, " → "))
	}
	if len(cycles) > 0 {
		r.cycles.SetText("Dependency " + pick(len(cycles), "cycle", "cycles") + ": " + strings.Join(cycles, "; ") +
			". None of these can be restored first, so their order is a guess: remove a dependency that is not real.")
		r.cycles.Show()
	} else {
		r.cycles.Hide()
	}
	r.table.UnselectAll()
	r.table.Refresh()
	r.graph.setPlan(p)
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
