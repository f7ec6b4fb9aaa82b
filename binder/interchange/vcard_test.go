package interchange

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	vcard "github.com/emersion/go-vcard"

	"gobag/binder"
)

func contact(id, title string, fields map[string]any, body string) *binder.Record {
	r := &binder.Record{ID: id, Kind: "contact", Title: title, Fields: fields, Body: body}
	if err := r.Validate(); err != nil {
		panic(err)
	}
	return r
}

// sampleContacts have what a vCard must carry: several numbers of every
// label, as written and in international form, names in several scripts,
// commas, semicolons and new lines in values.
func sampleContacts() []*binder.Record {
	return []*binder.Record{
		contact("aaaaaaaaaaaaaaaaaaaaaaaaaa", "Élodie Grégoire-Duval", map[string]any{
			"organisation": "Statistics; Data, Services",
			"roles":        []any{"Incident commander", "Spokesperson, media"},
			"phones": []any{
				map[string]any{"label": "mobile", "number": "07700 900123", "e164": "+447700900123"},
				map[string]any{"label": "office", "number": "+44 20 7946 0001", "e164": "+442079460001"},
				map[string]any{"label": "satellite", "number": "+881 6 3245 6789", "e164": "+881632456789"},
				map[string]any{"label": "pager", "number": "PAGER-4471"},
				map[string]any{"label": "home", "number": "01632 960 001", "e164": "+441632960001"},
				map[string]any{"label": "other", "number": "+230 5 251 2345", "e164": "+23052512345"},
			},
			"emails":        []any{"elodie@example.org", "e.gregoire@example.net"},
			"location":      "Building 3, floor 2; east wing",
			"alternates":    []any{"bbbbbbbbbbbbbbbbbbbbbbbbbb"},
			"escalation":    int64(1),
			"last_verified": "2026-10-01",
		}, "Speaks French and Kreol morisien.\nCall after 07:00; not before."),
		contact("bbbbbbbbbbbbbbbbbbbbbbbbbb", "Νίκος Παπαδόπουλος", map[string]any{
			"phones": []any{map[string]any{"label": "mobile", "number": "+30 691 234 5678", "e164": "+306912345678"}},
		}, ""),
		contact("cccccccccccccccccccccccccc", "Анна Кузнецова", map[string]any{
			"roles": []any{"Деж\\урная"},
		}, ""),
	}
}

func TestVCardRoundTripIsLossless(t *testing.T) {
	recs := sampleContacts()
	var cards []Card
	for _, r := range recs {
		cards = append(cards, CardOf(r, []string{"Crisis team", "IT; recovery"}))
	}
	var buf bytes.Buffer
	if err := WriteVCards(&buf, cards); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
	}
	if strings.Contains(strings.ReplaceAll(buf.String(), "\r\n", ""), "\n") {
		t.Error("a bare LF in the output: lines end with CRLF")
	}
	back, err := ParseVCards(buf.Bytes(), "out.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(cards) {
		t.Fatalf("read %d cards back; want %d", len(back), len(cards))
	}
	for i := range cards {
		got := back[i]
		got.Line = 0
		if !reflect.DeepEqual(got, cards[i]) {
			t.Errorf("card %d read back:\n got %+v\nwant %+v", i, got, cards[i])
		}
		r := got.Record()
		if err := r.Validate(); err != nil {
			t.Fatalf("record of card %d: %v", i, err)
		}
		orig := recs[i]
		for _, f := range []string{"organisation", "roles", "emails", "location", "escalation", "last_verified"} {
			if binder.FormatField(r, f, nil) != binder.FormatField(orig, f, nil) {
				t.Errorf("%s: %s = %q; want %q", orig.Title, f, binder.FormatField(r, f, nil), binder.FormatField(orig, f, nil))
			}
		}
		var want, have []string
		for _, row := range orig.Rows("phones") {
			want = append(want, row.Text("label")+" "+row.Text("number"))
		}
		for _, row := range r.Rows("phones") {
			have = append(have, row.Text("label")+" "+row.Text("number"))
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%s: phones %q; want %q", orig.Title, have, want)
		}
		if r.Title != orig.Title || strings.TrimSpace(r.Body) != strings.TrimSpace(orig.Body) {
			t.Errorf("title/body %q/%q; want %q/%q", r.Title, r.Body, orig.Title, orig.Body)
		}
	}
}

