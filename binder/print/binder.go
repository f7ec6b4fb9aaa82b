package print

import (
	"fmt"
	"slices"
	"strings"

	"gobag/binder"
	"gobag/binder/calltree"
	"gobag/binder/recovery"
)

// Options say what a printed binder holds.
type Options struct {
	Paper Paper
	// Plans, if any, are the plans printed (by id), with the runbooks
	// they call on; others are left out.
	Plans []string
	// Kinds, if any, are the parts printed, by the kind they show:
	// contact (the call tree and contacts), team, plan, runbook, system
	// (the recovery order), function (the impact analysis), vendor,
	// credential, exercise; the record of changes and approvals always
	// come.
	Kinds []string
}

// Parts are the kinds Options.Kinds takes, in the order they print.
var Parts = []string{"contact", "team", "plan", "runbook", "system", "site", "function", "risk", "vendor", "credential", "exercise", "policy", "requirement", "document"}

// tocEntry is one line of the contents.
type tocEntry struct {
	level int
	title string
	page  int // in the body, from 1
}

// bodyWriter is a writer that keeps the contents.
type bodyWriter struct {
	*writer
	toc []tocEntry
}

// section starts a part of the binder on a new page.
func (w *bodyWriter) section(title string) {
	w.newPage(false)
	w.toc = append(w.toc, tocEntry{1, title, w.pageNumber()})
	w.heading(1, title)
}

// part starts a part of the binder that shows n records, saying none
// when there are none; it reports whether there are.
func (w *bodyWriter) part(title string, n int, none string) bool {
	w.section(title)
	if n == 0 {
		w.none(none)
	}
	return n > 0
}

// sub starts an entry of a part (a plan, a runbook), in the contents.
func (w *bodyWriter) sub(title string) {
	w.heading(2, title)
	w.toc = append(w.toc, tocEntry{2, title, w.pageNumber()})
}

// Binder lays out the printed binder of src.
func Binder(src *Source, opts Options) (*Document, error) {
	if opts.Paper.W == 0 {
		opts.Paper = A4
	}
	for _, k := range opts.Kinds {
		if !slices.Contains(Parts, k) {
			return nil, fmt.Errorf("%q is not a part of the printed binder (%s)", k, strings.Join(Parts, ", "))
		}
	}
	ix := newIndex(src)
	for _, id := range opts.Plans {
		if r := ix.byID[id]; r == nil || r.Kind != "plan" {
			return nil, fmt.Errorf("%s is not a plan this document may hold", id)
		}
	}
	want := func(kind string) bool { return len(opts.Kinds) == 0 || slices.Contains(opts.Kinds, kind) }

	body := &Document{paper: opts.Paper}
	bw := &bodyWriter{writer: newWriter(body)}
	plans := ix.byKind["plan"]
	runbooks := ix.byKind["runbook"]
	if len(opts.Plans) > 0 {
		plans = slices.DeleteFunc(slices.Clone(plans), func(p *binder.Record) bool { return !slices.Contains(opts.Plans, p.ID) })
		var called []string
		for _, p := range plans {
			called = append(called, p.Links("runbooks")...)
		}
		runbooks = slices.DeleteFunc(slices.Clone(runbooks), func(r *binder.Record) bool { return !slices.Contains(called, r.ID) })
	}
	if want("contact") {
		bw.callTree(ix)
		bw.contacts(ix)
	}
	if want("team") {
		bw.teams(ix)
	}
	if want("plan") {
		bw.plans(ix, plans)
	}
	if want("runbook") {
		bw.runbooks(ix, runbooks)
	}
	if want("system") {
		bw.recoveryOrder(ix)
	}
	if want("site") {
		bw.sites(ix)
	}
	if want("function") {
		bw.impact(ix)
	}
	if want("risk") {
		bw.risks(ix)
	}
	if want("vendor") {
		bw.vendors(ix)
	}
	if want("credential") {
		bw.credentials(ix)
	}
	if want("exercise") {
		bw.exercises(ix)
		bw.actionRegister(ix)
	}
	bw.governance(ix, want("policy"), want("requirement"), want("document"))
	bw.changes(ix)
	bw.approvals(ix, plans)

	// The contents come after the cover: lay them out once to count their
	// pages, then number the entries from there.
	tocPages := contents(src, opts.Paper, bw.toc, 0).Pages()
	doc := &Document{Title: src.Name, paper: opts.Paper}
	cover(doc, src, "Continuity binder")
	toc := contents(src, opts.Paper, bw.toc, 1+tocPages)
	doc.pages = append(doc.pages, toc.pages...)
	doc.pages = append(doc.pages, body.pages...)
	doc.Lost += toc.Lost + body.Lost
	doc.headerLeft, doc.headerRight = src.Name, src.asOf()
	doc.footerLeft = "gobag · " + src.Fingerprint
	return doc, nil
}

