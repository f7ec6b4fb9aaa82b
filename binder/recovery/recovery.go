// Package recovery computes a binder's recovery order: systems in the
// order they must be restored, the dependency cycles that break that
// order, and each system's critical path against its RTO. It is a pure
// function of the binder's records.
package recovery

import (
	"gobag/binder"
	"gobag/binder/internal/ranked"

	"sort"
	"time"
)

// Systems in the order they must be restored —
// everything a system depends on before it, and among the systems ready
// to restore, the most critical (lowest tier, then shortest RTO) first.
//
// A system's restore time is the longest of its runbooks (the sum of their
// steps' durations: runbooks are alternatives for different scenarios, so
// the slowest is planned for). Its critical path is its restore time plus
// the longest critical path among its dependencies, which may be restored
// in parallel: the earliest it can be back, counted from the outage.

// Step is one system in the recovery order.
type Step struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Tier  int    `json:"tier,omitempty"`
	RTO   string `json:"rto,omitempty"`
	// RestoreTime is the system's own restore time by its runbooks.
	RestoreTime string `json:"restore_time"`
	// CriticalPath is the time until it is back, dependencies included.
	CriticalPath        string   `json:"critical_path"`
	CriticalPathMinutes int      `json:"critical_path_minutes"`
	Path                []string `json:"path"` // titles along the critical path, first restored first
	// RTOMet says whether the critical path fits the RTO; absent when the
	// system has no RTO.
	RTOMet    *bool    `json:"rto_met,omitempty"`
	DependsOn []string `json:"depends_on"`
	Runbooks  []string `json:"runbooks"`
	// Unknown means some step on its critical path has no duration, so the
	// real time is longer.
	Unknown bool `json:"durations_unknown,omitempty"`
	// Cycle means it is part of a dependency cycle: the order among those
	// systems is a guess.
	Cycle bool `json:"cycle,omitempty"`
}

// Plan is the recovery order and the dependency cycles that break it.
type Plan struct {
	Steps  []Step     `json:"steps"`
	Cycles [][]string `json:"cycles"` // system ids of each cycle
}

type sysNode struct {
	r       *binder.Record
	tier    int
	rto     time.Duration
	hasRTO  bool
	own     time.Duration
	unknown bool
	deps    []string // live system dependencies
	// computed
	path     time.Duration
	pathVia  string // the dependency on the critical path
	pathUnk  bool
	state    int // 0 new, 1 visiting, 2 done
	cycle    bool
	runbooks []string
}