// An independent parser reads what gobag writes as the standard says.
func TestVCardExportReadsInAnIndependentParser(t *testing.T) {
	var cards []Card
	for _, r := range sampleContacts() {
		cards = append(cards, CardOf(r, []string{"Crisis team"}))
	}
	var buf bytes.Buffer
	if err := WriteVCards(&buf, cards); err != nil {
		t.Fatal(err)
	}
	dec := vcard.NewDecoder(&buf)
	var got []vcard.Card
	for {
		c, err := dec.Decode()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) != 3 {
		t.Fatalf("go-vcard read %d cards; want 3", len(got))
	}
	c := got[0]
	if v := c.Value(vcard.FieldVersion); v != "4.0" {
		t.Errorf("VERSION %q", v)
	}
	if fn := c.PreferredValue(vcard.FieldFormattedName); fn != "Élodie Grégoire-Duval" {
		t.Errorf("FN %q", fn)
	}
	n := c.Name()
	if n == nil || n.FamilyName != "Grégoire-Duval" || n.GivenName != "Élodie" {
		t.Errorf("N %+v", n)
	}
	// ORG is a compound value: go-vcard leaves its components joined, and
	// the semicolon within one escaped.
	if org := c.Value(vcard.FieldOrganization); org != `Statistics\; Data, Services` {
		t.Errorf("ORG %q", org)
	}
	types := map[string]string{}
	for _, f := range c[vcard.FieldTelephone] {
		types[f.Value] = strings.Join(f.Params.Types(), ",")
	}
	for number, want := range map[string]string{"tel:+447700900123": "cell", "tel:+442079460001": "work,voice", "tel:+881632456789": "x-satellite", "PAGER-4471": "pager"} {
		if types[number] != want {
			t.Errorf("TEL %s has TYPE %q; want %q (all: %v)", number, types[number], want, types)
		}
	}
	if emails := c.Values(vcard.FieldEmail); len(emails) != 2 || emails[0] != "elodie@example.org" {
		t.Errorf("EMAIL %q", emails)
	}
	if cats := c.Categories(); len(cats) != 1 || cats[0] != "Crisis team" {
		t.Errorf("CATEGORIES %q", cats)
	}
	if note := c.Value(vcard.FieldNote); !strings.Contains(note, "Kreol morisien.\nCall after 07:00; not before.") {
		t.Errorf("NOTE %q", note)
	}
	if got[1].PreferredValue(vcard.FieldFormattedName) != "Νίκος Παπαδόπουλος" || got[2].PreferredValue(vcard.FieldFormattedName) != "Анна Кузнецова" {
		t.Errorf("names in Greek and Cyrillic: %q, %q", got[1].PreferredValue(vcard.FieldFormattedName), got[2].PreferredValue(vcard.FieldFormattedName))
	}
}

