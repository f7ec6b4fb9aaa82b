package binder

import (
	"context"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		typed, country, want string
	}{
		{"+44 20 7946 0001", "", "+442079460001"},
		{"020 7946 0001", "+44", "+442079460001"},
		{"020 7946 0001", "44", "+442079460001"},
		{"0044 (0)20-7946.0001", "", "+442079460001"},
		{"+44 (0) 20 7946 0001", "", "+442079460001"},
		{"07700 900123", "+44", "+447700900123"},
		{"(202) 555-0143", "+1", "+12025550143"},
		{"1 202 555 0143", "+1", "+12025550143"},
		{"06 6988 4857", "+39", "+390669884857"},
		{"8 495 123 45 67", "+7", "+74951234567"},
		{"06 1 234 5678", "+36", "+3612345678"},
		{"030 1234567", "+49", "+49301234567"},
		{"020 7946 0001", "", ""},        // no country code, none given
		{"020 7946 0001", "+0", ""},      // not a calling code
		{"ext. 4412", "+44", ""},         // not a number
		{"+44 20 7946 0001 x12", "", ""}, // an extension is not part of it
		{"12", "+44", ""},                // too short
		{"+1234567890123456", "", ""},    // too long
	}
	for _, c := range cases {
		got, ok := NormalizePhone(c.typed, c.country)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.typed, c.country, got, ok, c.want)
		}
	}
}

// A number typed without its country code is kept as typed and found by
// its international form, using the binder's phone country.
func TestPhonesFoundInInternationalForm(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	settings, err := b.List(ctx, "binder")
	if err != nil || len(settings) != 1 {
		t.Fatalf("settings: %v %v", settings, err)
	}
	s, err := b.Get(ctx, settings[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	s.Fields = map[string]any{"phone_country": "+44"}
	if _, err := b.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	c, err := b.Add(ctx, &Record{Kind: "contact", Title: "Amara Okafor", Fields: map[string]any{
		"phones": []map[string]any{{"label": "office", "number": "020 7946 0001"}, {"label": "mobile", "number": "not known"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows := got.Rows("phones")
	if rows[0].Text("number") != "020 7946 0001" || rows[0].Text("e164") != "+442079460001" || rows[1].Text("e164") != "" {
		t.Fatalf("phones stored as %v", rows)
	}
	for _, q := range []string{"+44 20 7946 0001", "+442079460001", "020 7946 0001", "79460001"} {
		hits, err := b.Search(ctx, q, "", 10)
		if err != nil || len(hits) != 1 || hits[0].ID != c.ID {
			t.Errorf("search %q: %+v %v", q, hits, err)
		}
	}
}
