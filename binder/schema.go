package binder

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// FieldType is the type of a record field's value, as written in the
// record's TOML header.
type FieldType int

// The field types. Each says what TOML value it takes and what gobag
// accepts and turns into it (so that --set key=value works naturally).
const (
	TypeText     FieldType = iota // a string, one line or many
	TypeInteger                   // a whole number
	TypeBoolean                   // true or false (also yes/no)
	TypeDate                      // a day: 2026-11-27 (a TOML local date)
	TypeMoment                    // a point in time: 2026-11-27T10:30:00Z, or local time with an offset
	TypeDuration                  // a span: "90m", "3h", "2d", "1w", "1h30m"
	TypeEnum                      // one of the field's values
	TypeTextList                  // an array of strings
	TypeEnumList                  // an array of the field's values
	TypeLink                      // the id of another record, of one of the field's kinds
	TypeLinkList                  // an ordered array of record ids
	TypeTable                     // an array of tables whose columns are the field's columns
)

var fieldTypeNames = [...]string{"text", "integer", "boolean", "date", "moment", "duration", "choice", "list of text", "list of choices", "link", "list of links", "table"}

func (t FieldType) String() string { return fieldTypeNames[t] }

// Field describes one field of a kind of record.
type Field struct {
	Name     string
	Type     FieldType
	Doc      string
	Values   []string // Enum, EnumList: the allowed values
	Targets  []string // Link, LinkList: the kinds linked to
	Columns  []Field  // Table: the columns of each row
	Required bool     // a Table column that every row needs
	// Min and Max bound an Integer field's value, when Max > Min (a
	// rating on a scale).
	Min, Max int64
	// HexDigits, when set, makes a Text field exactly that many
	// hexadecimal digits (a hash), kept in lower case.
	HexDigits int
}

// customPrefix starts the name of a field a kind does not define, which
// every kind accepts as free text or any TOML value.
const customPrefix = "x-"

// localDate is the location BurntSushi/toml gives TOML local dates, so that
// they are written back as dates.
var localDate = func() *time.Location {
	var probe map[string]any
	if _, err := toml.Decode("d = 2000-01-01", &probe); err != nil {
		panic(err)
	}
	return probe["d"].(time.Time).Location()
}()

// dateOf returns the day of t as a TOML local date.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, localDate)
}

// normalizeFields checks a record's fields against its kind and rewrites
// each value into its canonical form (a date given as a string becomes a
// date, an enum value is lower-cased, a table's rows become a list of
// tables). Links are checked for form only; Binder resolves them.
func normalizeFields(spec KindSpec, fields map[string]any) error {
	if spec.FreeFields {
		return nil
	}
	for name, v := range fields {
		f, ok := spec.Field(name)
		if !ok {
			if strings.HasPrefix(name, customPrefix) {
				continue
			}
			return &Error{Kind: Invalid, Err: &FieldError{Kind: spec.Name, Field: name, Unknown: true},
				Hint: fieldsHint(spec), Fix: &Fix{Action: ActionDescribeKind, Kind: spec.Name}}
		}
		nv, err := normalizeValue(f, v)
		if err != nil {
			return &Error{Kind: Invalid, Err: &FieldError{Kind: spec.Name, Field: name, Err: err}, Hint: fieldHint(spec, f),
				Fix: &Fix{Action: ActionDescribeKind, Kind: spec.Name, Field: name}}
		}
		if nv == nil {
			delete(fields, name)
			continue
		}
		fields[name] = nv
	}
	return nil
}

// FieldError is a field its kind does not have, or whose value it does
// not accept.
type FieldError struct {
	Kind, Field string
	Unknown     bool  // the kind has no such field
	Err         error // what is wrong with the value
}

func (e *FieldError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("%s: no field %q (custom fields start with %q)", e.Kind, e.Field, customPrefix)
	}
	return fmt.Sprintf("%s field %s: %v", e.Kind, e.Field, e.Err)
}
func (e *FieldError) Unwrap() error { return e.Err }

func fieldsHint(spec KindSpec) string {
	var names []string
	for _, f := range spec.Fields {
		names = append(names, f.Name)
	}
	return "the fields of " + spec.Name + " are: " + strings.Join(names, ", ")
}

func fieldHint(spec KindSpec, f Field) string {
	return fmt.Sprintf("%s is %s: %s", f.Name, f.TypeDoc(), f.Doc)
}

