package binder

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// The readiness check: rules drawn from the policies and standards that
// continuity programmes are audited against (a state enterprise
// continuity policy, NIST SP 800-34, ISO 22301, auditors' findings). Each
// finding names its rule, the record and what would fix it.

// Severities of findings, worst first.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Finding is one thing the readiness check found.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Record   string `json:"record,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Title    string `json:"title,omitempty"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
}

// Rule is one readiness rule.
type Rule struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Doc      string `json:"doc"`
}

// Rules lists every readiness rule, in the order findings are reported.
var Rules = []Rule{
	{"plan.section-missing", SeverityError, "a plan lacks a section its type requires (its template's headings)"},
	{"plan.section-empty", SeverityWarning, "a required section of a plan holds nothing but guidance"},
	{"plan.not-approved", SeverityWarning, "a plan is not approved"},
	{"plan.review-overdue", SeverityError, "a plan is past its review date (next_review, or approved_on plus the review period, 12 months by default)"},
	{"plan.no-review-date", SeverityWarning, "a plan has neither a next review date nor an approval date"},
	{"plan.no-changes", SeverityWarning, "a plan has no record of changes"},
	{"plan.not-exercised", SeverityError, "a plan was not exercised in the exercise period (12 months by default)"},
	{"exercise.action-overdue", SeverityWarning, "an exercise's action item is past its due date and not done"},
	{"contact.no-alternate", SeverityError, "a contact in a team or named in a plan has no alternate"},
	{"contact.no-office-phone", SeverityWarning, "a contact in a team or named in a plan has no office number"},
	{"contact.no-other-phone", SeverityWarning, "a contact in a team or named in a plan has no non-office number"},
	{"contact.stale", SeverityWarning, "a contact in a team or named in a plan was not verified in the verification period (90 days by default)"},
	{"team.no-lead", SeverityError, "a team has no lead"},
	{"team.no-alternate-lead", SeverityWarning, "a team has no alternate lead"},
	{"team.no-succession", SeverityWarning, "a team has no activation authority or no line of succession for it"},
	{"vendor.no-obligation", SeverityWarning, "a vendor's contract is not recorded as obliging it to meet continuity requirements"},
	{"vendor.no-alternate", SeverityWarning, "a vendor has no alternate vendor"},
	{"system.rto-exceeds-mtd", SeverityError, "a system's RTO exceeds its MTD"},
	{"system.no-objectives", SeverityError, "a critical (tier 1) system has no RTO or no RPO"},
	{"system.no-runbook", SeverityError, "a critical system has no recovery runbook"},
	{"system.no-credential", SeverityWarning, "a critical system has no escrowed recovery credential"},
	{"system.backup-exceeds-rpo", SeverityError, "a system is backed up less often than its RPO allows"},
	{"system.restore-test-stale", SeverityWarning, "a critical or backed-up system's restore was not tested in the test period (12 months by default)"},
	{"system.dependency-cycle", SeverityError, "systems depend on each other in a cycle, so none can be restored first"},
	{"system.dependency-no-runbook", SeverityWarning, "a system others depend on has no recovery runbook"},
	{"system.critical-path", SeverityError, "restoring a system and its dependencies, by their runbooks, takes longer than its RTO"},
	{"bia.none", SeverityWarning, "there is no business impact analysis (no function records)"},
	{"bia.stale", SeverityError, "a function's impact was last assessed more than the BIA period ago (24 months by default; a warning from half of it)"},
	{"bia.rto-exceeds-mtd", SeverityError, "a function's RTO exceeds its MTD"},
	{"bia.system-rto", SeverityError, "a system a function needs has a longer RTO than the function"},
	{"runbook.no-steps", SeverityWarning, "a runbook has no steps"},
	{"runbook.step-no-owner", SeverityWarning, "a runbook step has no owner role"},
	{"runbook.no-verification", SeverityWarning, "a runbook has no verification check and no recovery test"},
	{"runbook.no-fallback", SeverityWarning, "a runbook has no fall-back for any step"},
	{"runbook.step-no-duration", SeverityInfo, "a runbook step has no duration, so recovery times are underestimated"},
	{"scenario.uncovered", SeverityInfo, "a disaster scenario from the standard list is covered by no runbook or plan"},
	{"training.none", SeverityWarning, "no training on the plans was recorded in the training period (12 months by default)"},
	{"incident.no-lessons", SeverityWarning, "a closed incident has no lessons learned"},
	{"remote.none", SeverityError, "the binder has no remote: no copy is kept off-site"},
	{"remote.stale", SeverityWarning, "no off-site copy received this copy's history in the off-site period (7 days by default)"},
	{"link.dangling", SeverityWarning, "a record links to a record that does not exist (any more)"},
	{"link.wrong-kind", SeverityWarning, "a record links to a record of a kind its field does not take"},
	{"record.invalid", SeverityWarning, "a stored record's fields do not match its kind (written by another version or tool)"},
	{"record.conflict", SeverityError, "two copies of the binder changed a record's field differently, and nobody has chosen yet"},
}

