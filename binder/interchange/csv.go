package interchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gobag/binder"
)

// CSV columns: a contact's in the shape mass-notification services take
// (given name, family name, an external id, phones by type, e-mails,
// groups), any other kind's by its field names.
//
// Special columns, besides a kind's field names:
//
//	external_id    the record's id (matched on import: the same contact)
//	name           the title; for a contact, given_name and family_name
//	               may give it instead
//	given_name, family_name
//	LABEL_phone    a contact's number of that label (mobile_phone,
//	               office_phone, home_phone, satellite_phone,
//	               pager_phone, other_phone), _2, _3 … for more
//	email          an e-mail address, email_2 … for more
//	groups         a contact's teams (export only)
//	notes          the record's body
const (
	colID     = "external_id"
	colName   = "name"
	colGiven  = "given_name"
	colFamily = "family_name"
	colGroups = "groups"
	colNotes  = "notes"
	colEmail  = "email"
	colSkip   = "skip"
)

// phoneLabels are the labels of a contact's numbers, in column order.
var phoneLabels = []string{"mobile", "office", "home", "satellite", "pager", "other"}

// headerAliases are the column names spreadsheets, address books and
// mass-notification services use, and what they are to gobag.
var headerAliases = map[string]string{
	"id": colID, "externalid": colID, "external_id": colID, "uid": colID, "employee_id": colID,
	"title": colName, "full_name": colName, "fullname": colName, "display_name": colName, "contact_name": colName,
	"first_name": colGiven, "firstname": colGiven, "given": colGiven, "forename": colGiven, "given_name": colGiven,
	"last_name": colFamily, "lastname": colFamily, "surname": colFamily, "family": colFamily, "family_name": colFamily,
	"mobile": "mobile_phone", "cell": "mobile_phone", "cell_phone": "mobile_phone", "mobile_number": "mobile_phone", "cellphone": "mobile_phone",
	"work_phone": "office_phone", "business_phone": "office_phone", "office": "office_phone", "work": "office_phone", "phone_work": "office_phone",
	"home": "home_phone", "phone_home": "home_phone", "home_number": "home_phone",
	"phone": "other_phone", "telephone": "other_phone", "phone_number": "other_phone",
	"pager": "pager_phone", "satellite": "satellite_phone", "sat_phone": "satellite_phone",
	"e_mail": colEmail, "email_address": colEmail, "e_mail_address": colEmail, "mail": colEmail,
	"company": "organisation", "organization": "organisation", "department": "organisation", "org": "organisation",
	"job_title": "roles", "role": "roles", "position": "roles",
	"note": colNotes, "body": colNotes, "comments": colNotes, "description_text": colNotes,
	"teams": colGroups, "group": colGroups,
}

// columnKey is a header as gobag compares it: lower case, words joined
// by underscores.
func columnKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	var b strings.Builder
	under := false
	for _, r := range h {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > utf8.RuneSelf {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
			continue
		}
		under = true
	}
	return b.String()
}

// column is what one CSV column is to a record: a field, a phone of a
// label, or one of the special columns.
type column struct {
	header string
	field  string // a field name, or a special column
	label  string // for a phone column
}