// Order computes the recovery order of the systems among recs,
// using the runbooks among them. It is a pure function of recs.
func Order(recs []*binder.Record) *Plan {
	runbooks := map[string]*binder.Record{}
	nodes := map[string]*sysNode{}
	var ids []string
	for _, r := range recs {
		switch r.Kind {
		case "runbook":
			runbooks[r.ID] = r
		case "system":
			tier, ok := r.Int("tier")
			if !ok || tier < 1 {
				tier = 5
			}
			n := &sysNode{r: r, tier: int(tier)}
			n.rto, n.hasRTO = r.Duration("rto")
			nodes[r.ID] = n
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := nodes[id]
		for _, d := range n.r.Links("depends_on") {
			if _, ok := nodes[d]; ok && d != id {
				n.deps = append(n.deps, d)
			}
		}
		for _, rid := range n.r.Links("runbooks") {
			rb, ok := runbooks[rid]
			if !ok {
				continue
			}
			n.runbooks = append(n.runbooks, rb.Title)
			d, unknown := runbookDuration(rb)
			if d > n.own || (d == n.own && unknown) {
				n.own, n.unknown = d, unknown
			}
		}
		if len(n.runbooks) == 0 {
			n.unknown = true
		}
	}
	plan := &Plan{Cycles: findCycles(ids, nodes)}
	for _, cyc := range plan.Cycles {
		for _, id := range cyc {
			nodes[id].cycle = true
		}
	}
	// Critical paths, dependencies first (a cycle's back edges ignored).
	var visit func(n *sysNode)
	visit = func(n *sysNode) {
		if n.state != 0 {
			return
		}
		n.state = 1
		var best time.Duration
		for _, d := range n.deps {
			dn := nodes[d]
			if dn.state == 1 {
				continue // a back edge of a cycle
			}
			visit(dn)
			if n.pathVia == "" || dn.path > best {
				best, n.pathVia = dn.path, d
			}
			if dn.pathUnk {
				n.pathUnk = true
			}
		}
		n.path = n.own + best
		n.pathUnk = n.pathUnk || n.unknown
		n.state = 2
	}
	for _, id := range ids {
		visit(nodes[id])
	}
	// Kahn's algorithm: a system is ready once all it depends on is
	// restored; the most critical ready one goes next. Cycles are broken
	// by taking their most critical member.
	waiting := map[string]int{}
	users := map[string][]string{}
	for _, id := range ids {
		for _, d := range nodes[id].deps {
			waiting[id]++
			users[d] = append(users[d], id)
		}
	}
	ready := ranked.New(lessCritical(nodes))
	for _, id := range ids {
		if waiting[id] == 0 {
			ready.Push(id)
		}
	}
	done := map[string]bool{}
	for len(done) < len(ids) {
		if ready.Len() == 0 {
			// Only cycles are left: take the most critical waiting system.
			var rest []string
			for _, id := range ids {
				if !done[id] {
					rest = append(rest, id)
				}
			}
			less := lessCritical(nodes)
			sort.Slice(rest, func(i, j int) bool { return less(rest[i], rest[j]) })
			waiting[rest[0]] = 0
			ready.Push(rest[0])
		}
		id := ready.Pop()
		if done[id] {
			continue
		}
		done[id] = true
		plan.Steps = append(plan.Steps, step(nodes, id))
		for _, u := range users[id] {
			waiting[u]--
			if waiting[u] == 0 && !done[u] {
				ready.Push(u)
			}
		}
	}
	if plan.Steps == nil {
		plan.Steps = []Step{}
	}
	if plan.Cycles == nil {
		plan.Cycles = [][]string{}
	}
	return plan
}

func step(nodes map[string]*sysNode, id string) Step {
	n := nodes[id]
	s := Step{ID: id, Title: n.r.Title, RestoreTime: binder.FormatDuration(n.own), CriticalPath: binder.FormatDuration(n.path),
		CriticalPathMinutes: int(n.path / time.Minute), Unknown: n.pathUnk, Cycle: n.cycle, DependsOn: []string{}, Runbooks: n.runbooks}
	if n.tier < 5 {
		s.Tier = n.tier
	}
	if n.hasRTO {
		s.RTO = binder.FormatDuration(n.rto)
		met := n.path <= n.rto
		s.RTOMet = &met
	}
	for _, d := range n.deps {
		s.DependsOn = append(s.DependsOn, d)
	}
	if s.Runbooks == nil {
		s.Runbooks = []string{}
	}
	// The critical path, first restored first.
	for at, seen := n, map[string]bool{}; at != nil && !seen[at.r.ID]; {
		seen[at.r.ID] = true
		s.Path = append([]string{at.r.Title}, s.Path...)
		if at.pathVia == "" {
			break
		}
		at = nodes[at.pathVia]
	}
	return s
}

// runbookDuration is the sum of a runbook's step durations; unknown is
// true if a step has none.
func runbookDuration(rb *binder.Record) (d time.Duration, unknown bool) {
	steps := rb.Rows("steps")
	if len(steps) == 0 {
		return 0, true
	}
	for _, st := range steps {
		s, _ := st["duration"].(string)
		sd, err := binder.ParseDuration(s)
		if err != nil {
			unknown = true
			continue
		}
		d += sd
	}
	return d, unknown
}

// findCycles returns the dependency cycles among the systems (Tarjan's
// strongly connected components of two or more systems), each starting at
// its smallest id and in dependency order.
func findCycles(ids []string, nodes map[string]*sysNode) [][]string {
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	next := 0
	var strong func(v string)
	strong = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range nodes[v].deps {
			if _, seen := index[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			if len(comp) > 1 {
				out = append(out, orderCycle(comp, nodes))
			}
		}
	}
	for _, id := range ids {
		if _, seen := index[id]; !seen {
			strong(id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// orderCycle walks a strongly connected component from its smallest id
// along dependencies, so that it reads as a → b → c (→ a).
func orderCycle(comp []string, nodes map[string]*sysNode) []string {
	in := map[string]bool{}
	start := comp[0]
	for _, id := range comp {
		in[id] = true
		if id < start {
			start = id
		}
	}
	out := []string{start}
	seen := map[string]bool{start: true}
	for at := start; ; {
		moved := false
		for _, d := range nodes[at].deps {
			if in[d] && !seen[d] {
				out = append(out, d)
				seen[d] = true
				at, moved = d, true
				break
			}
		}
		if !moved {
			break
		}
	}
	// Members the walk did not reach (a component with branches).
	for _, id := range comp {
		if !seen[id] {
			out = append(out, id)
		}
	}
	return out
}

// lessCritical orders systems: lowest tier, then shortest RTO (none
// last), then title.
func lessCritical(nodes map[string]*sysNode) func(a, b string) bool {
	return func(a, b string) bool {
		x, y := nodes[a], nodes[b]
		if x.tier != y.tier {
			return x.tier < y.tier
		}
		if x.hasRTO != y.hasRTO {
			return x.hasRTO
		}
		if x.rto != y.rto {
			return x.rto < y.rto
		}
		if x.r.Title != y.r.Title {
			return x.r.Title < y.r.Title
		}
		return a < b
	}
}
