package readiness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gobag/binder"
	"gobag/binder/recovery"
)

// The rules, one method per kind of record. Each finding carries a fix
// built by edit or add below: the record and field to change, or the kind
// of record to add, with a suggested value where one can be known.

// edit is the fix that changes field of r: to value if one can be
// suggested, else in the editor. note says in words what to do.
func edit(r *binder.Record, field, value, note string, more ...binder.FieldValue) *binder.Fix {
	return &binder.Fix{Action: binder.ActionEdit, Record: r.ID, Kind: r.Kind, Field: field, Value: value, Set: more, Note: note}
}

// add is the fix that adds a record of kind, with field = value (and
// more) suggested.
func add(kind, field, value, note string, more ...binder.FieldValue) *binder.Fix {
	return &binder.Fix{Action: binder.ActionAdd, Kind: kind, Field: field, Value: value, Set: more, Note: note}
}

func set(field, value string) binder.FieldValue { return binder.FieldValue{Field: field, Value: value} }

// live returns the live record with id, if any.
func (c *checker) live(id string) *binder.Record { return c.byID[id] }

func (c *checker) monthsAgo(n int) time.Time { return c.now.AddDate(0, -n, 0) }

func day(t time.Time) string { return t.Format("2006-01-02") }

func short(id string) string { return id[:min(len(id), 10)] }

func titled(r *binder.Record) string { return fmt.Sprintf("%q", r.Title) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinTitles(rs []*binder.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, titled(r))
	}
	return out
}

// article puts "a" or "an" before a noun phrase.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func orWord(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// records: stored records that do not validate, dangling and mistyped
// links.
func (c *checker) records() {
	for _, k := range binder.Kinds {
		// The kind's link fields by name, worked out once per kind rather
		// than once per link.
		fields := map[string]binder.Field{}
		for _, f := range k.LinkFields() {
			fields[f.Name] = f
		}
		for _, r := range c.byKind[k.Name] {
			if len(r.Conflicts) > 0 {
				var fields []string
				for _, c := range r.Conflicts {
					fields = append(fields, c.Field)
				}
				c.add("record.conflict", r, &binder.Fix{Action: binder.ActionResolve, Record: r.ID, Kind: r.Kind, Note: "compare both values and keep one, or write the right one"},
					"unresolved %s: %s", plural(len(fields), "conflict", "conflicts"), strings.Join(fields, ", "))
			}
			if err := c.invalid[r.ID]; err != nil {
				field := ""
				var fe *binder.FieldError
				if errors.As(err, &fe) {
					field = fe.Field
				}
				c.add("record.invalid", r, edit(r, field, "", "correct the field: "+binder.HintOf(err)), "%v", err)
			}
			for _, l := range binder.OutLinks(r) {
				t := c.live(l.ID)
				field, _, _ := strings.Cut(l.Field, ".")
				if t == nil {
					c.add("link.dangling", r, edit(r, field, "", "link an existing record, or remove the link"),
						"field %s links to %s, which does not exist (deleted, or not yet synced)", l.Field, short(l.ID))
					continue
				}
				f := fields[l.Field]
				if len(f.Targets) > 0 && !slices.Contains(f.Targets, t.Kind) {
					c.add("link.wrong-kind", r, edit(r, field, "", fmt.Sprintf("field %s takes %s records", l.Field, strings.Join(f.Targets, " or "))),
						"field %s links to %s %s, a %s", l.Field, t.Kind, titled(t), t.Kind)
				}
			}
		}
	}
}