func ruleSeverity(id string) string {
	for _, r := range Rules {
		if r.ID == id {
			return r.Severity
		}
	}
	panic("unknown rule " + id)
}

// Settings are the periods the readiness rules use; the binder's settings
// record can change them.
type Settings struct {
	ReviewMonths      int `json:"review_months"`
	ExerciseMonths    int `json:"exercise_months"`
	ContactDays       int `json:"contact_days"`
	RestoreTestMonths int `json:"restore_test_months"`
	BIAMonths         int `json:"bia_months"`
	TrainingMonths    int `json:"training_months"`
	OffsiteDays       int `json:"offsite_days"`
}

// DefaultSettings are the periods the policies and standards ask for.
var DefaultSettings = Settings{ReviewMonths: 12, ExerciseMonths: 12, ContactDays: 90, RestoreTestMonths: 12, BIAMonths: 24, TrainingMonths: 12, OffsiteDays: 7}

// settingsFrom reads the binder settings record's overrides.
func settingsFrom(r *Record) Settings {
	s := DefaultSettings
	if r == nil {
		return s
	}
	for name, dst := range map[string]*int{
		"review_months": &s.ReviewMonths, "exercise_months": &s.ExerciseMonths, "contact_days": &s.ContactDays,
		"restore_test_months": &s.RestoreTestMonths, "bia_months": &s.BIAMonths, "training_months": &s.TrainingMonths,
		"offsite_days": &s.OffsiteDays,
	} {
		if n, ok := r.Int(name); ok && n > 0 {
			*dst = int(n)
		}
	}
	return s
}

// Settings returns the periods the readiness rules use: the defaults, as
// the binder's settings record changes them.
func (b *Binder) Settings(ctx context.Context) (Settings, error) {
	list, err := b.List(ctx, "binder")
	if err != nil || len(list) == 0 {
		return DefaultSettings, err
	}
	r, err := b.Get(ctx, list[0].ID)
	if err != nil {
		return DefaultSettings, err
	}
	return settingsFrom(r), nil
}

// CheckReport is the result of a readiness check.
type CheckReport struct {
	Checked  time.Time `json:"checked"`
	Records  int       `json:"records"`
	Settings Settings  `json:"settings"`
	Findings []Finding `json:"findings"`
}

// Count returns the number of findings of a severity.
func (c *CheckReport) Count(severity string) int {
	n := 0
	for _, f := range c.Findings {
		if f.Severity == severity {
			n++
		}
	}
	return n
}

// OffsiteCopy is a remote as the readiness check sees it: its name and
// when it last received this copy's history (zero: never).
type OffsiteCopy struct {
	Name     string
	LastCopy time.Time
}

// Check reads the whole binder and reports its readiness findings; copies
// are its remotes (sync knows them).
func (b *Binder) Check(ctx context.Context, copies []OffsiteCopy) (*CheckReport, error) {
	recs, err := b.Records(ctx)
	if err != nil {
		return nil, err
	}
	return Check(recs, copies, time.Now()), nil
}

