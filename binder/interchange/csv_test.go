package interchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"

	"gobag/binder"
)

func TestContactCSVHasTheMassNotificationShape(t *testing.T) {
	recs := sampleContacts()
	spec, _ := binder.KindByName("contact")
	cols := ContactColumns(recs)
	var buf bytes.Buffer
	teams := func(id string) []string {
		if id == recs[0].ID {
			return []string{"Crisis team", "IT recovery"}
		}
		return nil
	}
	if err := WriteCSV(&buf, spec, recs, cols, teams); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows; want a header and 3", len(rows))
	}
	get := func(row int, col string) string {
		for i, c := range rows[0] {
			if c == col {
				return rows[row][i]
			}
		}
		t.Fatalf("no column %q in %q", col, rows[0])
		return ""
	}
	for col, want := range map[string]string{
		"external_id": recs[0].ID, "given_name": "Élodie", "family_name": "Grégoire-Duval",
		"mobile_phone": "+447700900123", "office_phone": "+442079460001", "pager_phone": "PAGER-4471",
		"email": "elodie@example.org", "email_2": "e.gregoire@example.net", "groups": "Crisis team; IT recovery",
		"roles": "Incident commander; Spokesperson, media", "escalation": "1", "last_verified": "2026-10-01",
	} {
		if got := get(1, col); got != want {
			t.Errorf("%s = %q; want %q", col, got, want)
		}
	}
	// Read back: the same contacts, the same numbers.
	imp, err := ParseCSV(buf.Bytes(), "out.csv", CSVOptions{Kind: "contact"})
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Records) != 3 || imp.Records[0].UID != uidPrefix+recs[0].ID {
		t.Fatalf("read back %d records, first UID %q", len(imp.Records), imp.Records[0].UID)
	}
	r := imp.Records[0].Record
	if r.Title != recs[0].Title || binder.FormatField(r, "roles", nil) != binder.FormatField(recs[0], "roles", nil) {
		t.Errorf("read back %q roles %q", r.Title, binder.FormatField(r, "roles", nil))
	}
	if got := len(r.Rows("phones")); got != 6 {
		t.Errorf("%d phones read back; want 6", got)
	}
	if len(imp.Unused) != 0 {
		t.Errorf("columns unused on reading gobag's own export: %q", imp.Unused)
	}
}

