// Package readiness is the readiness check: rules drawn from the policies
// and standards that continuity programmes are audited against (a state
// enterprise continuity policy, NIST SP 800-34, ISO 22301, auditors'
// findings), the periods they use, and Check, which reads a binder's
// records and returns a report.
//
// Each finding names its rule, the record and what would fix it. The fix
// is structured (a [binder.Fix]: the record, the field, the action and a
// suggested value), so that each front end words it its own way: the CLI
// as a command line, the app as a button that opens the right editor,
// print as a sentence.
package readiness

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gobag/binder"
)

// Severities of findings, worst first.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Severities lists the severities, worst first.
var Severities = []string{SeverityError, SeverityWarning, SeverityInfo}

// Finding is one thing the readiness check found.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Record   string `json:"record,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Title    string `json:"title,omitempty"`
	Message  string `json:"message"`
	// Fix is what would clear the finding.
	Fix *binder.Fix `json:"fix"`
	// Clauses, when set, are the clauses this finding concerns, where
	// they are fewer than its rule cites (a plan's missing section is
	// one clause of the required contents, not all of them).
	Clauses []string `json:"clauses,omitempty"`
}

// Rule is one readiness rule.
type Rule struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Doc      string `json:"doc"`
	// Source is where the rule comes from: the policies, audits and
	// standards a programme is audited against, by short stable ids
	// ("bcm-policy ¶7", "nist-800-34 §3.2", "iso-22301 8.5"), separated by
	// "; " when there are several.
	Source string `json:"source"`
}

// Sources name the documents rules cite, by the first word of a Source.
var Sources = []struct{ ID, Name string }{
	{"bcm-policy", "a state enterprise business-continuity policy (IS.005 family): numbered requirements ¶1–¶10"},
	{"audit-finding", "a state auditor's finding: a plan not developed, documented or tested"},
	{"bsi-s6.140", "a national IT-security catalogue safeguard for continuity of a failed groupware system"},
	{"assessment", "a BC/DR assessment of a national statistics data platform"},
	{"nist-800-34", "NIST SP 800-34 Rev.1, Contingency Planning Guide for Federal Information Systems"},
	{"iso-22301", "ISO 22301:2019, Business continuity management systems, clause 8"},
}

