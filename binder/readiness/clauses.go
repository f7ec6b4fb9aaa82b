package readiness

import (
	"slices"
	"strings"
)

// Clause is one requirement of a source that rules cite: a numbered
// paragraph of the policy, a section of NIST SP 800-34, an ISO 22301
// clause title, a recommendation of the assessment.
type Clause struct {
	ID    string `json:"id"` // "bcm-policy ¶5e": the source's id, a space, the clause
	Title string `json:"title"`
}

// Clauses lists the clauses of the sources, in the sources' order: what
// a readiness check by standard is laid out by, including the clauses no
// rule checks.
var Clauses = []Clause{
	{"bcm-policy ¶1", "develop, implement, test and maintain a business continuity plan"},
	{"bcm-policy ¶2", "risk assessment and business impact analysis of critical functions and their systems"},
	{"bcm-policy ¶3", "the details to respond, manage and recover"},
	{"bcm-policy ¶4", "alignment with legal and regulatory requirements"},
	{"bcm-policy ¶5", "the plan's required contents"},
	{"bcm-policy ¶5a", "scope and objectives"},
	{"bcm-policy ¶5b", "risk evaluation and required security controls"},
	{"bcm-policy ¶5c", "business impact analysis"},
	{"bcm-policy ¶5d", "communications procedures"},
	{"bcm-policy ¶5e", "organisation: activation, succession of authority, teams, primary and alternate contact lists"},
	{"bcm-policy ¶5f", "damage assessment"},
	{"bcm-policy ¶5g", "recovery plans: prioritisation, interdependencies, resources, alternate locations"},
	{"bcm-policy ¶6", "critical vendors obliged to meet continuity requirements; alternate vendors"},
	{"bcm-policy ¶7", "copies of the plans stored remotely, far enough away, and available"},
	{"bcm-policy ¶8", "plans tested at least annually, security provisions included"},
	{"bcm-policy ¶9", "plans kept current between tests"},
	{"bcm-policy ¶9a", "kept current: change management"},
	{"bcm-policy ¶9b", "kept current: major system upgrades"},
	{"bcm-policy ¶9c", "kept current: new policies"},
	{"bcm-policy ¶9d", "kept current: new contracts"},
	{"bcm-policy ¶9e", "kept current: new threats"},
	{"bcm-policy ¶9f", "kept current: staff and responsibility changes"},
	{"bcm-policy ¶10", "plans published and the people who support them trained"},
	{"audit-finding", "a plan developed, documented and tested"},
	{"bsi-s6.140", "configuration documented, tasks others can carry out, backups, drills, keys and passwords available in an emergency"},
	{"assessment §5.2.2", "further disaster scenarios"},
	{"assessment §5.3.2", "contact lists with roles and alternates in the plan"},
	{"assessment §6.1.2", "a secondary site; administrative access; provider contacts; diagrams"},
	{"assessment §6.2.1.1", "detection, escalation, activation, teams, testing, dependencies and order, fall-backs, lessons learned"},
	{"assessment §6.3.1", "exercise the plans"},
	{"assessment §7.1", "a new business impact analysis, then annual reviews"},
	{"assessment §8–§10", "review and update; governance and policy; training; links kept current"},
	{"nist-800-34 §3.2", "the business impact analysis: MTD, RTO within MTD, RPO, recovery priorities"},
	{"nist-800-34 app. A", "the contingency plan template: approval, contacts, call tree, alternate site, diagrams, record of changes"},
	{"iso-22301 8.2.2", "business impact analysis"},
	{"iso-22301 8.2.3", "risk assessment"},
	{"iso-22301 8.3", "business continuity strategies and solutions"},
	{"iso-22301 8.4", "business continuity plans and procedures"},
	{"iso-22301 8.5", "exercise programme"},
	{"iso-22301 8.6", "evaluation of business continuity documentation and capabilities"},
}

// Cites returns the clauses a rule's Source names: "bcm-policy ¶9a, ¶9b;
// iso-22301 8.5 (exercises)" cites "bcm-policy ¶9a", "bcm-policy ¶9b"
// and "iso-22301 8.5".
func (r Rule) Cites() []string {
	var out []string
	for _, cite := range strings.Split(r.Source, "; ") {
		cite = strings.TrimSpace(cite)
		if i := strings.Index(cite, " ("); i >= 0 {
			cite = cite[:i]
		}
		doc, rest, _ := strings.Cut(cite, " ")
		if rest == "" {
			out = append(out, doc)
			continue
		}
		for _, part := range strings.Split(rest, ", ") {
			out = append(out, doc+" "+strings.TrimSpace(part))
		}
	}
	return out
}

// sectionClauses are the clauses a plan's missing or empty sections
// concern: the rule's, with the required contents narrowed, for a
// business continuity plan, to the paragraphs the sections' numbers stand
// for (its template numbers them as the policy's ¶5a to ¶5g).
func sectionClauses(rule, planType string, titles []string) []string {
	r, _ := RuleByID(rule)
	var out []string
	for _, id := range r.Cites() {
		if !strings.HasPrefix(id, "bcm-policy ¶5") || id == "bcm-policy ¶5" {
			out = append(out, id)
		}
	}
	if planType != "bcp" {
		return out
	}
	for _, t := range titles {
		n := 0
		for _, c := range strings.TrimSpace(t) {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 1 && n <= 7 {
			id := "bcm-policy ¶5" + string(rune('a'+n-1))
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// ClauseReport is one clause in a check by standard: the rules that
// check it and their findings.
type ClauseReport struct {
	Clause   Clause    `json:"clause"`
	Rules    []string  `json:"rules"`    // none: no rule checks the clause
	Findings []Finding `json:"findings"` // of those rules, that the filter keeps
	// Hidden counts the findings of those rules the filter left out: a
	// clause is clear only when it has none of either.
	Hidden int `json:"hidden"`
}

// Clear reports whether a rule checks the clause and it has no finding,
// shown or filtered out.
func (c ClauseReport) Clear() bool { return len(c.Rules) > 0 && len(c.Findings) == 0 && c.Hidden == 0 }

// ByStandard lays rep's findings out by the clauses their rules cite, in
// the order of Clauses: a finding whose rule cites several clauses is
// under each. Clauses no rule cites are there too, with no rules. keep,
// if not nil, is the filter the findings shown pass; those it leaves out
// are counted as Hidden, so that no clause looks clear for being
// filtered.
func ByStandard(rep *Report, keep func(Finding) bool) []ClauseReport {
	index := map[string]int{}
	out := make([]ClauseReport, len(Clauses))
	for i, c := range Clauses {
		out[i] = ClauseReport{Clause: c, Rules: []string{}, Findings: []Finding{}}
		index[c.ID] = i
	}
	for _, r := range Rules {
		for _, id := range r.Cites() {
			if i, ok := index[id]; ok {
				out[i].Rules = append(out[i].Rules, r.ID)
			}
		}
	}
	for _, f := range rep.Findings {
		r, _ := RuleByID(f.Rule)
		ids := r.Cites()
		if len(f.Clauses) > 0 {
			ids = f.Clauses
		}
		for _, id := range ids {
			i, ok := index[id]
			switch {
			case !ok:
			case keep == nil || keep(f):
				out[i].Findings = append(out[i].Findings, f)
			default:
				out[i].Hidden++
			}
		}
	}
	return out
}
