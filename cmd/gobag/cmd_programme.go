package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gobag/binder"
	"gobag/binder/calltree"
	"gobag/binder/programme"
	"gobag/binder/readiness"
)

// The continuity programme around the plans: the action register, the
// call trees, the exercise programme and the risk register.

func newActionsCommand() *Command {
	var o struct {
		open             bool
		owner, dueBefore string
	}
	cmd := newCommand("gobag actions [--open] [--owner OWNER] [--due-before DATE]", "every action item, whichever record it sits in", `
Actions is the action register: every action item of the binder in one
table, whichever record it sits in (an exercise's improvement plan, an
incident's corrective actions, an audit's, a risk's treatment plan),
with its owner, due date, status and source. Open items come first,
soonest due first; an overdue one is marked.

--open keeps the items still to be done (open or in progress); --owner
those of an owner, by words of their name or the start of their id;
--due-before those due before a date. An item is changed in the record
that holds it (gobag edit ID).`)
	cmd.Flag.BoolVar(&o.open, "open", false, "only the items still to be done")
	cmd.Flag.StringVar(&o.owner, "owner", "", "only the items of `OWNER`: words of their name, or the start of their id")
	cmd.Flag.StringVar(&o.dueBefore, "due-before", "", "only the items due before `DATE` (2026-12-31)")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		f := programme.Filter{Open: o.open, Owner: o.owner}
		if o.dueBefore != "" {
			d, err := time.Parse("2006-01-02", strings.TrimSpace(o.dueBefore))
			if err != nil {
				return usagef("write the date as 2026-12-31", "actions: --due-before %q is not a date", o.dueBefore)
			}
			f.DueBefore = d
		}
		recs, err := b.RecordsOf(ctx, programme.ActionKinds()...)
		if err != nil {
			return err
		}
		// The owners are named by title: their summaries are enough.
		contacts, err := b.Titled(ctx, "contact")
		if err != nil {
			return err
		}
		return printActions(c, f.Apply(programme.Actions(binder.CanonicalAll(append(recs, contacts...)))), time.Now())
	}
	return cmd
}