// Records returns every live record, decoded.
func (b *Binder) Records(ctx context.Context) ([]*Record, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.liveRecords(ctx)
}

// liveRecords decodes every live record in the index; b.mu is held.
func (b *Binder) liveRecords(ctx context.Context) ([]*Record, error) {
	var entries []indexed
	err := b.ix.Scan("rec/", func(k string, v []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var e indexed
		if err := json.Unmarshal(v, &e); err != nil {
			return errorf(Other, "run gobag reindex", "index entry %s is unreadable", k)
		}
		if !e.Deleted {
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Parsing is most of the work: spread it over the cores.
	out := make([]*Record, len(entries))
	errs := make([]error, len(entries))
	var wg sync.WaitGroup
	const chunk = 256
	for start := 0; start < len(entries); start += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				r, err := ParseRecord([]byte(entries[i].Text))
				if err != nil {
					errs[i] = err
					continue
				}
				r.Author, r.Path = entries[i].Author, entries[i].Path
				out[i] = r
			}
		}(start, min(len(entries), start+chunk))
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, errorf(Other, "run gobag reindex", "an index entry is unreadable: %v", err)
		}
	}
	return out, nil
}

// checker holds the binder's records while the rules run.
type checker struct {
	now      time.Time
	set      Settings
	byID     map[string]*Record
	byKind   map[string][]*Record
	findings []Finding
}

// Check runs every readiness rule over recs (the binder's live records) and
// copies (its remotes; nil if unknown, which skips the remote rules) as of
// now. It is a pure function of its arguments.
func Check(recs []*Record, copies []OffsiteCopy, now time.Time) *CheckReport {
	c := &checker{now: now, byID: map[string]*Record{}, byKind: map[string][]*Record{}}
	for _, r := range recs {
		c.byID[r.ID] = r
		c.byKind[r.Kind] = append(c.byKind[r.Kind], r)
	}
	for _, list := range c.byKind {
		sort.Slice(list, func(i, j int) bool { return list[i].Title < list[j].Title })
	}
	var settings *Record
	if s := c.byKind["binder"]; len(s) > 0 {
		settings = s[0]
	}
	c.set = settingsFrom(settings)
	c.records()
	c.plans()
	c.exercises()
	c.contacts()
	c.teams()
	c.vendors()
	c.systems()
	c.functions()
	c.runbooks()
	c.scenarios()
	c.training()
	c.incidents()
	if copies != nil {
		c.offsite(copies)
	}
	order := map[string]int{}
	for i, r := range Rules {
		order[r.ID] = i
	}
	sevRank := map[string]int{SeverityError: 0, SeverityWarning: 1, SeverityInfo: 2}
	sort.SliceStable(c.findings, func(i, j int) bool {
		a, b := c.findings[i], c.findings[j]
		if sevRank[a.Severity] != sevRank[b.Severity] {
			return sevRank[a.Severity] < sevRank[b.Severity]
		}
		if order[a.Rule] != order[b.Rule] {
			return order[a.Rule] < order[b.Rule]
		}
		return a.Title < b.Title
	})
	if c.findings == nil {
		c.findings = []Finding{}
	}
	return &CheckReport{Checked: now.UTC().Truncate(time.Second), Records: len(recs), Settings: c.set, Findings: c.findings}
}

func (c *checker) add(rule string, r *Record, fix, format string, args ...any) {
	f := Finding{Rule: rule, Severity: ruleSeverity(rule), Message: fmt.Sprintf(format, args...), Fix: fix}
	if r != nil {
		f.Record, f.Kind, f.Title = r.ID, r.Kind, r.Title
	}
	c.findings = append(c.findings, f)
}

// live returns the live record with id, if any.
func (c *checker) live(id string) *Record { return c.byID[id] }

func (c *checker) monthsAgo(n int) time.Time { return c.now.AddDate(0, -n, 0) }

func day(t time.Time) string { return t.Format("2006-01-02") }