func (c *checker) plans() {
	active := 0
	for _, p := range c.byKind["plan"] {
		if p.Text("status") == "retired" {
			continue
		}
		active++
		c.planSections(p)
		if p.Text("status") != "approved" {
			c.add("plan.not-approved", p, edit(p, "status", "approved", "once it has been approved", set("approved_by", ""), set("approved_on", day(c.now))),
				"plan is %s, not approved", orWord(p.Text("status"), "of no status"))
		}
		next, hasNext := reviewDate(p, "approved_on", c.set.ReviewMonths)
		approved, isApproved := p.Date("approved_on")
		nextDue := day(c.now.AddDate(0, c.set.ReviewMonths, 0))
		switch {
		case !hasNext:
			c.add("plan.no-review-date", p, edit(p, "next_review", nextDue, "the date it must next be reviewed by"), "plan has no review date and no approval date")
		case next.Before(c.now):
			c.add("plan.review-overdue", p, edit(p, "next_review", nextDue, "review the plan, then set its next review date and add a row to its changes"),
				"plan was due for review on %s", day(next))
		}
		if isApproved {
			c.planChangedSince(p, approved)
		}
		if len(p.Rows("changes")) == 0 {
			c.add("plan.no-changes", p, edit(p, "changes", "", "add a row (date, version, by, summary) for each change"),
				"plan has no record of changes")
		}
		c.planExercised(p)
	}
	if active == 0 {
		c.add("plan.none", nil, &binder.Fix{Action: binder.ActionAdd, Kind: "plan", Template: "bcp", Note: "develop and document a business continuity plan from the template, then test it"},
			"no continuity plan: the organisation has not developed or documented one")
	}
}

// planChangedSince flags a plan whose systems, runbooks or teams were
// edited after it was approved: policy asks for plans kept current after
// changes (a system's RTO, a runbook's steps, a team's members), so each
// such edit calls for a review. A record first written after the approval
// is not an edit of what was approved.
func (c *checker) planChangedSince(p *binder.Record, approved time.Time) {
	cutoff := approved.AddDate(0, 0, 1) // approved_on is a day: count changes from the day after
	var changed []string
	for _, field := range []string{"systems", "runbooks", "teams"} {
		for _, r := range c.liveLinks(p, field) {
			if r.Rev > 1 && r.Updated.After(cutoff) {
				changed = append(changed, fmt.Sprintf("%s %s (%s)", r.Kind, titled(r), day(r.Updated)))
			}
		}
	}
	if len(changed) > 0 {
		c.add("plan.changed-since-approval", p, edit(p, "changes", "", "review the plan against the changes, add a row to its changes and have it approved again"),
			"approved on %s, but %s changed since: %s", day(approved), plural(len(changed), "a record it covers has", "records it covers have"), strings.Join(changed, "; "))
	}
}

func (c *checker) planSections(p *binder.Record) {
	typ := p.Text("type")
	req := binder.RequiredSections(typ)
	if len(req) == 0 {
		return
	}
	have := map[string]binder.Section{}
	for _, s := range binder.ParseSections(p.Body) {
		if _, dup := have[binder.SectionKey(s.Title)]; !dup {
			have[binder.SectionKey(s.Title)] = s
		}
	}
	var missing, empty []string
	for _, s := range req {
		got, ok := have[binder.SectionKey(s.Title)]
		switch {
		case !ok:
			missing = append(missing, s.Title)
		case got.Empty:
			empty = append(empty, got.Title)
		}
	}
	name := binder.PlanTypeNames[typ]
	if len(missing) > 0 {
		f := edit(p, "body", "", "add a heading for each missing section and write it; the "+name+" template shows them with guidance")
		f.Template = typ
		c.add("plan.section-missing", p, f,
			"%s needs %d %s it lacks: %s", article(name), len(missing), plural(len(missing), "section", "sections"), strings.Join(missing, "; "))
		c.findings[len(c.findings)-1].Clauses = sectionClauses("plan.section-missing", typ, missing)
	}
	if len(empty) > 0 {
		c.add("plan.section-empty", p, edit(p, "body", "", "write the plan's text under each, in place of the guidance"),
			"%d %s only guidance or nothing: %s", len(empty), plural(len(empty), "section holds", "sections hold"), strings.Join(empty, "; "))
		c.findings[len(c.findings)-1].Clauses = sectionClauses("plan.section-empty", typ, empty)
	}
}

// reviewDate is when r must next be reviewed: its next_review, else the
// date in its field since (approved_on, assessed) plus months; false if
// it has neither.
func reviewDate(r *binder.Record, since string, months int) (time.Time, bool) {
	if next, ok := r.Date("next_review"); ok {
		return next, true
	}
	if d, ok := r.Date(since); ok {
		return d.AddDate(0, months, 0), true
	}
	return time.Time{}, false
}

// latest is the latest date in field among rs that is not after now,
// zero if none has one.
func latest(rs []*binder.Record, field string, now time.Time) time.Time {
	var last time.Time
	for _, r := range rs {
		if d, ok := r.Date(field); ok && d.After(last) && !d.After(now) {
			last = d
		}
	}
	return last
}