// Rules lists every readiness rule, in the order findings are reported.
var Rules = []Rule{
	{"plan.none", SeverityError, "the binder holds no continuity plan: the organisation has not developed or documented one", "bcm-policy ¶1; audit-finding"},
	{"plan.section-missing", SeverityError, "a plan lacks a section its type requires (its template's headings)", "bcm-policy ¶5, ¶5a, ¶5b, ¶5c, ¶5d, ¶5e, ¶5f, ¶5g; nist-800-34 app. A; iso-22301 8.4"},
	{"plan.section-empty", SeverityWarning, "a required section of a plan holds nothing but guidance", "bcm-policy ¶5, ¶5a, ¶5b, ¶5c, ¶5d, ¶5e, ¶5f, ¶5g; nist-800-34 app. A; iso-22301 8.4"},
	{"plan.not-approved", SeverityWarning, "a plan is not approved", "nist-800-34 app. A (plan approval)"},
	{"plan.review-overdue", SeverityError, "a plan is past its review date (next_review, or approved_on plus the review period, 12 months by default)", "bcm-policy ¶9; assessment §8–§10"},
	{"plan.no-review-date", SeverityWarning, "a plan has neither a next review date nor an approval date", "bcm-policy ¶9"},
	{"plan.changed-since-approval", SeverityWarning, "a system, runbook or team a plan covers changed after the plan was approved: the plan must be reviewed to stay current", "bcm-policy ¶9a, ¶9b"},
	{"plan.no-changes", SeverityWarning, "a plan has no record of changes", "nist-800-34 app. A (record of changes)"},
	{"plan.not-exercised", SeverityError, "a plan was not exercised in the exercise period (12 months by default): only a held exercise counts, not a planned one or one dated in the future", "bcm-policy ¶8; assessment §6.3.1; iso-22301 8.5"},
	{"exercise.none-planned", SeverityWarning, "a plan has no exercise planned in the next exercise period (12 months by default)", "bcm-policy ¶8; iso-22301 8.5"},
	{"exercise.planned-past", SeverityWarning, "a planned exercise's day has passed and it is not recorded as held or cancelled", "iso-22301 8.5"},
	{"exercise.misdated", SeverityWarning, "an exercise's date does not fit its status: held with no date or a date still to come, or planned with no date", "iso-22301 8.5"},
	{"exercise.no-report", SeverityWarning, "a held exercise has no after-action report: no results, findings or report text", "iso-22301 8.5, 8.6; assessment §6.3.1"},
	{"action.overdue", SeverityWarning, "an open action item (of an exercise, incident, audit or risk) is past its due date", "iso-22301 8.6; assessment §8–§10"},
	{"action.incomplete", SeverityWarning, "an open action item has no owner or no due date", "iso-22301 8.6"},
	{"contact.no-alternate", SeverityError, "a contact in a team or named in a plan has no alternate", "bcm-policy ¶5e; assessment §5.3.2"},
	{"contact.no-office-phone", SeverityWarning, "a contact in a team or named in a plan has no office number", "nist-800-34 app. A"},
	{"contact.no-other-phone", SeverityWarning, "a contact in a team or named in a plan has no non-office number", "nist-800-34 app. A"},
	{"contact.stale", SeverityWarning, "a contact in a team or named in a plan was not verified in the verification period (90 days by default)", "bcm-policy ¶9f"},
	{"team.no-lead", SeverityError, "a team has no lead", "bcm-policy ¶5e; assessment §6.2.1.1"},
	{"team.no-alternate-lead", SeverityWarning, "a team has no alternate lead", "bcm-policy ¶5e"},
	{"team.no-succession", SeverityWarning, "a team has no activation authority, or no line of succession beyond its lead and that authority", "bcm-policy ¶5e; nist-800-34 app. A"},
	{"calltree.dead-end", SeverityWarning, "someone in a team's call tree has no alternate, and nothing says what to do when they cannot be reached", "nist-800-34 app. A; bcm-policy ¶5e"},
	{"calltree.unreachable", SeverityWarning, "a team's call tree never reaches one of its people (left out of its rows, or called only by someone the tree never reaches)", "nist-800-34 app. A; bcm-policy ¶5e"},
	{"vendor.no-obligation", SeverityWarning, "a vendor's contract is not recorded as obliging it to meet continuity requirements", "bcm-policy ¶6"},
	{"vendor.no-alternate", SeverityWarning, "a vendor has no alternate vendor", "bcm-policy ¶6"},
	{"system.rto-exceeds-mtd", SeverityError, "a system's RTO exceeds its MTD", "nist-800-34 §3.2"},
	{"system.no-objectives", SeverityError, "a critical (tier 1) system has no RTO or no RPO", "nist-800-34 §3.2"},
	{"system.no-owner", SeverityError, "a critical (tier 1) system has no owner accountable for it", "assessment §6.1.2"},
	{"system.no-runbook", SeverityError, "a critical system has no recovery runbook", "bcm-policy ¶5g; assessment §6.2.1.1"},
	{"system.no-credential", SeverityWarning, "a critical system has no escrowed recovery credential", "bsi-s6.140"},
	{"system.backup-exceeds-rpo", SeverityError, "a system is backed up less often than its RPO allows", "nist-800-34 §3.2; bsi-s6.140"},
	{"system.restore-test-stale", SeverityWarning, "a critical or backed-up system's restore was not tested in the test period (12 months by default)", "bsi-s6.140; bcm-policy ¶8"},
	{"system.dependency-cycle", SeverityError, "systems depend on each other in a cycle, so none can be restored first", "bcm-policy ¶5g; assessment §6.2.1.1"},
	{"system.dependency-no-runbook", SeverityWarning, "a system others depend on has no recovery runbook", "assessment §6.2.1.1"},
	{"system.critical-path", SeverityError, "restoring a system and its dependencies, by their runbooks, takes longer than its RTO", "nist-800-34 §3.2"},
	{"site.no-alternate", SeverityError, "a critical (tier 1) system has no alternate site, or its alternate site is its primary or closer to it than the minimum distance (50 km by default)", "bcm-policy ¶5g; assessment §6.1.2; nist-800-34 app. A"},
	{"site.over-capacity", SeverityWarning, "a site hosts more systems than its capacity when the worst of the sites it stands in for is lost, or the teams it seats outnumber its seats", "bcm-policy ¶5g; iso-22301 8.3"},
	{"risk.unassessed", SeverityWarning, "a scenario that applies (a plan, runbook or incident names it) has no risk assessment", "bcm-policy ¶2, ¶5b; iso-22301 8.2.3"},
	{"risk.unrated", SeverityWarning, "a risk has no likelihood or no impact, so its rating is unknown", "iso-22301 8.2.3"},
	{"risk.untreated", SeverityError, "a risk whose residual rating is high (10 of 25 by default) has no treatment, or no plan that answers it", "bcm-policy ¶5b; iso-22301 8.2.3, 8.3"},
	{"risk.review-overdue", SeverityWarning, "a risk is past its review date (next_review, or assessed plus the risk period, 12 months by default)", "bcm-policy ¶9e; iso-22301 8.2.3"},
	{"bia.none", SeverityWarning, "there is no business impact analysis (no function records)", "bcm-policy ¶2; iso-22301 8.2.2"},
	{"bia.stale", SeverityError, "a function's impact was last assessed more than the BIA period ago (24 months by default; a warning from half of it)", "assessment §7.1"},
	{"bia.rto-exceeds-mtd", SeverityError, "a function's RTO exceeds its MTD", "nist-800-34 §3.2"},
	{"bia.system-rto", SeverityError, "a system a function needs has a longer RTO than the function", "nist-800-34 §3.2"},
	{"runbook.no-steps", SeverityWarning, "a runbook has no steps", "bcm-policy ¶3; bsi-s6.140"},
	{"runbook.no-activation", SeverityWarning, "a runbook does not say how the need for it is detected, or who decides to start it and when", "assessment §6.2.1.1; iso-22301 8.4"},
	{"runbook.step-no-owner", SeverityWarning, "a runbook step has no owner role", "assessment §6.2.1.1"},
	{"runbook.no-verification", SeverityWarning, "a runbook has no verification check and no recovery test", "assessment §6.2.1.1; nist-800-34 app. A"},
	{"runbook.no-fallback", SeverityWarning, "a runbook has no fall-back for any step", "assessment §6.2.1.1"},
	{"runbook.step-no-duration", SeverityInfo, "a runbook step has no duration, so recovery times are underestimated", "nist-800-34 §3.2"},
	{"scenario.uncovered", SeverityInfo, "a disaster scenario from the standard list is covered by no runbook or plan", "assessment §5.2.2"},
	{"document.review-overdue", SeverityWarning, "a document (a diagram, contract, vendor's runbook) was not reviewed in its review period (its own, else 12 months by default)", "assessment §6.1.2, §8–§10; nist-800-34 app. A"},
	{"requirement.not-met", SeverityError, "a plan or system does not meet a requirement it is linked to: a longer RTO or RPO than it allows, or a plan not exercised or approved as often as it asks", "bcm-policy ¶4"},
	{"requirement.uncovered", SeverityWarning, "a legal, regulatory or contractual requirement is linked from no plan", "bcm-policy ¶4"},
	{"plan.no-requirement", SeverityInfo, "a plan is linked to no requirement: nothing says which obligations it meets", "bcm-policy ¶4"},
	{"policy.none", SeverityWarning, "the binder holds no approved continuity policy", "bcm-policy ¶1; assessment §8–§10"},
	{"policy.review-overdue", SeverityWarning, "the continuity policy is past its review date (next_review, or approved_on plus the review period)", "bcm-policy ¶9c; assessment §8–§10"},
	{"training.none", SeverityWarning, "no training on the plans was recorded in the training period (12 months by default)", "bcm-policy ¶10; assessment §8–§10"},
	{"incident.no-lessons", SeverityWarning, "a closed incident has no lessons learned", "assessment §6.2.1.1"},
	{"remote.none", SeverityError, "the binder has no remote: no copy is kept off-site", "bcm-policy ¶7"},
	{"remote.stale", SeverityWarning, "no off-site copy received this copy's history in the off-site period (7 days by default)", "bcm-policy ¶7"},
	{"link.dangling", SeverityWarning, "a record links to a record that does not exist (any more)", "assessment §8–§10"},
	{"link.wrong-kind", SeverityWarning, "a record links to a record of a kind its field does not take", "assessment §8–§10"},
	{"record.invalid", SeverityWarning, "a stored record's fields do not match its kind (written by another version or tool)", "bcm-policy ¶3"},
	{"record.conflict", SeverityError, "two copies of the binder changed a record's field differently, and nobody has chosen yet", "bcm-policy ¶9"},
	{"team.single-manager", SeverityWarning, "the binder has a single manager: if they are unavailable, nobody can change the roster", "bcm-policy ¶5e"},
	{"plan.approval-unsigned", SeverityWarning, "a plan marked approved has no manager's signed approval of its current version (gobag approve)", "nist-800-34 app. A (plan approval)"},
	{"escrow.threshold-exceeds-custodians", SeverityError, "an escrowed secret or a credential needs more custodians to open it than it has who are members", "bsi-s6.140"},
	{"escrow.custodian-not-member", SeverityError, "a custodian of an escrowed secret or a credential is not a member of the binder, or was removed", "bsi-s6.140"},
	{"escrow.rotation", SeverityError, "an escrowed secret is overdue for rotation, or must be rotated since it was opened or someone who could reach it left", "bsi-s6.140"},
	{"system.credential-custodians", SeverityWarning, "a critical system's credential is escrowed with fewer than 2 custodians who are members (or not escrowed)", "bsi-s6.140"},
}