func short(id string) string { return id[:min(len(id), 10)] }

func titled(r *Record) string { return fmt.Sprintf("%q", r.Title) }

// editHint is the command that sets fields of r.
func editHint(r *Record, set string) string {
	return fmt.Sprintf("gobag edit %s --set %s", short(r.ID), set)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func joinTitles(rs []*Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, titled(r))
	}
	return out
}

// records: stored records that do not validate, dangling and mistyped
// links.
func (c *checker) records() {
	for _, k := range Kinds {
		for _, r := range c.byKind[k.Name] {
			if len(r.Conflicts) > 0 {
				var fields []string
				for _, c := range r.Conflicts {
					fields = append(fields, c.Field)
				}
				c.add("record.conflict", r, "gobag conflicts shows both values; then gobag resolve "+short(r.ID)+" --take ours|theirs, or --file F",
					"unresolved %s: %s", plural(len(fields), "conflict", "conflicts"), strings.Join(fields, ", "))
			}
			if err := r.clone().Validate(); err != nil {
				c.add("record.invalid", r, "gobag edit "+short(r.ID)+" and correct the field: "+HintOf(err), "%v", err)
			}
			for _, l := range outLinks(r) {
				t := c.live(l.ID)
				if t == nil {
					c.add("link.dangling", r, fmt.Sprintf("link an existing record, or remove the link: gobag edit %s", short(r.ID)),
						"field %s links to %s, which does not exist (deleted, or not yet synced)", l.Field, short(l.ID))
					continue
				}
				f := linkField(k, l.Field)
				if len(f.Targets) > 0 && !slices.Contains(f.Targets, t.Kind) {
					c.add("link.wrong-kind", r, fmt.Sprintf("field %s takes %s records", l.Field, strings.Join(f.Targets, " or ")),
						"field %s links to %s %s, a %s", l.Field, t.Kind, titled(t), t.Kind)
				}
			}
		}
	}
}

func linkField(k KindSpec, name string) Field {
	for _, f := range k.linkFields() {
		if f.Name == name {
			return f
		}
	}
	return Field{}
}

func (c *checker) plans() {
	for _, p := range c.byKind["plan"] {
		if p.Text("status") == "retired" {
			continue
		}
		c.planSections(p)
		if p.Text("status") != "approved" {
			c.add("plan.not-approved", p, editHint(p, "status=approved --set approved_by=ID --set approved_on=YYYY-MM-DD")+" once it has been approved",
				"plan is %s, not approved", orWord(p.Text("status"), "of no status"))
		}
		next, hasNext := p.Date("next_review")
		if approved, ok := p.Date("approved_on"); !hasNext && ok {
			next, hasNext = approved.AddDate(0, c.set.ReviewMonths, 0), true
		}
		switch {
		case !hasNext:
			c.add("plan.no-review-date", p, editHint(p, "next_review=YYYY-MM-DD"), "plan has no review date and no approval date")
		case next.Before(c.now):
			c.add("plan.review-overdue", p, "review the plan, then "+editHint(p, "next_review=YYYY-MM-DD")+" and add a row to its changes",
				"plan was due for review on %s", day(next))
		}
		if len(p.Rows("changes")) == 0 {
			c.add("plan.no-changes", p, "add a [[fields.changes]] row (date, version, by, summary) for each change: gobag edit "+short(p.ID)+" --file F",
				"plan has no record of changes")
		}
		c.planExercised(p)
	}
}

