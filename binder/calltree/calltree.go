// Package calltree builds a team's call tree: who calls whom when the
// team is activated, in escalation order, each person with their
// alternates and what the caller does when nobody answers.
//
// A team's call_tree rows say it outright (caller, calls, if_unreachable).
// Without them the tree follows the team: the activation authority calls
// the lead, who calls the alternate lead and the members in their call-tree
// order. The activation authority's alternates are its line of succession.
// The CLI, the readiness check, print and the app's incident mode all read
// the tree from here, so that they never disagree on who calls whom.
package calltree

import (
	"container/heap"
	"slices"
	"strconv"
	"strings"

	"gobag/binder"
)

// Person is one place in a call tree.
type Person struct {
	Contact *binder.Record
	// Caller is who calls them; nil for whoever starts the tree.
	Caller *binder.Record
	// Alternates are who to call instead, in order: the contact's
	// alternates (for the activation authority, its successors first).
	Alternates []*binder.Record
	// IfUnreachable is what the caller does when neither they nor their
	// alternates answer: the tree row's instruction, else the team's.
	IfUnreachable string
	// Calls are whom they call, in order.
	Calls []*Person
	// Depth is 0 for whoever starts the tree.
	Depth int
	// Role says what the team makes them: "activation authority",
	// "lead", "alternate lead", "member" (or "" for someone the tree
	// alone names).
	Role string
}

// DeadEnd reports whether nothing is said for when the person cannot be
// reached: no alternate and no instruction.
func (p *Person) DeadEnd() bool {
	return len(p.Alternates) == 0 && strings.TrimSpace(p.IfUnreachable) == ""
}

// Tree is a team's call tree, or the people a plan names outside its
// teams.
type Tree struct {
	// Team is the team; nil for a plan's named people.
	Team *binder.Record
	// Name is the team's title, or what the people are.
	Name string
	// Roots start the tree: whoever starts it (one person), or, when
	// nobody does, the people called first.
	Roots []*Person
	// Explicit is true when the team's call_tree rows give the tree.
	Explicit bool
	// Unreached are the team's people whom no chain of calls reaches:
	// members left out of the rows, and callees of callers the tree never
	// reaches.
	Unreached []*binder.Record
	// Missing counts linked ids that are no live contact.
	Missing int
}

// Getter returns the live record with id, or nil.
type Getter func(id string) *binder.Record

// Walk calls fn on each person in calling order: a caller, then each of
// their callees and the people those call, depth first.
func (t *Tree) Walk(fn func(p *Person)) {
	var walk func(ps []*Person)
	walk = func(ps []*Person) {
		for _, p := range ps {
			fn(p)
			walk(p.Calls)
		}
	}
	walk(t.Roots)
}

// WalkNumbered is Walk with each person's place in the tree: "1" for the
// first to start it, "1.2" for the second they call, and so on.
func (t *Tree) WalkNumbered(fn func(p *Person, number string)) {
	var walk func(ps []*Person, prefix string)
	walk = func(ps []*Person, prefix string) {
		for i, p := range ps {
			n := prefix + strconv.Itoa(i+1)
			fn(p, n)
			walk(p.Calls, n+".")
		}
	}
	walk(t.Roots, "")
}

// UnreachedNames are the titles of the people the tree never reaches.
func (t *Tree) UnreachedNames() []string {
	var out []string
	for _, r := range t.Unreached {
		out = append(out, r.Title)
	}
	return out
}

// People returns everyone in the tree in calling order.
func (t *Tree) People() []*Person {
	var out []*Person
	t.Walk(func(p *Person) { out = append(out, p) })
	return out
}

// builder holds what a tree is built from.
type builder struct {
	get      Getter
	team     *binder.Record
	tree     *Tree
	placed   map[string]*Person
	fallback string // the team's instruction
}

func (b *builder) contact(id string) *binder.Record {
	if id == "" {
		return nil
	}
	r := b.get(id)
	if r == nil || r.Kind != "contact" || r.Deleted || r.Unreadable {
		b.tree.Missing++
		return nil
	}
	return r
}

// person places c under caller (nil: a root); false if c is placed
// already.
func (b *builder) person(c *binder.Record, caller *Person, instruction, role string) *Person {
	if c == nil || b.placed[c.ID] != nil {
		return nil
	}
	if role == "" {
		role = roleIn(b.team, c.ID)
	}
	p := &Person{Contact: c, IfUnreachable: strings.TrimSpace(instruction), Role: role}
	if p.IfUnreachable == "" {
		p.IfUnreachable = b.fallback
	}
	for _, id := range c.Links("alternates") {
		if a := b.contact(id); a != nil && a.ID != c.ID && !slices.Contains(p.Alternates, a) {
			p.Alternates = append(p.Alternates, a)
		}
	}
	if caller != nil {
		p.Caller, p.Depth = caller.Contact, caller.Depth+1
		caller.Calls = append(caller.Calls, p)
	} else {
		b.tree.Roots = append(b.tree.Roots, p)
	}
	b.placed[c.ID] = p
	return p
}