// renamed maps ids rules had before to their ids now, so that scripts and
// settings naming an old id keep working.
var renamed = map[string]string{
	"exercise.action-overdue":    "action.overdue",
	"exercise.action-incomplete": "action.incomplete",
}

// CurrentRuleID returns the id rule id has now (id itself, unless the
// rule was renamed).
func CurrentRuleID(id string) string {
	if now, ok := renamed[id]; ok {
		return now
	}
	return id
}

// RuleByID returns the rule with id, if there is one.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

func ruleSeverity(id string) string {
	r, ok := RuleByID(id)
	if !ok {
		panic("unknown rule " + id)
	}
	return r.Severity
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
	SiteDistanceKm    int `json:"site_distance_km"`
	RiskMonths        int `json:"risk_months"`
	DocumentMonths    int `json:"document_months"`
}

// DefaultSettings are the periods the policies and standards ask for.
var DefaultSettings = Settings{ReviewMonths: 12, ExerciseMonths: 12, ContactDays: 90, RestoreTestMonths: 12, BIAMonths: 24, TrainingMonths: 12, OffsiteDays: 7,
	SiteDistanceKm: 50, RiskMonths: 12, DocumentMonths: 12}

// SettingsFrom reads the binder settings record's overrides (r may be
// nil: the defaults).
func SettingsFrom(r *binder.Record) Settings {
	s := DefaultSettings
	if r == nil {
		return s
	}
	for name, dst := range map[string]*int{
		"review_months": &s.ReviewMonths, "exercise_months": &s.ExerciseMonths, "contact_days": &s.ContactDays,
		"restore_test_months": &s.RestoreTestMonths, "bia_months": &s.BIAMonths, "training_months": &s.TrainingMonths,
		"offsite_days": &s.OffsiteDays, "site_distance_km": &s.SiteDistanceKm, "risk_months": &s.RiskMonths, "document_months": &s.DocumentMonths,
	} {
		// A distance of 0 asks for none; every other period must be at
		// least 1 to mean anything.
		if n, ok := r.Int(name); ok && (n > 0 || n == 0 && name == "site_distance_km") {
			*dst = int(n)
		}
	}
	return s
}

