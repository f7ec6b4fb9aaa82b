package binder

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Record is one decrypted record: TOML front matter and a Markdown body.
type Record struct {
	ID      string         `json:"id"`
	Kind    string         `json:"kind"`
	Title   string         `json:"title"`
	Rev     int            `json:"rev"`
	Updated time.Time      `json:"updated"`
	Fields  map[string]any `json:"fields"`
	Body    string         `json:"body"`

	// Known from the envelope and the repository, not the plaintext.
	Author  string `json:"author"`
	Path    string `json:"path"`
	Deleted bool   `json:"deleted,omitempty"`
	// Audience is who the record is encrypted to: all, a role, or
	// members' handles, comma-separated. Set it on a record to save to
	// choose; left empty, an edit keeps the audience the record had and
	// a new record's is all.
	Audience string `json:"audience,omitempty"`
	// Unreadable: this identity is not in the record's audience. Only
	// the id, kind, rev, author, time and audience are known.
	Unreadable bool `json:"unreadable,omitempty"`

	// Conflicts are the values two copies gave the same field, kept by a
	// sync until someone resolves them; the record's fields hold one side's
	// value meanwhile.
	Conflicts []FieldConflict `json:"conflicts,omitempty"`

	// Ref names a new record, before it has an id, for the other records
	// of the same Import to link to as "@ref". It is not stored.
	Ref string `json:"-"`

	// sameContent marks a version that only re-encrypts the one before
	// (a roster change): its words and links are the index's already.
	sameContent bool
}

// FieldConflict is one field that two copies of a binder changed differently
// while they were apart. Ours is the value the record now holds (the copy
// that merged), theirs the other copy's; an absent value means that copy
// removed the field. Title and body conflict under those names.
type FieldConflict struct {
	Field     string `toml:"field" json:"field"`
	Ours      any    `toml:"ours,omitempty" json:"ours,omitempty"`
	Theirs    any    `toml:"theirs,omitempty" json:"theirs,omitempty"`
	OursBy    string `toml:"ours_by" json:"ours_by"`       // who made our version
	TheirsBy  string `toml:"theirs_by" json:"theirs_by"`   // who made theirs
	OursRev   int    `toml:"ours_rev" json:"ours_rev"`     // the revisions merged
	TheirsRev int    `toml:"theirs_rev" json:"theirs_rev"` //
}

// Canonical returns r with its fields in their canonical form, as saving
// it would write them (a status "Held" read as held, a rating "4" as 4,
// link ids lower-cased and listed once): a copy, or r itself when it does
// not validate (the readiness check reports it) or is not readable. A
// record a peer wrote in a form gobag accepts but does not write is read
// as gobag would have written it.
func Canonical(r *Record) *Record {
	if r == nil || r.Deleted || r.Unreadable {
		return r
	}
	c := r.Clone()
	if c.Validate() != nil {
		return r
	}
	return c
}

// CanonicalAll is Canonical of each of recs.
func CanonicalAll(recs []*Record) []*Record {
	out := make([]*Record, len(recs))
	for i, r := range recs {
		out[i] = Canonical(r)
	}
	return out
}

// Clone returns a copy of r whose fields can be changed without touching r.
func (r *Record) Clone() *Record {
	c := *r
	if r.Fields != nil {
		c.Fields = cloneValue(r.Fields).(map[string]any)
	}
	c.Conflicts = slices.Clone(r.Conflicts)
	return &c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []map[string]any:
		out := make([]map[string]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e).(map[string]any)
		}
		return out
	}
	return v
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var idPattern = regexp.MustCompile(`^[a-z2-7]{26}$`)

// NewID returns a fresh random record id: 26 base32 characters (128 bits).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return idEncoding.EncodeToString(b[:])
}

// ValidID reports whether s has the form of a record id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

const frontMatterFence = "+++"

type frontMatter struct {
	Kind    string         `toml:"kind"`
	ID      string         `toml:"id,omitempty"`
	Title   string         `toml:"title"`
	Rev     int            `toml:"rev,omitempty"`
	Updated *time.Time     `toml:"updated,omitempty"`
	Fields  map[string]any `toml:"fields,omitempty"`
	// Conflicts come last: a TOML array of tables ends the header.
	Conflicts []FieldConflict `toml:"conflicts,omitempty"`
}

// Marshal renders the record's plaintext: front matter and body.
func (r *Record) Marshal() ([]byte, error) {
	fm := frontMatter{Kind: r.Kind, ID: r.ID, Title: r.Title, Rev: r.Rev, Fields: r.Fields, Conflicts: r.Conflicts}
	if !r.Updated.IsZero() {
		u := r.Updated.UTC()
		fm.Updated = &u
	}
	var b bytes.Buffer
	b.WriteString(frontMatterFence + "\n")
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(fm); err != nil {
		return nil, fmt.Errorf("record %s: %w", r.ID, err)
	}
	b.WriteString(frontMatterFence + "\n")
	if r.Body != "" {
		b.WriteString("\n")
		b.WriteString(r.Body)
		if !strings.HasSuffix(r.Body, "\n") {
			b.WriteString("\n")
		}
	}
	return b.Bytes(), nil
}