func orWord(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func (c *checker) planSections(p *Record) {
	req := requiredSections(p.Text("type"))
	if len(req) == 0 {
		return
	}
	have := map[string]Section{}
	for _, s := range ParseSections(p.Body) {
		if _, dup := have[sectionKey(s.Title)]; !dup {
			have[sectionKey(s.Title)] = s
		}
	}
	var missing, empty []string
	for _, s := range req {
		got, ok := have[sectionKey(s.Title)]
		switch {
		case !ok:
			missing = append(missing, s.Title)
		case got.Empty:
			empty = append(empty, got.Title)
		}
	}
	name := PlanTypeNames[p.Text("type")]
	if len(missing) > 0 {
		c.add("plan.section-missing", p, "add a heading for each (gobag add plan --template "+p.Text("type")+" shows them with guidance): gobag edit "+short(p.ID)+" --file F",
			"a %s needs %d %s it lacks: %s", name, len(missing), plural(len(missing), "section", "sections"), strings.Join(missing, "; "))
	}
	if len(empty) > 0 {
		c.add("plan.section-empty", p, "write the plan's text under each, in place of the guidance: gobag edit "+short(p.ID)+" --file F",
			"%d %s only guidance or nothing: %s", len(empty), plural(len(empty), "section holds", "sections hold"), strings.Join(empty, "; "))
	}
}

// latest is the latest date in field among rs, zero if none has one.
func latest(rs []*Record, field string) time.Time {
	var last time.Time
	for _, r := range rs {
		if d, ok := r.Date(field); ok && d.After(last) {
			last = d
		}
	}
	return last
}

func (c *checker) planExercised(p *Record) {
	var exercises []*Record
	for _, e := range c.byKind["exercise"] {
		if slices.Contains(e.Links("plans"), p.ID) {
			exercises = append(exercises, e)
		}
	}
	last := latest(exercises, "date")
	fix := "exercise the plan (a walkthrough or tabletop at least) and record it: gobag add exercise --title T --set type=tabletop --set date=YYYY-MM-DD --set plans=" + short(p.ID)
	switch {
	case last.IsZero():
		c.add("plan.not-exercised", p, fix, "plan has never been exercised")
	case last.Before(c.monthsAgo(c.set.ExerciseMonths)):
		c.add("plan.not-exercised", p, fix, "plan was last exercised on %s, more than %d months ago", day(last), c.set.ExerciseMonths)
	}
}

func (c *checker) exercises() {
	for _, e := range c.byKind["exercise"] {
		for i, a := range e.Rows("actions") {
			due, ok := a["due"].(time.Time)
			status, _ := a["status"].(string)
			if !ok || status == "done" || status == "dropped" || !due.Before(c.now) {
				continue
			}
			what, _ := a["action"].(string)
			owner := ""
			if o, _ := a["owner"].(string); o != "" {
				if r := c.live(o); r != nil {
					owner = " (owner " + r.Title + ")"
				}
			}
			c.add("exercise.action-overdue", e, "finish it and set its status to done, or agree a new due date: gobag edit "+short(e.ID)+" --file F",
				"action %d, %q%s, was due on %s and is %s", i+1, what, owner, day(due), orWord(status, "open"))
		}
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
			c.add("contact.no-alternate", r, "name who to call instead: "+editHint(r, "alternates=ID"),
				"no alternate: nobody to call when they cannot be reached")
		}
		office, other := false, false
		for _, ph := range r.Rows("phones") {
			if ph["label"] == "office" {
				office = true
			} else {
				other = true
			}
		}
		if !office {
			c.add("contact.no-office-phone", r, "add a [[fields.phones]] row with label = \"office\": gobag edit "+short(r.ID)+" --file F", "no office number")
		}
		if !other {
			c.add("contact.no-other-phone", r, "add a mobile, home or satellite number ([[fields.phones]]): gobag edit "+short(r.ID)+" --file F",
				"no number outside the office: unreachable when the office is down")
		}
		verified, ok := r.Date("last_verified")
		switch {
		case !ok:
			c.add("contact.stale", r, "check the details with them, then "+editHint(r, "last_verified="+day(c.now)), "details never verified")
		case verified.Before(c.now.AddDate(0, 0, -c.set.ContactDays)):
			c.add("contact.stale", r, "check the details with them, then "+editHint(r, "last_verified="+day(c.now)),
				"details last verified on %s, more than %d days ago", day(verified), c.set.ContactDays)
		}
	}
}