// cover writes the cover page: the binder's name, fingerprint, commit,
// date and verification, and which restricted records it holds. It
// returns the writer, below what it wrote.
func cover(d *Document, src *Source, what string) *writer {
	w := newWriter(d)
	w.newPage(true)
	w.y = d.paper.H * 0.22
	w.para(styled(regular, what), w.left(), w.textWidth(), 14)
	w.space(6)
	w.para(styled(bold, src.Name), w.left(), w.textWidth(), 26)
	w.space(18)
	w.keyValues([][2]string{
		{"Fingerprint", src.Fingerprint},
		{"Commit", fmt.Sprintf("%s of %s", src.Commit, src.CommitTime.Format("2006-01-02 15:04 MST"))},
		{"Printed", fmt.Sprintf("%s by %s", src.Now.Format("2006-01-02 15:04 MST"), src.PrintedBy)},
	})
	w.space(8)
	col := black
	if !src.Verified {
		col = red
	}
	w.para([]span{{st: bold, text: src.verificationLine(), col: col}}, w.left(), w.textWidth(), bodySize)
	w.space(6)
	w.body(plain(src.audienceLine()))
	w.space(6)
	w.para(styled(italic, "This copy was true on the date above. Check it against a current, verified copy of the binder before relying on it. Keep it as you keep the people's details it holds."), w.left(), w.textWidth(), bodySize-1)
	return w
}

// contents lays out the table of contents, page numbers offset by
// offset (the pages before the body).
func contents(src *Source, paper Paper, toc []tocEntry, offset int) *Document {
	d := &Document{paper: paper}
	w := newWriter(d)
	w.newPage(false)
	w.heading(1, "Contents")
	size := bodySize
	lh := size * lineGap
	numW := width(regular, size, "0000")
	for _, e := range toc {
		st, indent := bold, 0.0
		if e.level > 1 {
			st, indent = regular, 16
		}
		num := fmt.Sprint(e.page + offset)
		if offset == 0 {
			num = "0000"
		}
		ls := linesOf(styled(st, e.title), w.textWidth()-indent-numW-10, size)
		w.need(float64(len(ls)) * lh)
		for i, ln := range ls {
			base := w.y + size*0.95
			w.drawLine(ln, w.left()+indent, base, size)
			if i == len(ls)-1 {
				// Dots lead to the number.
				from := w.left() + indent + lineWidth(ln, size) + 4
				to := w.right() - numW - 4
				if to > from {
					w.line(from, base, to, base, 0.3, rule)
				}
				w.text(w.right()-width(regular, size, num), base, regular, size, black, num)
			}
			w.y += lh
		}
	}
	return d
}