// TypeDoc describes the value a field takes, for hints and documentation.
func (f Field) TypeDoc() string {
	switch f.Type {
	case TypeEnum:
		return "one of " + strings.Join(f.Values, ", ")
	case TypeEnumList:
		return "a list of " + strings.Join(f.Values, ", ")
	case TypeLink:
		return "the id of a " + strings.Join(f.Targets, " or ")
	case TypeLinkList:
		return "a list of ids of " + strings.Join(f.Targets, " or ") + " records"
	case TypeDate:
		return "a date (2026-11-27)"
	case TypeMoment:
		return "a date and time (2026-11-27T14:30:00Z or with an offset; 08:40 alone is today)"
	case TypeDuration:
		return `a duration ("90m", "3h", "2d", "1w")`
	case TypeTable:
		var cols []string
		for _, c := range f.Columns {
			cols = append(cols, c.Name)
		}
		return "a list of tables with " + strings.Join(cols, ", ")
	case TypeInteger:
		if f.Max > f.Min {
			return fmt.Sprintf("a whole number from %d to %d", f.Min, f.Max)
		}
		return "a whole number"
	case TypeBoolean:
		return "true or false"
	case TypeText:
		if f.HexDigits > 0 {
			return fmt.Sprintf("%d hexadecimal digits", f.HexDigits)
		}
	case TypeTextList:
		return "a list of text"
	}
	return "text"
}

var (
	idLike    = regexp.MustCompile(`^[a-z2-7]{4,26}$`)
	refPrefix = "@"
)

// normalizeValue checks v against f and returns its canonical form; nil
// means the value is empty and the field should go.
func normalizeValue(f Field, v any) (any, error) {
	switch f.Type {
	case TypeText:
		switch x := v.(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				return nil, nil
			}
			if f.HexDigits > 0 {
				return hexText(x, f.HexDigits)
			}
			return x, nil
		case int64, float64, bool:
			return fmt.Sprint(x), nil
		}
		return nil, fmt.Errorf("want text, got %s", tomlType(v))
	case TypeInteger:
		n, ok := int64(0), false
		switch x := v.(type) {
		case int64:
			n, ok = x, true
		case float64:
			if x == math.Trunc(x) {
				n, ok = int64(x), true
			}
		case string:
			if p, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				n, ok = p, true
			}
		}
		if !ok {
			return nil, fmt.Errorf("want a whole number, got %s", tomlType(v))
		}
		if f.Max > f.Min && (n < f.Min || n > f.Max) {
			return nil, fmt.Errorf("want a whole number from %d to %d, got %d", f.Min, f.Max, n)
		}
		return n, nil
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "yes", "y":
				return true, nil
			case "false", "no", "n":
				return false, nil
			}
		}
		return nil, fmt.Errorf("want true or false, got %s", tomlType(v))
	case TypeDate:
		switch x := v.(type) {
		case time.Time:
			return dateOf(x), nil
		case string:
			if t, err := time.Parse("2006-01-02", strings.TrimSpace(x)); err == nil {
				return dateOf(t), nil
			}
		}
		return nil, fmt.Errorf("want a date like 2026-11-27, got %s", tomlType(v))
	case TypeMoment:
		switch x := v.(type) {
		case time.Time:
			return moment(x), nil
		case string:
			for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
				if t, err := time.ParseInLocation(layout, strings.TrimSpace(x), time.Local); err == nil {
					return moment(t), nil
				}
			}
			// A time of day alone is today's, in local time: what a
			// responder logging as they go writes.
			for _, layout := range []string{"15:04", "15:04:05"} {
				if t, err := time.ParseInLocation(layout, strings.TrimSpace(x), time.Local); err == nil {
					y, m, d := clock().In(time.Local).Date()
					return moment(time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, time.Local)), nil
				}
			}
		}
		return nil, fmt.Errorf("want a date and time like 2026-11-27T14:30:00Z, or a time of day like 08:40 (today), got %s", tomlType(v))
	case TypeDuration:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a duration in quotes, such as \"3h\", got %s", tomlType(v))
		}
		d, err := ParseDuration(s)
		if err != nil {
			return nil, err
		}
		return FormatDuration(d), nil
	case TypeEnum:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want one of %s, got %s", strings.Join(f.Values, ", "), tomlType(v))
		}
		return enumValue(f, s)
	case TypeTextList, TypeEnumList, TypeLinkList:
		items, ok := listOf(v)
		if !ok {
			return nil, fmt.Errorf("want a list in brackets, [\"…\", \"…\"], got %s", tomlType(v))
		}
		var out []any
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, found %s in it", tomlType(it))
			}
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			switch f.Type {
			case TypeEnumList:
				ev, err := enumValue(f, s)
				if err != nil {
					return nil, err
				}
				s = ev.(string)
			case TypeLinkList:
				if err := linkForm(s); err != nil {
					return nil, err
				}
				s = strings.ToLower(s)
			}
			if f.Type != TypeTextList && slices.Contains(out, any(s)) {
				continue
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case TypeLink:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a record id in quotes, got %s", tomlType(v))
		}
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			return nil, nil
		}
		return s, linkForm(s)
	case TypeTable:
		rows, ok := tableRows(v)
		if !ok {
			return nil, fmt.Errorf("want a list of tables ([[fields.%s]] sections or [{…}, {…}]), got %s", f.Name, tomlType(v))
		}
		var out []map[string]any
		for i, row := range rows {
			nr := map[string]any{}
			for k, cv := range row {
				col, ok := fieldIn(f.Columns, k)
				if !ok {
					if strings.HasPrefix(k, customPrefix) {
						nr[k] = cv
						continue
					}
					return nil, fmt.Errorf("row %d: no column %q (columns: %s)", i+1, k, columnNames(f))
				}
				ncv, err := normalizeValue(col, cv)
				if err != nil {
					return nil, fmt.Errorf("row %d, %s: %w", i+1, k, err)
				}
				if ncv != nil {
					nr[k] = ncv
				}
			}
			for _, col := range f.Columns {
				if _, ok := nr[col.Name]; col.Required && !ok {
					return nil, fmt.Errorf("row %d has no %s", i+1, col.Name)
				}
			}
			if len(nr) > 0 {
				out = append(out, nr)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown field type")
}

// hexText checks that s is n hexadecimal digits and lower-cases them.
func hexText(s string, n int) (any, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if len(h) != n || strings.Trim(h, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("want %d hexadecimal digits (as sha256sum prints them), got %d characters", n, len(h))
	}
	return h, nil
}

func moment(t time.Time) time.Time {
	if t.Location().String() == "datetime-local" || t.Location() == localDate {
		// A TOML local date-time: read it in this machine's zone, then
		// keep the offset so that it means the same moment everywhere.
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.Local)
	}
	_, off := t.Zone()
	return t.Truncate(time.Second).In(time.FixedZone("", off))
}

