// Package interchange moves a binder's records in and out of the formats
// other tools speak: vCard (RFC 6350) for the phones and mail clients
// responders already carry, iCalendar (RFC 5545) for what falls due, and
// CSV for spreadsheets and mass-notification services. It works on
// decrypted records and is a pure function of its inputs: the caller
// reads the binder and saves what an import plans.
package interchange

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"gobag/binder"
)

// Card is one contact as a vCard carries it: what gobag keeps of a
// contact record.
type Card struct {
	// Line is where the card's BEGIN:VCARD is, in a file read.
	Line int
	// UID is the card's UID: urn:gobag:ID for a card gobag wrote.
	UID          string
	Name         string
	Organisation string
	Roles        []string
	Phones       []Phone
	Emails       []string
	Location     string
	Note         string
	// Alternates are the UIDs of who to call instead, in order.
	Alternates   []string
	Escalation   int64 // 0: no place in the call tree
	LastVerified string
	// Categories are the groups the card is in: the contact's teams, when
	// gobag writes it.
	Categories []string
}

// Phone is one number on a card: its label (office, mobile, home,
// satellite, pager, other) and the number as written.
type Phone struct {
	Label, Number string
	// E164 is the number in international form, when known.
	E164 string
}

// uidPrefix starts the UID of a card gobag wrote, before the record's id.
const uidPrefix = "urn:gobag:"

// RecordID is the id of the record a card was written from, or "".
func (c *Card) RecordID() string {
	id, ok := strings.CutPrefix(c.UID, uidPrefix)
	if !ok || !binder.ValidID(id) {
		return ""
	}
	return id
}

// CardOf is the card of the contact record r; teams are the titles of
// the teams r is in.
func CardOf(r *binder.Record, teams []string) Card {
	c := Card{UID: uidPrefix + r.ID, Name: r.Title, Organisation: r.Text("organisation"), Roles: r.Strings("roles"),
		Emails: r.Strings("emails"), Location: r.Text("location"), Note: strings.TrimSpace(r.Body), Categories: teams}
	for _, row := range r.Rows("phones") {
		c.Phones = append(c.Phones, Phone{Label: row.Text("label"), Number: row.Text("number"), E164: row.Text("e164")})
	}
	for _, id := range r.Links("alternates") {
		c.Alternates = append(c.Alternates, uidPrefix+id)
	}
	c.Escalation, _ = r.Int("escalation")
	if d, ok := r.Date("last_verified"); ok {
		c.LastVerified = d.Format(time.DateOnly)
	}
	return c
}

// Record is the new contact record the card makes. Alternates are left
// to the caller, who knows which records the UIDs name.
func (c *Card) Record() *binder.Record {
	r := &binder.Record{Kind: "contact", Title: c.Name, Fields: map[string]any{}, Body: c.Note}
	set := func(name string, v any) {
		switch x := v.(type) {
		case string:
			if x == "" {
				return
			}
		case []string:
			if len(x) == 0 {
				return
			}
			items := make([]any, len(x))
			for i, s := range x {
				items[i] = s
			}
			v = items
		}
		r.Fields[name] = v
	}
	set("organisation", c.Organisation)
	set("roles", c.Roles)
	set("emails", c.Emails)
	set("location", c.Location)
	set("last_verified", c.LastVerified)
	if c.Escalation > 0 {
		r.Fields["escalation"] = c.Escalation
	}
	var phones []any
	for _, p := range c.Phones {
		phones = append(phones, map[string]any{"label": p.Label, "number": p.Number})
	}
	if len(phones) > 0 {
		r.Fields["phones"] = phones
	}
	return r
}

// The TYPE a phone's label is written with, and the labels read from
// the TYPEs phones and mail clients write.
var (
	telTypes = map[string]string{"office": "work,voice", "mobile": "cell", "home": "home,voice", "pager": "pager", "satellite": "x-satellite", "other": "voice"}
)

