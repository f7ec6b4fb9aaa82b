package interchange

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"gobag/binder"
)

// Incoming is one contact an import brings: the record it makes, where it
// came from, and the UIDs it names as alternates (a vCard's).
type Incoming struct {
	Record *binder.Record
	Line   int    // the line or row it came from
	UID    string // its card's UID, if any
	// Alternates are the UIDs of its alternates, in order.
	Alternates []string
}

// Import is what importing contacts would do: it is shown as a dry run,
// then saved in one commit.
type Import struct {
	// Add are the new contacts; each has a Ref the others' links use.
	Add []*binder.Record
	// Merge are existing contacts with what duplicates add to them (with
	// --merge); their Rev is the revision merged into.
	Merge []*binder.Record
	// Duplicates are the incoming contacts that match one already there
	// or earlier in the file: skipped, or merged.
	Duplicates []Duplicate
	// Notes say what was left out and why.
	Notes []string
	// Problems are links to records that are not there, or not of the
	// kind the field takes, by line: an import with any is refused.
	Problems []Problem
}

// Duplicate is an incoming contact that matches another.
type Duplicate struct {
	Line   int    `json:"line"`
	Name   string `json:"name"`
	Of     string `json:"of"`             // the id of the contact it matches, or "" for one earlier in the file
	OfName string `json:"of_name"`        // that contact's name
	OfLine int    `json:"of_line"`        // or the line of the one earlier in the file
	Reason string `json:"reason"`         // the same name, the same number, the same card
	Merged bool   `json:"merged"`         // merged into it, rather than skipped
	Adds   string `json:"adds,omitempty"` // what merging added
}

// matcher finds the contact an incoming one duplicates: the same
// record (a card gobag wrote), the same name, or any shared number.
type matcher struct {
	byID    map[string]*target
	byName  map[string]*target
	byPhone phoneIndex
}

// target is a contact an incoming one may match: one already in the
// binder, or one earlier in the import.
type target struct {
	rec      *binder.Record
	existing bool
	line     int
	merged   bool // changed by a merge: goes in Import.Merge
}

func newMatcher() *matcher {
	return &matcher{byID: map[string]*target{}, byName: map[string]*target{}, byPhone: phoneIndex{}}
}

func (m *matcher) add(t *target) {
	if t.rec.ID != "" {
		m.byID[t.rec.ID] = t
	}
	if k := nameKey(t.rec.Title); k != "" {
		if _, ok := m.byName[k]; !ok {
			m.byName[k] = t
		}
	}
	for _, d := range personalNumbers(t.rec) {
		m.byPhone.add(d, t)
	}
}

// match finds what in comes from or repeats, and why.
func (m *matcher) match(in Incoming) (*target, string) {
	if id, ok := strings.CutPrefix(in.UID, uidPrefix); ok {
		if t := m.byID[id]; t != nil {
			return t, "the same contact (a card exported from this binder)"
		}
	}
	if t := m.byName[nameKey(in.Record.Title)]; t != nil {
		return t, "the same name"
	}
	for _, d := range personalNumbers(in.Record) {
		if t := m.byPhone.find(d); t != nil {
			return t, "the same phone number"
		}
	}
	return nil, ""
}

