package calltree

import (
	"strings"
	"testing"

	"gobag/binder"
)

// records is a small binder in memory: the getter a tree reads with.
type records map[string]*binder.Record

func (rs records) add(kind, title string, fields map[string]any) *binder.Record {
	r := &binder.Record{ID: binder.NewID(), Kind: kind, Title: title, Rev: 1, Fields: fields}
	if err := r.Validate(); err != nil {
		panic(err)
	}
	rs[r.ID] = r
	return r
}

func (rs records) get(id string) *binder.Record { return rs[id] }

// shape writes a tree as one line per person: indentation for depth,
// the name, then "|alt:…" and "|if:…".
func shape(t *Tree) string {
	var b strings.Builder
	t.Walk(func(p *Person) {
		b.WriteString(strings.Repeat("  ", p.Depth) + p.Contact.Title)
		if p.Role != "" {
			b.WriteString(" (" + p.Role + ")")
		}
		for _, a := range p.Alternates {
			b.WriteString(" |alt:" + a.Title)
		}
		if p.IfUnreachable != "" {
			b.WriteString(" |if:" + p.IfUnreachable)
		}
		b.WriteString("\n")
	})
	return b.String()
}

func TestDerivedTreeFollowsTheTeam(t *testing.T) {
	rs := records{}
	boss := rs.add("contact", "Boss", nil)
	deputy := rs.add("contact", "Deputy", nil)
	lead := rs.add("contact", "Lead", nil)
	alt := rs.add("contact", "Alt", map[string]any{"alternates": []any{lead.ID}})
	m1 := rs.add("contact", "Zed", map[string]any{"escalation": int64(1)})
	m2 := rs.add("contact", "Abe", map[string]any{"escalation": int64(2)})
	m3 := rs.add("contact", "Cal", nil)
	lead.Fields["alternates"] = []any{alt.ID}
	team := rs.add("team", "Recovery", map[string]any{"activation_authority": boss.ID, "succession": []any{deputy.ID}, "lead": lead.ID,
		"alternate_lead": alt.ID, "members": []any{m3.ID, m2.ID, m1.ID, lead.ID}, "if_unreachable": "go to the assembly point"})
	tree := ForTeam(team, rs.get)
	want := `Boss (activation authority) |alt:Deputy |if:go to the assembly point
  Lead (lead) |alt:Alt |if:go to the assembly point
    Alt (alternate lead) |alt:Lead |if:go to the assembly point
    Zed (member) |if:go to the assembly point
    Abe (member) |if:go to the assembly point
    Cal (member) |if:go to the assembly point
`
	if got := shape(tree); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if tree.Explicit || len(tree.Unreached) != 0 || tree.Missing != 0 {
		t.Errorf("got explicit %v, unreached %d, missing %d; want false, 0, 0", tree.Explicit, len(tree.Unreached), tree.Missing)
	}
	// Without the team's instruction, the members without alternates are
	// dead ends; the lead, with an alternate, is not.
	delete(team.Fields, "if_unreachable")
	var dead []string
	ForTeam(team, rs.get).Walk(func(p *Person) {
		if p.DeadEnd() {
			dead = append(dead, p.Contact.Title)
		}
	})
	if got := strings.Join(dead, ","); got != "Zed,Abe,Cal" {
		t.Errorf("dead ends: got %s; want Zed,Abe,Cal", got)
	}
}

func TestExplicitTree(t *testing.T) {
	rs := records{}
	lead := rs.add("contact", "Lead", nil)
	a := rs.add("contact", "A", nil)
	b := rs.add("contact", "B", nil)
	c := rs.add("contact", "C", nil)
	left := rs.add("contact", "Left out", nil)
	x := rs.add("contact", "X", nil)
	y := rs.add("contact", "Y", nil)
	team := rs.add("team", "Crisis", map[string]any{"lead": lead.ID, "members": []any{a.ID, b.ID, c.ID, left.ID},
		"call_tree": []map[string]any{
			// Out of order: B's row names a caller placed by a later row.
			{"caller": a.ID, "calls": b.ID, "if_unreachable": "text B"},
			{"calls": a.ID},
			{"caller": b.ID, "calls": c.ID},
			{"caller": a.ID, "calls": c.ID}, // C is called once
			// X and Y call each other, and nobody calls either.
			{"caller": x.ID, "calls": y.ID},
			{"caller": y.ID, "calls": x.ID},
		}})
	tree := ForTeam(team, rs.get)
	want := `Lead (lead)
  A (member)
    B (member) |if:text B
      C (member)
`
	if got := shape(tree); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var unreached []string
	for _, r := range tree.Unreached {
		unreached = append(unreached, r.Title)
	}
	if got := strings.Join(unreached, ","); got != "Left out" || !tree.Explicit {
		t.Errorf("unreached: got %q, explicit %v; want \"Left out\", true", got, tree.Explicit)
	}
}