func (c *checker) planExercised(p *binder.Record) {
	// Only a held exercise counts: a planned one, whatever its date, or
	// one dated after today has not been held.
	last := latest(c.held(c.exercisesOf(p)), "date", c.today())
	fix := add("exercise", "plans", p.ID, "exercise the plan (a walkthrough or tabletop at least) and record it", set("status", "held"), set("type", "tabletop"), set("date", day(c.now)))
	c.within("plan.not-exercised", p, fix, last, c.set.ExerciseMonths, "plan has never been exercised", "plan was last exercised")
	c.planProgramme(p)
}

// within adds a finding of rule when last (zero: never) is not within the
// last months: never says so, stale is followed by the date and period.
func (c *checker) within(rule string, r *binder.Record, fix *binder.Fix, last time.Time, months int, never, stale string) {
	switch {
	case last.IsZero():
		c.add(rule, r, fix, "%s", never)
	case last.Before(c.monthsAgo(months)):
		c.add(rule, r, fix, "%s on %s, more than %d months ago", stale, day(last), months)
	}
}

// contacts checks the contacts that teams and plans name.
func (c *checker) contacts() {
	named := map[string]bool{}
	for _, t := range c.byKind["team"] {
		for _, f := range []string{"lead", "alternate_lead", "activation_authority"} {
			if id := t.Link(f); id != "" {
				named[id] = true
			}
		}
		for _, f := range []string{"members", "succession"} {
			for _, id := range t.Links(f) {
				named[id] = true
			}
		}
	}
	for _, p := range c.byKind["plan"] {
		if p.Text("status") == "retired" {
			continue
		}
		for _, f := range []string{"owner", "approved_by"} {
			if id := p.Link(f); id != "" {
				named[id] = true
			}
		}
		for _, id := range p.Links("contacts") {
			named[id] = true
		}
	}
	for _, r := range c.byKind["contact"] {
		if !named[r.ID] {
			continue
		}
		alive := 0
		for _, a := range r.Links("alternates") {
			if c.live(a) != nil {
				alive++
			}
		}
		if alive == 0 {
			c.add("contact.no-alternate", r, edit(r, "alternates", "", "name who to call instead"),
				"no alternate: nobody to call when they cannot be reached")
		}
		office, other := false, false
		for _, ph := range r.Rows("phones") {
			if ph.Text("label") == "office" {
				office = true
			} else {
				other = true
			}
		}
		if !office {
			c.add("contact.no-office-phone", r, edit(r, "phones", "", "add a number labelled office"), "no office number")
		}
		if !other {
			c.add("contact.no-other-phone", r, edit(r, "phones", "", "add a mobile, home or satellite number"),
				"no number outside the office: unreachable when the office is down")
		}
		verified, ok := r.Date("last_verified")
		fix := edit(r, "last_verified", day(c.now), "check the details with them first")
		switch {
		case !ok:
			c.add("contact.stale", r, fix, "details never verified")
		case verified.Before(c.now.AddDate(0, 0, -c.set.ContactDays)):
			c.add("contact.stale", r, fix, "details last verified on %s, more than %d days ago", day(verified), c.set.ContactDays)
		}
	}
}

func (c *checker) teams() {
	for _, t := range c.byKind["team"] {
		if c.live(t.Link("lead")) == nil {
			c.add("team.no-lead", t, edit(t, "lead", "", "name the contact who leads it"), "team has no lead")
		}
		if c.live(t.Link("alternate_lead")) == nil {
			c.add("team.no-alternate-lead", t, edit(t, "alternate_lead", "", "name the contact who leads it when the lead cannot"), "team has no alternate lead")
		}
		authority := t.Link("activation_authority")
		if c.live(authority) == nil {
			c.add("team.no-succession", t, edit(t, "activation_authority", "", "name who decides to activate the team, then who holds that authority next"),
				"nobody is named to decide to activate the team")
			continue
		}
		// A line of succession must reach someone beyond the lead and
		// the authority itself.
		successors := 0
		for _, id := range t.Links("succession") {
			if id != authority && id != t.Link("lead") && c.live(id) != nil {
				successors++
			}
		}
		if successors == 0 {
			c.add("team.no-succession", t, edit(t, "succession", "", "name, in order, who holds the authority to activate when the authority and the lead cannot"),
				"no line of succession beyond the lead and the activation authority")
		}
	}
}

