package editor

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"gobag/binder"
)

// titles is a Finder over a fixed set of records, in memory.
type titles []Choice

func (ts titles) Find(query string, kinds []string, limit int) []Choice {
	var out []Choice
	for _, c := range ts {
		if strings.Contains(strings.ToLower(c.Title), strings.ToLower(query)) && len(out) < limit {
			out = append(out, c)
		}
	}
	return out
}

func (ts titles) Title(id string) (string, bool) {
	for _, c := range ts {
		if c.ID == id {
			return c.Title, true
		}
	}
	return "", false
}

func TestValuesCheckedByTheBinder(t *testing.T) {
	test.NewTempApp(t)
	spec, _ := binder.KindByName("system")
	f := New(spec, map[string]any{"tier": int64(2), "rto": "4h"}, Options{Records: titles{}})
	tier := f.byName["tier"].in.(*textInput)
	rto := f.byName["rto"].in.(*textInput)
	tier.e.SetText("7")
	rto.e.SetText("90 minutes")
	vals, problems := f.Values()
	if len(problems) != 2 || problems[0].Field != "tier" || problems[1].Field != "rto" {
		t.Fatalf("problems %+v; want tier and rto", problems)
	}
	if !strings.Contains(problems[0].Message, "from 1 to 4") {
		t.Fatalf("tier message %q; want the range", problems[0].Message)
	}
	if _, ok := vals["tier"]; ok {
		t.Fatalf("a refused value is in the values: %v", vals)
	}
	if first := f.Show(problems); first != "tier" || f.Problem("rto") == "" {
		t.Fatalf("first shown %q, rto's message %q", first, f.Problem("rto"))
	}
	tier.e.SetText("1")
	rto.e.SetText("1h30m")
	vals, problems = f.Values()
	if len(problems) != 0 || vals["tier"] != int64(1) || vals["rto"] != "1h30m" {
		t.Fatalf("values %v, problems %v", vals, problems)
	}
}

func TestTableRowsMoveAndGo(t *testing.T) {
	test.NewTempApp(t)
	spec, _ := binder.KindByName("function")
	f := New(spec, map[string]any{"impacts": []map[string]any{
		{"after": "4h", "rating": int64(2)},
		{"after": "1d", "rating": int64(4), "note": "releases slip"},
	}}, Options{})
	tbl := f.byName["impacts"].in.(*tableInput)
	test.Tap(tbl.add)
	row := tbl.rows[2]
	row.cells[0].(*textInput).e.SetText("3d")
	row.cells[1].(*textInput).e.SetText("5")
	tbl.move(2, 1)
	tbl.remove(0)
	vals, problems := f.Values()
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := []map[string]any{
		{"after": "3d", "rating": int64(5)},
		{"after": "1d", "rating": int64(4), "note": "releases slip"},
	}
	if !reflect.DeepEqual(vals["impacts"], want) {
		t.Fatalf("impacts %v; want %v", vals["impacts"], want)
	}
	// A row missing a required cell is refused at the field.
	test.Tap(tbl.add)
	tbl.rows[2].cells[2].(*textInput).e.SetText("only a note")
	if _, problems := f.Values(); len(problems) != 1 || !strings.Contains(problems[0].Message, "Row 3 has no after") {
		t.Fatalf("problems %+v; want row 3's missing after", problems)
	}
}

func TestEnumListKeepsItsOrderAndDatesAreDates(t *testing.T) {
	test.NewTempApp(t)
	spec, _ := binder.KindByName("runbook")
	f := New(spec, map[string]any{"scenarios": []any{"human-error", "cyber-attack"}}, Options{})
	el := f.byName["scenarios"].in.(*enumListInput)
	el.checks["power-failure"].SetChecked(true)
	el.checks["human-error"].SetChecked(false)
	vals, _ := f.Values()
	if want := []any{"cyber-attack", "power-failure"}; !reflect.DeepEqual(vals["scenarios"], want) {
		t.Fatalf("scenarios %v; want %v", vals["scenarios"], want)
	}

	spec, _ = binder.KindByName("contact")
	f = New(spec, nil, Options{})
	f.byName["last_verified"].in.(*dateInput).e.SetText("2026-11-27")
	vals, _ = f.Values()
	d, ok := vals["last_verified"].(time.Time)
	if !ok || d.Format("2006-01-02") != "2026-11-27" {
		t.Fatalf("last_verified %#v; want the date 2026-11-27", vals["last_verified"])
	}
}

func TestPickerFiltersAndChooses(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	spec, _ := binder.KindByName("team")
	recs := titles{{ID: "aaaaaaaaaaaaaaaaaaaaaaaaaa", Kind: "contact", Title: "Priya Raman"}, {ID: "bbbbbbbbbbbbbbbbbbbbbbbbbb", Kind: "contact", Title: "Amara Okafor"}}
	f := New(spec, nil, Options{Records: recs})
	w.SetContent(f.Content())
	lead := f.byName["lead"].in.(*linkInput)
	test.Tap(lead.choose)
	p := lead.picker
	if p == nil || len(p.Results) != 2 {
		t.Fatalf("picker results before typing: %+v", p)
	}
	test.Type(p.Search, "oka")
	if len(p.Results) != 1 || p.Results[0].Title != "Amara Okafor" {
		t.Fatalf("results for oka: %+v", p.Results)
	}
	p.Search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if lead.value() != "bbbbbbbbbbbbbbbbbbbbbbbbbb" || lead.choose.Text != "Amara Okafor" {
		t.Fatalf("lead %v shown as %q", lead.value(), lead.choose.Text)
	}
}