func TestPlanTrees(t *testing.T) {
	rs := records{}
	lead := rs.add("contact", "Lead", nil)
	owner := rs.add("contact", "Owner", nil)
	named := rs.add("contact", "Named", map[string]any{"escalation": int64(1)})
	team := rs.add("team", "Team", map[string]any{"lead": lead.ID})
	plan := rs.add("plan", "Plan", map[string]any{"teams": []any{team.ID, binder.NewID()}, "owner": owner.ID,
		"contacts": []any{lead.ID, owner.ID, named.ID}})
	trees := ForPlan(plan, rs.get)
	if len(trees) != 2 || trees[0].Team == nil || trees[0].Team.ID != team.ID || trees[1].Team != nil {
		t.Fatalf("got %d trees; want the team's, then the people named", len(trees))
	}
	if got, want := shape(trees[1]), "Named\nOwner\n"; got != want {
		t.Errorf("named people: got %q; want %q", got, want)
	}
}

// A team as large as one record may be, synced from a careless or
// hostile peer, builds in linear time: a chain of calls 8000 deep, 8000
// members, alternates by the thousand. Its numbers stay short.
func TestLargeTreesStayLinear(t *testing.T) {
	rs := records{}
	var ids []any
	var rows []map[string]any
	var prev *binder.Record
	var alts []any
	for i := range 8000 {
		c := rs.add("contact", "C", nil)
		ids = append(ids, c.ID)
		row := map[string]any{"calls": c.ID}
		if prev != nil {
			row["caller"] = prev.ID
		}
		rows = append(rows, row)
		prev = c
		if i < 4000 {
			alts = append(alts, c.ID)
		}
	}
	boss := rs.add("contact", "Boss", map[string]any{"alternates": alts})
	team := rs.add("team", "Everyone", map[string]any{"activation_authority": boss.ID, "members": ids, "succession": alts, "call_tree": rows})
	tree := ForTeam(team, rs.get)
	longest := 0
	n := 0
	tree.WalkNumbered(func(p *Person, number string) {
		n++
		longest = max(longest, len(number))
	})
	if n != 8001 || len(tree.Roots[0].Alternates) != 4000 {
		t.Fatalf("got %d people, %d alternates; want 8001 and 4000", n, len(tree.Roots[0].Alternates))
	}
	if longest > 40 {
		t.Errorf("a number %d characters long", longest)
	}
}

// FuzzForTeam builds trees from rows a peer may write (any caller, any
// callee, cycles, repeats, links to nothing): it never loops or panics,
// and places each contact at most once.
func FuzzForTeam(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 2, 0, 3, 3}, uint8(1))
	f.Add([]byte{9, 9, 0, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, rows []byte, lead uint8) {
		rs := records{}
		var people []*binder.Record
		for range 6 {
			people = append(people, rs.add("contact", "P", nil))
		}
		id := func(b byte) string {
			if int(b) < len(people) {
				return people[b].ID
			}
			return binder.NewID() // a link to nothing
		}
		for i, p := range people {
			p.Fields["alternates"] = []any{id(byte((i + 1) % 8))}
		}
		var table []map[string]any
		for i := 0; i+1 < len(rows) && len(table) < 200; i += 2 {
			row := map[string]any{"calls": id(rows[i+1])}
			if rows[i] != 255 {
				row["caller"] = id(rows[i])
			}
			table = append(table, row)
		}
		fields := map[string]any{"lead": id(lead % 8), "members": []any{people[0].ID, people[3].ID}}
		if len(table) > 0 {
			fields["call_tree"] = table
		}
		team := &binder.Record{ID: binder.NewID(), Kind: "team", Title: "T", Fields: fields}
		seen := map[string]bool{}
		ForTeam(team, rs.get).WalkNumbered(func(p *Person, n string) {
			if seen[p.Contact.ID] {
				t.Fatalf("%s placed twice", p.Contact.ID)
			}
			seen[p.Contact.ID] = true
		})
	})
}