func (c *checker) vendors() {
	for _, v := range c.byKind["vendor"] {
		obliged, recorded := v.Bool("continuity_obligation")
		switch {
		case !recorded:
			c.add("vendor.no-obligation", v, edit(v, "continuity_obligation", "", "check the contract, then record whether it obliges the vendor"),
				"whether the contract obliges it to meet our continuity requirements is not recorded")
		case !obliged:
			c.add("vendor.no-obligation", v, edit(v, "contract", "", "add continuity requirements to the contract at its next renewal"),
				"the contract does not oblige it to meet our continuity requirements")
		}
		if c.live(v.Link("alternate")) == nil {
			c.add("vendor.no-alternate", v, edit(v, "alternate", "", "identify another supplier, add it as a vendor, and link it here"), "no alternate vendor")
		}
	}
}

func critical(s *binder.Record) bool {
	t, ok := s.Int("tier")
	return ok && t == 1
}

func (c *checker) systems() {
	systems := c.byKind["system"]
	dependedOn := map[string][]*binder.Record{}
	for _, s := range systems {
		for _, d := range s.Links("depends_on") {
			dependedOn[d] = append(dependedOn[d], s)
		}
	}
	for _, s := range systems {
		rto, hasRTO := s.Duration("rto")
		rpo, hasRPO := s.Duration("rpo")
		if mtd, ok := s.Duration("mtd"); ok && hasRTO && rto > mtd {
			c.add("system.rto-exceeds-mtd", s, edit(s, "rto", binder.FormatDuration(mtd), "shorten the RTO (a faster recovery) or agree a longer MTD with the business owner"),
				"RTO %s exceeds MTD %s", binder.FormatDuration(rto), binder.FormatDuration(mtd))
		}
		runbooks := c.liveLinks(s, "runbooks")
		if critical(s) {
			switch {
			case !hasRTO:
				c.add("system.no-objectives", s, edit(s, "rto", "", "agree it with the business owner", set("rpo", "")),
					"critical system has no %s", strings.Join(missingOf(map[string]bool{"RTO": hasRTO, "RPO": hasRPO}), " and no "))
			case !hasRPO:
				c.add("system.no-objectives", s, edit(s, "rpo", "", "agree it with the business owner"), "critical system has no RPO")
			}
			if c.live(s.Link("owner")) == nil {
				c.add("system.no-owner", s, edit(s, "owner", "", "name the contact accountable for it"),
					"critical system has no owner: nobody is accountable for its recovery")
			}
			if len(runbooks) == 0 {
				c.add("system.no-runbook", s, add("runbook", "", "", "write its recovery runbook, then link it from the system's runbooks"),
					"critical system has no recovery runbook")
			}
			if len(c.liveLinks(s, "credentials")) == 0 {
				c.add("system.no-credential", s, add("credential", "systems", s.ID, "record the credentials its recovery needs and escrow them, then link them from the system"),
					"critical system has no escrowed recovery credential: its recovery may need a password only one person knows")
			}
		}
		if every, ok := s.Duration("backup_interval"); ok && hasRPO && every > rpo {
			c.add("system.backup-exceeds-rpo", s, edit(s, "backup_interval", binder.FormatDuration(rpo), "back it up at least this often, or agree a longer RPO"),
				"backed up every %s, but its RPO is %s: a failure can lose more data than allowed", binder.FormatDuration(every), binder.FormatDuration(rpo))
		}
		if critical(s) || s.Text("backup_method") != "" {
			tested, _ := s.Date("last_restore_test")
			fix := edit(s, "last_restore_test", day(c.now), "restore a backup to a test environment and check it first")
			c.within("system.restore-test-stale", s, fix, tested, c.set.RestoreTestMonths, "a restore from backup has never been tested", "a restore was last tested")
		}
		if users := dependedOn[s.ID]; len(users) > 0 && len(runbooks) == 0 && !critical(s) {
			c.add("system.dependency-no-runbook", s, add("runbook", "", "", "write its recovery runbook, then link it from the system's runbooks"),
				"%s %s on it, but it has no recovery runbook", strings.Join(joinTitles(users), ", "), plural(len(users), "depends", "depend"))
		}
	}
	plan := recovery.Order(c.recordsOf("system", "runbook"))
	for _, cyc := range plan.Cycles {
		first := c.live(cyc[0])
		var names []string
		for _, id := range cyc {
			names = append(names, c.live(id).Title)
		}
		c.add("system.dependency-cycle", first, edit(first, "depends_on", "", "remove the dependency that is not real, so that one of them can be restored first"),
			"dependency cycle: %s → %s", strings.Join(names, " → "), names[0])
	}
	for _, st := range plan.Steps {
		if st.RTOMet != nil && !*st.RTOMet {
			s := c.live(st.ID)
			c.add("system.critical-path", s, edit(s, "runbooks", "", "shorten the runbooks on its critical path, restore dependencies in parallel, or agree a longer RTO"),
				"restoring it and what it depends on takes %s by the runbooks (%s), more than its RTO %s",
				st.CriticalPath, strings.Join(st.Path, " → "), st.RTO)
		}
	}
}