func (w *bodyWriter) callTree(ix *index) {
	w.section("Call tree")
	teams := ix.byKind["team"]
	if len(teams) == 0 {
		w.escalationList(ix, nil)
		return
	}
	w.body(plain("Each team's tree: whoever starts it calls the people numbered under them, who call theirs. If someone cannot be reached, call their alternates in order; if nobody answers, do what the last column says. Tick each call and note the time."))
	w.space(4)
	get := func(id string) *binder.Record { return ix.byID[id] }
	inTree := map[string]bool{}
	for _, team := range teams {
		w.sub(team.Title)
		tree := calltree.ForTeam(team, get)
		tree.Walk(func(p *calltree.Person) { inTree[p.Contact.ID] = true })
		t := table{cols: []column{{title: "#", frac: 0.9, box: true}, {title: "Who", frac: 3}, {title: "Numbers", frac: 3}, {title: "If not reached", frac: 4}}}
		tree.WalkNumbered(func(p *calltree.Person, num string) {
			who := []span{{st: bold, text: p.Contact.Title}}
			var about []string
			if p.Role != "" {
				about = append(about, p.Role)
			}
			if p.Caller != nil {
				about = append(about, "called by "+p.Caller.Title)
			}
			if len(about) > 0 {
				who = append(who, span{st: italic, text: "\n" + strings.Join(about, "; ")})
			}
			if roles := p.Contact.Strings("roles"); len(roles) > 0 {
				who = append(who, span{text: "\n" + strings.Join(roles, "; ")})
			}
			var ifNot []string
			for j, a := range p.Alternates {
				line := fmt.Sprintf("%d. %s", j+1, a.Title)
				if ps := phones(a); len(ps) > 0 {
					line += ": " + strings.Join(ps, ", ")
				}
				ifNot = append(ifNot, line)
			}
			switch {
			case p.IfUnreachable != "":
				ifNot = append(ifNot, "Nobody answers: "+p.IfUnreachable)
			case len(p.Alternates) == 0:
				ifNot = append(ifNot, "Nothing is said: tell whoever started the tree.")
			}
			t.rows = append(t.rows, [][]span{plain(num), who, plain(strings.Join(phones(p.Contact), "\n")), plain(strings.Join(ifNot, "\n"))})
		})
		if len(t.rows) == 0 {
			w.none("The team names nobody to call.")
			continue
		}
		w.table(t)
		if names := tree.UnreachedNames(); len(names) > 0 {
			w.body(plain("Not reached by the tree, call them too: " + strings.Join(names, ", ") + "."))
		}
	}
	w.escalationList(ix, inTree)
}

// escalationList is the call list of everyone with a place in the call
// order (a contact's escalation) whom no team's tree holds (inTree nil:
// a binder with no teams).
func (w *bodyWriter) escalationList(ix *index, inTree map[string]bool) {
	var placed []*binder.Record
	for _, c := range ix.byKind["contact"] {
		if _, ok := c.Int("escalation"); ok && !inTree[c.ID] {
			placed = append(placed, c)
		}
	}
	if inTree != nil {
		if len(placed) == 0 {
			return
		}
		w.sub("Others to call")
	}
	w.body(plain("Call in this order. If someone cannot be reached, call their alternates in the order given, then go on down the list. Tick each call and note the time."))
	w.space(4)
	t := table{cols: []column{{title: "#", frac: 0.6, box: true}, {title: "Who", frac: 3}, {title: "Numbers", frac: 3.2}, {title: "If not reached, call", frac: 4}}}
	for _, c := range callList(placed) {
		n, _ := c.Int("escalation")
		var alts []string
		for i, id := range c.Links("alternates") {
			line := fmt.Sprintf("%d. %s", i+1, ix.title(id))
			if a := ix.byID[id]; a != nil {
				if ps := phones(a); len(ps) > 0 {
					line += ": " + strings.Join(ps, ", ")
				}
			}
			alts = append(alts, line)
		}
		who := []span{{st: bold, text: c.Title}}
		if roles := c.Strings("roles"); len(roles) > 0 {
			who = append(who, span{st: italic, text: "\n" + strings.Join(roles, "; ")})
		}
		t.rows = append(t.rows, [][]span{plain(fmt.Sprint(n)), who, plain(strings.Join(phones(c), "\n")), plain(strings.Join(alts, "\n"))})
	}
	if len(t.rows) == 0 {
		w.none("No team, and no contact has a place in the call tree (a contact's escalation).")
		return
	}
	w.table(t)
}