// Report is the result of a readiness check.
type Report struct {
	Checked  time.Time `json:"checked"`
	Records  int       `json:"records"`
	Settings Settings  `json:"settings"`
	Findings []Finding `json:"findings"`
}

// Count returns the number of findings of a severity.
func (r *Report) Count(severity string) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == severity {
			n++
		}
	}
	return n
}

// Filter returns the findings of a severity at least as bad as worst ("":
// every severity) and, if rules is not empty, of those rules only.
func (r *Report) Filter(worst string, rules []string) []Finding {
	out := []Finding{}
	for _, f := range r.Findings {
		if Keeps(f, worst, rules) {
			out = append(out, f)
		}
	}
	return out
}

// Keeps reports whether Filter(worst, rules) keeps f.
func Keeps(f Finding, worst string, rules []string) bool {
	limit := len(Severities)
	for i, s := range Severities {
		if s == worst {
			limit = i + 1
		}
	}
	return SeverityRank(f.Severity) < limit && (len(rules) == 0 || matchRule(f.Rule, rules))
}

// matchRule reports whether rule is among rules, each a rule id or the
// prefix of a group ("plan" or "plan." for every plan rule).
func matchRule(rule string, rules []string) bool {
	for _, r := range rules {
		r = CurrentRuleID(r)
		if rule == r || len(rule) > len(r) && rule[:len(r)] == r && (r[len(r)-1] == '.' || rule[len(r)] == '.') {
			return true
		}
	}
	return false
}

// SeverityRank orders severities, worst first: 0 for an error; unknown
// ones last.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return len(Severities)
}

// OffsiteCopy is a remote as the readiness check sees it: its name and
// when it last received this copy's history (zero: never).
type OffsiteCopy struct {
	Name     string
	LastCopy time.Time
}