func missingOf(have map[string]bool) []string {
	var out []string
	for _, k := range []string{"RTO", "RPO"} {
		if !have[k] {
			out = append(out, k)
		}
	}
	return out
}

// liveLinks returns the live records a record's link field names.
func (c *checker) liveLinks(r *binder.Record, field string) []*binder.Record {
	var out []*binder.Record
	for _, id := range r.Links(field) {
		if t := c.live(id); t != nil {
			out = append(out, t)
		}
	}
	return out
}

func (c *checker) recordsOf(kinds ...string) []*binder.Record {
	var out []*binder.Record
	for _, k := range kinds {
		out = append(out, c.byKind[k]...)
	}
	return out
}

func (c *checker) functions() {
	fns := c.byKind["function"]
	if len(fns) == 0 {
		c.add("bia.none", nil, add("function", "", "", "carry out a business impact analysis and record each critical function"),
			"no business impact analysis: no function records")
		return
	}
	for _, f := range fns {
		fix := edit(f, "assessed", day(c.now), "reassess the function's impact with its owner first")
		assessed, ok := f.Date("assessed")
		switch {
		case !ok:
			c.add("bia.stale", f, fix, "impact never assessed")
		case assessed.Before(c.monthsAgo(c.set.BIAMonths)):
			c.add("bia.stale", f, fix, "impact last assessed on %s, more than %d months ago", day(assessed), c.set.BIAMonths)
		case assessed.Before(c.monthsAgo(c.set.BIAMonths / 2)):
			c.addAs("bia.stale", SeverityWarning, f, fix, "impact last assessed on %s, more than %d months ago: review it", day(assessed), c.set.BIAMonths/2)
		}
		rto, hasRTO := f.Duration("rto")
		if mtd, ok := f.Duration("mtd"); ok && hasRTO && rto > mtd {
			c.add("bia.rto-exceeds-mtd", f, edit(f, "rto", binder.FormatDuration(mtd), "the RTO must not exceed the MTD: shorten the RTO or agree a longer MTD"),
				"RTO %s exceeds MTD %s", binder.FormatDuration(rto), binder.FormatDuration(mtd))
		}
		if !hasRTO {
			continue
		}
		for _, s := range c.liveLinks(f, "systems") {
			if srto, ok := s.Duration("rto"); ok && srto > rto {
				c.add("bia.system-rto", f, edit(s, "rto", binder.FormatDuration(rto), "bring the system's RTO down to the function's, or plan a workaround for the function"),
					"needs system %s, whose RTO %s exceeds the function's RTO %s", titled(s), binder.FormatDuration(srto), binder.FormatDuration(rto))
			}
		}
	}
}