func (w *bodyWriter) contacts(ix *index) {
	w.section("Contacts")
	t := table{cols: []column{{title: "Name", frac: 3}, {title: "Numbers", frac: 3.2}, {title: "E-mail, location", frac: 3}, {title: "Alternates, in order", frac: 2.8}, {title: "Checked", frac: 1.3}}}
	for _, c := range ix.byKind["contact"] {
		name := []span{{st: bold, text: c.Title}}
		if org := c.Text("organisation"); org != "" {
			name = append(name, span{text: "\n" + org})
		}
		if roles := c.Strings("roles"); len(roles) > 0 {
			name = append(name, span{st: italic, text: "\n" + strings.Join(roles, "; ")})
		}
		where := strings.Join(append(c.Strings("emails"), c.Text("location")), "\n")
		var alts []string
		for i, id := range c.Links("alternates") {
			alts = append(alts, fmt.Sprintf("%d. %s", i+1, ix.title(id)))
		}
		t.rows = append(t.rows, [][]span{name, plain(strings.Join(phones(c), "\n")), plain(strings.TrimSpace(where)), plain(strings.Join(alts, "\n")), plain(ix.field(c, "last_verified"))})
	}
	if len(t.rows) == 0 {
		w.none("No contacts.")
		return
	}
	w.table(t)
}

func (w *bodyWriter) teams(ix *index) {
	w.part("Teams and succession", len(ix.byKind["team"]), "No teams.")
	for _, t := range ix.byKind["team"] {
		w.sub(t.Title)
		var succession []string
		for i, id := range t.Links("succession") {
			succession = append(succession, fmt.Sprintf("%d. %s", i+1, ix.title(id)))
		}
		w.keyValues([][2]string{
			{"Purpose", ix.field(t, "purpose")},
			{"Lead", ix.field(t, "lead")},
			{"Alternate lead", ix.field(t, "alternate_lead")},
			{"Activated by", ix.field(t, "activation_authority")},
			{"Succession", strings.Join(succession, "\n")},
		})
		var rows [][][]span
		for _, id := range t.Links("members") {
			c := ix.byID[id]
			if c == nil {
				rows = append(rows, [][]span{plain(ix.title(id)), nil, nil})
				continue
			}
			rows = append(rows, [][]span{styled(bold, c.Title), plain(strings.Join(c.Strings("roles"), "; ")), plain(strings.Join(phones(c), "\n"))})
		}
		if len(rows) > 0 {
			w.table(table{cols: []column{{title: "Member", frac: 3}, {title: "Roles", frac: 3}, {title: "Numbers", frac: 4}}, rows: rows})
		}
		if strings.TrimSpace(t.Body) != "" {
			w.markdown(t.Body, 2)
		}
	}
}

func (w *bodyWriter) plans(ix *index, plans []*binder.Record) {
	w.part("Plans", len(plans), "No plans.")
	for _, p := range plans {
		w.sub(p.Title)
		typ := p.Text("type")
		if name := binder.PlanTypeNames[typ]; name != "" {
			typ = name
		}
		w.keyValues([][2]string{
			{"Type", typ},
			{"Status", ix.field(p, "status")},
			{"Version", ix.field(p, "version")},
			{"Owner", ix.field(p, "owner")},
			{"Approved", strings.TrimSpace(ix.field(p, "approved_by") + " " + ix.field(p, "approved_on"))},
			{"Next review", ix.field(p, "next_review")},
			{"Scope", ix.field(p, "scope")},
			{"Scenarios", ix.field(p, "scenarios")},
			{"Systems", ix.field(p, "systems")},
			{"Teams", ix.field(p, "teams")},
			{"Runbooks", ix.field(p, "runbooks")},
			{"Related plans", ix.field(p, "related_plans")},
		})
		if strings.TrimSpace(p.Body) != "" {
			w.markdown(p.Body, 2)
		}
		if rows := p.Rows("changes"); len(rows) > 0 {
			w.heading(3, "Record of changes")
			t := table{cols: []column{{title: "Date", frac: 1.4}, {title: "Version", frac: 1}, {title: "By", frac: 2}, {title: "What changed", frac: 5}}}
			for _, r := range rows {
				t.rows = append(t.rows, [][]span{plain(formatCell(r, "date")), plain(r.Text("version")), plain(r.Text("by")), plain(r.Text("summary"))})
			}
			w.table(t)
		}
	}
}

