package binder

import "strings"

// KindSpec describes one kind of record: what it is for and its fields.
type KindSpec struct {
	Name string
	Doc  string
	// TitleIs says what a record's title holds for this kind.
	TitleIs string
	Fields  []Field
	// Hidden kinds are not listed unless asked for by name.
	Hidden bool
	// FreeFields kinds take any fields, unchecked.
	FreeFields bool
	// AppendOnly records are never edited or deleted once saved.
	AppendOnly bool
}

// Field returns the kind's field called name.
func (k KindSpec) Field(name string) (Field, bool) { return fieldIn(k.Fields, name) }

// Plan types, scenario tags and the other shared value lists.
var (
	PlanTypes = []string{"bcp", "drp", "coop", "iscp", "irp"}
	// PlanTypeNames spells out the plan types.
	PlanTypeNames = map[string]string{
		"bcp":  "business continuity plan",
		"drp":  "disaster recovery plan",
		"coop": "continuity of operations plan",
		"iscp": "information system contingency plan",
		"irp":  "incident response procedure",
	}
	// Scenarios are the disaster scenarios runbooks and plans are tagged
	// with; the readiness check reports those nothing covers.
	Scenarios = []string{
		"natural-disaster", "hardware-failure", "power-failure", "network-failure",
		"storage-failure", "resource-exhaustion", "cyber-attack", "human-error",
		"physical-security", "social-unrest", "supply-chain", "utility-outage",
		"technological-failure", "pandemic",
	}
	// valueAliases are other names accepted for a value.
	valueAliases = map[string]string{
		"ransomware": "cyber-attack", "hacking": "cyber-attack", "data-breach": "cyber-attack", "cyber": "cyber-attack",
		"business-continuity-plan": "bcp", "disaster-recovery-plan": "drp", "continuity-of-operations-plan": "coop",
		"information-system-contingency-plan": "iscp", "incident-response-procedure": "irp", "incident-response-plan": "irp",
	}
	phoneLabels   = []string{"office", "mobile", "home", "satellite", "pager", "other"}
	teamPurposes  = []string{"incident-response", "disaster-recovery", "crisis-management", "business-continuity", "communications", "damage-assessment", "emergency-response", "other"}
	exerciseTypes = []string{"walkthrough", "tabletop", "seminar", "workshop", "game", "drill", "functional", "full-scale"}
	actionStatus  = []string{"open", "in-progress", "done", "dropped"}
	incidentState = []string{"open", "contained", "recovering", "closed"}
	planStatus    = []string{"draft", "approved", "retired"}
)

var (
	toContact = []string{"contact"}
	toPlan    = []string{"plan"}
	toSystem  = []string{"system"}
	toRunbook = []string{"runbook"}
	toTeam    = []string{"team"}
	toVendor  = []string{"vendor"}
)

