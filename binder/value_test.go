package binder

import (
	"testing"
	"time"
)

// Every field type has one rendering, whatever front end asks.
func TestFormatEveryType(t *testing.T) {
	titles := func(id string) (string, bool) {
		if id == "aaaaaaaaaaaaaaaaaaaaaaaaaa" {
			return "Priya Raman", true
		}
		return "", false
	}
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, localDate)
	moment := time.Date(2026, 11, 27, 14, 30, 0, 0, time.Local)
	phones := Field{Type: TypeTable, Columns: []Field{{Name: "label", Type: TypeText}, {Name: "number", Type: TypeText}}}
	cases := []struct {
		name string
		f    Field
		v    any
		want string
	}{
		{"text", Field{Type: TypeText}, "hello", "hello"},
		{"integer", Field{Type: TypeInteger}, int64(42), "42"},
		{"boolean", Field{Type: TypeBoolean}, true, "yes"},
		{"boolean false", Field{Type: TypeBoolean}, false, "no"},
		{"date", Field{Type: TypeDate}, day, "2026-11-27"},
		{"moment", Field{Type: TypeMoment}, moment, "2026-11-27 14:30"},
		{"duration", Field{Type: TypeDuration}, "90m", "1h30m"},
		{"enum", Field{Type: TypeEnum}, "tabletop", "tabletop"},
		{"text list", Field{Type: TypeTextList}, []any{"a", "b"}, "a\nb"},
		{"enum list", Field{Type: TypeEnumList}, []any{"fire", "flood"}, "fire\nflood"},
		{"link", Field{Type: TypeLink}, "aaaaaaaaaaaaaaaaaaaaaaaaaa", "Priya Raman"},
		{"unknown link", Field{Type: TypeLink}, "bbbbbbbbbbbbbbbbbbbbbbbbbb", "bbbbbbbbbbbbbbbbbbbbbbbbbb"},
		{"link list", Field{Type: TypeLinkList}, []any{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbb"}, "Priya Raman\nbbbbbbbbbbbbbbbbbbbbbbbbbb"},
		{"table", phones, []map[string]any{{"number": "+44 20 7946 0001", "label": "office"}, {"label": "mobile", "number": "+44 7700 900123", "x-note": "nights"}}, "office · +44 20 7946 0001\nmobile · +44 7700 900123 · nights"},
		{"phones", Field{Type: TypeTable, Columns: []Field{{Name: "label"}, {Name: "number"}, {Name: "e164"}}}, []map[string]any{
			{"label": "office", "number": "020 7946 0001", "e164": "+442079460001"},
			{"label": "mobile", "number": "+44 7700 900123", "e164": "+447700900123"}}, "office · 020 7946 0001 · +442079460001\nmobile · +44 7700 900123"},
		{"absent", Field{Type: TypeDate}, nil, ""},
		{"wrong type", Field{Type: TypeDate}, "someday", "someday"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Format(c.v, titles); got != c.want {
				t.Errorf("got %q; want %q", got, c.want)
			}
		})
	}
}

// The accessors read canonical values and give zero values otherwise.
func TestValueAccessors(t *testing.T) {
	r := &Record{Kind: "system", Title: "Data platform", Fields: map[string]any{"rto": "3h", "tier": int64(1), "depends_on": []any{"x", "y"}}}
	if d, ok := r.Duration("rto"); !ok || d != 3*time.Hour {
		t.Errorf("Duration: %v %v", d, ok)
	}
	if n, ok := r.Int("tier"); !ok || n != 1 {
		t.Errorf("Int: %v %v", n, ok)
	}
	if got := r.Links("depends_on"); len(got) != 2 || got[1] != "y" {
		t.Errorf("Links: %v", got)
	}
	if _, ok := r.Date("rto"); ok {
		t.Error("Date of a duration field")
	}
	if r.Text("missing") != "" || r.Rows("missing") == nil && len(r.Rows("missing")) != 0 {
		t.Error("absent fields are not zero")
	}
}