// formatCell is a table cell's value as people read it.
func formatCell(row binder.Values, name string) string {
	if d, ok := row.Date(name); ok {
		return d.Format("2006-01-02")
	}
	return row.Text(name)
}

func (w *bodyWriter) runbooks(ix *index, runbooks []*binder.Record) {
	w.part("Runbooks", len(runbooks), "No runbooks.")
	for _, r := range runbooks {
		w.sub(r.Title)
		w.keyValues([][2]string{
			{"Scenarios", ix.field(r, "scenarios")},
			{"How we know", ix.field(r, "detection")},
			{"Who starts it", ix.field(r, "activation")},
		})
		steps := r.Rows("steps")
		if len(steps) > 0 {
			t := table{cols: []column{{title: "Step", frac: 0.9, box: true}, {title: "Do", frac: 4.4}, {title: "Who", frac: 1.7}, {title: "Takes", frac: 1}, {title: "Check", frac: 2.4}, {title: "If it fails", frac: 2.4}}}
			for i, s := range steps {
				t.rows = append(t.rows, [][]span{plain(fmt.Sprint(i + 1)), plain(s.Text("do")), plain(s.Text("role")), plain(s.Text("duration")), plain(s.Text("check")), plain(s.Text("fallback"))})
			}
			w.table(t)
		}
		if tests := r.Strings("tests"); len(tests) > 0 {
			w.heading(3, "Recovery test: users check")
			t := table{cols: []column{{title: "", frac: 0.5, box: true}, {title: "Check", frac: 7}, {title: "Checked by", frac: 2.5}}}
			for _, s := range tests {
				t.rows = append(t.rows, [][]span{nil, plain(s), nil})
			}
			w.table(t)
		}
		if strings.TrimSpace(r.Body) != "" {
			w.markdown(r.Body, 2)
		}
	}
}

func (w *bodyWriter) recoveryOrder(ix *index) {
	w.section("Recovery order")
	plan := recovery.Order(ix.src.Records)
	if len(plan.Steps) == 0 {
		w.none("No systems.")
		return
	}
	w.body(plain("Systems in the order they are restored: what each depends on first, then the most critical. The critical path is the time until a system is back, its dependencies included, by its runbooks' step durations."))
	w.space(4)
	t := table{cols: []column{{title: "#", frac: 0.5}, {title: "System", frac: 3}, {title: "Tier", frac: 0.7}, {title: "RTO", frac: 0.9}, {title: "RPO", frac: 0.9}, {title: "Critical path", frac: 3.6}, {title: "Depends on", frac: 2.4}}}
	for i, s := range plan.Steps {
		rpo := ""
		if r := ix.byID[s.ID]; r != nil {
			rpo = ix.field(r, "rpo")
		}
		path := s.CriticalPath
		if len(s.Path) > 1 {
			path += ": " + strings.Join(s.Path, " → ")
		}
		if s.Unknown {
			path += " (some steps have no duration: longer)"
		}
		if s.RTOMet != nil && !*s.RTOMet {
			path += " — exceeds the RTO"
		}
		tier := ""
		if s.Tier > 0 {
			tier = fmt.Sprint(s.Tier)
		}
		var deps []string
		for _, d := range s.DependsOn {
			deps = append(deps, ix.title(d))
		}
		name := []span{{st: bold, text: s.Title}}
		if s.Cycle {
			name = append(name, span{st: italic, text: "\n(in a dependency cycle)", col: red})
		}
		t.rows = append(t.rows, [][]span{plain(fmt.Sprint(i + 1)), name, plain(tier), plain(s.RTO), plain(rpo), plain(path), plain(strings.Join(deps, "\n"))})
	}
	w.table(t)
	if systems := ix.byKind["system"]; len(systems) > 0 {
		w.heading(2, "What each system needs")
		t := table{cols: []column{{title: "System", frac: 2.5}, {title: "Owner, site", frac: 2.5}, {title: "Backup", frac: 2.5}, {title: "Software, licences", frac: 3}, {title: "Restore tested", frac: 1.3}}}
		for _, s := range systems {
			backup := strings.TrimSpace(strings.Join([]string{s.Text("backup_method"), ix.field(s, "backup_interval"), ix.field(s, "backup_copies")}, " "))
			soft := strings.Join(append(s.Strings("software"), s.Strings("licences")...), "\n")
			t.rows = append(t.rows, [][]span{styled(bold, s.Title), plain(strings.TrimSpace(ix.field(s, "owner") + "\n" + s.Text("site"))), plain(backup), plain(soft), plain(ix.field(s, "last_restore_test"))})
		}
		w.table(t)
	}
}