// nameKey compares names: case, accents, and spacing aside.
func nameKey(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// phoneNumbers are a record's numbers, as they compare (phoneDigits).
func phoneNumbers(r *binder.Record) []string {
	var out []string
	for _, row := range r.Rows("phones") {
		if d := phoneDigits(row.Text("number")); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// personalNumbers are a contact's numbers that are theirs alone: mobile,
// home, satellite and pager. An office or other number is often a
// switchboard or a shared desk, and says nothing of who a card is.
func personalNumbers(r *binder.Record) []string {
	var out []string
	for _, row := range r.Rows("phones") {
		switch row.Text("label") {
		case "mobile", "home", "satellite", "pager":
			if d := phoneDigits(row.Text("number")); d != "" {
				out = append(out, d)
			}
		}
	}
	return out
}

// phoneIndex finds, among the numbers added, one that is the same number
// as another: the shorter, written without its country code, ends the
// longer (the binder's phone country is not needed, so numbers typed
// before it was set match too). It takes time bounded by a number's
// length: each is kept under its full digits and under every ending of
// minPhoneDigits digits or more.
type phoneIndex struct {
	full, ending map[string]*target
}

func (x *phoneIndex) add(d string, t *target) {
	if x.full == nil {
		x.full, x.ending = map[string]*target{}, map[string]*target{}
	}
	if _, ok := x.full[d]; !ok {
		x.full[d] = t
	}
	for i := 0; len(d)-i >= minPhoneDigits; i++ {
		if _, ok := x.ending[d[i:]]; !ok {
			x.ending[d[i:]] = t
		}
	}
}

// find is the target of a number the same as d: one that d ends, or that
// ends d.
func (x *phoneIndex) find(d string) *target {
	if t := x.ending[d]; t != nil {
		return t
	}
	for i := 1; len(d)-i >= minPhoneDigits; i++ {
		if t := x.full[d[i:]]; t != nil {
			return t
		}
	}
	return nil
}

// phoneDigits is a number as it compares: its digits without the
// leading zeros of a trunk or international prefix (07700 900123 is
// 7700900123, +44 7700 900123 and 0044-7700-900123 are 447700900123);
// "" if it has too few digits to be a number.
func phoneDigits(number string) string {
	var digits []byte
	for _, r := range number {
		if r >= '0' && r <= '9' && (r != '0' || len(digits) > 0) {
			digits = append(digits, byte(r))
		}
	}
	if len(digits) < minPhoneDigits {
		return ""
	}
	return string(digits)
}

// minPhoneDigits is the fewest digits a number compared has.
const minPhoneDigits = 7

// PlanImport plans importing incoming records of kind into a binder whose
// live records are existing (of any kind; those of kind are matched
// against). A duplicate (the same
// record exported, the same name, or for a contact any shared number) is
// skipped, or with merge what it has and the other lacks is merged into
// the record it matches: numbers, list items, empty fields, its notes.
// Alternates that name a card of the import or a contact of the binder
// become links; others are left out with a note.
func PlanImport(existing []*binder.Record, incoming []Incoming, kind string, merge bool) *Import {
	out := &Import{}
	m := newMatcher()
	var known []*target // the binder's records of kind, in its order
	for _, r := range existing {
		if r.Kind == kind && !r.Deleted && !r.Unreadable {
			t := &target{rec: r, existing: true}
			m.add(t)
			known = append(known, t)
		}
	}
	live := map[string]bool{}
	for _, r := range existing {
		if r.Kind == "contact" && !r.Deleted {
			live[r.ID] = true
		}
	}
	// Where each incoming UID ended: its own new record, or the one it
	// duplicates.
	byUID := map[string]*target{}
	type pending struct {
		t  *target
		in Incoming
	}
	var links []pending
	for _, in := range incoming {
		t, reason := m.match(in)
		if t == nil {
			nt := &target{rec: in.Record.Clone(), line: in.Line}
			nt.rec.Ref = fmt.Sprintf("line%d", in.Line)
			m.add(nt)
			out.Add = append(out.Add, nt.rec)
			if in.UID != "" {
				byUID[in.UID] = nt
			}
			links = append(links, pending{nt, in})
			continue
		}
		d := Duplicate{Line: in.Line, Name: in.Record.Title, Reason: reason, OfName: t.rec.Title, OfLine: t.line}
		if t.existing {
			d.Of = t.rec.ID
		}
		if in.UID != "" {
			if _, seen := byUID[in.UID]; !seen {
				byUID[in.UID] = t
			}
		}
		if merge {
			if t.existing && !t.merged {
				// Merge into a copy: the binder's record is left as read.
				t.rec = t.rec.Clone()
			}
			d.Adds = mergeRecord(t.rec, in.Record)
			d.Merged = true
			if d.Adds != "" && t.existing {
				t.merged = true
			}
			m.add(t) // its new numbers match what follows
			links = append(links, pending{t, in})
		}
		out.Duplicates = append(out.Duplicates, d)
	}
	for _, p := range links {
		var ids []any
		for _, v := range p.t.rec.Links("alternates") {
			ids = append(ids, v)
		}
		added := false
		for _, uid := range p.in.Alternates {
			var link string
			if t := byUID[uid]; t != nil {
				link = t.rec.ID
				if !t.existing {
					link = "@" + t.rec.Ref
				}
			} else if id, ok := strings.CutPrefix(uid, uidPrefix); ok && live[id] {
				link = id
			}
			if link == "" {
				out.Notes = append(out.Notes, fmt.Sprintf("line %d: %s: alternate %s is neither in the file nor in the binder: left out", p.in.Line, p.in.Record.Title, uid))
				continue
			}
			if link == p.t.rec.ID || (p.t.rec.Ref != "" && link == "@"+p.t.rec.Ref) || slices.Contains(ids, any(link)) {
				continue
			}
			ids = append(ids, link)
			added = true
		}
		if added {
			p.t.rec.Fields["alternates"] = ids
			if p.t.existing {
				p.t.merged = true
			}
		}
	}
	for _, t := range known {
		if t.merged {
			out.Merge = append(out.Merge, t.rec)
		}
	}
	out.Problems = checkLinks(existing, incoming, out.Add)
	return out
}

// checkLinks finds, in the records to add, links by id to no live record
// of the kinds their field takes (a spreadsheet's column of ids), each by
// the line it came from.
func checkLinks(existing []*binder.Record, incoming []Incoming, adds []*binder.Record) []Problem {
	kinds := map[string]string{}
	for _, r := range existing {
		if !r.Deleted && !r.Unreadable {
			kinds[r.ID] = r.Kind
		}
	}
	lines := map[string]int{}
	for _, in := range incoming {
		lines[fmt.Sprintf("line%d", in.Line)] = in.Line
	}
	var out []Problem
	for _, r := range adds {
		spec, _ := binder.KindByName(r.Kind)
		for _, f := range spec.Fields {
			var ids []string
			switch f.Type {
			case binder.TypeLink:
				ids = []string{r.Link(f.Name)}
			case binder.TypeLinkList:
				ids = r.Links(f.Name)
			default:
				continue
			}
			for _, id := range ids {
				if !binder.ValidID(id) {
					continue // a ref within the import, or a name the save resolves
				}
				kind, ok := kinds[id]
				switch {
				case !ok:
					out = append(out, Problem{Line: lines[r.Ref], Msg: fmt.Sprintf("%s: %s names %s, which is no record here", r.Title, f.Name, id)})
				case !slices.Contains(f.Targets, kind):
					out = append(out, Problem{Line: lines[r.Ref], Msg: fmt.Sprintf("%s: %s names %s, a %s, not a %s", r.Title, f.Name, id, kind, strings.Join(f.Targets, " or "))})
				}
			}
		}
	}
	return out
}

// mergeRecord adds to dst what src has and dst lacks: numbers, list
// items (e-mail addresses, roles) it does not have, the fields it leaves
// empty and src's notes; it says what it added ("" if nothing).
func mergeRecord(dst, src *binder.Record) string {
	var added []string
	if dst.Fields == nil {
		dst.Fields = map[string]any{}
	}
	spec, _ := binder.KindByName(dst.Kind)
	for _, name := range sortedFields(src.Fields) {
		f, _ := spec.Field(name)
		_, has := dst.Fields[name]
		switch {
		case name == "phones":
			if a := mergePhones(dst, src); a != nil {
				added = append(added, a...)
			}
		case f.Type == binder.TypeTextList || f.Type == binder.TypeEnumList || f.Type == binder.TypeLinkList:
			cur := dst.Strings(name)
			grew := false
			for _, s := range src.Strings(name) {
				if !slices.ContainsFunc(cur, func(c string) bool { return strings.EqualFold(c, s) }) {
					cur = append(cur, s)
					added = append(added, s)
					grew = true
				}
			}
			if grew {
				items := make([]any, len(cur))
				for i, s := range cur {
					items[i] = s
				}
				dst.Fields[name] = items
			}
		case !has:
			dst.Fields[name] = src.Fields[name]
			added = append(added, name)
		}
	}
	if note := strings.TrimSpace(src.Body); note != "" && !strings.Contains(dst.Body, note) {
		if strings.TrimSpace(dst.Body) != "" {
			dst.Body = strings.TrimRight(dst.Body, "\n") + "\n\n"
		}
		dst.Body += note
		added = append(added, "a note")
	}
	return strings.Join(added, ", ")
}

// mergePhones adds src's numbers that dst does not have, and says which.
func mergePhones(dst, src *binder.Record) []string {
	var added []string
	var have phoneIndex
	for _, d := range phoneNumbers(dst) {
		have.add(d, &target{})
	}
	var phones []any
	for _, row := range dst.Rows("phones") {
		phones = append(phones, map[string]any(row))
	}
	for _, row := range src.Rows("phones") {
		d := phoneDigits(row.Text("number"))
		if d == "" || have.find(d) != nil {
			continue
		}
		have.add(d, &target{})
		phones = append(phones, map[string]any{"label": row.Text("label"), "number": row.Text("number")})
		added = append(added, row.Text("label")+" "+row.Text("number"))
	}
	if len(added) > 0 {
		dst.Fields["phones"] = phones
	}
	return added
}

func sortedFields(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