func (c *checker) runbooks() {
	for _, rb := range c.byKind["runbook"] {
		var lacks []string
		field := ""
		if strings.TrimSpace(rb.Text("detection")) == "" {
			lacks, field = append(lacks, "how the need for it is detected"), "detection"
		}
		if strings.TrimSpace(rb.Text("activation")) == "" {
			lacks = append(lacks, "who decides to start it, and when")
			if field == "" {
				field = "activation"
			}
		}
		if len(lacks) > 0 {
			c.add("runbook.no-activation", rb, edit(rb, field, "", "say how we know it is needed, who decides to start it and when"),
				"it does not say %s", strings.Join(lacks, ", nor "))
		}
		steps := rb.Rows("steps")
		if len(steps) == 0 {
			c.add("runbook.no-steps", rb, edit(rb, "steps", "", "write its steps: role, what to do, duration, check, fall-back"),
				"runbook has no steps")
			continue
		}
		var noOwner, noDuration []string
		checked, fallback := len(rb.Strings("tests")) > 0, false
		for i, st := range steps {
			if strings.TrimSpace(st.Text("role")) == "" {
				noOwner = append(noOwner, fmt.Sprint(i+1))
			}
			if _, ok := st.Duration("duration"); !ok {
				noDuration = append(noDuration, fmt.Sprint(i+1))
			}
			if st.Text("check") != "" {
				checked = true
			}
			if st.Text("fallback") != "" {
				fallback = true
			}
		}
		if len(noOwner) > 0 {
			c.add("runbook.step-no-owner", rb, edit(rb, "steps", "", "give each step the role that carries it out"),
				"%s %s no owner role: it says what but not who", plural(len(noOwner), "step", "steps"), strings.Join(noOwner, ", ")+plural(len(noOwner), " has", " have"))
		}
		if !checked {
			c.add("runbook.no-verification", rb, edit(rb, "tests", "", "add a check to the steps that can fail, and a recovery test for the users who confirm the recovery"),
				"nothing says how to verify the recovery worked")
		}
		if !fallback {
			c.add("runbook.no-fallback", rb, edit(rb, "steps", "", "say what to do when a step fails (its fall-back)"), "no step has a fall-back")
		}
		if len(noDuration) > 0 {
			c.add("runbook.step-no-duration", rb, edit(rb, "steps", "", "give each step its expected duration"),
				"%s %s no duration", plural(len(noDuration), "step", "steps"), strings.Join(noDuration, ", ")+plural(len(noDuration), " has", " have"))
		}
	}
}

func (c *checker) scenarios() {
	covered := map[string]bool{}
	for _, r := range c.recordsOf("runbook", "plan") {
		if r.Kind == "plan" && r.Text("status") == "retired" {
			continue
		}
		for _, s := range r.Strings("scenarios") {
			covered[s] = true
		}
	}
	for _, s := range binder.Scenarios {
		if !covered[s] {
			c.add("scenario.uncovered", nil, add("runbook", "scenarios", s, "write a runbook for it, or tag the plan or runbook that covers it"),
				"no runbook or plan covers the %s scenario", strings.ReplaceAll(s, "-", " "))
		}
	}
}

func (c *checker) training() {
	last := latest(c.byKind["training"], "date", c.today())
	fix := add("training", "date", day(c.now), "train the people who carry out the plans, and record it")
	c.within("training.none", nil, fix, last, c.set.TrainingMonths, "no training on the plans has been recorded", "the last training on the plans was")
}

func (c *checker) incidents() {
	for _, in := range c.byKind["incident"] {
		_, closed := in.Date("closed")
		if (in.Text("status") == "closed" || closed) && strings.TrimSpace(in.Text("lessons")) == "" {
			c.add("incident.no-lessons", in, edit(in, "lessons", "", "hold a review and record what was learned"),
				"incident is closed but has no lessons learned")
		}
	}
}

func (c *checker) offsite(copies []OffsiteCopy) {
	if len(copies) == 0 {
		c.add("remote.none", nil, &binder.Fix{Action: binder.ActionAddRemote, Note: "keep a copy off-site, far enough to escape a disaster at the main site, then sync with it"},
			"the binder has no remote: its only copy is here")
		return
	}
	var last time.Time
	var names []string
	for _, cp := range copies {
		names = append(names, cp.Name)
		if cp.LastCopy.After(last) {
			last = cp.LastCopy
		}
	}
	fix := &binder.Fix{Action: binder.ActionSync, Note: fmt.Sprintf("sync with every remote, and at least every %d days", c.set.OffsiteDays)}
	switch {
	case last.IsZero():
		c.add("remote.stale", nil, fix, "no remote (%s) has ever received this copy's history", strings.Join(names, ", "))
	case last.Before(c.now.AddDate(0, 0, -c.set.OffsiteDays)):
		c.add("remote.stale", nil, fix, "no remote (%s) received this copy's history since %s, more than %d days ago", strings.Join(names, ", "), day(last), c.set.OffsiteDays)
	}
}
