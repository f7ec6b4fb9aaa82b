package readiness

import (
	"fmt"
	"strings"
	"time"

	"gobag/binder"
	"gobag/binder/calltree"
	"gobag/binder/programme"
)

// The rules of the continuity programme around the plans: risks, sites,
// documents, requirements, the policy, action items, the exercise
// programme and the call trees.

// held returns the exercises among es held on or before now.
func (c *checker) held(es []*binder.Record) []*binder.Record {
	var out []*binder.Record
	for _, e := range es {
		if d, ok := e.Date("date"); ok && !d.After(c.today()) && programme.ExerciseState(e, c.now) == programme.Held {
			out = append(out, e)
		}
	}
	return out
}

// exercisesOf returns the exercises that exercise plan p, from an index
// built once: a check reads each exercise once, not once per plan.
func (c *checker) exercisesOf(p *binder.Record) []*binder.Record {
	if c.exercisesByPlan == nil {
		c.exercisesByPlan = map[string][]*binder.Record{}
		for _, e := range c.byKind["exercise"] {
			for _, id := range e.Links("plans") {
				if list := c.exercisesByPlan[id]; len(list) == 0 || list[len(list)-1] != e {
					c.exercisesByPlan[id] = append(list, e)
				}
			}
		}
	}
	return c.exercisesByPlan[p.ID]
}

// today is the day of now, as date fields hold a day.
func (c *checker) today() time.Time { return programme.Today(c.now) }

// activePlans are the plans not retired.
func (c *checker) activePlans() []*binder.Record {
	var out []*binder.Record
	for _, p := range c.byKind["plan"] {
		if p.Text("status") != "retired" {
			out = append(out, p)
		}
	}
	return out
}

// planProgramme: each plan has an exercise planned within the exercise
// period.
func (c *checker) planProgramme(p *binder.Record) {
	until := c.today().AddDate(0, c.set.ExerciseMonths, 0)
	for _, e := range c.exercisesOf(p) {
		d, ok := e.Date("date")
		if ok && programme.ExerciseState(e, c.now) == programme.Planned && !d.Before(c.today()) && !d.After(until) {
			return
		}
	}
	c.add("exercise.none-planned", p, add("exercise", "plans", p.ID, "plan its next exercise: a date, a type and who takes part",
		set("status", programme.Planned), set("type", "tabletop"), set("date", day(c.today().AddDate(0, c.set.ExerciseMonths/2, 0)))),
		"no exercise of the plan is planned in the next %d months", c.set.ExerciseMonths)
}

// exerciseRecords: a planned exercise whose day has passed, and a held
// exercise with no after-action report.
func (c *checker) exerciseRecords() {
	for _, e := range c.byKind["exercise"] {
		d, dated := e.Date("date")
		state := programme.ExerciseState(e, c.now)
		fixDate := edit(e, "date", "", "give it the day it was held, or is planned for")
		switch {
		case state == programme.Held && !dated:
			c.add("exercise.misdated", e, fixDate, "held, but has no date: it counts as no plan's exercise")
		case state == programme.Held && d.After(c.today()):
			c.add("exercise.misdated", e, edit(e, "status", programme.Planned, "an exercise still to come is planned; record it as held once it has been"),
				"recorded as held, but dated %s, still to come", day(d))
		case state == programme.Planned && !dated:
			c.add("exercise.misdated", e, fixDate, "planned, but has no date: it is not scheduled")
		}
		switch state {
		case programme.Planned:
			if dated && d.Before(c.today()) {
				c.add("exercise.planned-past", e, edit(e, "status", programme.Held, "once held, record it as held with its after-action report; else cancel it or give it a new date"),
					"planned for %s, and not recorded as held or cancelled", day(d))
			}
		case programme.Held:
			if !reportWritten(e) {
				f := edit(e, "body", "", "write the after-action report: what went well, what did not, and the improvements with owners and dates")
				f.Template = binder.AfterActionTemplate
				c.add("exercise.no-report", e, f, "held, but has no after-action report: no results, findings or report")
			}
		}
	}
}

// reportWritten reports whether an exercise says how it went: results,
// findings, or a body with more than guidance.
func reportWritten(e *binder.Record) bool {
	if strings.TrimSpace(e.Text("results")) != "" || len(e.Strings("findings")) > 0 {
		return true
	}
	sections := binder.ParseSections(e.Body)
	if len(sections) == 0 {
		return strings.TrimSpace(e.Body) != ""
	}
	for _, s := range sections {
		if !s.Empty {
			return true
		}
	}
	return false
}