func (w *bodyWriter) impact(ix *index) {
	fs := ix.byKind["function"]
	if !w.part("Business impact analysis", len(fs), "No business functions.") {
		return
	}
	t := table{cols: []column{{title: "Function", frac: 2.6}, {title: "MTD", frac: 0.9}, {title: "RTO", frac: 0.9}, {title: "RPO", frac: 0.9}, {title: "Impact as the outage lasts", frac: 4}, {title: "Systems", frac: 2.2}, {title: "Assessed", frac: 1.3}}}
	for _, f := range fs {
		var impacts []string
		for _, row := range f.Rows("impacts") {
			rating, _ := row.Int("rating")
			s := fmt.Sprintf("after %s: %d/5", row.Text("after"), rating)
			if n := row.Text("note"); n != "" {
				s += " " + n
			}
			impacts = append(impacts, s)
		}
		name := []span{{st: bold, text: f.Title}}
		if o := ix.field(f, "owner"); o != "" {
			name = append(name, span{text: "\n" + o})
		}
		t.rows = append(t.rows, [][]span{name, plain(ix.field(f, "mtd")), plain(ix.field(f, "rto")), plain(ix.field(f, "rpo")), plain(strings.Join(impacts, "\n")), plain(ix.field(f, "systems")), plain(ix.field(f, "assessed"))})
	}
	w.table(t)
}

func (w *bodyWriter) vendors(ix *index) {
	vs := ix.byKind["vendor"]
	if !w.part("Vendors", len(vs), "No vendors.") {
		return
	}
	t := table{cols: []column{{title: "Vendor", frac: 2.5}, {title: "Provides", frac: 2.5}, {title: "Call", frac: 4}, {title: "Contract", frac: 2}, {title: "Alternate", frac: 2}}}
	for _, v := range vs {
		var calls []string
		for _, id := range v.Links("contacts") {
			line := ix.title(id)
			if c := ix.byID[id]; c != nil {
				if ps := phones(c); len(ps) > 0 {
					line += ": " + strings.Join(ps, ", ")
				}
			}
			calls = append(calls, line)
		}
		contract := v.Text("contract")
		if ob, ok := v.Bool("continuity_obligation"); ok {
			contract += map[bool]string{true: "\ncontinuity obliged", false: "\nno continuity obligation"}[ob]
		}
		t.rows = append(t.rows, [][]span{styled(bold, v.Title), plain(strings.Join(v.Strings("services"), "\n")), plain(strings.Join(calls, "\n")), plain(strings.TrimSpace(contract)), plain(ix.field(v, "alternate"))})
	}
	w.table(t)
}

func (w *bodyWriter) credentials(ix *index) {
	cs := ix.byKind["credential"]
	if len(cs) == 0 {
		return
	}
	w.section("Escrowed credentials")
	w.body(plain("What each recovery credential opens and who holds a share of it. The secrets themselves are never printed: each opens only when enough of its custodians agree."))
	w.space(4)
	t := table{cols: []column{{title: "Credential", frac: 2.8}, {title: "Opens", frac: 3}, {title: "Custodians", frac: 2.4}, {title: "Needs", frac: 1}, {title: "Rotated", frac: 1.4}}}
	for _, c := range cs {
		needs := ""
		if n, ok := c.Int("threshold"); ok {
			needs = fmt.Sprintf("%d of %d", n, len(c.Strings("custodians")))
		}
		t.rows = append(t.rows, [][]span{styled(bold, c.Title), plain(strings.TrimSpace(c.Text("opens") + "\n" + ix.field(c, "systems"))), plain(strings.Join(c.Strings("custodians"), ", ")), plain(needs), plain(ix.field(c, "rotated"))})
	}
	w.table(t)
}