func printActions(c *cli, actions []programme.Action, now time.Time) error {
	if c.asJSON {
		type actionJSON struct {
			programme.Action
			Overdue bool `json:"overdue"`
		}
		out := []actionJSON{}
		for _, a := range actions {
			out = append(out, actionJSON{a, a.Overdue(now)})
		}
		return c.printJSON(out)
	}
	if len(actions) == 0 {
		fmt.Fprintln(c.stderr, "gobag: no action items")
		return nil
	}
	out := bufio.NewWriter(c.stdout)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "due\tstatus\towner\taction\tsource")
	for _, a := range actions {
		due, status, owner := or(a.Due, "-"), a.Status, or(a.Name, "-")
		if a.Overdue(now) {
			status += " OVERDUE"
		}
		if a.Owner != "" && a.Name == "" {
			owner = "(missing " + shortID(a.Owner) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %q (%s) #%d\n", due, status, owner, oneLine(a.Text), a.Kind, a.Title, shortID(a.Record), a.Row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	open, overdue := 0, 0
	for _, a := range actions {
		if a.Open() {
			open++
		}
		if a.Overdue(now) {
			overdue++
		}
	}
	fmt.Fprintf(out, "%s: %d open, %d overdue\n", count(len(actions), "action item", "action items"), open, overdue)
	return out.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newCallTreeCommand() *Command {
	cmd := newCommand("gobag call-tree [TEAM | PLAN]", "who calls whom, with numbers, alternates and what to do when nobody answers", `
Call-tree prints who calls whom when a team is activated, in escalation
order: each person with their numbers, their alternates with theirs, and
what the caller does when nobody answers. A team's call_tree rows give
the tree; without them, the activation authority calls the lead, who
calls the alternate lead and the members in their call-tree order. The
activation authority's alternates are its line of succession.

With TEAM (its name or id), that team's tree; with PLAN, the trees of the
teams the plan activates and the people it names besides. With neither,
every team's. Incident mode in the desktop app calls down the same
trees.`)
	cmd.MaxArgs = 1
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		// The teams (and plans) first; the people they link as the trees
		// reach them, each read once.
		get := calltree.Reading(func(id string) (*binder.Record, error) { return b.Get(ctx, id) })
		var trees []*calltree.Tree
		if len(args) == 0 {
			teams, err := b.RecordsOf(ctx, "team")
			if err != nil {
				return err
			}
			for _, r := range teams {
				trees = append(trees, calltree.ForTeam(binder.Canonical(r), get))
			}
			sort.SliceStable(trees, func(i, j int) bool { return trees[i].Name < trees[j].Name })
		} else {
			teams, err := b.Titled(ctx, "team")
			if err != nil {
				return err
			}
			plans, err := b.Titled(ctx, "plan")
			if err != nil {
				return err
			}
			found, err := findTeamOrPlan(append(teams, plans...), args[0])
			if err != nil {
				return err
			}
			r, err := b.Get(ctx, found.ID)
			if err != nil {
				return err
			}
			r = binder.Canonical(r)
			if r.Kind == "team" {
				trees = []*calltree.Tree{calltree.ForTeam(r, get)}
			} else {
				trees = calltree.ForPlan(r, get)
			}
		}
		none := "the binder has no team"
		if len(args) > 0 {
			none = "the plan names no team and no people"
		}
		return printCallTrees(c, trees, none)
	}
	return cmd
}

// findTeamOrPlan finds the team or plan name names: its id or the start
// of it (4 characters at least), its title (case aside), or the one
// whose title holds it.
func findTeamOrPlan(recs []*binder.Record, name string) (*binder.Record, error) {
	want := strings.ToLower(strings.TrimSpace(name))
	var exact, partial []*binder.Record
	for _, r := range recs {
		if r.Kind != "team" && r.Kind != "plan" {
			continue
		}
		title := strings.ToLower(strings.TrimSpace(r.Title))
		switch {
		case len(want) >= 4 && strings.HasPrefix(r.ID, want), title == want:
			exact = append(exact, r)
		case want != "" && strings.Contains(title, want):
			partial = append(partial, r)
		}
	}
	for _, list := range [][]*binder.Record{exact, partial} {
		switch len(list) {
		case 0:
			continue
		case 1:
			return list[0], nil
		}
		var names []string
		for _, r := range list {
			names = append(names, fmt.Sprintf("%s %q (%s)", r.Kind, r.Title, shortID(r.ID)))
		}
		return nil, usagef("name one by its id", "%q names %d teams and plans: %s", name, len(list), strings.Join(names, ", "))
	}
	return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("no team or plan called %q", name),
		Hint: "the teams are listed by", Fix: &binder.Fix{Action: binder.ActionList, Kind: "team"}}
}

// personJSON is a place in a call tree, for --json.
type personJSON struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Role          string       `json:"role,omitempty"`
	CalledBy      string       `json:"called_by,omitempty"`
	Phones        []string     `json:"phones"`
	Alternates    []personJSON `json:"alternates"`
	IfUnreachable string       `json:"if_unreachable,omitempty"`
	Calls         []personJSON `json:"calls"`
}

type treeJSON struct {
	Team      string       `json:"team,omitempty"`
	Name      string       `json:"name"`
	Explicit  bool         `json:"explicit"`
	Roots     []personJSON `json:"roots"`
	Unreached []string     `json:"unreached"`
}

// phoneLines are a contact's numbers, each "label number".
func phoneLines(c *binder.Record) []string {
	out := []string{}
	for _, p := range c.Rows("phones") {
		out = append(out, strings.TrimSpace(p.Text("label")+" "+p.Text("number")))
	}
	return out
}

func personOf(p *calltree.Person) personJSON {
	j := personJSON{ID: p.Contact.ID, Name: p.Contact.Title, Role: p.Role, Phones: phoneLines(p.Contact), IfUnreachable: p.IfUnreachable,
		Alternates: []personJSON{}, Calls: []personJSON{}}
	if p.Caller != nil {
		j.CalledBy = p.Caller.ID
	}
	for _, a := range p.Alternates {
		j.Alternates = append(j.Alternates, personJSON{ID: a.ID, Name: a.Title, Phones: phoneLines(a), Alternates: []personJSON{}, Calls: []personJSON{}})
	}
	for _, q := range p.Calls {
		j.Calls = append(j.Calls, personOf(q))
	}
	return j
}