// ParseRecord reads a record's plaintext. Fields the caller fills in (id,
// rev, updated) may be absent.
func ParseRecord(text []byte) (*Record, error) {
	s := strings.ReplaceAll(string(text), "\r\n", "\n")
	s = strings.TrimPrefix(s, "\ufeff")
	rest, ok := strings.CutPrefix(s, frontMatterFence+"\n")
	if !ok {
		return nil, errorf(Invalid, "start the file with a line holding only +++, then the TOML header, then another +++ line",
			"record: no front matter: the first line must be %q", frontMatterFence)
	}
	var head, body string
	if strings.HasPrefix(rest, frontMatterFence+"\n") || rest == frontMatterFence {
		head, body = "", strings.TrimPrefix(rest, frontMatterFence)
	} else {
		var found bool
		head, body, found = strings.Cut(rest, "\n"+frontMatterFence+"\n")
		if !found {
			if h, ok := strings.CutSuffix(rest, "\n"+frontMatterFence); ok {
				head, body, found = h, "", true
			}
		}
		if !found {
			return nil, errorf(Invalid, "close the TOML header with a line holding only +++", "record: front matter is not closed")
		}
	}
	var fm frontMatter
	md, err := toml.Decode(head, &fm)
	if err != nil {
		return nil, errorf(Invalid, "fix the TOML syntax between the +++ lines", "record: front matter: %v", err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		var keys []string
		for _, k := range undec {
			// Everything under [fields] lands in a map, but the decoder
			// reports keys of its arrays of tables as undecoded.
			if len(k) > 1 && (k[0] == "fields" || k[0] == "conflicts") {
				continue
			}
			keys = append(keys, k.String())
		}
		if len(keys) > 0 {
			sort.Strings(keys)
			return nil, errorf(Invalid, "put record-specific keys under a [fields] table",
				"record: unknown header keys %s", strings.Join(keys, ", "))
		}
	}
	r := &Record{ID: fm.ID, Kind: fm.Kind, Title: fm.Title, Rev: fm.Rev, Fields: fm.Fields, Conflicts: fm.Conflicts}
	if fm.Updated != nil {
		r.Updated = fm.Updated.UTC()
	}
	r.Body = strings.TrimPrefix(body, "\n")
	if r.Fields == nil {
		r.Fields = map[string]any{}
	}
	return r, nil
}

var fieldKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Validate checks what every record must have and its fields against its
// kind, rewriting field values into their canonical form (see
// normalizeFields). Links are checked for form; the binder resolves them.
func (r *Record) Validate() error {
	if r.Kind == "" {
		return errorf(Invalid, "add a line like kind = \"contact\" to the header; kinds: "+kindNamesList(), "record: no kind")
	}
	if _, ok := KindByName(r.Kind); !ok {
		return errorf(Invalid, "use one of: "+kindNamesList(), "record: unknown kind %q", r.Kind)
	}
	if strings.TrimSpace(r.Title) == "" {
		return errorf(Invalid, "add a line like title = \"…\" to the header", "record: no title")
	}
	if r.ID != "" && !ValidID(r.ID) {
		return errorf(Invalid, "leave id out for a new record: one is assigned", "record: malformed id %q", r.ID)
	}
	for k := range r.Fields {
		if !fieldKeyPattern.MatchString(k) {
			return errorf(Invalid, "field names are lower-case letters, digits, '-' and '_', starting with a letter",
				"record: bad field name %q", k)
		}
		if k == "title" || k == "body" {
			return errorf(Invalid, "title and body are the record's own: give the field another name",
				"record: a field may not be named %q", k)
		}
	}
	spec, _ := KindByName(r.Kind)
	if r.Fields == nil {
		r.Fields = map[string]any{}
	}
	return normalizeFields(spec, r.Fields)
}

// SetField sets one field from its command-line form, key=value. The value
// is read as a TOML value when it parses as one (numbers, booleans, dates,
// quoted strings, arrays) and as a plain string otherwise. The keys title
// and body set those parts of the record.
func (r *Record) SetField(assignment string) error {
	key, value, ok := strings.Cut(assignment, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return errorf(Invalid, "write it as key=value", "set %q: no key=value", assignment)
	}
	switch key {
	case "title":
		r.Title = value
		return nil
	case "body":
		r.Body = value
		return nil
	case "kind", "id", "rev", "updated":
		return errorf(Invalid, "", "set: %s cannot be changed", key)
	}
	if !fieldKeyPattern.MatchString(key) {
		return errorf(Invalid, "field names are lower-case letters, digits, '-' and '_'", "set: bad field name %q", key)
	}
	if r.Fields == nil {
		r.Fields = map[string]any{}
	}
	if value == "" {
		delete(r.Fields, key)
		return nil
	}
	var probe map[string]any
	if _, err := toml.Decode("v = "+value, &probe); err == nil {
		r.Fields[key] = probe["v"]
	} else {
		r.Fields[key] = value
	}
	return nil
}