// ForTeam builds team's call tree, reading the records it links with get.
func ForTeam(team *binder.Record, get Getter) *Tree {
	b := &builder{get: get, team: team, tree: &Tree{Team: team, Name: team.Title}, placed: map[string]*Person{}, fallback: strings.TrimSpace(team.Text("if_unreachable"))}
	authority := b.contact(team.Link("activation_authority"))
	lead := b.contact(team.Link("lead"))
	var start *Person
	switch {
	case authority != nil:
		start = b.person(authority, nil, "", "activation authority")
		var successors []*binder.Record
		for _, id := range team.Links("succession") {
			if s := b.contact(id); s != nil && s.ID != authority.ID && !slices.Contains(successors, s) {
				successors = append(successors, s)
			}
		}
		start.Alternates = dedupe(append(successors, start.Alternates...))
	case lead != nil:
		start = b.person(lead, nil, "", "lead")
	}
	rows := team.Rows("call_tree")
	if len(rows) > 0 {
		b.tree.Explicit = true
		b.explicit(rows, start)
	} else {
		b.derived(team, start, lead)
	}
	b.unreached(team)
	return b.tree
}

// explicit places the call_tree rows: a row whose caller is empty hangs
// under whoever starts the tree. Each row waits until its caller is
// placed, and of the rows that can be placed the first in the rows' order
// is: so a person called twice keeps their first place. (A heap of the
// rows ready keeps it O(n log n) on a table of any length.)
func (b *builder) explicit(rows []binder.Values, start *Person) {
	byCaller := map[string][]int{}
	ready := &rowHeap{}
	for i, row := range rows {
		if id := row.Link("caller"); id != "" {
			byCaller[id] = append(byCaller[id], i)
		} else {
			heap.Push(ready, i)
		}
	}
	release := func(p *Person) {
		for _, i := range byCaller[p.Contact.ID] {
			heap.Push(ready, i)
		}
		delete(byCaller, p.Contact.ID)
	}
	if start != nil {
		release(start)
	}
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		caller := start
		if id := rows[i].Link("caller"); id != "" {
			caller = b.placed[id]
		}
		if c := b.contact(rows[i].Link("calls")); c != nil {
			if p := b.person(c, caller, rows[i].Text("if_unreachable"), ""); p != nil {
				release(p)
			}
		}
	}
}

// rowHeap is a min-heap of row numbers.
type rowHeap []int

func (h rowHeap) Len() int           { return len(h) }
func (h rowHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h rowHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rowHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *rowHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// derived builds the tree a team without call_tree rows has: the
// authority calls the lead, the lead the alternate lead and then the
// members in call-tree order.
func (b *builder) derived(team *binder.Record, start *Person, lead *binder.Record) {
	caller := start
	if lead != nil {
		if p := b.person(lead, start, "", "lead"); p != nil {
			caller = p
		}
	}
	if alt := b.contact(team.Link("alternate_lead")); alt != nil {
		b.person(alt, caller, "", "alternate lead")
	}
	var members []*binder.Record
	for _, id := range team.Links("members") {
		if c := b.contact(id); c != nil {
			members = append(members, c)
		}
	}
	binder.SortCallList(members)
	for _, c := range members {
		b.person(c, caller, "", "member")
	}
}

// roleIn is what team makes the contact id, if anything.
func roleIn(team *binder.Record, id string) string {
	switch {
	case team == nil:
		return ""
	case team.Link("activation_authority") == id:
		return "activation authority"
	case team.Link("lead") == id:
		return "lead"
	case team.Link("alternate_lead") == id:
		return "alternate lead"
	case slices.Contains(team.Links("members"), id):
		return "member"
	case slices.Contains(team.Links("succession"), id):
		return "successor"
	}
	return ""
}

// unreached lists the team's people nobody calls.
func (b *builder) unreached(team *binder.Record) {
	for _, id := range append([]string{team.Link("lead"), team.Link("alternate_lead")}, team.Links("members")...) {
		if id == "" || b.placed[id] != nil {
			continue
		}
		if c := b.get(id); c != nil && c.Kind == "contact" && !slices.Contains(b.tree.Unreached, c) {
			b.tree.Unreached = append(b.tree.Unreached, c)
		}
	}
}

func dedupe(rs []*binder.Record) []*binder.Record {
	var out []*binder.Record
	for _, r := range rs {
		if !slices.ContainsFunc(out, func(o *binder.Record) bool { return o.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}

// ForPlan builds the call trees of the teams plan activates, in its
// order, then one of the people it names whom none of those trees holds
// (each called first, as the plan lists them).
func ForPlan(plan *binder.Record, get Getter) []*Tree {
	var out []*Tree
	in := map[string]bool{}
	for _, id := range plan.Links("teams") {
		t := get(id)
		if t == nil || t.Kind != "team" || t.Deleted || t.Unreadable {
			continue
		}
		tree := ForTeam(t, get)
		tree.Walk(func(p *Person) { in[p.Contact.ID] = true })
		out = append(out, tree)
	}
	b := &builder{get: get, tree: &Tree{Name: "Named in the plan"}, placed: map[string]*Person{}}
	var named []*binder.Record
	for _, id := range append([]string{plan.Link("owner")}, plan.Links("contacts")...) {
		if id == "" || in[id] {
			continue
		}
		if c := b.contact(id); c != nil && !slices.Contains(named, c) {
			named = append(named, c)
		}
	}
	binder.SortCallList(named)
	for _, c := range named {
		b.person(c, nil, "", "")
	}
	if len(b.tree.Roots) > 0 {
		out = append(out, b.tree)
	}
	return out
}
