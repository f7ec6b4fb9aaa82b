package print

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gobag/binder"
)

// Source is what a printed document shows, read from the binder by the
// caller: the records this identity reads that the document may hold,
// and what the cover and the record of changes say.
type Source struct {
	Name        string
	Fingerprint string
	// Commit is the branch tip printed, and CommitTime its time.
	Commit     string
	CommitTime time.Time
	// Now is when it is printed: the as-of date.
	Now time.Time
	// PrintedBy is the handle of who printed it.
	PrintedBy string
	// Verified says the history was verified at print time: Commits and
	// Versions are what verify checked. Problems, if any, are what it
	// found instead.
	Verified          bool
	Commits, Versions int
	Problems          []string
	// Records are the live records the document may hold.
	Records []*binder.Record
	// Audience, if not empty, is the audience whose restricted records
	// are included; LeftOut counts the restricted records left out.
	Audience string
	LeftOut  int
	// Withheld are the titles of the records left out, which nothing
	// printed may name (a finding's message).
	Withheld []string
	// History is the signed history, newest first.
	History []binder.LogEntry
	// Approvals are the plans' signed approvals, by plan id.
	Approvals map[string]binder.PlanApproval
	// Remotes are where copies of the binder are kept.
	Remotes []Remote
	// Members are the binder's members.
	Members []Member
}

// Remote is one place a copy of the binder is kept.
type Remote struct{ Name, URL string }

// Member is one member of the binder.
type Member struct {
	Handle      string
	Roles       []string
	Fingerprint string // of their signing key
}

// index is a source's records, looked up.
type index struct {
	src    *Source
	byID   map[string]*binder.Record
	byKind map[string][]*binder.Record
}

func newIndex(src *Source) *index {
	ix := &index{src: src, byID: map[string]*binder.Record{}, byKind: map[string][]*binder.Record{}}
	for _, r := range src.Records {
		if r.Deleted || r.Unreadable {
			continue
		}
		r = binder.Canonical(r)
		ix.byID[r.ID] = r
		ix.byKind[r.Kind] = append(ix.byKind[r.Kind], r)
	}
	for _, rs := range ix.byKind {
		sort.SliceStable(rs, func(i, j int) bool { return strings.ToLower(rs[i].Title) < strings.ToLower(rs[j].Title) })
	}
	return ix
}

// title names the record id, or says it is not in this document.
func (ix *index) title(id string) string {
	if r := ix.byID[id]; r != nil {
		return r.Title
	}
	return "(" + id + ", not in this document)"
}

func (ix *index) titles() binder.Titles {
	return func(id string) (string, bool) {
		r := ix.byID[id]
		if r == nil {
			return "", false
		}
		return r.Title, true
	}
}

// field is a record's field as people read it.
func (ix *index) field(r *binder.Record, name string) string {
	return strings.ReplaceAll(binder.FormatField(r, name, ix.titles()), "\n", "; ")
}

// phones are a contact's numbers, "mobile 07700 900123", in order.
func phones(c *binder.Record) []string {
	var out []string
	for _, row := range c.Rows("phones") {
		n := row.Text("number")
		if e := row.Text("e164"); e != "" && !strings.HasPrefix(strings.TrimSpace(n), "+") {
			n += " (" + e + ")"
		}
		// A number is never broken across lines.
		out = append(out, strings.ReplaceAll(row.Text("label")+" "+n, " ", nbsp))
	}
	return out
}

// nbsp is a space no line breaks at.
const nbsp = "\u00a0"

// callList is contacts in call-tree order (binder.SortCallList).
func callList(cs []*binder.Record) []*binder.Record {
	out := slices.Clone(cs)
	binder.SortCallList(out)
	return out
}

// short is the first 12 characters of a commit.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// verificationLine is what the cover says of the history's signatures.
func (src *Source) verificationLine() string {
	if !src.Verified {
		if len(src.Problems) == 0 {
			return "The history was not verified when this was printed."
		}
		return fmt.Sprintf("Verification FAILED when this was printed: %d problems, the first: %s", len(src.Problems), src.Problems[0])
	}
	return fmt.Sprintf("All signatures verified when this was printed (%d commits, %d record versions), by %s on %s.",
		src.Commits, src.Versions, src.PrintedBy, src.Now.Format("2006-01-02 15:04 MST"))
}

// asOf is the running header's right side.
func (src *Source) asOf() string {
	return fmt.Sprintf("as of %s · commit %s", src.Now.Format(time.DateOnly), short(src.Commit))
}

// audienceLine says which restricted records the document holds.
func (src *Source) audienceLine() string {
	switch {
	case src.Audience != "" && src.LeftOut > 0:
		return fmt.Sprintf("Includes records restricted to %s, printed for %s. %d other restricted records are left out.", src.Audience, src.PrintedBy, src.LeftOut)
	case src.Audience != "":
		return fmt.Sprintf("Includes records restricted to %s, printed for %s: keep it where only they can read it.", src.Audience, src.PrintedBy)
	case src.LeftOut > 0:
		return fmt.Sprintf("Records for everyone only: %d restricted to an audience are left out.", src.LeftOut)
	}
	return "Records for everyone only."
}

// namesWithheld says whether s names a record the document leaves out:
// its title quoted as the readiness rules quote titles, or as written
// between word boundaries.
func (src *Source) namesWithheld(s string) bool {
	for _, t := range src.Withheld {
		if strings.Contains(s, strconv.Quote(t)) || strings.Contains(s, "“"+t+"”") || containsWord(s, t) {
			return true
		}
	}
	return false
}

// containsWord says whether w is in s with no letter or digit either
// side of it.
func containsWord(s, w string) bool {
	if w = strings.TrimSpace(w); w == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		at := i + j
		before, _ := utf8.DecodeLastRuneInString(s[:at])
		after, _ := utf8.DecodeRuneInString(s[at+len(w):])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		i = at + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