// labelOf is the label of a TEL property's types.
func labelOf(types []string) string {
	has := func(t ...string) bool {
		for _, x := range t {
			if slices.Contains(types, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("cell", "mobile", "iphone"):
		return "mobile"
	case has("pager"):
		return "pager"
	case has("x-satellite", "satellite"):
		return "satellite"
	case has("work"):
		return "office"
	case has("home"):
		return "home"
	}
	return "other"
}

// WriteVCards writes cards as vCard 4.0: UTF-8, CRLF line ends, lines
// folded at 75 octets.
func WriteVCards(w io.Writer, cards []Card) error {
	var buf bytes.Buffer
	for _, c := range cards {
		writeCard(&buf, c)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeCard(buf *bytes.Buffer, c Card) {
	line := func(s string) { fold(buf, s) }
	line("BEGIN:VCARD")
	line("VERSION:4.0")
	if c.UID != "" {
		line("UID:" + c.UID)
	}
	line("FN:" + escapeText(c.Name))
	family, given := splitName(c.Name)
	line("N:" + escapeComponent(family) + ";" + escapeComponent(given) + ";;;")
	if c.Organisation != "" {
		line("ORG:" + escapeComponent(c.Organisation))
	}
	for _, r := range c.Roles {
		line("ROLE:" + escapeText(r))
	}
	for _, p := range c.Phones {
		typ := telTypes[p.Label]
		if typ == "" {
			typ = "voice"
		}
		params := ";TYPE=" + typ
		if !e164Form.MatchString(p.E164) {
			p.E164 = "" // not a number gobag wrote: the number as written only
		}
		if p.E164 != "" {
			if p.Number != p.E164 {
				// The number as written is kept beside the one phones
				// dial, so that reading the card back loses nothing.
				params += ";X-GOBAG-WRITTEN=" + quoteParam(p.Number)
			}
			line("TEL;VALUE=uri" + params + ":tel:" + p.E164)
			continue
		}
		line("TEL;VALUE=text" + params + ":" + escapeText(p.Number))
	}
	for _, e := range c.Emails {
		line("EMAIL;TYPE=work:" + escapeText(e))
	}
	if c.Location != "" {
		line("ADR;TYPE=work:;;" + escapeComponent(c.Location) + ";;;;")
	}
	if len(c.Categories) > 0 {
		var cats []string
		for _, s := range c.Categories {
			cats = append(cats, escapeText(s))
		}
		line("CATEGORIES:" + strings.Join(cats, ","))
	}
	if c.Note != "" {
		line("NOTE:" + escapeText(c.Note))
	}
	if c.Escalation > 0 {
		line("X-GOBAG-ESCALATION:" + strconv.FormatInt(c.Escalation, 10))
	}
	for _, a := range c.Alternates {
		line("X-GOBAG-ALTERNATE:" + escapeText(a))
	}
	if c.LastVerified != "" {
		line("X-GOBAG-LAST-VERIFIED:" + c.LastVerified)
	}
	line("END:VCARD")
}

// e164Form is a number in international form.
var e164Form = regexp.MustCompile(`^\+[0-9]{4,15}$`)

// splitName splits a name into family and given names for N: what
// follows a dash or an opening bracket describes the person ("Helena
// Mwangi — Director General") and is left out; of the rest, the last
// word is the family name.
func splitName(name string) (family, given string) {
	for _, sep := range []string{" — ", " – ", " - ", " ("} {
		if before, _, ok := strings.Cut(name, sep); ok && strings.TrimSpace(before) != "" {
			name = before
		}
	}
	words := strings.Fields(name)
	if len(words) < 2 {
		return name, ""
	}
	return words[len(words)-1], strings.Join(words[:len(words)-1], " ")
}

// escapeText escapes a TEXT value (RFC 6350 §3.4): backslashes, commas
// and new lines. Semicolons are escaped only in a component of a compound
// value (escapeComponent), where they would separate components: readers
// that do not expect it elsewhere keep the backslash.
func escapeText(s string) string { return escape(s, false) }

// escapeComponent escapes one component of a compound value (N, ORG,
// ADR).
func escapeComponent(s string) string { return escape(s, true) }

func escape(s string, compound bool) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ',':
			b.WriteString(`\,`)
		case ';':
			if compound {
				b.WriteString(`\;`)
			} else {
				b.WriteRune(r)
			}
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quoteParam writes a parameter value, in quotes when it holds a
// character a bare one cannot (RFC 6350 §3.3); a double quote, which no
// parameter value may hold, becomes a single one.
func quoteParam(s string) string {
	s = strings.NewReplacer(`"`, `'`, "\n", " ", "\r", "").Replace(s)
	if strings.ContainsAny(s, ";:, ") {
		return `"` + s + `"`
	}
	return s
}

// fold writes one content line, folded so that no line is longer than 75
// octets (RFC 6350 §3.2), never inside a UTF-8 sequence.
func fold(buf *bytes.Buffer, s string) {
	n := 0
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		limit := 75
		if n > 0 {
			limit = 74 // after the fold's leading space
		}
		if n+size > limit {
			buf.WriteString("\r\n ")
			n = 0
			continue
		}
		buf.WriteString(s[:size])
		s = s[size:]
		n += size
	}
	buf.WriteString("\r\n")
}

// ParseError is what is wrong with a file that was read: each problem
// with its line number.
type ParseError struct {
	Name     string // the file's name
	Problems []Problem
}

// Problem is one thing wrong with a file, at a line (or a CSV row).
type Problem struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s, nothing imported", e.Name, len(e.Problems), plural(len(e.Problems), "problem", "problems"))
	for i, p := range e.Problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Msg)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// maxProblems stops reading a file that is not what it claims to be.
const maxProblems = 200

// property is one content line of a card.
type property struct {
	line   int
	name   string
	params map[string][]string // lower-case names; TYPE values lower-cased
	value  string              // decoded, not unescaped
}

// ParseVCards reads the vCards (versions 2.1, 3.0 and 4.0) in data, as
// phones and mail clients write them: folded lines, escaped commas and
// semicolons, TYPE parameters in both styles, quoted-printable, UTF-8 or
// a declared 8-bit charset. Photos, logos and sounds are skipped. name
// names the file in errors. Any problem fails the whole file: a
// *ParseError lists them with their line numbers.
func ParseVCards(data []byte, name string) ([]Card, error) {
	p := &vcardParser{perr: &ParseError{Name: name}}
	p.parse(data)
	if len(p.cards) == 0 && len(p.perr.Problems) == 0 {
		p.problem(1, "no vCard in the file (a vCard starts with BEGIN:VCARD)")
	}
	if len(p.perr.Problems) > 0 {
		return nil, p.perr
	}
	return p.cards, nil
}

type vcardParser struct {
	perr  *ParseError
	cards []Card
}

func (p *vcardParser) problem(line int, format string, args ...any) {
	if len(p.perr.Problems) < maxProblems {
		p.perr.Problems = append(p.perr.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

// logical is a content line unfolded, with the line it starts on.
type logical struct {
	line int
	text string
}

// unfold joins folded lines (a line starting with a space or tab goes on
// the one before) and quoted-printable soft breaks (a value ending in =).
// A version 2.1 base64 value may go on over lines that are not indented,
// up to a blank line: those are dropped with the property. Each logical
// line is built once, in time linear in its length.
func (p *vcardParser) unfold(data []byte) []logical {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	raw := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var out []logical
	var cur strings.Builder
	curLine, curQP, inBase64 := 0, false, false
	flush := func() {
		if curLine > 0 {
			out = append(out, logical{line: curLine, text: cur.String()})
			cur.Reset()
			curLine = 0
		}
	}
	// softBreak: the logical line so far is quoted-printable and ends
	// with "=".
	softBreak := func() bool {
		return curLine > 0 && curQP && cur.Len() > 0 && cur.String()[cur.Len()-1] == '='
	}
	for i, l := range raw {
		l = strings.TrimSuffix(l, "\r")
		switch {
		case inBase64 && strings.TrimSpace(l) == "":
			inBase64 = false
			continue
		case inBase64 && !looksLikeProperty(l):
			continue
		case softBreak():
			cur.WriteString("\n")
			cur.WriteString(l)
			continue
		case (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && curLine > 0:
			cur.WriteString(l[1:])
			continue
		}
		flush()
		inBase64 = false
		if strings.TrimSpace(l) == "" {
			continue
		}
		curLine = i + 1
		cur.WriteString(l)
		head, _, _ := cutUnquoted(l, ':')
		curQP = strings.Contains(strings.ToUpper(head), "QUOTED-PRINTABLE")
		inBase64 = isBase64Property(l)
	}
	flush()
	return out
}

// looksLikeProperty says whether a line starts a property: a name of
// letters, digits and dashes (after a group) up to ; or :.
func looksLikeProperty(l string) bool {
	end := strings.IndexAny(l, ";:")
	if end <= 0 {
		return false
	}
	for _, r := range l[:end] {
		if !(r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// isBase64Property says whether a line is a property with an inline
// base64 value (a 2.1 or 3.0 photo).
func isBase64Property(l string) bool {
	head, _, ok := cutUnquoted(l, ':')
	if !ok {
		return false
	}
	u := strings.ToUpper(head)
	return strings.Contains(u, "ENCODING=BASE64") || strings.Contains(u, "ENCODING=B;") || strings.HasSuffix(u, "ENCODING=B") || strings.Contains(u, ";BASE64")
}

// cutUnquoted cuts s at the first sep outside double quotes.
func cutUnquoted(s string, sep byte) (before, after string, found bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// splitUnquoted splits s at each sep outside double quotes.
func splitUnquoted(s string, sep byte) []string {
	var out []string
	for {
		before, after, ok := cutUnquoted(s, sep)
		out = append(out, before)
		if !ok {
			return out
		}
		s = after
	}
}

func (p *vcardParser) parse(data []byte) {
	var cur *Card
	var version string
	depth := 0 // nested cards (a 2.1 AGENT) are skipped
	for _, l := range p.unfold(data) {
		prop, ok := p.property(l)
		if !ok {
			continue
		}
		switch {
		case prop.name == "BEGIN" && strings.EqualFold(prop.value, "VCARD"):
			if cur != nil {
				depth++
				continue
			}
			cur, version = &Card{Line: l.line}, ""
			continue
		case prop.name == "END" && strings.EqualFold(prop.value, "VCARD"):
			switch {
			case cur == nil:
				p.problem(l.line, "END:VCARD without a BEGIN:VCARD before it")
			case depth > 0:
				depth--
			default:
				p.finish(cur, version, l.line)
				cur = nil
			}
			continue
		case cur == nil:
			p.problem(l.line, "%s outside a card: a card starts with BEGIN:VCARD and ends with END:VCARD", prop.name)
			continue
		case depth > 0:
			continue
		case prop.name == "VERSION":
			version = strings.TrimSpace(prop.value)
			if version != "2.1" && version != "3.0" && version != "4.0" {
				p.problem(l.line, "vCard version %q: gobag reads 2.1, 3.0 and 4.0", version)
			}
			continue
		}
		p.apply(cur, prop)
	}
	if cur != nil {
		p.problem(cur.Line, "the card that starts here has no END:VCARD: the file may be cut short")
	}
}

// finish checks a card read whole and keeps it.
func (p *vcardParser) finish(c *Card, version string, end int) {
	if version == "" {
		p.problem(c.Line, "the card that starts here has no VERSION")
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		p.problem(c.Line, "the card that starts here (to line %d) has no name: neither FN nor N", end)
		return
	}
	p.cards = append(p.cards, *c)
}

// property parses a content line: [group.]name *(;param) : value.
func (p *vcardParser) property(l logical) (property, bool) {
	head, value, ok := cutUnquoted(l.text, ':')
	if !ok {
		p.problem(l.line, "no colon: a line is NAME:VALUE (%q)", clip(l.text))
		return property{}, false
	}
	parts := splitUnquoted(head, ';')
	name := parts[0]
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:] // the group (item1.TEL) says nothing gobag keeps
	}
	name = strings.ToUpper(strings.TrimSpace(name))
	if name == "" || !looksLikeProperty(name+":") {
		p.problem(l.line, "%q is not a property name", clip(parts[0]))
		return property{}, false
	}
	prop := property{line: l.line, name: name, params: map[string][]string{}}
	for _, par := range parts[1:] {
		k, v, hasValue := strings.Cut(par, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !hasValue {
			// Version 2.1 writes a type or encoding alone: TEL;CELL;VOICE.
			switch k {
			case "quoted-printable", "base64", "8bit", "7bit", "b":
				prop.params["encoding"] = append(prop.params["encoding"], k)
			default:
				prop.params["type"] = append(prop.params["type"], k)
			}
			continue
		}
		for _, item := range splitUnquoted(v, ',') {
			item = strings.Trim(strings.TrimSpace(item), `"`)
			if k != "type" && k != "encoding" && k != "value" {
				prop.params[k] = append(prop.params[k], item)
				continue
			}
			// A quoted list, TYPE="cell,voice", is a list too.
			for _, t := range strings.Split(item, ",") {
				prop.params[k] = append(prop.params[k], strings.ToLower(strings.TrimSpace(t)))
			}
		}
	}
	if slices.Contains(prop.params["encoding"], "quoted-printable") {
		decoded, err := decodeQP(value)
		if err != nil {
			p.problem(l.line, "%s: %v", name, err)
			return property{}, false
		}
		value = decoded
	}
	text, err := decodeCharset(value, prop.params["charset"])
	if err != nil {
		p.problem(l.line, "%s: %v", name, err)
		return property{}, false
	}
	prop.value = text
	return prop, true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// decodeQP decodes a quoted-printable value; its soft breaks were joined
// with "=\n" when the lines were unfolded.
func decodeQP(s string) (string, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '\n' {
			i++
			continue
		}
		if i+2 >= len(s) {
			if i+1 == len(s) {
				continue // a soft break at the very end
			}
			return "", fmt.Errorf("quoted-printable: %q is cut short", s[i:])
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("quoted-printable: =%s is not a hex byte", s[i+1:i+3])
		}
		out = append(out, byte(v))
		i += 2
	}
	return string(out), nil
}

// decodeCharset turns a value's bytes into text: UTF-8 unless the
// property names another charset gobag knows.
func decodeCharset(s string, charset []string) (string, error) {
	cs := "utf-8"
	if len(charset) > 0 {
		cs = strings.ToLower(charset[0])
	}
	switch cs {
	case "utf-8", "utf8", "us-ascii", "ascii":
		if !utf8.ValidString(s) {
			return "", fmt.Errorf("the value is not UTF-8 and no CHARSET says what it is")
		}
		return s, nil
	case "iso-8859-1", "latin1", "latin-1":
		return charmap.ISO8859_1.NewDecoder().String(s)
	case "iso-8859-15":
		return charmap.ISO8859_15.NewDecoder().String(s)
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().String(s)
	case "windows-1251", "cp1251":
		return charmap.Windows1251.NewDecoder().String(s)
	case "iso-8859-7":
		return charmap.ISO8859_7.NewDecoder().String(s)
	case "koi8-r":
		return charmap.KOI8R.NewDecoder().String(s)
	}
	return "", fmt.Errorf("charset %q: gobag reads UTF-8, ISO-8859-1, -7 and -15, Windows-1251 and -1252 and KOI8-R", cs)
}

// unescape undoes TEXT escaping: \n, \, \; and \\.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitEscaped splits a value at each sep not escaped with a backslash,
// and unescapes the parts.
func splitEscaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, unescape(s[start:i]))
			start = i + 1
		}
	}
	return append(out, unescape(s[start:]))
}

// joinParts joins the non-empty parts of a structured value.
func joinParts(parts []string, sep string) string {
	var keep []string
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			keep = append(keep, s)
		}
	}
	return strings.Join(keep, sep)
}

// apply keeps what prop says of the card c.
func (p *vcardParser) apply(c *Card, prop property) {
	v := prop.value
	switch prop.name {
	case "FN":
		c.Name = strings.TrimSpace(unescape(v))
	case "N":
		if c.Name == "" {
			// family; given; additional; prefixes; suffixes
			parts := splitEscaped(v, ';')
			for len(parts) < 5 {
				parts = append(parts, "")
			}
			c.Name = joinParts([]string{parts[3], parts[1], parts[2], parts[0], parts[4]}, " ")
		}
	case "ORG":
		c.Organisation = joinParts(splitEscaped(v, ';'), ", ")
	case "TITLE", "ROLE":
		if s := strings.TrimSpace(unescape(v)); s != "" && !slices.Contains(c.Roles, s) {
			c.Roles = append(c.Roles, s)
		}
	case "TEL":
		number := strings.TrimSpace(v)
		if slices.Contains(prop.params["value"], "uri") || strings.HasPrefix(strings.ToLower(number), "tel:") {
			number = strings.TrimPrefix(strings.TrimPrefix(number, "tel:"), "TEL:")
			if base, ext, ok := strings.Cut(number, ";ext="); ok {
				number = base + " ext. " + ext
			} else if i := strings.IndexByte(number, ';'); i >= 0 {
				number = number[:i]
			}
		} else {
			number = unescape(number)
		}
		if number == "" {
			return
		}
		ph := Phone{Label: labelOf(prop.params["type"]), Number: number}
		if w := prop.params["x-gobag-written"]; len(w) > 0 && w[0] != "" {
			ph.E164, ph.Number = number, w[0]
		}
		c.Phones = append(c.Phones, ph)
	case "EMAIL":
		if s := strings.TrimSpace(unescape(v)); s != "" && !slices.Contains(c.Emails, s) {
			c.Emails = append(c.Emails, s)
		}
	case "ADR":
		if c.Location == "" {
			c.Location = joinParts(splitEscaped(v, ';'), ", ")
		}
	case "NOTE":
		if s := strings.TrimSpace(unescape(v)); s != "" {
			if c.Note != "" {
				c.Note += "\n\n"
			}
			c.Note += s
		}
	case "UID":
		c.UID = strings.TrimSpace(unescape(v))
	case "CATEGORIES":
		for _, s := range splitEscaped(v, ',') {
			if s = strings.TrimSpace(s); s != "" {
				c.Categories = append(c.Categories, s)
			}
		}
	case "X-GOBAG-ESCALATION":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1 {
			p.problem(prop.line, "X-GOBAG-ESCALATION %q: want a place in the call tree, 1 or more", v)
			return
		}
		c.Escalation = n
	case "X-GOBAG-ALTERNATE":
		c.Alternates = append(c.Alternates, strings.TrimSpace(unescape(v)))
	case "X-GOBAG-LAST-VERIFIED":
		d := strings.TrimSpace(v)
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			p.problem(prop.line, "X-GOBAG-LAST-VERIFIED %q: want a date like 2026-11-27", v)
			return
		}
		c.LastVerified = d
	}
	// PHOTO, LOGO, SOUND, KEY and everything else gobag does not keep are
	// skipped.
}
