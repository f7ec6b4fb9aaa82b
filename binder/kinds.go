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
	// ExerciseStatus: a planned exercise never counts as held.
	ExerciseStatus = []string{"planned", "held", "cancelled"}
	// SiteRoles and SiteReadiness describe a site.
	SiteRoles     = []string{"primary", "alternate", "work-area"}
	SiteReadiness = []string{"hot", "warm", "cold"}
	// RiskTreatments are the ways a risk is treated.
	RiskTreatments   = []string{"accept", "reduce", "transfer", "avoid"}
	requirementTypes = []string{"legal", "regulatory", "contractual", "standard", "internal"}
	documentTypes    = []string{"diagram", "contract", "procedure", "inventory", "report", "other"}
)

// likelihoodDoc and impactDoc are the scales a risk is rated on: the
// rating is likelihood × impact, from 1 to 25.
const (
	likelihoodDoc = "1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain"
	impactDoc     = "1 negligible, 2 minor, 3 moderate, 4 major, 5 severe"
)

// actionsField is the action items of a record: the one shape the action
// register reads, whichever kind holds them.
func actionsField(doc string) Field {
	return Field{Name: "actions", Type: TypeTable, Doc: doc, Columns: []Field{
		{Name: "action", Type: TypeText, Required: true, Doc: "what is to be done"},
		{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who does it"},
		{Name: "due", Type: TypeDate, Doc: "by when"},
		{Name: "status", Type: TypeEnum, Values: actionStatus, Doc: "open, in-progress, done or dropped (no status is open)"},
	}}
}

var (
	toContact = []string{"contact"}
	toPlan    = []string{"plan"}
	toSystem  = []string{"system"}
	toRunbook = []string{"runbook"}
	toTeam    = []string{"team"}
	toVendor  = []string{"vendor"}
	toSite    = []string{"site"}
	toReq     = []string{"requirement"}
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
			{Name: "sites", Type: TypeLinkList, Targets: toSite, Doc: "the sites it operates from and relocates to"},
			{Name: "requirements", Type: TypeLinkList, Targets: toReq, Doc: "the legal, regulatory and contractual requirements it meets"},
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
			{Name: "call_tree", Type: TypeTable, Doc: "who calls whom when the team is activated, in order; without it the activation authority calls the lead, who calls the alternate lead and the members", Columns: []Field{
				{Name: "caller", Type: TypeLink, Targets: toContact, Doc: "who calls (empty: whoever starts the tree, the activation authority or else the lead)"},
				{Name: "calls", Type: TypeLink, Targets: toContact, Required: true, Doc: "whom they call"},
				{Name: "if_unreachable", Type: TypeText, Doc: "what the caller does when neither they nor their alternates answer"},
			}},
			{Name: "if_unreachable", Type: TypeText, Doc: "what to do when someone in the call tree, and their alternates, cannot be reached (a row's own instruction comes first)"},
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
			{Name: "site", Type: TypeText, Doc: "where it is hosted, in words (primary_site links the site record)"},
			{Name: "primary_site", Type: TypeLink, Targets: toSite, Doc: "the site it runs at"},
			{Name: "alternate_site", Type: TypeLink, Targets: toSite, Doc: "the site it is recovered at when the primary is lost"},
			{Name: "depends_on", Type: TypeLinkList, Targets: toSystem, Doc: "the systems it needs running first"},
			{Name: "backup_method", Type: TypeText, Doc: "how it is backed up"},
			{Name: "backup_interval", Type: TypeDuration, Doc: "how often"},
			{Name: "backup_copies", Type: TypeInteger, Doc: "how many backups are kept"},
			{Name: "last_restore_test", Type: TypeDate, Doc: "when a restore from backup was last tested"},
			{Name: "software", Type: TypeTextList, Doc: "software needed to rebuild it"},
			{Name: "licences", Type: TypeTextList, Doc: "licences and certificates needed for recovery"},
			{Name: "runbooks", Type: TypeLinkList, Targets: toRunbook, Doc: "its recovery runbooks"},
			{Name: "credentials", Type: TypeLinkList, Targets: []string{"credential"}, Doc: "the escrowed credentials its recovery needs"},
			{Name: "requirements", Type: TypeLinkList, Targets: toReq, Doc: "the legal, regulatory and contractual requirements it must meet"},
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
	{Name: "exercise", Doc: "a test or exercise of plans, planned or held; once held, its body is the after-action report", TitleIs: "the exercise's name",
		Fields: []Field{
			{Name: "type", Type: TypeEnum, Values: exerciseTypes, Doc: "walkthrough, tabletop, functional, full-scale, …"},
			{Name: "status", Type: TypeEnum, Values: ExerciseStatus, Doc: "planned, held or cancelled; without one, an exercise dated after today is planned and one dated before is held"},
			{Name: "date", Type: TypeDate, Doc: "when it took place, or is planned for"},
			{Name: "scenario", Type: TypeText, Doc: "what was rehearsed"},
			{Name: "plans", Type: TypeLinkList, Targets: toPlan, Doc: "the plans exercised"},
			{Name: "participants", Type: TypeLinkList, Targets: toContact, Doc: "who took part"},
			{Name: "results", Type: TypeText, Doc: "how it went"},
			{Name: "findings", Type: TypeTextList, Doc: "what it found"},
			actionsField("the improvement plan: what is to be done, by whom, by when"),
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
			actionsField("the corrective actions agreed after it"),
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
	{Name: "risk", Doc: "a risk: a threat or scenario, what it affects, how likely and how bad, and how it is treated", TitleIs: "the threat or scenario, in words",
		Fields: []Field{
			{Name: "scenarios", Type: TypeEnumList, Values: Scenarios, Doc: "the disaster scenarios it is an instance of"},
			{Name: "functions", Type: TypeLinkList, Targets: []string{"function"}, Doc: "the business functions it affects"},
			{Name: "systems", Type: TypeLinkList, Targets: toSystem, Doc: "the systems it affects"},
			{Name: "sites", Type: TypeLinkList, Targets: toSite, Doc: "the sites it affects"},
			{Name: "vendors", Type: TypeLinkList, Targets: toVendor, Doc: "the vendors it affects or comes from"},
			{Name: "likelihood", Type: TypeInteger, Min: 1, Max: 5, Doc: "how likely before controls: " + likelihoodDoc},
			{Name: "impact", Type: TypeInteger, Min: 1, Max: 5, Doc: "how bad before controls: " + impactDoc},
			{Name: "residual_likelihood", Type: TypeInteger, Min: 1, Max: 5, Doc: "how likely with the controls in place (same scale)"},
			{Name: "residual_impact", Type: TypeInteger, Min: 1, Max: 5, Doc: "how bad with the controls in place (same scale)"},
			{Name: "treatment", Type: TypeEnum, Values: RiskTreatments, Doc: "accept, reduce, transfer or avoid"},
			{Name: "controls", Type: TypeTextList, Doc: "the controls in place"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who owns the risk"},
			{Name: "assessed", Type: TypeDate, Doc: "when it was last assessed"},
			{Name: "next_review", Type: TypeDate, Doc: "when it must next be reviewed"},
			{Name: "plans", Type: TypeLinkList, Targets: toPlan, Doc: "the plans that answer it"},
			actionsField("the treatment plan: what is to be done, by whom, by when"),
		}},
	{Name: "site", Doc: "a place operations run from or recover to", TitleIs: "the site's name",
		Fields: []Field{
			{Name: "role", Type: TypeEnum, Values: SiteRoles, Doc: "primary, alternate or work-area (work-area recovery: desks for people)"},
			{Name: "readiness", Type: TypeEnum, Values: SiteReadiness, Doc: "hot (ready to take over), warm (equipped, needs data and set-up) or cold (space and power only)"},
			{Name: "address", Type: TypeText, Doc: "where it is"},
			{Name: "backs_up", Type: TypeLink, Targets: toSite, Doc: "the site it stands in for"},
			{Name: "distance_km", Type: TypeInteger, Min: 0, Max: 40075, Doc: "its distance in km from the site it stands in for"},
			{Name: "capacity", Type: TypeInteger, Min: 0, Max: 1000000, Doc: "how many systems it can host"},
			{Name: "seats", Type: TypeInteger, Min: 0, Max: 1000000, Doc: "how many people it can seat"},
			{Name: "teams", Type: TypeLinkList, Targets: toTeam, Doc: "the teams it seats when they relocate"},
			{Name: "contacts", Type: TypeLinkList, Targets: toContact, Doc: "who to call there"},
			{Name: "vendor", Type: TypeLink, Targets: toVendor, Doc: "who runs it, if a third party does"},
			{Name: "access", Type: TypeText, Doc: "how to get in out of hours: keys, badges, who lets you in"},
		}},
	{Name: "document", Doc: "a reference to something kept outside the binder (a network diagram, a contract, a vendor's runbook), not the file itself", TitleIs: "what the document is",
		Fields: []Field{
			{Name: "type", Type: TypeEnum, Values: documentTypes, Doc: "diagram, contract, procedure, inventory, report or other"},
			{Name: "location", Type: TypeText, Doc: "where it is kept: a URL, a path, a shelf"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who keeps it current"},
			{Name: "reviewed", Type: TypeDate, Doc: "when it was last reviewed"},
			{Name: "review_months", Type: TypeInteger, Min: 1, Max: 1200, Doc: "how often it must be reviewed (default: the binder's document_months)"},
			{Name: "sha256", Type: TypeText, HexDigits: 64, Doc: "the SHA-256 of the version reviewed, to tell a copy is that version"},
			{Name: "about", Type: TypeLinkList, Targets: []string{"plan", "system", "site", "vendor", "runbook"}, Doc: "the plans, systems, sites, vendors and runbooks it documents"},
		}},
	{Name: "policy", Doc: "the organisation's continuity policy: scope, objectives and approval (its body is the policy's text)", TitleIs: "the policy's name",
		Fields: []Field{
			{Name: "status", Type: TypeEnum, Values: planStatus, Doc: "draft, approved or retired"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who keeps it current"},
			{Name: "approved_by", Type: TypeLink, Targets: toContact, Doc: "who approved this version"},
			{Name: "approved_on", Type: TypeDate, Doc: "when this version was approved"},
			{Name: "version", Type: TypeText, Doc: "the policy's version"},
			{Name: "next_review", Type: TypeDate, Doc: "when it must next be reviewed"},
			{Name: "scope", Type: TypeText, Doc: "what the continuity programme covers"},
			{Name: "objectives", Type: TypeTextList, Doc: "what the programme must achieve"},
			{Name: "requirements", Type: TypeLinkList, Targets: toReq, Doc: "the requirements it answers"},
		}},
	{Name: "requirement", Doc: "a legal, regulatory or contractual obligation that plans and systems must meet", TitleIs: "the obligation, in words",
		Fields: []Field{
			{Name: "type", Type: TypeEnum, Values: requirementTypes, Doc: "legal, regulatory, contractual, standard or internal"},
			{Name: "source", Type: TypeText, Doc: "the act, regulation, contract or clause it comes from"},
			{Name: "authority", Type: TypeText, Doc: "who imposes it and checks it"},
			{Name: "owner", Type: TypeLink, Targets: toContact, Doc: "who answers for it"},
			{Name: "max_rto", Type: TypeDuration, Doc: "the longest recovery time it allows the systems of a plan or system linked to it"},
			{Name: "max_rpo", Type: TypeDuration, Doc: "the most data loss it allows, likewise"},
			{Name: "exercise_months", Type: TypeInteger, Min: 1, Max: 1200, Doc: "how often a plan linked to it must be exercised"},
			{Name: "review_months", Type: TypeInteger, Min: 1, Max: 1200, Doc: "how often a plan linked to it must be approved again"},
		}},
	{Name: "audit", Doc: "an audit, assessment or review of the programme, its findings and the corrective actions agreed", TitleIs: "the audit's name",
		Fields: []Field{
			{Name: "date", Type: TypeDate, Doc: "when it reported"},
			{Name: "auditor", Type: TypeText, Doc: "who carried it out"},
			{Name: "scope", Type: TypeText, Doc: "what it covered"},
			{Name: "findings", Type: TypeTextList, Doc: "what it found"},
			actionsField("the corrective actions: what is to be done, by whom, by when"),
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
			{Name: "site_distance_km", Type: TypeInteger, Min: 0, Max: 40075, Doc: "how far, in km, a critical system's alternate site must be from its primary (default 50; 0 asks for no distance)"},
			{Name: "risk_high", Type: TypeInteger, Min: 1, Max: 25, Doc: "the residual rating (likelihood × impact) from which a risk is high and must be treated and answered by a plan (default 10)"},
			{Name: "risk_months", Type: TypeInteger, Min: 1, Max: 1200, Doc: "how often a risk without a review date must be reassessed (default 12)"},
			{Name: "document_months", Type: TypeInteger, Min: 1, Max: 1200, Doc: "how often a document without its own review period must be reviewed (default 12)"},
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
