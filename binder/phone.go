package binder

import (
	"regexp"
	"strings"
)

// Phone numbers are kept as typed, and beside each, in the phones table's
// e164 column, the same number in international form (E.164: "+", the
// country calling code, the national number, 8 to 15 digits in all): a
// number typed without a country code takes the binder's phone_country
// setting. Search finds a number by either form.

// callingCode is a country calling code as the binder's phone_country
// takes it: "+44", or "44".
var callingCode = regexp.MustCompile(`^\+?([1-9][0-9]{0,2})$`)

// NormalizePhone returns the E.164 form of a phone number typed as
// typed, taking countryCode ("+44") for a number written without one; ok
// is false when typed is not a phone number, or has no country code and
// none is given.
//
// A number starting with + or 00 carries its country code. Otherwise the
// country's trunk prefix (the digits dialled before a national number
// inside the country) is dropped before the country code is put in
// front: 0 in most countries (020 7946 0001 with +44 is +442079460001, and
// so is +44 (0)20 7946 0001), 1 in the North American plan, 8 in Russia,
// Kazakhstan and Belarus, 06 in Hungary, and none in Italy, San Marino
// and the Vatican, whose numbers keep their leading 0. Spaces, dots, dashes, slashes and
// brackets are ignored; anything else (letters, an extension) makes it
// not a number.
func NormalizePhone(typed, countryCode string) (e164 string, ok bool) {
	var digits strings.Builder
	// "+44 (0)20 …" shows the trunk prefix a caller inside the country
	// dials: it is no part of the international number.
	s := strings.ReplaceAll(strings.TrimSpace(typed), "(0)", "")
	international := false
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		s, international = rest, true
	}
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case strings.ContainsRune(" .-/()", c):
		default:
			return "", false
		}
	}
	d := digits.String()
	switch {
	case international:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	default:
		m := callingCode.FindStringSubmatch(strings.TrimSpace(countryCode))
		if m == nil {
			return "", false
		}
		trunk, ok := trunkPrefixes[m[1]]
		if !ok {
			trunk = "0"
		}
		if trunk != "" {
			d = strings.TrimPrefix(d, trunk)
		}
		d = m[1] + d
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return "+" + d, true
}

// trunkPrefixes are the trunk prefixes of the calling codes whose prefix
// is not 0; "" where numbers keep their leading 0.
var trunkPrefixes = map[string]string{
	"1": "1", "7": "8", "375": "8", "36": "06",
	"39": "", "378": "", "379": "",
}

// normalizePhones fills in the e164 column of every row of r's phone
// tables, from the number as typed and the binder's phone country.
func (b *Binder) normalizePhones(r *Record) {
	spec, _ := KindByName(r.Kind)
	for _, f := range spec.Fields {
		if f.Type != TypeTable {
			continue
		}
		if _, ok := fieldIn(f.Columns, phoneE164Column); !ok {
			continue
		}
		rows, ok := tableRows(r.Fields[f.Name])
		if !ok {
			continue
		}
		country := b.phoneCountry()
		for _, row := range rows {
			typed, _ := row["number"].(string)
			if e, ok := NormalizePhone(typed, country); ok {
				row[phoneE164Column] = e
			} else {
				delete(row, phoneE164Column)
			}
		}
		r.Fields[f.Name] = rows
	}
}

const phoneE164Column = "e164"

// phoneCountry is the binder's phone_country setting, as the index keeps
// it ("" if none).
func (b *Binder) phoneCountry() string {
	v, _ := b.ix.Get(keyPhoneCountry)
	return string(v)
}