func (w *bodyWriter) exercises(ix *index) {
	es := ix.byKind["exercise"]
	if len(es) == 0 {
		return
	}
	w.section("Exercises")
	w.exerciseTable(ix, es)
}

// exerciseTable lists exercises, newest first, with their results and
// open actions.
func (w *writer) exerciseTable(ix *index, es []*binder.Record) {
	es = slices.Clone(es)
	slices.SortStableFunc(es, func(a, b *binder.Record) int {
		da, _ := a.Date("date")
		db, _ := b.Date("date")
		return db.Compare(da)
	})
	t := table{cols: []column{{title: "Date", frac: 1.3}, {title: "Exercise", frac: 3}, {title: "Type", frac: 1.3}, {title: "Plans", frac: 2.4}, {title: "Results and actions", frac: 4}}}
	for _, e := range es {
		var res []string
		if s := e.Text("results"); s != "" {
			res = append(res, s)
		}
		for _, a := range e.Rows("actions") {
			s := "Action: " + a.Text("action")
			if st := a.Text("status"); st != "" {
				s += " (" + st + ")"
			}
			res = append(res, s)
		}
		t.rows = append(t.rows, [][]span{plain(ix.field(e, "date")), styled(bold, e.Title), plain(e.Text("type")), plain(ix.field(e, "plans")), plain(strings.Join(res, "\n"))})
	}
	w.table(t)
}

// maxChanges bounds the record of changes printed.
const maxChanges = 400

func (w *bodyWriter) changes(ix *index) {
	w.section("Record of changes")
	h := ix.src.History
	w.para(plain(fmt.Sprintf("From the binder's signed history: each change is a commit signed by the member who made it, newest first. Printed: %d of %d.", min(len(h), maxChanges), len(h))), w.left(), w.textWidth(), bodySize)
	w.space(4)
	t := table{cols: []column{{title: "Date", frac: 1.8}, {title: "By", frac: 1.3}, {title: "Change", frac: 1.3}, {title: "Record", frac: 5}, {title: "Commit", frac: 1.6}}}
	for _, e := range h[:min(len(h), maxChanges)] {
		title := e.Title
		if e.ID != "" && ix.byID[e.ID] == nil {
			// A record not in this document (restricted, or deleted since)
			// is named by its id only.
			title = ""
		}
		what := title
		if e.Kind != "" {
			what = e.Kind + ": " + what
		}
		if e.ID != "" && title == "" {
			what = e.Kind + " " + e.ID
		}
		if e.Rev > 0 {
			what += fmt.Sprintf(" (rev %d)", e.Rev)
		}
		t.rows = append(t.rows, [][]span{plain(e.Time.Format("2006-01-02 15:04")), plain(e.Author), plain(e.Action), plain(what), styled(mono, short(e.Commit))})
	}
	w.table(t)
}

func (w *bodyWriter) approvals(ix *index, plans []*binder.Record) {
	w.section("Approvals")
	w.body(plain("Each plan's approval signed in the binder by a manager, and room to sign this printed copy."))
	w.space(4)
	t := table{cols: []column{{title: "Plan", frac: 3.5}, {title: "Signed approval", frac: 4}, {title: "Signature on paper", frac: 3.5}}}
	for _, p := range plans {
		signed := "none signed in the binder"
		if a, ok := ix.src.Approvals[p.ID]; ok {
			signed = fmt.Sprintf("%s, %s, rev %d", a.By, a.At.Format("2006-01-02"), a.Rev)
			if !a.Current {
				signed += " (an earlier version)"
			}
		}
		t.rows = append(t.rows, [][]span{styled(bold, p.Title), plain(signed + "\n\n"), plain("\n\nDate:")})
	}
	w.table(t)
}