// enumValue finds the value s names: the value itself in any case, with
// spaces for dashes, an alias, or the start of exactly one value
// ("hardware" for hardware-failure).
func enumValue(f Field, s string) (any, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '_' || r == '/' }), "-")
	if a, ok := valueAliases[v]; ok && slices.Contains(f.Values, a) {
		v = a
	}
	if slices.Contains(f.Values, v) {
		return v, nil
	}
	var found []string
	for _, val := range f.Values {
		if v != "" && strings.HasPrefix(val, v) {
			found = append(found, val)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(f.Values, ", "))
}

// linkForm checks that s can name a record: a full id, a unique prefix of
// at least 4 characters, or @ref (another record of the same import).
func linkForm(s string) error {
	if strings.HasPrefix(s, refPrefix) && len(s) > 1 {
		return nil
	}
	if !idLike.MatchString(strings.ToLower(s)) {
		return fmt.Errorf("%q is not a record id (4 or more characters of one will do)", s)
	}
	return nil
}

func listOf(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case string:
		// A single value given where a list is wanted, as --set does.
		return []any{x}, true
	}
	return nil, false
}

func tableRows(v any) ([]map[string]any, bool) {
	switch x := v.(type) {
	case []map[string]any:
		return x, true
	case []any:
		var out []map[string]any
		for _, it := range x {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	case map[string]any:
		return []map[string]any{x}, true
	}
	return nil, false
}

func fieldIn(fs []Field, name string) (Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

func columnNames(f Field) string {
	var names []string
	for _, c := range f.Columns {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

func tomlType(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("text %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case bool:
		return fmt.Sprintf("%v", x)
	case time.Time:
		return "a date " + x.Format("2006-01-02")
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// FieldOrder returns the names of a record's fields in the order its kind
// lists them, then the others by name: the order to show them in.
func FieldOrder(r *Record) []string {
	spec, _ := KindByName(r.Kind)
	return sortedFieldNames(spec, r.Fields)
}

func sortedFieldNames(spec KindSpec, fields map[string]any) []string {
	var out, custom []string
	for _, f := range spec.Fields {
		if _, ok := fields[f.Name]; ok {
			out = append(out, f.Name)
		}
	}
	for k := range fields {
		if _, ok := spec.Field(k); !ok {
			custom = append(custom, k)
		}
	}
	sort.Strings(custom)
	return append(out, custom...)
}