// actions: every action item, whichever record holds it.
func (c *checker) actions() {
	for _, a := range programme.Actions(c.recordsOf(programme.ActionKinds()...)) {
		if !a.Open() {
			continue
		}
		r := c.live(a.Record)
		owner := c.live(a.Owner)
		due, hasDue := a.DueDate()
		if owner == nil || !hasDue {
			var lacks []string
			if owner == nil {
				lacks = append(lacks, "no owner")
			}
			if !hasDue {
				lacks = append(lacks, "no due date")
			}
			c.add("action.incomplete", r, edit(r, "actions", "", fmt.Sprintf("give action %d an owner and a due date", a.Row)),
				"action %d, %q, has %s: nobody is sure to carry it out", a.Row, a.Text, strings.Join(lacks, " and "))
		}
		if !a.Overdue(c.now) {
			continue
		}
		by := ""
		if owner != nil {
			by = " (owner " + owner.Title + ")"
		}
		c.add("action.overdue", r, edit(r, "actions", "", "finish it and set its status to done, or agree a new due date"),
			"action %d, %q%s, was due on %s and is %s", a.Row, a.Text, by, day(due), a.Status)
	}
}

// risks: the scenarios that apply are assessed; high residual risks are
// treated and answered by a plan; every risk is rated and reviewed.
func (c *checker) risks() {
	applies := map[string]bool{}
	for _, r := range c.recordsOf("runbook", "incident") {
		for _, s := range append(r.Strings("scenarios"), r.Text("scenario")) {
			applies[s] = true
		}
	}
	for _, p := range c.activePlans() {
		for _, s := range p.Strings("scenarios") {
			applies[s] = true
		}
	}
	assessed := map[string]bool{}
	for _, r := range c.byKind["risk"] {
		for _, s := range r.Strings("scenarios") {
			assessed[s] = true
		}
	}
	for _, s := range binder.Scenarios {
		if applies[s] && !assessed[s] {
			c.add("risk.unassessed", nil, add("risk", "scenarios", s, "assess the risk: what it affects, how likely, how bad, and how it is treated"),
				"the %s scenario is planned for, but no risk assessment covers it", strings.ReplaceAll(s, "-", " "))
		}
	}
	var settings *binder.Record
	if s := c.byKind["binder"]; len(s) > 0 {
		settings = s[0]
	}
	high := programme.HighFrom(settings)
	for _, r := range c.byKind["risk"] {
		inherent, residual := programme.Inherent(r), programme.Residual(r)
		if !inherent.Rated() {
			c.add("risk.unrated", r, edit(r, "likelihood", "", "rate how likely it is and how bad it would be, from 1 to 5 each", set("impact", "")),
				"risk has no likelihood or no impact, so its rating is unknown")
		}
		if residual.Rated() && residual.Score >= high {
			var lacks []string
			field := "plans"
			if r.Text("treatment") == "" {
				lacks, field = append(lacks, "no treatment"), "treatment"
			}
			if len(c.liveLinks(r, "plans")) == 0 {
				lacks = append(lacks, "no plan that answers it")
			}
			if len(lacks) > 0 {
				c.add("risk.untreated", r, edit(r, field, "", "decide its treatment (reduce, transfer, avoid or accept) and link the plans that answer it"),
					"residual rating %d of 25 (%s), but it has %s", residual.Score, residual.Band(high), strings.Join(lacks, " and "))
			}
		}
		next, ok := reviewDate(r, "assessed", c.set.RiskMonths)
		fix := edit(r, "next_review", day(c.today().AddDate(0, c.set.RiskMonths, 0)), "reassess the risk, set when it was assessed and when it must next be reviewed",
			set("assessed", day(c.today())))
		switch {
		case !ok:
			c.add("risk.review-overdue", r, fix, "risk has no review date and no assessment date")
		case next.Before(c.today()):
			c.add("risk.review-overdue", r, fix, "risk was due for review on %s", day(next))
		}
	}
}

// sites: a critical system has an alternate site far enough from its
// primary; no site takes more than it holds.
func (c *checker) sites() {
	for _, s := range c.byKind["system"] {
		if !critical(s) {
			continue
		}
		alt, primary := c.site(s.Link("alternate_site")), c.site(s.Link("primary_site"))
		fixAlt := edit(s, "alternate_site", "", "name the site it is recovered at, far enough from its primary to escape the same disaster")
		switch {
		case alt == nil:
			c.add("site.no-alternate", s, fixAlt, "critical system has no alternate site: losing its site loses it")
		case primary == nil:
			c.add("site.no-alternate", s, edit(s, "primary_site", "", "name the site it runs at, so that its alternate's distance can be checked"),
				"critical system's primary site is not recorded, so its alternate site %s cannot be shown to be far enough away", titled(alt))
		case alt.ID == primary.ID:
			c.add("site.no-alternate", s, fixAlt, "critical system's alternate site is its primary site, %s", titled(primary))
		default:
			km, known := distance(primary, alt)
			switch {
			case !known:
				c.add("site.no-alternate", s, edit(alt, "distance_km", "", "record the distance from the primary site", set("backs_up", primary.ID)),
					"the distance of alternate site %s from primary site %s is not recorded", titled(alt), titled(primary))
			case km < int64(c.set.SiteDistanceKm):
				c.add("site.no-alternate", s, fixAlt, "alternate site %s is %d km from primary site %s, closer than the %d km required: one disaster may take both",
					titled(alt), km, titled(primary), c.set.SiteDistanceKm)
			}
		}
	}
	c.siteCapacity()
}