// Run reads the whole binder and reports its readiness findings as of
// now; copies are its remotes (sync knows them; nil skips the remote
// rules).
func Run(ctx context.Context, b *binder.Binder, copies []OffsiteCopy, now time.Time) (*Report, error) {
	recs, err := b.Records(ctx)
	if err != nil {
		return nil, err
	}
	team, err := TeamOf(ctx, b)
	if err != nil {
		return nil, err
	}
	return CheckWith(recs, copies, team, now), nil
}

// SettingsOf returns the periods the readiness rules use in b: the
// defaults, as the binder's settings record changes them.
func SettingsOf(ctx context.Context, b *binder.Binder) (Settings, error) {
	list, err := b.List(ctx, "binder")
	if err != nil || len(list) == 0 {
		return DefaultSettings, err
	}
	r, err := b.Get(ctx, list[0].ID)
	if err != nil {
		return DefaultSettings, err
	}
	return SettingsFrom(r), nil
}

// Check runs every readiness rule over recs (a binder's live records) and
// copies (its remotes; nil if unknown, which skips the remote rules) as of
// now. It is a pure function of its arguments.
func Check(recs []*binder.Record, copies []OffsiteCopy, now time.Time) *Report {
	return CheckWith(recs, copies, nil, now)
}

// CheckWith is Check with the rules of the team and escrow too, which
// read team (nil skips them).
func CheckWith(recs []*binder.Record, copies []OffsiteCopy, team *Team, now time.Time) *Report {
	c := &checker{now: now, byID: map[string]*binder.Record{}, byKind: map[string][]*binder.Record{}, invalid: map[string]error{}}
	for _, r := range recs {
		// The rules read each record in its canonical form, as gobag
		// would have saved it: a value a peer wrote in another accepted
		// form ("Held", "4") means what gobag's would.
		if !r.Deleted && !r.Unreadable {
			cr := r.Clone()
			if err := cr.Validate(); err != nil {
				c.invalid[r.ID] = err
			} else {
				r = cr
			}
		}
		c.byID[r.ID] = r
		c.byKind[r.Kind] = append(c.byKind[r.Kind], r)
	}
	for _, list := range c.byKind {
		sort.Slice(list, func(i, j int) bool { return list[i].Title < list[j].Title })
	}
	var settings *binder.Record
	if s := c.byKind["binder"]; len(s) > 0 {
		settings = s[0]
	}
	c.set = SettingsFrom(settings)
	c.records()
	c.plans()
	c.exerciseRecords()
	c.actions()
	c.contacts()
	c.teams()
	c.callTrees()
	c.vendors()
	c.systems()
	c.sites()
	c.risks()
	c.functions()
	c.runbooks()
	c.scenarios()
	c.documents()
	c.requirements()
	c.policy()
	c.training()
	c.incidents()
	if copies != nil {
		c.offsite(copies)
	}
	if team != nil {
		c.team(team)
	}
	order := map[string]int{}
	for i, r := range Rules {
		order[r.ID] = i
	}
	sort.SliceStable(c.findings, func(i, j int) bool {
		a, b := c.findings[i], c.findings[j]
		if ra, rb := SeverityRank(a.Severity), SeverityRank(b.Severity); ra != rb {
			return ra < rb
		}
		if order[a.Rule] != order[b.Rule] {
			return order[a.Rule] < order[b.Rule]
		}
		return a.Title < b.Title
	})
	if c.findings == nil {
		c.findings = []Finding{}
	}
	return &Report{Checked: now.UTC().Truncate(time.Second), Records: len(recs), Settings: c.set, Findings: c.findings}
}

// checker holds the binder's records while the rules run.
type checker struct {
	now      time.Time
	set      Settings
	byID     map[string]*binder.Record
	byKind   map[string][]*binder.Record
	findings []Finding
	// exercisesByPlan indexes the exercises by the plans they exercise.
	exercisesByPlan map[string][]*binder.Record
	// invalid holds why the records that do not validate do not.
	invalid map[string]error
}

func (c *checker) add(rule string, r *binder.Record, fix *binder.Fix, format string, args ...any) {
	c.addAs(rule, ruleSeverity(rule), r, fix, format, args...)
}

func (c *checker) addAs(rule, severity string, r *binder.Record, fix *binder.Fix, format string, args ...any) {
	f := Finding{Rule: rule, Severity: severity, Message: fmt.Sprintf(format, args...), Fix: fix}
	if r != nil {
		f.Record, f.Kind, f.Title = r.ID, r.Kind, r.Title
	}
	c.findings = append(c.findings, f)
}