// resolveColumn says what a column (by its header, mapped by the user's
// --map or not) is for kind; ok is false if gobag has no use for it.
func resolveColumn(spec binder.KindSpec, name string) (column, bool) {
	key := columnKey(name)
	if a, ok := headerAliases[key]; ok {
		key = a
	}
	// Numbered columns: mobile_phone_2, email_3.
	base := key
	if i := strings.LastIndexByte(key, '_'); i > 0 {
		if _, err := strconv.Atoi(key[i+1:]); err == nil {
			base = key[:i]
		}
	}
	switch {
	case base == colSkip:
		return column{}, false
	case base == colID || base == colName || base == colNotes || base == colGroups:
		return column{field: base}, true
	case spec.Name == "contact" && (base == colGiven || base == colFamily):
		return column{field: base}, true
	case spec.Name == "contact" && (base == colEmail || base == "emails"):
		return column{field: "emails"}, true
	case spec.Name == "contact" && strings.HasSuffix(base, "_phone"):
		label := strings.TrimSuffix(base, "_phone")
		if slices.Contains(phoneLabels, label) {
			return column{field: "phones", label: label}, true
		}
	case spec.Name == "contact" && strings.HasPrefix(base, "phone."):
		label := strings.TrimPrefix(base, "phone.")
		if slices.Contains(phoneLabels, label) {
			return column{field: "phones", label: label}, true
		}
	}
	if f, ok := spec.Field(key); ok && f.Type != binder.TypeTable {
		return column{field: key}, true
	}
	return column{}, false
}

// ContactColumns are the columns a contact export has by default: the
// shape mass-notification services take, with as many numbered phone and
// e-mail columns as the contacts need.
func ContactColumns(contacts []*binder.Record) []string {
	cols := []string{colID, colGiven, colFamily, "organisation", "roles"}
	for _, label := range phoneLabels {
		most := 1
		for _, r := range contacts {
			n := 0
			for _, row := range r.Rows("phones") {
				if row.Text("label") == label {
					n++
				}
			}
			most = max(most, n)
		}
		for i := 1; i <= most; i++ {
			cols = append(cols, numbered(label+"_phone", i))
		}
	}
	most := 1
	for _, r := range contacts {
		most = max(most, len(r.Strings("emails")))
	}
	for i := 1; i <= most; i++ {
		cols = append(cols, numbered(colEmail, i))
	}
	return append(cols, colGroups, "escalation", "location", "last_verified")
}

func numbered(name string, i int) string {
	if i == 1 {
		return name
	}
	return fmt.Sprintf("%s_%d", name, i)
}

// KindColumns are the columns an export of a kind other than contact has
// by default: its id, its title and each field but its tables.
func KindColumns(spec binder.KindSpec) []string {
	cols := []string{colID, colName}
	for _, f := range spec.Fields {
		if f.Type != binder.TypeTable {
			cols = append(cols, f.Name)
		}
	}
	return append(cols, colNotes)
}

// CheckColumns checks the columns asked for an export of kind.
func CheckColumns(spec binder.KindSpec, cols []string) error {
	for _, c := range cols {
		if _, ok := resolveColumn(spec, c); !ok {
			return fmt.Errorf("column %q: not a field of %s or a column gobag writes (%s)", c, spec.Name, strings.Join(KindColumns(spec), ", "))
		}
	}
	return nil
}