// site returns the live site with id, if any.
func (c *checker) site(id string) *binder.Record {
	if r := c.live(id); r != nil && r.Kind == "site" {
		return r
	}
	return nil
}

// distance is how far apart two sites are, from whichever of them
// records its distance from the other.
func distance(a, b *binder.Record) (int64, bool) {
	if b.Link("backs_up") == a.ID {
		return b.Int("distance_km")
	}
	if a.Link("backs_up") == b.ID {
		return a.Int("distance_km")
	}
	return 0, false
}

// siteCapacity: the systems a site hosts, with those it takes over when
// the worst one of the sites it stands in for is lost, fit its capacity;
// the teams it seats fit its seats.
func (c *checker) siteCapacity() {
	normal := map[string]int{}
	failover := map[string]map[string]int{} // site → lost primary → systems
	for _, s := range c.byKind["system"] {
		p, a := c.site(s.Link("primary_site")), c.site(s.Link("alternate_site"))
		if p != nil {
			normal[p.ID]++
		}
		if a != nil && p != nil && a.ID != p.ID {
			if failover[a.ID] == nil {
				failover[a.ID] = map[string]int{}
			}
			failover[a.ID][p.ID]++
		}
	}
	for _, st := range c.byKind["site"] {
		if capacity, ok := st.Int("capacity"); ok {
			worst, lost := 0, ""
			for p, n := range failover[st.ID] {
				if n > worst || n == worst && p < lost {
					worst, lost = n, p
				}
			}
			if total := normal[st.ID] + worst; int64(total) > capacity {
				msg := fmt.Sprintf("hosts %d %s, more than its capacity of %d", normal[st.ID], plural(normal[st.ID], "system", "systems"), capacity)
				if worst > 0 {
					msg = fmt.Sprintf("hosts %d %s and takes %d more when %s is lost: %d, more than its capacity of %d",
						normal[st.ID], plural(normal[st.ID], "system", "systems"), worst, titled(c.live(lost)), total, capacity)
				}
				c.add("site.over-capacity", st, edit(st, "capacity", "", "add capacity, or move some systems' recovery to another site"), "%s", msg)
			}
		}
		if seats, ok := st.Int("seats"); ok {
			people := map[string]bool{}
			for _, t := range c.liveLinks(st, "teams") {
				for _, id := range append([]string{t.Link("lead"), t.Link("alternate_lead")}, t.Links("members")...) {
					if c.live(id) != nil {
						people[id] = true
					}
				}
			}
			if int64(len(people)) > seats {
				c.add("site.over-capacity", st, edit(st, "seats", "", "add seats, or send some teams to another site"),
					"the teams it takes number %d people, more than its %d seats", len(people), seats)
			}
		}
	}
}

// documents: each is reviewed within its period.
func (c *checker) documents() {
	for _, d := range c.byKind["document"] {
		months := c.set.DocumentMonths
		if n, ok := d.Int("review_months"); ok && n > 0 {
			months = int(n)
		}
		fix := edit(d, "reviewed", day(c.today()), "check it is still right (and its sha256, if recorded), then set the date")
		c.within("document.review-overdue", d, fix, mustDate(d, "reviewed"), months, "document was never reviewed", "document was last reviewed")
	}
}

func mustDate(r *binder.Record, field string) time.Time {
	d, _ := r.Date(field)
	return d
}

// requirements: every requirement is covered by a plan; every plan and
// system meets the requirements it links to; every plan links one.
func (c *checker) requirements() {
	covered := map[string]bool{}
	for _, p := range c.activePlans() {
		reqs := c.liveLinks(p, "requirements")
		if len(reqs) == 0 {
			c.add("plan.no-requirement", p, edit(p, "requirements", "", "link the legal, regulatory and contractual requirements the plan meets"),
				"plan is linked to no requirement: nothing says which obligations it meets")
		}
		for _, r := range reqs {
			covered[r.ID] = true
			c.meets(p, r)
		}
	}
	for _, s := range c.byKind["system"] {
		for _, r := range c.liveLinks(s, "requirements") {
			c.meets(s, r)
		}
	}
	for _, r := range c.byKind["requirement"] {
		if !covered[r.ID] {
			c.add("requirement.uncovered", r, add("plan", "requirements", r.ID, "link the plan that meets it, or write one"),
				"no plan is linked to the requirement: nothing shows it is met")
		}
	}
}