func printCallTrees(c *cli, trees []*calltree.Tree, none string) error {
	if c.asJSON {
		out := []treeJSON{}
		for _, t := range trees {
			j := treeJSON{Name: t.Name, Explicit: t.Explicit, Roots: []personJSON{}, Unreached: []string{}}
			if t.Team != nil {
				j.Team = t.Team.ID
			}
			for _, p := range t.Roots {
				j.Roots = append(j.Roots, personOf(p))
			}
			for _, r := range t.Unreached {
				j.Unreached = append(j.Unreached, r.ID)
			}
			out = append(out, j)
		}
		return c.printJSON(out)
	}
	if len(trees) == 0 {
		fmt.Fprintln(c.stderr, "gobag: no call tree: "+none)
		return nil
	}
	out := bufio.NewWriter(c.stdout)
	for i, t := range trees {
		if i > 0 {
			fmt.Fprintln(out)
		}
		writeCallTree(out, t)
	}
	return out.Flush()
}

// maxIndent is how many levels of a call tree are indented: deeper, the
// number alone says where someone is.
const maxIndent = 8

func writeCallTree(w io.Writer, t *calltree.Tree) {
	how := "from the team: authority, lead, then members"
	switch {
	case t.Team == nil:
		how = "each called first"
	case t.Explicit:
		how = "from its call_tree rows"
	}
	fmt.Fprintf(w, "%s (%s)\n", t.Name, how)
	if len(t.Roots) == 0 {
		fmt.Fprintln(w, "  nobody: the team names no activation authority, lead or members")
	}
	t.WalkNumbered(func(p *calltree.Person, num string) {
		pad := strings.Repeat(" ", 2+2*min(p.Depth, maxIndent))
		head := pad + num + "  " + p.Contact.Title
		if p.Role != "" {
			head += " (" + p.Role + ")"
		}
		if p.Caller != nil {
			head += ", called by " + p.Caller.Title
		}
		fmt.Fprintln(w, head)
		in := pad + "    "
		phones := phoneLines(p.Contact)
		if len(phones) == 0 {
			phones = []string{"no number"}
		}
		fmt.Fprintln(w, in+strings.Join(phones, " · "))
		for j, a := range p.Alternates {
			ap := phoneLines(a)
			if len(ap) == 0 {
				ap = []string{"no number"}
			}
			fmt.Fprintf(w, "%sinstead %d: %s  %s\n", in, j+1, a.Title, strings.Join(ap, " · "))
		}
		if p.IfUnreachable != "" {
			fmt.Fprintf(w, "%sif nobody answers: %s\n", in, oneLine(p.IfUnreachable))
		} else if len(p.Alternates) == 0 {
			fmt.Fprintf(w, "%sif nobody answers: NOTHING SAID (no alternate, no instruction)\n", in)
		}
	})
	if names := t.UnreachedNames(); len(names) > 0 {
		fmt.Fprintf(w, "  NOT REACHED by the tree: %s\n", strings.Join(names, ", "))
	}
}

func newProgrammeCommand() *Command {
	cmd := newCommand("gobag programme [YEAR]", "the exercise programme of a year: which plans are exercised when, by which type", `
Programme prints the exercise programme of YEAR (this year by default):
each plan with its exercises month by month, by type, held or planned,
then every exercise of the year with its date, type, status and plans.
A planned exercise never counts as held; one whose day has passed and is
not recorded as held or cancelled is marked. An exercise is planned by
adding it with status=planned and its date; once held, its status
becomes held and its body the after-action report
(gobag add exercise --template after-action starts one).`)
	cmd.MaxArgs = 1
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		now := time.Now()
		year := now.Year()
		if len(args) == 1 {
			y, err := strconv.Atoi(args[0])
			if err != nil || y < 1900 || y > 9999 {
				return usagef("give the year as four digits: gobag programme 2027", "programme: %q is not a year", args[0])
			}
			year = y
		}
		recs, err := b.RecordsOf(ctx, "plan", "exercise")
		if err != nil {
			return err
		}
		return printProgramme(c, programme.Programme(binder.CanonicalAll(recs), year, now))
	}
	return cmd
}

