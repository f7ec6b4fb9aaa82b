package binder

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Full-text search: the words of a record and their weights (title 3,
// fields 2, body 1, summed and capped), and the snippets of hits. How the
// index keeps them and how a query reads them is in searchindex.go.

const (
	weightTitle = 3
	weightField = 2
	weightBody  = 1
	maxWeight   = 255
	maxTermLen  = 40
)

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("a an and are as at be by for from has have in is it its of on or that the this to was were will with") {
		stopWords[w] = true
	}
}

// fold lower-cases s and strips accents, so that "Tomás" finds "tomas".
func fold(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// tokens splits text into search words: runs of letters and digits,
// folded, without stop words.
func tokens(text string) []string {
	words := strings.FieldsFunc(fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := words[:0]
	for _, w := range words {
		if len(w) > maxTermLen {
			w = w[:maxTermLen]
		}
		if stopWords[w] || (len(w) < 2 && !isDigits(w)) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// numberTerms are the extra words of a field value that holds a phone
// number: its digits run together and every tail of them of 7 digits or
// more, so that "+44 20 7946 0001" is found by 442079460001, 2079460001
// or 79460001 as well as by its parts.
func numberTerms(value string) []string {
	var digits []byte
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/':
		default:
			return nil // not a number
		}
	}
	if len(digits) < 7 || len(digits) > maxTermLen {
		return nil
	}
	var out []string
	for i := 0; len(digits)-i >= 7; i++ {
		out = append(out, string(digits[i:]))
	}
	return out
}

// queryWords are the words of a query. A query that is a phone number is
// one word, its digits run together, less any leading zeros (a national
// trunk prefix: 07700 900123 finds +44 7700 900123).
func queryWords(q string) []string {
	if nt := numberTerms(q); nt != nil {
		if t := strings.TrimLeft(nt[0], "0"); len(t) >= 7 {
			return []string{t}
		}
		return nt[:1]
	}
	return tokens(q)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// terms are a record's search words and their weights.
func terms(r *Record) map[string]int {
	out := map[string]int{}
	add := func(text string, w int) {
		for _, t := range tokens(text) {
			out[t] = min(maxWeight, out[t]+w)
		}
	}
	add(r.Title, weightTitle)
	spec, _ := KindByName(r.Kind)
	linkish := map[string]bool{}
	for _, f := range spec.LinkFields() {
		linkish[f.Name] = true
	}
	var walk func(name string, v any)
	walk = func(name string, v any) {
		switch x := v.(type) {
		case string:
			if !linkish[name] {
				add(x, weightField)
				for _, t := range numberTerms(x) {
					out[t] = min(maxWeight, out[t]+weightField)
				}
			}
		case int64:
			add(strconv.FormatInt(x, 10), weightField)
		case []any:
			for _, it := range x {
				walk(name, it)
			}
		case []map[string]any:
			for _, row := range x {
				for k, cv := range row {
					walk(name+"."+k, cv)
				}
			}
		case map[string]any:
			for k, cv := range x {
				walk(name+"."+k, cv)
			}
		}
	}
	for name, v := range r.Fields {
		walk(name, v)
	}
	add(r.Body, weightBody)
	return out
}

func kindIndex(kind string) byte {
	for i, k := range Kinds {
		if k.Name == kind {
			return byte(i)
		}
	}
	return 255
}

// snippet is the first line of a record's text (title excepted) that holds
// one of the words.
func (b *Binder) snippet(id string, words []string) string {
	text, ok := b.indexedText(id)
	if !ok {
		return ""
	}
	inHeader := false
	for _, line := range strings.Split(text, "\n") {
		if line == frontMatterFence {
			inHeader = !inHeader
			continue
		}
		if inHeader && (strings.HasPrefix(line, "title ") || strings.HasPrefix(line, "id ") || strings.HasPrefix(line, "kind ")) {
			continue
		}
		fl := fold(line)
		for _, w := range words {
			if strings.Contains(fl, w) {
				if inHeader {
					line = readableField(line)
				}
				return trimSnippet(strings.TrimSpace(line))
			}
		}
	}
	return ""
}

// readableField turns a TOML line of the header, key = "value" or
// key = ["a", "b"], into "key: value" or "key: a, b".
func readableField(line string) string {
	key, val, ok := strings.Cut(line, " = ")
	if !ok {
		return line
	}
	val = strings.TrimSuffix(strings.TrimPrefix(val, "["), "]")
	var parts []string
	for _, p := range strings.Split(val, "\", \"") {
		parts = append(parts, strings.Trim(p, `"`))
	}
	return key + ": " + strings.Join(parts, ", ")
}

func trimSnippet(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// count is the number of live records, as the index keeps it.
func (b *Binder) count() int {
	v, _ := b.ix.Get(keyCount)
	n, _ := strconv.Atoi(string(v))
	return n
}