func (c *checker) teams() {
	for _, t := range c.byKind["team"] {
		if c.live(t.Link("lead")) == nil {
			c.add("team.no-lead", t, editHint(t, "lead=CONTACT-ID"), "team has no lead")
		}
		if c.live(t.Link("alternate_lead")) == nil {
			c.add("team.no-alternate-lead", t, editHint(t, "alternate_lead=CONTACT-ID"), "team has no alternate lead")
		}
		switch {
		case c.live(t.Link("activation_authority")) == nil:
			c.add("team.no-succession", t, editHint(t, "activation_authority=CONTACT-ID --set succession=ID"), "nobody is named to decide to activate the team")
		case len(t.Links("succession")) == 0:
			c.add("team.no-succession", t, editHint(t, `'succession=["ID", "ID"]'`), "no line of succession for the activation authority")
		}
	}
}

func (c *checker) vendors() {
	for _, v := range c.byKind["vendor"] {
		obliged, recorded := v.Bool("continuity_obligation")
		switch {
		case !recorded:
			c.add("vendor.no-obligation", v, "check the contract, then "+editHint(v, "continuity_obligation=true")+" (or false)",
				"whether the contract obliges it to meet our continuity requirements is not recorded")
		case !obliged:
			c.add("vendor.no-obligation", v, "add continuity requirements to the contract at its next renewal",
				"the contract does not oblige it to meet our continuity requirements")
		}
		if c.live(v.Link("alternate")) == nil {
			c.add("vendor.no-alternate", v, "identify another supplier, add it as a vendor, then "+editHint(v, "alternate=VENDOR-ID"), "no alternate vendor")
		}
	}
}

func critical(s *Record) bool {
	t, ok := s.Int("tier")
	return ok && t == 1
}