// What phones and mail clients write: 3.0 from a phone with folded lines,
// grouped items and types in both styles; 2.1 with quoted-printable in
// Latin-1 and a base64 photo; 4.0 with tel: URIs.
func TestVCardReadsWhatPhonesWrite(t *testing.T) {
	const file = "BEGIN:VCARD\r\n" +
		"VERSION:3.0\r\n" +
		"PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n" +
		"N:Ramgoolam;Priya;;Dr;\r\n" +
		"FN:Dr Priya Ramgoolam\r\n" +
		"ORG:Ministry of Finance;Statistics Unit\r\n" +
		"TITLE:Head of IT\r\n" +
		"item1.TEL;type=CELL;type=VOICE;type=pref:+230 5 777 1234\r\n" +
		"TEL;TYPE=WORK,VOICE:+230 208 0000\r\n" +
		"TEL;TYPE=HOME:+230 4 123 4567\r\n" +
		"TEL;TYPE=FAX:+230 208 0001\r\n" +
		"EMAIL;type=INTERNET;type=WORK;type=pref:priya@example.mu\r\n" +
		"ADR;TYPE=WORK:;;Level 4\\, Emmanuel Anquetil Building;Port Louis;;;Mauritius\r\n" +
		"NOTE:First line\\nSecond line with a comma\\, and a semicolon\\; and a long tail t\r\n" +
		" hat was folded by the phone\r\n" +
		"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR\r\n" +
		" ofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwh\r\n" +
		"END:VCARD\r\n" +
		"BEGIN:VCARD\r\n" +
		"VERSION:2.1\r\n" +
		"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Lef=E8vre;Fran=E7ois\r\n" +
		"TEL;CELL;VOICE:+33 6 12 34 56 78\r\n" +
		"TEL;WORK:01 23 45 67 89\r\n" +
		"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Appeler apr=C3=A8s 8h, =\r\n" +
		"sauf le dimanche\r\n" +
		"PHOTO;ENCODING=BASE64;TYPE=JPEG:\r\n" +
		"/9j/4AAQSkZJRgABAQAAAQABAAD\r\n" +
		"ofHh0aHBwgJC4nICIsIxwcKDcp\r\n" +
		"\r\n" +
		"EMAIL;INTERNET:francois@example.fr\r\n" +
		"END:VCARD\r\n" +
		"BEGIN:VCARD\n" +
		"VERSION:4.0\n" +
		"FN:Ahmed Rahman\n" +
		"TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+44-7700-900-456\n" +
		"TEL;VALUE=uri;TYPE=work:tel:+44-20-7946-0002;ext=123\n" +
		"END:VCARD\n"
	cards, err := ParseVCards([]byte(file), "contacts.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 3 {
		t.Fatalf("%d cards; want 3", len(cards))
	}
	p := cards[0]
	if p.Name != "Dr Priya Ramgoolam" || p.Organisation != "Ministry of Finance, Statistics Unit" || !reflect.DeepEqual(p.Roles, []string{"Head of IT"}) {
		t.Errorf("card 1: %+v", p)
	}
	wantPhones := []Phone{{Label: "mobile", Number: "+230 5 777 1234"}, {Label: "office", Number: "+230 208 0000"}, {Label: "home", Number: "+230 4 123 4567"}, {Label: "other", Number: "+230 208 0001"}}
	if !reflect.DeepEqual(p.Phones, wantPhones) {
		t.Errorf("card 1 phones %+v", p.Phones)
	}
	if p.Location != "Level 4, Emmanuel Anquetil Building, Port Louis, Mauritius" {
		t.Errorf("card 1 location %q", p.Location)
	}
	if p.Note != "First line\nSecond line with a comma, and a semicolon; and a long tail that was folded by the phone" {
		t.Errorf("card 1 note %q", p.Note)
	}
	if !reflect.DeepEqual(p.Emails, []string{"priya@example.mu"}) {
		t.Errorf("card 1 emails %q", p.Emails)
	}
	f := cards[1]
	if f.Name != "François Lefèvre" || f.Note != "Appeler après 8h, sauf le dimanche" || len(f.Phones) != 2 || f.Phones[0].Label != "mobile" || f.Phones[1].Label != "office" {
		t.Errorf("card 2 (2.1): %+v", f)
	}
	if !reflect.DeepEqual(f.Emails, []string{"francois@example.fr"}) {
		t.Errorf("card 2 emails %q (after the photo)", f.Emails)
	}
	a := cards[2]
	if len(a.Phones) != 2 || a.Phones[0] != (Phone{Label: "mobile", Number: "+44-7700-900-456"}) || a.Phones[1].Number != "+44-20-7946-0002 ext. 123" {
		t.Errorf("card 3 (4.0): %+v", a.Phones)
	}
	for _, c := range cards {
		if err := c.Record().Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// A bad file names every problem with its line, and gives no cards.
func TestVCardErrorsHaveLineNumbers(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"no colon", "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nTEL 0123\nEND:VCARD\n", []string{"line 4: no colon"}},
		{"cut short", "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Ben\n", []string{"line 5: the card that starts here has no END:VCARD"}},
		{"no name", "BEGIN:VCARD\nVERSION:4.0\nTEL:123\nEND:VCARD\n", []string{"line 1: the card that starts here (to line 4) has no name"}},
		{"outside", "VERSION:3.0\nBEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\n", []string{"line 1: VERSION outside a card"}},
		{"version", "BEGIN:VCARD\nVERSION:5.0\nFN:A\nEND:VCARD\n", []string{`line 2: vCard version "5.0"`}},
		{"bad qp", "BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE:Ana=ZZ\nEND:VCARD\n", []string{"line 3: FN: quoted-printable: =ZZ"}},
		{"latin-1 undeclared", "BEGIN:VCARD\nVERSION:3.0\nFN:Fran\xe7ois\nEND:VCARD\n", []string{"line 3: FN: the value is not UTF-8"}},
		{"empty", "\n\n", []string{"line 1: no vCard in the file"}},
		{"two problems", "BEGIN:VCARD\nVERSION:3.0\nFN:A\nbroken\nX-GOBAG-ESCALATION:first\nEND:VCARD\n", []string{"line 4: no colon", `line 5: X-GOBAG-ESCALATION "first"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cards, err := ParseVCards([]byte(tc.file), "bad.vcf")
			var perr *ParseError
			if !errors.As(err, &perr) || cards != nil {
				t.Fatalf("cards %v, err %v; want a ParseError and no cards", cards, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "nothing imported") {
				t.Errorf("error %q does not say nothing was imported", err)
			}
		})
	}
}

func FuzzParseVCards(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nTEL;TYPE=CELL:1\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:A=\n=C3=A8\nEND:VCARD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cards, err := ParseVCards(data, "f.vcf")
		if err == nil && len(cards) == 0 {
			t.Fatal("no error and no cards")
		}
		for _, c := range cards {
			if strings.TrimSpace(c.Name) == "" {
				t.Fatal("a card without a name")
			}
			var buf bytes.Buffer
			if err := WriteVCards(&buf, []Card{c}); err != nil {
				t.Fatal(err)
			}
			back, err := ParseVCards(buf.Bytes(), "back.vcf")
			if err != nil {
				t.Fatalf("what gobag wrote does not read back: %v\n%s", err, buf.Bytes())
			}
			if back[0].Name != c.Name {
				t.Fatalf("name %q read back as %q", c.Name, back[0].Name)
			}
		}
	})
}