func printProgramme(c *cli, y programme.Year) error {
	if c.asJSON {
		type sessionJSON struct {
			Exercise string   `json:"exercise"`
			Title    string   `json:"title"`
			Date     string   `json:"date,omitempty"`
			Type     string   `json:"type,omitempty"`
			State    string   `json:"state"`
			Overdue  bool     `json:"overdue"`
			Plans    []string `json:"plans"`
		}
		type rowJSON struct {
			Plan   string            `json:"plan"`
			Title  string            `json:"title"`
			Held   int               `json:"held"`
			Months [12][]sessionJSON `json:"months"`
		}
		sj := func(s programme.Session) sessionJSON {
			j := sessionJSON{Exercise: s.Exercise.ID, Title: s.Exercise.Title, Type: s.Type, State: s.State, Overdue: s.Overdue, Plans: s.Exercise.Links("plans")}
			if !s.Date.IsZero() {
				j.Date = s.Date.Format("2006-01-02")
			}
			if j.Plans == nil {
				j.Plans = []string{}
			}
			return j
		}
		out := struct {
			Year    int           `json:"year"`
			Plans   []rowJSON     `json:"plans"`
			NoPlan  []sessionJSON `json:"no_plan"`
			Undated []sessionJSON `json:"undated"`
		}{Year: y.Year, Plans: []rowJSON{}, NoPlan: []sessionJSON{}, Undated: []sessionJSON{}}
		for _, r := range y.Plans {
			row := rowJSON{Plan: r.Plan.ID, Title: r.Plan.Title, Held: r.Held}
			for m := range r.Months {
				row.Months[m] = []sessionJSON{}
				for _, s := range r.Months[m] {
					row.Months[m] = append(row.Months[m], sj(s))
				}
			}
			out.Plans = append(out.Plans, row)
		}
		for _, s := range y.NoPlan {
			out.NoPlan = append(out.NoPlan, sj(s))
		}
		for _, s := range y.Undated {
			out.Undated = append(out.Undated, sj(s))
		}
		return c.printJSON(out)
	}
	out := bufio.NewWriter(c.stdout)
	tw := tabwriter.NewWriter(out, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "Exercise programme %d\tJan\tFeb\tMar\tApr\tMay\tJun\tJul\tAug\tSep\tOct\tNov\tDec\theld\n", y.Year)
	for _, r := range y.Plans {
		fmt.Fprint(tw, r.Plan.Title)
		for m := range r.Months {
			fmt.Fprint(tw, "\t"+or(programme.Cell(r.Months[m]), "."))
		}
		fmt.Fprintf(tw, "\t%d\n", r.Held)
	}
	if len(y.Plans) == 0 {
		fmt.Fprintln(tw, "(no plans)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "Upper case: held; lower case: planned; !: planned, day passed, not recorded; -: cancelled.")
	fmt.Fprintln(out, "W walkthrough, T tabletop, S seminar, K workshop, G game, D drill, F functional, X full-scale.")
	sessions := y.Sessions()
	if len(sessions) > 0 {
		fmt.Fprintln(out)
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "date\ttype\tstatus\texercise\tplans")
		for _, s := range sessions {
			date, state := "undated", s.State
			if !s.Date.IsZero() {
				date = s.Date.Format("2006-01-02")
			}
			if s.Overdue {
				state += " (day passed)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\t%d\n", date, or(s.Type, "-"), state, s.Exercise.Title, shortID(s.Exercise.ID), len(s.Exercise.Links("plans")))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return out.Flush()
}

func newRisksCommand() *Command {
	cmd := newCommand("gobag risks", "the risk register: each risk's inherent and residual rating, treatment, owner and review", `
Risks prints the risk register, worst residual risk first: each risk with
its inherent rating (likelihood × impact before controls, 1 to 25), its
residual rating (with the controls in place), its band (low, medium,
high, critical: high from the binder's risk_high, 10 by default), its
treatment, owner, next review and the plans that answer it.`)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		recs, err := b.RecordsOf(ctx, "risk", "binder")
		if err != nil {
			return err
		}
		for _, kind := range []string{"contact", "plan"} {
			named, err := b.Titled(ctx, kind)
			if err != nil {
				return err
			}
			recs = append(recs, named...)
		}
		var risks []*binder.Record
		var settings *binder.Record
		byID := map[string]*binder.Record{}
		for _, r := range binder.CanonicalAll(recs) {
			byID[r.ID] = r
			switch r.Kind {
			case "risk":
				risks = append(risks, r)
			case "binder":
				settings = r
			}
		}
		high := programme.HighFrom(settings)
		programme.SortByResidual(risks)
		type riskJSON struct {
			ID         string           `json:"id"`
			Title      string           `json:"title"`
			Inherent   programme.Rating `json:"inherent"`
			Residual   programme.Rating `json:"residual"`
			Band       string           `json:"band"`
			Treatment  string           `json:"treatment,omitempty"`
			Owner      string           `json:"owner,omitempty"`
			NextReview string           `json:"next_review,omitempty"`
			Plans      []string         `json:"plans"`
		}
		var rows []riskJSON
		for _, r := range risks {
			j := riskJSON{ID: r.ID, Title: r.Title, Inherent: programme.Inherent(r), Residual: programme.Residual(r), Treatment: r.Text("treatment"), Plans: []string{}}
			j.Band = j.Residual.Band(high)
			if o := byID[r.Link("owner")]; o != nil {
				j.Owner = o.Title
			}
			if d, ok := r.Date("next_review"); ok {
				j.NextReview = d.Format("2006-01-02")
			}
			for _, id := range r.Links("plans") {
				if p := byID[id]; p != nil {
					j.Plans = append(j.Plans, p.Title)
				}
			}
			rows = append(rows, j)
		}
		if c.asJSON {
			if rows == nil {
				rows = []riskJSON{}
			}
			return c.printJSON(rows)
		}
		if len(rows) == 0 {
			fmt.Fprintln(c.stderr, "gobag: no risks: gobag add risk records one")
			return nil
		}
		out := bufio.NewWriter(c.stdout)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "risk\tinherent\tresidual\ttreatment\towner\treview\tplans")
		for _, j := range rows {
			fmt.Fprintf(tw, "%s (%s)\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Title, shortID(j.ID), j.Inherent, j.Residual.Words(high), or(j.Treatment, "-"), or(j.Owner, "-"),
				or(j.NextReview, "-"), or(strings.Join(j.Plans, "; "), "-"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		return out.Flush()
	}
	return cmd
}

// printByStandard writes a readiness report laid out by the clauses of
// the standards its rules come from.
func printByStandard(c *cli, rep *readiness.Report, keep func(readiness.Finding) bool) error {
	by := readiness.ByStandard(rep, keep)
	if c.asJSON {
		return c.printJSON(struct {
			Checked time.Time                `json:"checked"`
			Records int                      `json:"records"`
			Clauses []readiness.ClauseReport `json:"clauses"`
		}{rep.Checked, rep.Records, by})
	}
	out := bufio.NewWriter(c.stdout)
	checked, failing, hidden := 0, 0, 0
	var uncovered []string
	for _, cl := range by {
		fmt.Fprintf(out, "%s  %s\n", cl.Clause.ID, cl.Clause.Title)
		switch {
		case len(cl.Rules) == 0:
			fmt.Fprintln(out, "    no rule checks it")
			uncovered = append(uncovered, cl.Clause.ID)
			continue
		case cl.Clear():
			fmt.Fprintf(out, "    clear: %s\n", strings.Join(cl.Rules, ", "))
		case len(cl.Findings) == 0:
			hidden++
			fmt.Fprintf(out, "    %s not shown (filtered out) from %s\n", count(cl.Hidden, "finding", "findings"), strings.Join(cl.Rules, ", "))
		default:
			failing++
			fmt.Fprintf(out, "    %s from %s\n", count(len(cl.Findings), "finding", "findings"), strings.Join(cl.Rules, ", "))
			for _, f := range cl.Findings {
				where := "binder"
				if f.Record != "" {
					where = fmt.Sprintf("%s %q (%s)", f.Kind, f.Title, shortID(f.Record))
				}
				fmt.Fprintf(out, "    %-7s %s  %s: %s\n", strings.ToUpper(f.Severity), f.Rule, where, f.Message)
			}
		}
		checked++
	}
	filtered := ""
	if hidden > 0 {
		filtered = fmt.Sprintf(", %d with findings filtered out", hidden)
	}
	fmt.Fprintf(out, "%d of %d clauses are checked by a rule, %d of them with findings shown%s; no rule checks %s\n",
		checked, len(by), failing, filtered, or(strings.Join(uncovered, ", "), "-"))
	return out.Flush()
}