// meets checks x, a plan or a system, against requirement req's terms.
func (c *checker) meets(x, req *binder.Record) {
	systems := []*binder.Record{x}
	if x.Kind == "plan" {
		systems = c.liveLinks(x, "systems")
	}
	var short []string
	for _, term := range []struct{ field, name string }{{"max_rto", "RTO"}, {"max_rpo", "RPO"}} {
		limit, ok := req.Duration(term.field)
		if !ok {
			continue
		}
		for _, s := range systems {
			got, has := s.Duration(strings.ToLower(term.name))
			switch {
			case !has:
				short = append(short, fmt.Sprintf("%s %s has no %s to hold to its %s", s.Kind, titled(s), term.name, binder.FormatDuration(limit)))
			case got > limit:
				short = append(short, fmt.Sprintf("%s %s has an %s of %s, over its %s", s.Kind, titled(s), term.name, binder.FormatDuration(got), binder.FormatDuration(limit)))
			}
		}
	}
	if x.Kind == "plan" {
		if n, ok := req.Int("exercise_months"); ok && n > 0 {
			last := latest(c.held(c.exercisesOf(x)), "date", c.today())
			if last.IsZero() || last.Before(c.now.AddDate(0, -int(n), 0)) {
				short = append(short, fmt.Sprintf("it must be exercised every %d months and was %s", n, lastWord(last)))
			}
		}
		if n, ok := req.Int("review_months"); ok && n > 0 {
			approved, isApproved := x.Date("approved_on")
			if !isApproved || approved.Before(c.now.AddDate(0, -int(n), 0)) {
				short = append(short, fmt.Sprintf("it must be approved again every %d months and was %s", n, lastWord(mustDate(x, "approved_on"))))
			}
		}
	}
	if len(short) > 0 {
		c.add("requirement.not-met", x, edit(x, "requirements", "", fmt.Sprintf("bring it within %s, or agree the requirement's terms again", titled(req))),
			"does not meet requirement %s: %s", titled(req), strings.Join(short, "; "))
	}
}

// maxNamed is how many names a finding lists before it counts the rest.
const maxNamed = 10

// someOf lists names, the first maxNamed of them and how many more.
func someOf(names []string) string {
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
}

func lastWord(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return "last on " + day(t)
}

// policy: an approved continuity policy, reviewed in time.
func (c *checker) policy() {
	var approved, drafts []*binder.Record
	for _, p := range c.byKind["policy"] {
		switch p.Text("status") {
		case "approved":
			approved = append(approved, p)
		case "retired":
		default:
			drafts = append(drafts, p)
		}
	}
	if len(approved) == 0 {
		if len(drafts) > 0 {
			p := drafts[0]
			c.add("policy.none", p, edit(p, "status", "approved", "have top management approve it", set("approved_by", ""), set("approved_on", day(c.today()))),
				"the continuity policy is %s, not approved", orWord(p.Text("status"), "of no status"))
		} else {
			c.add("policy.none", nil, add("policy", "status", "draft", "write the continuity policy (scope, objectives, who is responsible) and have it approved"),
				"no continuity policy: nothing sets the programme's scope and objectives")
		}
	}
	for _, p := range approved {
		next, ok := reviewDate(p, "approved_on", c.set.ReviewMonths)
		fix := edit(p, "next_review", day(c.today().AddDate(0, c.set.ReviewMonths, 0)), "review the policy, have it approved again and set its next review date")
		switch {
		case !ok:
			c.add("policy.review-overdue", p, fix, "policy has no review date and no approval date")
		case next.Before(c.today()):
			c.add("policy.review-overdue", p, fix, "policy was due for review on %s", day(next))
		}
	}
}

// callTrees: everyone in a team's call tree has an alternate or an
// instruction for when they cannot be reached, and the tree reaches the
// whole team.
func (c *checker) callTrees() {
	get := func(id string) *binder.Record { return c.live(id) }
	for _, t := range c.byKind["team"] {
		tree := calltree.ForTeam(t, get)
		var dead []string
		tree.Walk(func(p *calltree.Person) {
			if p.DeadEnd() {
				dead = append(dead, titled(p.Contact))
			}
		})
		if len(dead) > 0 {
			c.add("calltree.dead-end", t, edit(t, "if_unreachable", "", "say what to do when someone cannot be reached (or give them alternates)"),
				"in its call tree, %s %s no alternate, and nothing says what to do when they cannot be reached",
				someOf(dead), plural(len(dead), "has", "have"))
		}
		if len(tree.Unreached) > 0 {
			c.add("calltree.unreachable", t, edit(t, "call_tree", "", "add a row that calls each of them, from someone the tree reaches"),
				"its call tree never reaches %s", someOf(joinTitles(tree.Unreached)))
		}
	}
}
