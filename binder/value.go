package binder

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Values is a set of fields by name: a record's Fields, or one row of a
// table field. Its accessors return a field's typed value, or the zero
// value (and false) when the field is absent or not of that type; after
// Record.Validate every field of a kind is in its canonical type, so the
// accessors are how front ends, the rules and the recovery order read
// values.
type Values map[string]any

// Text returns a text, enum or link field.
func (v Values) Text(name string) string {
	s, _ := v[name].(string)
	return s
}

// Int returns an integer field.
func (v Values) Int(name string) (int64, bool) {
	n, ok := v[name].(int64)
	return n, ok
}

// Bool returns a boolean field.
func (v Values) Bool(name string) (value, ok bool) {
	value, ok = v[name].(bool)
	return value, ok
}

// Date returns a date or moment field.
func (v Values) Date(name string) (time.Time, bool) {
	t, ok := v[name].(time.Time)
	return t, ok
}

// Duration returns a duration field.
func (v Values) Duration(name string) (time.Duration, bool) {
	s, ok := v[name].(string)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	return d, err == nil
}

// Strings returns a list of text, of choices or of links.
func (v Values) Strings(name string) []string {
	items, _ := listOf(v[name])
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Link returns a link field: the id of the record it links to.
func (v Values) Link(name string) string { return v.Text(name) }

// Links returns a list of links: record ids, in order.
func (v Values) Links(name string) []string { return v.Strings(name) }

// Rows returns a table field's rows.
func (v Values) Rows(name string) []Values {
	rows, _ := tableRows(v[name])
	out := make([]Values, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out
}

// The same accessors on a record read its fields.

// Text returns a text, enum or link field of r.
func (r *Record) Text(name string) string { return Values(r.Fields).Text(name) }

// Int returns an integer field of r.
func (r *Record) Int(name string) (int64, bool) { return Values(r.Fields).Int(name) }

// Bool returns a boolean field of r.
func (r *Record) Bool(name string) (value, ok bool) { return Values(r.Fields).Bool(name) }

// Date returns a date or moment field of r.
func (r *Record) Date(name string) (time.Time, bool) { return Values(r.Fields).Date(name) }

// Duration returns a duration field of r.
func (r *Record) Duration(name string) (time.Duration, bool) {
	return Values(r.Fields).Duration(name)
}

// Strings returns a list field of r.
func (r *Record) Strings(name string) []string { return Values(r.Fields).Strings(name) }

// Link returns a link field of r.
func (r *Record) Link(name string) string { return Values(r.Fields).Link(name) }

// Links returns a list-of-links field of r.
func (r *Record) Links(name string) []string { return Values(r.Fields).Links(name) }

// Rows returns a table field of r.
func (r *Record) Rows(name string) []Values { return Values(r.Fields).Rows(name) }

// Titles names the records that links point to, for Format: it returns a
// record's title, or false if it does not know the id.
type Titles func(id string) (string, bool)

// Format renders a value of field f for people to read, in one way for
// every front end: dates as 2026-11-27, moments in local time to the
// minute, durations in their canonical form, booleans as yes or no, lists
// one item a line, links as the linked record's title (via titles, which
// may be nil) and table rows one a line with their cells joined by " · "
// in the columns' order. A value not of f's type (a custom field, or one
// that failed validation) is rendered by its own type.
func (f Field) Format(v any, titles Titles) string {
	if v == nil {
		return ""
	}
	switch f.Type {
	case TypeLink:
		if s, ok := v.(string); ok {
			return linkTitle(s, titles)
		}
	case TypeLinkList, TypeTextList, TypeEnumList:
		if items, ok := listOf(v); ok {
			item := Field{Type: TypeText}
			if f.Type == TypeLinkList {
				item.Type = TypeLink
			}
			parts := make([]string, 0, len(items))
			for _, it := range items {
				parts = append(parts, item.Format(it, titles))
			}
			return strings.Join(parts, "\n")
		}
	case TypeTable:
		if rows, ok := tableRows(v); ok {
			parts := make([]string, 0, len(rows))
			for _, row := range rows {
				parts = append(parts, f.formatRow(row, titles))
			}
			return strings.Join(parts, "\n")
		}
	case TypeDate:
		if t, ok := v.(time.Time); ok {
			return t.Format("2006-01-02")
		}
	case TypeMoment:
		if t, ok := v.(time.Time); ok {
			return t.Local().Format("2006-01-02 15:04")
		}
	case TypeDuration:
		if s, ok := v.(string); ok {
			if d, err := ParseDuration(s); err == nil {
				return FormatDuration(d)
			}
		}
	}
	return formatAny(v, titles)
}

// formatRow renders one table row: its cells in the columns' order, then
// any others by name.
func (f Field) formatRow(row map[string]any, titles Titles) string {
	var parts []string
	seen := map[string]bool{}
	for _, c := range f.Columns {
		seen[c.Name] = true
		if c.Name == phoneE164Column {
			// The international form says something only where the
			// number was written without it.
			if typed, _ := row["number"].(string); strings.HasPrefix(strings.TrimSpace(typed), "+") {
				continue
			}
		}
		if cell, ok := row[c.Name]; ok && cell != "" {
			parts = append(parts, c.Format(cell, titles))
		}
	}
	for _, k := range sortedKeys(row) {
		if !seen[k] {
			parts = append(parts, formatAny(row[k], titles))
		}
	}
	return strings.Join(parts, " · ")
}

// formatAny renders a value by its own type: what a field not in its
// kind's spec holds.
func formatAny(v any, titles Titles) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		if x.Location() == localDate || x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Local().Format("2006-01-02 15:04")
	case []any, []map[string]any:
		return Field{Type: TypeTextList}.Format(v, titles)
	case map[string]any:
		return Field{Type: TypeTable}.formatRow(x, titles)
	}
	return fmt.Sprint(v)
}

func linkTitle(id string, titles Titles) string {
	if titles != nil {
		if t, ok := titles(id); ok {
			return t
		}
	}
	return id
}

// FormatField renders field name of r by its kind's spec (see
// Field.Format).
func FormatField(r *Record, name string, titles Titles) string {
	spec, _ := KindByName(r.Kind)
	f, ok := spec.Field(name)
	if !ok {
		return formatAny(r.Fields[name], titles)
	}
	return f.Format(r.Fields[name], titles)
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
