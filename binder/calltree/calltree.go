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
	"fmt"
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

// Getter returns the live record with id, or nil. Trees read records as
// they are given: callers give them in their canonical form
// (binder.Canonical), as the team and plan passed in, so that a value a
// peer wrote in another accepted form reads as gobag's would.
type Getter func(id string) *binder.Record

// Reading is a Getter that reads each record once, with read (a binder's
// Get), in its canonical form; a record read cannot be is nil.
func Reading(read func(id string) (*binder.Record, error)) Getter {
	cache := map[string]*binder.Record{}
	return func(id string) *binder.Record {
		if r, ok := cache[id]; ok {
			return r
		}
		r, err := read(id)
		if err != nil {
			r = nil
		}
		r = binder.Canonical(r)
		cache[id] = r
		return r
	}
}

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
// first to start it, "1.2" for the second they call, and so on. Deep in a
// long chain the middle of the number is elided ("1.2….4.1.3", with the
// level), so that a number stays short however deep the tree.
func (t *Tree) WalkNumbered(fn func(p *Person, number string)) {
	var parts []int
	var walk func(ps []*Person)
	walk = func(ps []*Person) {
		for i, p := range ps {
			parts = append(parts, i+1)
			fn(p, number(parts))
			walk(p.Calls)
			parts = parts[:len(parts)-1]
		}
	}
	walk(t.Roots)
}

// maxNumberParts is how many levels a number shows in full.
const maxNumberParts = 6

func number(parts []int) string {
	words := func(ps []int) string {
		var s []string
		for _, p := range ps {
			s = append(s, strconv.Itoa(p))
		}
		return strings.Join(s, ".")
	}
	if len(parts) <= maxNumberParts {
		return words(parts)
	}
	return fmt.Sprintf("%s…%s (level %d)", words(parts[:2]), words(parts[len(parts)-3:]), len(parts))
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
	roles    map[string]string // what the team makes each contact
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
		role = b.roles[c.ID]
	}
	p := &Person{Contact: c, IfUnreachable: strings.TrimSpace(instruction), Role: role}
	if p.IfUnreachable == "" {
		p.IfUnreachable = b.fallback
	}
	p.Alternates = b.alternates(c, nil)
	if caller != nil {
		p.Caller, p.Depth = caller.Contact, caller.Depth+1
		caller.Calls = append(caller.Calls, p)
	} else {
		b.tree.Roots = append(b.tree.Roots, p)
	}
	b.placed[c.ID] = p
	return p
}

// alternates are c's alternates, after first (each once, not c).
func (b *builder) alternates(c *binder.Record, first []*binder.Record) []*binder.Record {
	out := first
	seen := map[string]bool{c.ID: true}
	for _, a := range first {
		seen[a.ID] = true
	}
	for _, id := range c.Links("alternates") {
		if seen[id] {
			continue
		}
		seen[id] = true
		if a := b.contact(id); a != nil {
			out = append(out, a)
		}
	}
	return out
}

// ForTeam builds team's call tree, reading the records it links with get.
func ForTeam(team *binder.Record, get Getter) *Tree {
	b := &builder{get: get, roles: rolesIn(team), tree: &Tree{Team: team, Name: team.Title}, placed: map[string]*Person{}, fallback: strings.TrimSpace(team.Text("if_unreachable"))}
	authority := b.contact(team.Link("activation_authority"))
	lead := b.contact(team.Link("lead"))
	var start *Person
	switch {
	case authority != nil:
		start = b.person(authority, nil, "", "activation authority")
		var successors []*binder.Record
		seen := map[string]bool{authority.ID: true}
		for _, id := range team.Links("succession") {
			if !seen[id] {
				seen[id] = true
				if s := b.contact(id); s != nil {
					successors = append(successors, s)
				}
			}
		}
		start.Alternates = b.alternates(authority, successors)
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

// rolesIn maps the contacts team names to what it makes them: the
// activation authority, lead, alternate lead, member or successor (the
// first of these that applies), worked out once per team.
func rolesIn(team *binder.Record) map[string]string {
	roles := map[string]string{}
	set := func(id, role string) {
		if _, ok := roles[id]; id != "" && !ok {
			roles[id] = role
		}
	}
	set(team.Link("activation_authority"), "activation authority")
	set(team.Link("lead"), "lead")
	set(team.Link("alternate_lead"), "alternate lead")
	for _, id := range team.Links("members") {
		set(id, "member")
	}
	for _, id := range team.Links("succession") {
		set(id, "successor")
	}
	return roles
}

// unreached lists the team's people nobody calls.
func (b *builder) unreached(team *binder.Record) {
	seen := map[string]bool{}
	for _, id := range append([]string{team.Link("lead"), team.Link("alternate_lead")}, team.Links("members")...) {
		if id == "" || b.placed[id] != nil || seen[id] {
			continue
		}
		seen[id] = true
		if c := b.get(id); c != nil && c.Kind == "contact" && !c.Deleted && !c.Unreadable {
			b.tree.Unreached = append(b.tree.Unreached, c)
		}
	}
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
		in[id] = true
		if c := b.contact(id); c != nil {
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