// Kinds lists the record kinds a binder holds, in display order.
var Kinds = []KindSpec{
	{Name: "plan", Doc: "a continuity, recovery or contingency plan", TitleIs: "the plan's name",
		Fields: []Field{
			{Name: "type", Type: TypeEnum, Values: PlanTypes, Doc: "bcp (business continuity plan), drp (disaster recovery plan), coop (continuity of operations plan), iscp (information system contingency plan) or irp (incident response procedure)"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who keeps the plan current"},
			{Name: "status", Type: TypeEnum, Values: planStatus, Doc: "draft, approved or retired"},
			{Name: "approved_by", Type: TypeLink, Targets: toContact, Doc: "who approved this version"},
			{Name: "approved_on", Type: TypeDate, Doc: "when this version was approved"},
			{Name: "version", Type: TypeText, Doc: "the plan's version"},
			{Name: "next_review", Type: TypeDate, Doc: "when the plan must next be reviewed"},
			{Name: "scope", Type: TypeText, Doc: "what the plan covers"},
			{Name: "scenarios", Type: TypeEnumList, Values: Scenarios, Doc: "the disaster scenarios the plan covers"},
			{Name: "systems", Type: TypeLinkList, Targets: toSystem, Doc: "the systems the plan covers"},
			{Name: "teams", Type: TypeLinkList, Targets: toTeam, Doc: "the teams the plan activates"},
			{Name: "runbooks", Type: TypeLinkList, Targets: toRunbook, Doc: "the runbooks the plan calls on"},
			{Name: "contacts", Type: TypeLinkList, Targets: toContact, Doc: "the people named in the plan"},
			{Name: "related_plans", Type: TypeLinkList, Targets: toPlan, Doc: "the plans it calls on or sits beside: a business continuity plan links its disaster recovery plan, incident response procedure and continuity of operations plan"},
			{Name: "changes", Type: TypeTable, Doc: "the record of changes", Columns: []Field{
				{Name: "date", Type: TypeDate, Required: true, Doc: "when"},
				{Name: "version", Type: TypeText, Doc: "the version it made"},
				{Name: "by", Type: TypeText, Doc: "who made or signed it"},
				{Name: "summary", Type: TypeText, Required: true, Doc: "what changed"},
			}},
		}},
	{Name: "contact", Doc: "a person or office to call, with alternates", TitleIs: "the person's or office's name",
		Fields: []Field{
			{Name: "roles", Type: TypeTextList, Doc: "what they do in a continuity event"},
			{Name: "organisation", Type: TypeText, Doc: "their organisation or department"},
			{Name: "phones", Type: TypeTable, Doc: "their numbers, each labelled", Columns: []Field{
				{Name: "label", Type: TypeEnum, Values: phoneLabels, Required: true, Doc: "office, mobile, home, satellite, pager or other"},
				{Name: "number", Type: TypeText, Required: true, Doc: "the number as written; without a country code, the binder's phone_country is assumed"},
				{Name: "e164", Type: TypeText, Doc: "the number in international form (+442079460001), filled in when it is saved"},
			}},
			{Name: "emails", Type: TypeTextList, Doc: "their e-mail addresses"},
			{Name: "location", Type: TypeText, Doc: "where they work or can be found"},
			{Name: "alternates", Type: TypeLinkList, Targets: toContact, Doc: "who to call instead, in order"},
			{Name: "escalation", Type: TypeInteger, Doc: "their place in the call tree (1 is called first)"},
			{Name: "last_verified", Type: TypeDate, Doc: "when these details were last checked"},
		}},
	{Name: "team", Doc: "a response or recovery team", TitleIs: "the team's name",
		Fields: []Field{
			{Name: "purpose", Type: TypeEnum, Values: teamPurposes, Doc: "what the team is for"},
			{Name: "lead", Type: TypeLink, Targets: toContact, Doc: "who leads it"},
			{Name: "alternate_lead", Type: TypeLink, Targets: toContact, Doc: "who leads it when the lead cannot"},
			{Name: "members", Type: TypeLinkList, Targets: toContact, Doc: "who is in it"},
			{Name: "activation_authority", Type: TypeLink, Targets: toContact, Doc: "who decides to activate it"},
			{Name: "succession", Type: TypeLinkList, Targets: toContact, Doc: "who holds that authority next, in order"},
		}},
	{Name: "vendor", Doc: "a third party the organisation depends on", TitleIs: "the third party's name",
		Fields: []Field{
			{Name: "services", Type: TypeTextList, Doc: "what it provides"},
			{Name: "contacts", Type: TypeLinkList, Targets: toContact, Doc: "who to call there"},
			{Name: "contract", Type: TypeText, Doc: "the contract's reference"},
			{Name: "continuity_obligation", Type: TypeBoolean, Doc: "whether the contract obliges it to meet our continuity requirements"},
			{Name: "alternate", Type: TypeLink, Targets: toVendor, Doc: "who could provide the same if it fails"},
		}},
	{Name: "system", Doc: "an information system with its recovery objectives", TitleIs: "the system's name",
		Fields: []Field{
			{Name: "description", Type: TypeText, Doc: "what it is and does"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who is accountable for it"},
			{Name: "tier", Type: TypeInteger, Min: 1, Max: 4, Doc: "criticality: 1 critical, 2 high, 3 medium, 4 low"},
			{Name: "environment", Type: TypeText, Doc: "production, staging, …"},
			{Name: "rto", Type: TypeDuration, Doc: "recovery time objective"},
			{Name: "rpo", Type: TypeDuration, Doc: "recovery point objective"},
			{Name: "mtd", Type: TypeDuration, Doc: "maximum tolerable downtime"},
			{Name: "site", Type: TypeText, Doc: "where it is hosted"},
			{Name: "depends_on", Type: TypeLinkList, Targets: toSystem, Doc: "the systems it needs running first"},
			{Name: "backup_method", Type: TypeText, Doc: "how it is backed up"},
			{Name: "backup_interval", Type: TypeDuration, Doc: "how often"},
			{Name: "backup_copies", Type: TypeInteger, Doc: "how many backups are kept"},
			{Name: "last_restore_test", Type: TypeDate, Doc: "when a restore from backup was last tested"},
			{Name: "software", Type: TypeTextList, Doc: "software needed to rebuild it"},
			{Name: "licences", Type: TypeTextList, Doc: "licences and certificates needed for recovery"},
			{Name: "runbooks", Type: TypeLinkList, Targets: toRunbook, Doc: "its recovery runbooks"},
			{Name: "credentials", Type: TypeLinkList, Targets: []string{"credential"}, Doc: "the escrowed credentials its recovery needs"},
		}},
	{Name: "function", Doc: "a business function in the impact analysis", TitleIs: "the business function",
		Fields: []Field{
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who is accountable for it"},
			{Name: "impacts", Type: TypeTable, Doc: "the impact of an outage as it lasts", Columns: []Field{
				{Name: "after", Type: TypeDuration, Required: true, Doc: "how long the outage has lasted"},
				{Name: "rating", Type: TypeInteger, Required: true, Min: 1, Max: 5, Doc: "1 negligible, 2 minor, 3 moderate, 4 major, 5 severe"},
				{Name: "note", Type: TypeText, Doc: "what happens"},
			}},
			{Name: "mtd", Type: TypeDuration, Doc: "maximum tolerable downtime"},
			{Name: "rto", Type: TypeDuration, Doc: "recovery time objective"},
			{Name: "rpo", Type: TypeDuration, Doc: "recovery point objective"},
			{Name: "systems", Type: TypeLinkList, Targets: toSystem, Doc: "the systems it needs"},
			{Name: "assessed", Type: TypeDate, Doc: "when the impact was last assessed"},
		}},
	{Name: "runbook", Doc: "step-by-step recovery procedure", TitleIs: "what it recovers from",
		Fields: []Field{
			{Name: "scenarios", Type: TypeEnumList, Values: Scenarios, Doc: "the disaster scenarios it covers"},
			{Name: "detection", Type: TypeText, Doc: "how we know it is needed"},
			{Name: "activation", Type: TypeText, Doc: "who decides to start it, and when"},
			{Name: "steps", Type: TypeTable, Doc: "what to do, in order", Columns: []Field{
				{Name: "role", Type: TypeText, Doc: "who does it (a role, not a name)"},
				{Name: "do", Type: TypeText, Required: true, Doc: "the instruction"},
				{Name: "duration", Type: TypeDuration, Doc: "how long it takes"},
				{Name: "check", Type: TypeText, Doc: "how to verify it worked"},
				{Name: "fallback", Type: TypeText, Doc: "what to do if it fails"},
			}},
			{Name: "tests", Type: TypeTextList, Doc: "the recovery test checklist: what users check afterwards"},
		}},
	{Name: "exercise", Doc: "a test or exercise of plans", TitleIs: "the exercise's name",
		Fields: []Field{
			{Name: "type", Type: TypeEnum, Values: exerciseTypes, Doc: "walkthrough, tabletop, functional, full-scale, …"},
			{Name: "date", Type: TypeDate, Doc: "when it took place"},
			{Name: "scenario", Type: TypeText, Doc: "what was rehearsed"},
			{Name: "plans", Type: TypeLinkList, Targets: toPlan, Doc: "the plans exercised"},
			{Name: "participants", Type: TypeLinkList, Targets: toContact, Doc: "who took part"},
			{Name: "results", Type: TypeText, Doc: "how it went"},
			{Name: "findings", Type: TypeTextList, Doc: "what it found"},
			{Name: "actions", Type: TypeTable, Doc: "the improvement plan", Columns: []Field{
				{Name: "action", Type: TypeText, Required: true, Doc: "what is to be done"},
				{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who does it"},
				{Name: "due", Type: TypeDate, Doc: "by when"},
				{Name: "status", Type: TypeEnum, Values: actionStatus, Doc: "open, in-progress, done or dropped"},
			}},
		}},
	{Name: "incident", Doc: "a real incident and its handling", TitleIs: "what happened",
		Fields: []Field{
			{Name: "opened", Type: TypeMoment, Doc: "when it began"},
			{Name: "closed", Type: TypeMoment, Doc: "when it was over"},
			{Name: "scenario", Type: TypeEnum, Values: Scenarios, Doc: "which scenario it was"},
			{Name: "status", Type: TypeEnum, Values: incidentState, Doc: "open, contained, recovering or closed"},
			{Name: "plan", Type: TypeLink, Targets: toPlan, Doc: "the plan activated"},
			{Name: "activated_by", Type: TypeLink, Targets: toContact, Doc: "who activated it"},
			{Name: "activated", Type: TypeMoment, Doc: "when"},
			{Name: "damage", Type: TypeText, Doc: "the damage assessment"},
			{Name: "lessons", Type: TypeText, Doc: "lessons learned"},
		}},
	{Name: "timeline", Doc: "one entry in an incident's timeline (append-only)", TitleIs: "what was done or seen", AppendOnly: true,
		Fields: []Field{
			{Name: "incident", Type: TypeLink, Targets: []string{"incident"}, Doc: "the incident"},
			{Name: "at", Type: TypeMoment, Doc: "when it happened"},
		}},
	{Name: "training", Doc: "a training session on the plans", TitleIs: "the session's name",
		Fields: []Field{
			{Name: "date", Type: TypeDate, Doc: "when it took place"},
			{Name: "audience", Type: TypeText, Doc: "who it was for"},
			{Name: "plans", Type: TypeLinkList, Targets: toPlan, Doc: "the plans covered"},
			{Name: "attendees", Type: TypeLinkList, Targets: toContact, Doc: "who attended"},
		}},
	{Name: "credential", Doc: "a recovery credential: what it opens and who holds it (the secret itself is escrowed)", TitleIs: "what the credential is",
		Fields: []Field{
			{Name: "opens", Type: TypeText, Doc: "what it gives access to"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who is accountable for it"},
			{Name: "systems", Type: TypeLinkList, Targets: toSystem, Doc: "the systems it opens"},
			{Name: "rotated", Type: TypeDate, Doc: "when it was last changed"},
			{Name: "rotate_every", Type: TypeDuration, Doc: "how often it must be changed"},
			{Name: "custodians", Type: TypeTextList, Doc: "the members (by handle) holding a share of it"},
			{Name: "threshold", Type: TypeInteger, Doc: "how many custodians must agree to open it"},
		}},
	{Name: "secret", Doc: "an escrowed secret: its value is sealed and split among custodians (gobag secret)", TitleIs: "the secret's name", Hidden: true,
		Fields: []Field{
			{Name: "credential", Type: TypeLink, Targets: []string{"credential"}, Doc: "the credential whose secret it is"},
		}},
	{Name: "note", Doc: "free text", TitleIs: "the note's subject", FreeFields: true},
	{Name: "binder", Doc: "the binder's own settings", TitleIs: "the binder's name", Hidden: true,
		Fields: []Field{
			{Name: "review_months", Type: TypeInteger, Doc: "how often plans must be reviewed (default 12)"},
			{Name: "exercise_months", Type: TypeInteger, Doc: "how often plans must be exercised (default 12)"},
			{Name: "contact_days", Type: TypeInteger, Doc: "how often contact details must be verified (default 90)"},
			{Name: "restore_test_months", Type: TypeInteger, Doc: "how often backup restores must be tested (default 12)"},
			{Name: "bia_months", Type: TypeInteger, Doc: "how old the impact analysis may be before it is overdue (default 24; a warning from half that)"},
			{Name: "training_months", Type: TypeInteger, Doc: "how often training must take place (default 12)"},
			{Name: "offsite_days", Type: TypeInteger, Doc: "how often a remote must receive this copy's history (default 7)"},
			{Name: "phone_country", Type: TypeText, Doc: "the country calling code of phone numbers written without one, such as +44"},
			{Name: "allow_threshold_one", Type: TypeBoolean, Doc: "whether an escrowed secret may be opened by one custodian alone (default no: at least 2)"},
			{Name: "rotation_months", Type: TypeInteger, Doc: "how often an escrowed secret must be rotated when its credential says nothing (default 12)"},
		}},
}

// LinkFields lists the kind's fields that link to other records; a link
// column of a table is named table.column.
func (k KindSpec) LinkFields() []Field {
	var out []Field
	for _, f := range k.Fields {
		if f.Type == TypeLink || f.Type == TypeLinkList {
			out = append(out, f)
		}
		if f.Type == TypeTable {
			for _, c := range f.Columns {
				if c.Type == TypeLink || c.Type == TypeLinkList {
					out = append(out, Field{Name: f.Name + "." + c.Name, Type: c.Type, Targets: c.Targets})
				}
			}
		}
	}
	return out
}

// KindByName returns the spec of a kind.
func KindByName(name string) (KindSpec, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return KindSpec{}, false
}

func kindNamesList() string {
	var names []string
	for _, k := range Kinds {
		if !k.Hidden {
			names = append(names, k.Name)
		}
	}
	return strings.Join(names, ", ")
}