// WriteCSV writes recs (of kind spec) as CSV with the columns cols (a
// header row first). Dates are written 2026-11-27, durations in their
// canonical form, lists one item after another separated by "; ", links
// as ids, phone numbers in international form where known. teams gives a
// contact's teams for the groups column.
func WriteCSV(w io.Writer, spec binder.KindSpec, recs []*binder.Record, cols []string, teams func(id string) []string) error {
	if err := CheckColumns(spec, cols); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(cols); err != nil {
		return err
	}
	row := make([]string, len(cols))
	for _, r := range recs {
		for i, name := range cols {
			row[i] = defuse(cell(spec, r, name, teams))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps a spreadsheet from running a cell as a formula: one that
// starts with =, @, a tab or a carriage return, or with + or - and is not
// a plain number (+44 20 7946 0011), is written after an apostrophe,
// which spreadsheets show as text and ParseCSV takes off again.
func defuse(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '@', '\t', '\r':
		return "'" + v
	case '+', '-':
		if strings.Trim(v[1:], "0123456789 ()./") != "" {
			return "'" + v
		}
	}
	return v
}

// undefuse takes off the apostrophe defuse put before a cell.
func undefuse(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=@+-\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}

// cell is the value of column name for record r.
func cell(spec binder.KindSpec, r *binder.Record, name string, teams func(string) []string) string {
	c, _ := resolveColumn(spec, name)
	index := 0
	if i := strings.LastIndexByte(columnKey(name), '_'); i > 0 {
		if n, err := strconv.Atoi(columnKey(name)[i+1:]); err == nil {
			index = n - 1
		}
	}
	nth := func(list []string) string {
		if index < len(list) {
			return list[index]
		}
		return ""
	}
	switch c.field {
	case colID:
		return r.ID
	case colName:
		return r.Title
	case colGiven:
		_, given := splitName(r.Title)
		return given
	case colFamily:
		family, _ := splitName(r.Title)
		return family
	case colNotes:
		return strings.TrimSpace(r.Body)
	case colGroups:
		if teams == nil {
			return ""
		}
		return strings.Join(teams(r.ID), "; ")
	case "emails":
		return nth(r.Strings("emails"))
	case "phones":
		var nums []string
		for _, row := range r.Rows("phones") {
			if row.Text("label") == c.label {
				n := row.Text("e164")
				if n == "" {
					n = row.Text("number")
				}
				nums = append(nums, n)
			}
		}
		return nth(nums)
	}
	f, _ := spec.Field(c.field)
	v, ok := r.Fields[c.field]
	if !ok {
		return ""
	}
	switch f.Type {
	case binder.TypeTextList, binder.TypeEnumList, binder.TypeLinkList:
		return strings.Join(r.Strings(c.field), "; ")
	}
	return f.Format(v, nil)
}

// CSVOptions say how to read a CSV file.
type CSVOptions struct {
	Kind string
	// Map maps a column (by its header) to a field or special column,
	// overriding what the header says; "skip" leaves a column out.
	Map map[string]string
}

// CSVImport is what a CSV file brings: its records and the columns left
// out.
type CSVImport struct {
	Records []Incoming
	// Unused are the columns with values that gobag has no use for.
	Unused []string
}

// ParseCSV reads records of opts.Kind from CSV data with a header row.
// Each column is a field by its header, or as opts.Map says. Every row is
// checked as the binder would check it when saved: any problem fails the
// whole file, a *ParseError listing them by the line each row starts on
// (the header's is 1). A contact's groups column is not read: teams name
// their members.
func ParseCSV(data []byte, name string, opts CSVOptions) (*CSVImport, error) {
	spec, ok := binder.KindByName(opts.Kind)
	if !ok || spec.Hidden || spec.AppendOnly || spec.FreeFields && opts.Kind != "note" {
		return nil, fmt.Errorf("kind %q: records of that kind are not imported; give the kind of record each row is", opts.Kind)
	}
	perr := &ParseError{Name: name}
	problem := func(row int, format string, args ...any) {
		if len(perr.Problems) < maxProblems {
			perr.Problems = append(perr.Problems, Problem{Line: row, Msg: fmt.Sprintf(format, args...)})
		}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s is not UTF-8: save it from the spreadsheet as \"CSV UTF-8\"", name)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	if sep := sniffSeparator(data); sep != ',' {
		r.Comma = sep
	}
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s is empty: a CSV file starts with a header row naming its columns", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	mapped := map[string]string{}
	for k, v := range opts.Map {
		mapped[columnKey(k)] = v
	}
	var cols []column
	used := map[string]bool{}
	hasName := false
	for i, h := range header {
		target := h
		if m, ok := mapped[columnKey(h)]; ok {
			target = m
			delete(mapped, columnKey(h))
		}
		c, ok := resolveColumn(spec, target)
		c.header = h
		if !ok {
			c.field = ""
			if target != h && columnKey(target) != colSkip {
				problem(1, "mapping %s=%s: %s has no field %q (its fields: %s)", h, target, spec.Name, target, strings.Join(KindColumns(spec), ", "))
			}
		}
		hasName = hasName || c.field == colName || c.field == colGiven || c.field == colFamily
		if c.field != "" && c.field != "phones" && c.field != "emails" && c.field != colGiven && c.field != colFamily {
			if used[c.field] {
				problem(1, "column %d (%s) and another are both %s: map one of them elsewhere, or to skip", i+1, h, c.field)
			}
			used[c.field] = true
		}
		cols = append(cols, c)
	}
	for k := range mapped {
		problem(1, "the mapping names column %q, which the header does not have", k)
	}
	if !hasName {
		problem(1, "no column gives the name: map one to name (COLUMN=name); the header is: %s", strings.Join(header, ", "))
	}
	out := &CSVImport{}
	unused := map[int]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var rowNum int // the line the row starts on
		var cerr *csv.ParseError
		switch {
		case errors.As(err, &cerr):
			rowNum = cerr.StartLine
		case err == nil:
			rowNum, _ = r.FieldPos(0)
		}
		if err != nil {
			problem(rowNum, "%v", err)
			if len(perr.Problems) >= maxProblems {
				break
			}
			continue
		}
		if blank(rec) {
			continue
		}
		in, err := rowRecord(spec, cols, rec, unused)
		if err != nil {
			problem(rowNum, "%v", err)
			continue
		}
		in.Line = rowNum
		out.Records = append(out.Records, in)
	}
	if len(perr.Problems) > 0 {
		return nil, perr
	}
	if len(out.Records) == 0 {
		return nil, fmt.Errorf("%s has a header row and no records", name)
	}
	for i := range header {
		if unused[i] {
			out.Unused = append(out.Unused, header[i])
		}
	}
	return out, nil
}

// sniffSeparator tells a semicolon-separated file (what spreadsheets in
// many locales save) from a comma-separated one, by its header row.
func sniffSeparator(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		return ';'
	}
	if bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
		return '\t'
	}
	return ','
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// rowRecord makes the record of one row and checks it.
func rowRecord(spec binder.KindSpec, cols []column, rec []string, unused map[int]bool) (Incoming, error) {
	r := &binder.Record{Kind: spec.Name, Fields: map[string]any{}}
	var in Incoming
	var given, family string
	var phones, emails []any
	for i, v := range rec {
		v = undefuse(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		if i >= len(cols) {
			return in, fmt.Errorf("%d cells, but the header names %d columns", len(rec), len(cols))
		}
		c := cols[i]
		switch c.field {
		case "":
			unused[i] = true
		case colID:
			if binder.ValidID(v) {
				in.UID = uidPrefix + v
			}
		case colName:
			r.Title = v
		case colGiven:
			given = v
		case colFamily:
			family = v
		case colNotes:
			r.Body = v
		case colGroups:
			// Teams are team records, which name their members: a
			// contact's row cannot put it in one.
		case "phones":
			phones = append(phones, map[string]any{"label": c.label, "number": v})
		case "emails":
			for _, e := range splitList(v) {
				emails = append(emails, e)
			}
		default:
			f, _ := spec.Field(c.field)
			switch f.Type {
			case binder.TypeTextList, binder.TypeEnumList, binder.TypeLinkList:
				var items []any
				for _, s := range splitList(v) {
					items = append(items, s)
				}
				r.Fields[c.field] = items
			default:
				r.Fields[c.field] = v
			}
		}
	}
	if r.Title == "" {
		r.Title = strings.TrimSpace(given + " " + family)
	}
	if r.Title == "" {
		return in, fmt.Errorf("no name: the row's name column is empty")
	}
	if len(phones) > 0 {
		r.Fields["phones"] = phones
	}
	if len(emails) > 0 {
		r.Fields["emails"] = emails
	}
	if err := r.Validate(); err != nil {
		return in, fmt.Errorf("%s: %v", r.Title, err)
	}
	in.Record = r
	return in, nil
}

// splitList splits a cell holding a list: items separated by ";" or new
// lines.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '\n' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