func (c *checker) systems() {
	systems := c.byKind["system"]
	dependedOn := map[string][]*Record{}
	for _, s := range systems {
		for _, d := range s.Links("depends_on") {
			dependedOn[d] = append(dependedOn[d], s)
		}
	}
	for _, s := range systems {
		rto, hasRTO := s.Duration("rto")
		rpo, hasRPO := s.Duration("rpo")
		if mtd, ok := s.Duration("mtd"); ok && hasRTO && rto > mtd {
			c.add("system.rto-exceeds-mtd", s, "shorten the RTO (a faster recovery) or agree a longer MTD with the business owner",
				"RTO %s exceeds MTD %s", FormatDuration(rto), FormatDuration(mtd))
		}
		runbooks := c.liveLinks(s, "runbooks")
		if critical(s) {
			if !hasRTO || !hasRPO {
				c.add("system.no-objectives", s, editHint(s, "rto=4h --set rpo=24h")+" (agreed with the business owner)",
					"critical system has no %s", strings.Join(missingOf(map[string]bool{"RTO": hasRTO, "RPO": hasRPO}), " and no "))
			}
			if len(runbooks) == 0 {
				c.add("system.no-runbook", s, "write its recovery runbook (gobag add runbook --file F), then "+editHint(s, "runbooks=RUNBOOK-ID"),
					"critical system has no recovery runbook")
			}
			if len(c.liveLinks(s, "credentials")) == 0 {
				c.add("system.no-credential", s, "record the credentials its recovery needs (gobag add credential) and escrow them, then "+editHint(s, "credentials=ID"),
					"critical system has no escrowed recovery credential: its recovery may need a password only one person knows")
			}
		}
		if every, ok := s.Duration("backup_interval"); ok && hasRPO && every > rpo {
			c.add("system.backup-exceeds-rpo", s, "back it up at least every "+FormatDuration(rpo)+", or agree a longer RPO",
				"backed up every %s, but its RPO is %s: a failure can lose more data than allowed", FormatDuration(every), FormatDuration(rpo))
		}
		if critical(s) || s.Text("backup_method") != "" {
			tested, ok := s.Date("last_restore_test")
			switch {
			case !ok:
				c.add("system.restore-test-stale", s, "restore a backup to a test environment, check it, then "+editHint(s, "last_restore_test="+day(c.now)),
					"a restore from backup has never been tested")
			case tested.Before(c.monthsAgo(c.set.RestoreTestMonths)):
				c.add("system.restore-test-stale", s, "restore a backup to a test environment, check it, then "+editHint(s, "last_restore_test="+day(c.now)),
					"a restore was last tested on %s, more than %d months ago", day(tested), c.set.RestoreTestMonths)
			}
		}
		if users := dependedOn[s.ID]; len(users) > 0 && len(runbooks) == 0 && !critical(s) {
			c.add("system.dependency-no-runbook", s, "write its recovery runbook, then "+editHint(s, "runbooks=RUNBOOK-ID"),
				"%s %s on it, but it has no recovery runbook", strings.Join(joinTitles(users), ", "), plural(len(users), "depends", "depend"))
		}
	}
	plan := RecoveryOrder(c.recordsOf("system", "runbook"))
	for _, cyc := range plan.Cycles {
		first := c.live(cyc[0])
		var names []string
		for _, id := range cyc {
			names = append(names, c.live(id).Title)
		}
		c.add("system.dependency-cycle", first, "remove the dependency that is not real, so that one of them can be restored first",
			"dependency cycle: %s → %s", strings.Join(names, " → "), names[0])
	}
	for _, st := range plan.Steps {
		if st.RTOMet != nil && !*st.RTOMet {
			s := c.live(st.ID)
			c.add("system.critical-path", s, "shorten the runbooks on its critical path, restore dependencies in parallel, or agree a longer RTO",
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
func (c *checker) liveLinks(r *Record, field string) []*Record {
	var out []*Record
	for _, id := range r.Links(field) {
		if t := c.live(id); t != nil {
			out = append(out, t)
		}
	}
	return out
}

func (c *checker) recordsOf(kinds ...string) []*Record {
	var out []*Record
	for _, k := range kinds {
		out = append(out, c.byKind[k]...)
	}
	return out
}

func (c *checker) functions() {
	fns := c.byKind["function"]
	if len(fns) == 0 {
		c.add("bia.none", nil, "carry out a business impact analysis and record each critical function: gobag add function --file F",
			"no business impact analysis: no function records")
		return
	}
	for _, f := range fns {
		fix := "reassess the function's impact with its owner, then " + editHint(f, "assessed="+day(c.now))
		assessed, ok := f.Date("assessed")
		switch {
		case !ok:
			c.add("bia.stale", f, fix, "impact never assessed")
		case assessed.Before(c.monthsAgo(c.set.BIAMonths)):
			c.add("bia.stale", f, fix, "impact last assessed on %s, more than %d months ago", day(assessed), c.set.BIAMonths)
		case assessed.Before(c.monthsAgo(c.set.BIAMonths / 2)):
			c.findings = append(c.findings, Finding{Rule: "bia.stale", Severity: SeverityWarning, Record: f.ID, Kind: f.Kind, Title: f.Title, Fix: fix,
				Message: fmt.Sprintf("impact last assessed on %s, more than %d months ago: review it", day(assessed), c.set.BIAMonths/2)})
		}
		rto, hasRTO := f.Duration("rto")
		if mtd, ok := f.Duration("mtd"); ok && hasRTO && rto > mtd {
			c.add("bia.rto-exceeds-mtd", f, "the RTO must not exceed the MTD: shorten the RTO or agree a longer MTD",
				"RTO %s exceeds MTD %s", FormatDuration(rto), FormatDuration(mtd))
		}
		if !hasRTO {
			continue
		}
		for _, s := range c.liveLinks(f, "systems") {
			if srto, ok := s.Duration("rto"); ok && srto > rto {
				c.add("bia.system-rto", f, fmt.Sprintf("bring %s's RTO down to %s or less, or plan a workaround for the function", s.Title, FormatDuration(rto)),
					"needs system %s, whose RTO %s exceeds the function's RTO %s", titled(s), FormatDuration(srto), FormatDuration(rto))
			}
		}
	}
}

func (c *checker) runbooks() {
	for _, rb := range c.byKind["runbook"] {
		steps := rb.Rows("steps")
		if len(steps) == 0 {
			c.add("runbook.no-steps", rb, "write its steps ([[fields.steps]] with role, do, duration, check, fallback): gobag edit "+short(rb.ID)+" --file F",
				"runbook has no steps")
			continue
		}
		var noOwner, noDuration []string
		checked, fallback := len(rb.Strings("tests")) > 0, false
		for i, st := range steps {
			if s, _ := st["role"].(string); strings.TrimSpace(s) == "" {
				noOwner = append(noOwner, fmt.Sprint(i+1))
			}
			if _, ok := st["duration"].(string); !ok {
				noDuration = append(noDuration, fmt.Sprint(i+1))
			}
			if s, _ := st["check"].(string); s != "" {
				checked = true
			}
			if s, _ := st["fallback"].(string); s != "" {
				fallback = true
			}
		}
		edit := "gobag edit " + short(rb.ID) + " --file F"
		if len(noOwner) > 0 {
			c.add("runbook.step-no-owner", rb, "give each step the role that carries it out (role = \"…\"): "+edit,
				"%s %s no owner role: it says what but not who", plural(len(noOwner), "step", "steps"), strings.Join(noOwner, ", ")+plural(len(noOwner), " has", " have"))
		}
		if !checked {
			c.add("runbook.no-verification", rb, "add a check to the steps that can fail, and a recovery test (tests = […]) for the users who confirm the recovery: "+edit,
				"nothing says how to verify the recovery worked")
		}
		if !fallback {
			c.add("runbook.no-fallback", rb, "say what to do when a step fails (fallback = \"…\"): "+edit, "no step has a fall-back")
		}
		if len(noDuration) > 0 {
			c.add("runbook.step-no-duration", rb, "give each step its expected duration (duration = \"30m\"): "+edit,
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
	for _, s := range Scenarios {
		if !covered[s] {
			c.add("scenario.uncovered", nil, "write a runbook for it (gobag add runbook, scenarios = [\""+s+"\"]), or tag the plan or runbook that covers it",
				"no runbook or plan covers the %s scenario", strings.ReplaceAll(s, "-", " "))
		}
	}
}

func (c *checker) training() {
	last := latest(c.byKind["training"], "date")
	fix := "train the people who carry out the plans, and record it: gobag add training --title T --set date=YYYY-MM-DD"
	switch {
	case last.IsZero():
		c.add("training.none", nil, fix, "no training on the plans has been recorded")
	case last.Before(c.monthsAgo(c.set.TrainingMonths)):
		c.add("training.none", nil, fix, "the last training on the plans was on %s, more than %d months ago", day(last), c.set.TrainingMonths)
	}
}

func (c *checker) incidents() {
	for _, in := range c.byKind["incident"] {
		_, closed := in.Date("closed")
		if (in.Text("status") == "closed" || closed) && strings.TrimSpace(in.Text("lessons")) == "" {
			c.add("incident.no-lessons", in, "hold a review and record what was learned: "+editHint(in, `"lessons=…"`),
				"incident is closed but has no lessons learned")
		}
	}
}

func (c *checker) offsite(copies []OffsiteCopy) {
	if len(copies) == 0 {
		c.add("remote.none", nil, "keep a copy off-site, far enough to escape a disaster at the main site: gobag remote add NAME URL, then gobag sync",
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
	fix := "gobag sync --all, and sync at least every " + fmt.Sprint(c.set.OffsiteDays) + " days"
	switch {
	case last.IsZero():
		c.add("remote.stale", nil, fix, "no remote (%s) has ever received this copy's history", strings.Join(names, ", "))
	case last.Before(c.now.AddDate(0, 0, -c.set.OffsiteDays)):
		c.add("remote.stale", nil, fix, "no remote (%s) received this copy's history since %s, more than %d days ago", strings.Join(names, ", "), day(last), c.set.OffsiteDays)
	}
}