func TestCSVImportMapsColumnsAndChecksRows(t *testing.T) {
	const file = "First Name;Last Name;Company;Mobile Phone;Business Phone;E-mail Address;Shoe size\n" +
		"Ana;Ramos;NSO;07700 900111;020 7946 0011;ana@example.org;38\n" +
		"\n" +
		"Ben;Okafor;NSO;+234 803 123 4567;;ben@example.org;44\n"
	imp, err := ParseCSV([]byte(file), "outlook.csv", CSVOptions{Kind: "contact"})
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Records) != 2 || imp.Records[1].Line != 4 {
		t.Fatalf("records %+v", imp.Records)
	}
	a := imp.Records[0].Record
	var phones []string
	for _, row := range a.Rows("phones") {
		phones = append(phones, row.Text("label")+" "+row.Text("number"))
	}
	if a.Title != "Ana Ramos" || a.Text("organisation") != "NSO" || !reflect.DeepEqual(phones, []string{"mobile 07700 900111", "office 020 7946 0011"}) {
		t.Errorf("row 2: %q %q %q", a.Title, a.Text("organisation"), phones)
	}
	if !reflect.DeepEqual(imp.Unused, []string{"Shoe size"}) {
		t.Errorf("unused %q", imp.Unused)
	}
	// --map puts a column where the header does not say.
	imp, err = ParseCSV([]byte(file), "outlook.csv", CSVOptions{Kind: "contact", Map: map[string]string{"Shoe size": "location", "Business Phone": "satellite_phone"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := imp.Records[0].Record; r.Text("location") != "38" || r.Rows("phones")[1].Text("label") != "satellite" {
		t.Errorf("mapped: %+v", r.Fields)
	}

	// Every bad row is named by its number, and nothing is read.
	const bad = "name,escalation,last_verified,mobile_phone\n" +
		"Ana,1,2026-01-01,0123\n" +
		",2,,\n" +
		"Ben,first,2026-13-45,\n" +
		"Cy,3,,,extra\n"
	_, err = ParseCSV([]byte(bad), "bad.csv", CSVOptions{Kind: "contact"})
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("err %v; want a ParseError", err)
	}
	for _, want := range []string{"line 3: no name", "line 4: Ben:", "line 5: 5 cells"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	// A file with no name column says how to map one.
	_, err = ParseCSV([]byte("who,cell\nAna,0123\n"), "x.csv", CSVOptions{Kind: "contact"})
	if err == nil || !strings.Contains(err.Error(), "map one to name (COLUMN=name)") {
		t.Errorf("no name column: %v", err)
	}
	_, err = ParseCSV([]byte("name\nAna\n"), "x.csv", CSVOptions{Kind: "contact", Map: map[string]string{"nope": "name"}})
	if err == nil || !strings.Contains(err.Error(), `column "nope"`) {
		t.Errorf("mapping a missing column: %v", err)
	}
}

func TestCSVOfOtherKinds(t *testing.T) {
	spec, _ := binder.KindByName("system")
	sys := &binder.Record{ID: "dddddddddddddddddddddddddd", Kind: "system", Title: "Payroll", Fields: map[string]any{"tier": int64(1), "rto": "4h", "software": []any{"PostgreSQL 16", "nginx"}, "last_restore_test": "2026-03-01"}}
	if err := sys.Validate(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, spec, []*binder.Record{sys}, KindColumns(spec), nil); err != nil {
		t.Fatal(err)
	}
	imp, err := ParseCSV(buf.Bytes(), "s.csv", CSVOptions{Kind: "system"})
	if err != nil {
		t.Fatal(err)
	}
	r := imp.Records[0].Record
	for _, f := range []string{"tier", "rto", "software", "last_restore_test"} {
		if binder.FormatField(r, f, nil) != binder.FormatField(sys, f, nil) {
			t.Errorf("%s: %q; want %q", f, binder.FormatField(r, f, nil), binder.FormatField(sys, f, nil))
		}
	}
	if err := CheckColumns(spec, []string{"name", "rto", "colour"}); err == nil || !strings.Contains(err.Error(), `"colour"`) {
		t.Errorf("an unknown column: %v", err)
	}
}

func TestPlanImportFindsDuplicatesAndMerges(t *testing.T) {
	existing := sampleContacts()
	card := func(line int, name string, phones ...string) Incoming {
		r := &binder.Record{Kind: "contact", Title: name, Fields: map[string]any{}}
		var rows []any
		for _, p := range phones {
			rows = append(rows, map[string]any{"label": "mobile", "number": p})
		}
		if rows != nil {
			r.Fields["phones"] = rows
		}
		r.Fields["emails"] = []any{strings.ToLower(strings.Fields(name)[0]) + "@new.example"}
		return Incoming{Record: r, Line: line}
	}
	in := []Incoming{
		card(1, "ELODIE  gregoire-duval"),           // the same name, accents and case aside
		card(5, "Somebody Else", "+44 7700 900123"), // Élodie's mobile, written otherwise
		card(9, "Zoë New", "+230 5 999 0000"),
		card(13, "Zoe New"), // the new one again
		{Record: contact("", "Renamed Nikos", nil, ""), Line: 17, UID: uidPrefix + "bbbbbbbbbbbbbbbbbbbbbbbbbb"},
	}
	in[2].Alternates = []string{uidPrefix + "cccccccccccccccccccccccccc", uidPrefix + "zzzzzzzzzzzzzzzzzzzzzzzzzz"}
	plan := PlanImport(existing, in, "contact", false)
	if len(plan.Add) != 1 || plan.Add[0].Title != "Zoë New" || len(plan.Merge) != 0 {
		t.Fatalf("adds %d, merges %d", len(plan.Add), len(plan.Merge))
	}
	var reasons []string
	for _, d := range plan.Duplicates {
		reasons = append(reasons, d.Reason)
	}
	want := []string{"the same name", "the same phone number", "the same name", "the same contact (a card exported from this binder)"}
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("reasons %q; want %q", reasons, want)
	}
	if plan.Duplicates[2].OfLine != 9 || plan.Duplicates[2].Of != "" {
		t.Errorf("a duplicate within the file: %+v", plan.Duplicates[2])
	}
	if got := plan.Add[0].Links("alternates"); !reflect.DeepEqual(got, []string{"cccccccccccccccccccccccccc"}) {
		t.Errorf("alternates %q", got)
	}
	if len(plan.Notes) != 1 || !strings.Contains(plan.Notes[0], "zzzz") {
		t.Errorf("notes %q", plan.Notes)
	}

	merged := PlanImport(existing, in, "contact", true)
	if len(merged.Merge) != 1 || merged.Merge[0].ID != existing[0].ID {
		t.Fatalf("merges %+v", merged.Merge)
	}
	e := merged.Merge[0]
	if got := e.Strings("emails"); len(got) != 4 || got[2] != "elodie@new.example" || got[3] != "somebody@new.example" {
		t.Errorf("merged emails %q", got)
	}
	if n := len(existing[0].Strings("emails")); n != 2 {
		t.Errorf("the binder's record was changed in place: %d emails", n)
	}
	if got := merged.Add[0].Strings("emails"); len(got) != 2 {
		t.Errorf("the new contact merged with its repeat: %q", got)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("name,mobile_phone,escalation\nAna,0123,1\n"), "contact")
	f.Add([]byte("Name;Tier;RTO\nPayroll;1;4h\n"), "system")
	f.Add([]byte("name\n\""), "contact") // a quote left open on the first row
	f.Fuzz(func(t *testing.T, data []byte, kind string) {
		imp, err := ParseCSV(data, "f.csv", CSVOptions{Kind: kind})
		if err != nil {
			return
		}
		if len(imp.Records) == 0 {
			t.Fatal("no error and no records")
		}
		for _, in := range imp.Records {
			if strings.TrimSpace(in.Record.Title) == "" || in.Record.Validate() != nil {
				t.Fatalf("row %d read as a record a save refuses: %+v", in.Line, in.Record)
			}
		}
	})
}

// A number written locally and the same number in international form,
// formatted any way, are one number, the binder's phone country aside.
func TestPhoneKeysMatchAcrossFormats(t *testing.T) {
	for _, pair := range [][2]string{
		{"07700 900123", "+44 7700 900123"},
		{"0044-7700-900123", "+447700900123"},
		{"(020) 7946 0011", "+44 20 7946 0011"},
		{"+230 5 251 2345", "5251 2345"},
	} {
		var x phoneIndex
		x.add(phoneDigits(pair[0]), &target{})
		if a, b := phoneDigits(pair[0]), phoneDigits(pair[1]); !samePhone(a, b) || x.find(b) == nil {
			t.Errorf("%q (%q) and %q (%q) do not match", pair[0], a, pair[1], b)
		}
	}
	for _, pair := range [][2]string{{"+44 7700 900123", "+44 7700 900124"}, {"+44 7700 900123", "+44 7711 900123"}, {"123", "123"}} {
		if samePhone(phoneDigits(pair[0]), phoneDigits(pair[1])) {
			t.Errorf("%q and %q match", pair[0], pair[1])
		}
	}
}

// A cell a spreadsheet would run as a formula is written as text, and
// read back as it was; phone numbers stay numbers.
func TestCSVCellsAreNotFormulas(t *testing.T) {
	spec, _ := binder.KindByName("contact")
	r := contact("eeeeeeeeeeeeeeeeeeeeeeeeee", "=HYPERLINK(\"http://evil.example\",\"x\")", map[string]any{
		"organisation": "@SUM(1+1)", "roles": []any{"-2+3", "+cmd|' /C calc'!A0"},
		"phones": []any{map[string]any{"label": "mobile", "number": "+44 7700 900123", "e164": "+447700900123"}},
	}, "")
	var buf bytes.Buffer
	if err := WriteCSV(&buf, spec, []*binder.Record{r}, []string{"name", "organisation", "roles", "mobile_phone"}, nil); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	for _, c := range rows[1] {
		if strings.ContainsAny(c[:1], "=@") || (c[0] == '-' || c[0] == '+') && strings.Trim(c[1:], "0123456789 ") != "" {
			t.Errorf("cell %q would run as a formula", c)
		}
	}
	if rows[1][3] != "+447700900123" {
		t.Errorf("the number is written %q", rows[1][3])
	}
	imp, err := ParseCSV(buf.Bytes(), "x.csv", CSVOptions{Kind: "contact"})
	if err != nil {
		t.Fatal(err)
	}
	back := imp.Records[0].Record
	if back.Title != r.Title || back.Text("organisation") != "@SUM(1+1)" || binder.FormatField(back, "roles", nil) != "-2+3\n+cmd|' /C calc'!A0" {
		t.Errorf("read back %q %q %q", back.Title, back.Text("organisation"), binder.FormatField(back, "roles", nil))
	}
}

// Colleagues who share an office number are two people: only a number of
// one's own (mobile, home, satellite, pager) makes a duplicate.
func TestSharedOfficeNumberIsNoDuplicate(t *testing.T) {
	ana := contact("aaaaaaaaaaaaaaaaaaaaaaaaaa", "Ana Ramos", map[string]any{"phones": []any{map[string]any{"label": "office", "number": "+44 20 7946 0000"}}}, "")
	in := func(line int, name, label, number string) Incoming {
		r := &binder.Record{Kind: "contact", Title: name, Fields: map[string]any{"phones": []any{map[string]any{"label": label, "number": number}}}}
		return Incoming{Record: r, Line: line}
	}
	plan := PlanImport([]*binder.Record{ana}, []Incoming{in(1, "Ben Okafor", "office", "020 7946 0000"), in(5, "Chidi Eze", "other", "020 7946 0000")}, "contact", true)
	if len(plan.Add) != 2 || len(plan.Duplicates) != 0 || len(plan.Merge) != 0 {
		t.Fatalf("adds %d, duplicates %+v, merges %d", len(plan.Add), plan.Duplicates, len(plan.Merge))
	}
}

// A quote left open on the first row is a problem on its line, not a
// crash.
func TestCSVOpenQuote(t *testing.T) {
	for _, file := range []string{"name\n\"", "name,notes\n\"Ana"} {
		_, err := ParseCSV([]byte(file), "q.csv", CSVOptions{Kind: "contact"})
		var perr *ParseError
		if !errors.As(err, &perr) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: %v", file, err)
		}
	}
}

// samePhone, for the tests, says whether two numbers' digits (phoneDigits) are one
// number: the shorter, written without its country code, ends the
// longer. The binder's phone country is not needed, so numbers typed
// before it was set match too.
func samePhone(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasSuffix(b, a)
}
