// Package escrow is the format and the rules of a binder's escrowed
// secrets and its audit chain: signed, hash-chained audit entries (a
// secret's generations, requests, approvals carrying a share, openings,
// rotations, member changes and plan approvals), the shares themselves
// and the sealing of a secret's value. It does no I/O: the binder stores
// entries in its tree and calls these checks, which verify also runs.
//
// # Entries
//
// An entry is a short text file, signed by the member who made it:
//
//	gobag-audit 1
//	id: 3f…                     a record-style id, the file's name
//	seq: 7                       1 + the highest seq among prev
//	prev: 9ab… c01…             hex SHA-256 of the entries it follows, or none
//	time: 2026-12-05T14:00:00Z
//	actor: chen SHA256:…        handle and signing key fingerprint
//	action: approve
//	secret: fewz…               the secret record's id, or -
//	generation: 2               the secret's generation, or 0
//	request: 5kq…               the request entry's id, or -
//	for: priya                  the requester an approval is for, or -
//	subject: -                  what a member or plan entry concerns, or -
//	custodians: ana,ben,chen    a generation's custodians, or -
//	threshold: 2                a generation's threshold, or 0
//	checks: 1:ab… 2:cd… 3:ef…    each share's check, or -
//	data: <base64>               encrypted payload, or -
//	signature: <base64 Ed25519 over every line before it>
//
// See docs/FORMAT.md §11 for what each action must hold.
package escrow

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bcrypto "gobag/crypto"
)

// The actions an entry records.
const (
	ActionPut         = "put"          // a secret's first generation
	ActionRotate      = "rotate"       // a secret's next generation
	ActionRequest     = "request"      // a member asks to open a secret
	ActionApprove     = "approve"      // a custodian gives the requester their share
	ActionOpen        = "open"         // the requester opened the secret
	ActionMember      = "member"       // a roster change
	ActionApprovePlan = "approve-plan" // a manager approved a plan's version
)

// Actions lists every action.
var Actions = []string{ActionPut, ActionRotate, ActionRequest, ActionApprove, ActionOpen, ActionMember, ActionApprovePlan}

const header = "gobag-audit 1"

// MaxEntryBytes bounds an entry file.
const MaxEntryBytes = 64 << 10

// MaxPrev bounds how many entries one follows.
const MaxPrev = 256

// Entry is one audit entry.
type Entry struct {
	ID         string
	Seq        int
	Prev       []string // hex SHA-256 of the entry files it follows, sorted
	Time       time.Time
	Actor      string
	ActorKey   string // fingerprint of the actor's signing key
	Action     string
	Secret     string // the secret record's id
	Generation int
	Request    string // the request entry's id
	For        string // the requester an approval is for
	Subject    string // a member change's description, or a plan approval's "PLANID ENVHASH"
	Custodians []string
	Threshold  int
	Checks     []string // "X:CHECK", one per share, in x order
	Data       []byte   // an encrypted payload: the reason, a share, a generation's bundle
	Signature  []byte
}

var (
	idPattern     = regexp.MustCompile(`^[a-z2-7]{26}$`)
	handlePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)
	hashPattern   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	checkPattern  = regexp.MustCompile(`^[0-9]{1,3}:[0-9a-f]{32}$`)
)

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func undash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func (e *Entry) signedPart() []byte {
	var b bytes.Buffer
	prev := "none"
	if len(e.Prev) > 0 {
		prev = strings.Join(e.Prev, " ")
	}
	data := "-"
	if len(e.Data) > 0 {
		data = base64.StdEncoding.EncodeToString(e.Data)
	}
	checks := "-"
	if len(e.Checks) > 0 {
		checks = strings.Join(e.Checks, " ")
	}
	fmt.Fprintf(&b, "%s\nid: %s\nseq: %d\nprev: %s\ntime: %s\nactor: %s %s\naction: %s\n", header, e.ID, e.Seq, prev, e.Time.UTC().Format(time.RFC3339), e.Actor, e.ActorKey, e.Action)
	fmt.Fprintf(&b, "secret: %s\ngeneration: %d\nrequest: %s\nfor: %s\nsubject: %s\n", dash(e.Secret), e.Generation, dash(e.Request), dash(e.For), dash(e.Subject))
	fmt.Fprintf(&b, "custodians: %s\nthreshold: %d\nchecks: %s\ndata: %s\n", dash(strings.Join(e.Custodians, ",")), e.Threshold, checks, data)
	return b.Bytes()
}

// Marshal renders the entry file.
func (e *Entry) Marshal() []byte {
	return append(e.signedPart(), "signature: "+base64.StdEncoding.EncodeToString(e.Signature)+"\n"...)
}

// Sign fills in the actor and the signature from id.
func (e *Entry) Sign(id *bcrypto.Identity) {
	e.Actor, e.ActorKey = id.Handle, id.SigningKey().Fingerprint()
	slices.Sort(e.Prev)
	e.Prev = slices.Compact(e.Prev)
	e.Signature = id.Sign(e.signedPart())
}

// Verify checks the signature with the actor's key.
func (e *Entry) Verify(key bcrypto.PublicKey) error {
	if key.Fingerprint() != e.ActorKey {
		return fmt.Errorf("audit entry %s: signed with a key that is not %s's", e.ID, e.Actor)
	}
	if err := key.Verify(e.signedPart(), e.Signature); err != nil {
		return fmt.Errorf("audit entry %s by %s: %w", e.ID, e.Actor, err)
	}
	return nil
}

// Hash is the hex SHA-256 of an entry file: what later entries name in
// prev.
func Hash(file []byte) string {
	s := sha256.Sum256(file)
	return hex.EncodeToString(s[:])
}

var fieldNames = []string{"id", "seq", "prev", "time", "actor", "action", "secret", "generation", "request", "for", "subject", "custodians", "threshold", "checks", "data", "signature"}

// Parse reads an entry file and checks its form (not its signature, nor
// the rules of its action, which need the entries it names). Only the
// canonical rendering is accepted.
func Parse(data []byte) (*Entry, error) {
	if len(data) > MaxEntryBytes {
		return nil, fmt.Errorf("audit entry: %d bytes, over the limit of %d", len(data), MaxEntryBytes)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != len(fieldNames)+1 || lines[0] != header {
		return nil, fmt.Errorf("audit entry: not a %q file of %d lines", header, len(fieldNames)+1)
	}
	v := map[string]string{}
	for i, l := range lines[1:] {
		k, val, ok := strings.Cut(l, ": ")
		if !ok || k != fieldNames[i] {
			return nil, fmt.Errorf("audit entry: line %d: want %q", i+2, fieldNames[i])
		}
		v[k] = val
	}
	e := &Entry{ID: v["id"], Action: v["action"], Secret: undash(v["secret"]), Request: undash(v["request"]), For: undash(v["for"]), Subject: undash(v["subject"])}
	var err error
	switch {
	case strings.ContainsFunc(e.Subject, func(r rune) bool { return r < ' ' || r == 0x7f || unicode.IsControl(r) }) || !utf8.ValidString(e.Subject):
		return nil, fmt.Errorf("audit entry %s: control characters in its subject", e.ID)
	case !idPattern.MatchString(e.ID):
		return nil, fmt.Errorf("audit entry: bad id")
	case !slices.Contains(Actions, e.Action):
		return nil, fmt.Errorf("audit entry %s: unknown action %q", e.ID, e.Action)
	case e.Secret != "" && !idPattern.MatchString(e.Secret), e.Request != "" && !idPattern.MatchString(e.Request):
		return nil, fmt.Errorf("audit entry %s: bad record or entry id", e.ID)
	case e.For != "" && !handlePattern.MatchString(e.For):
		return nil, fmt.Errorf("audit entry %s: bad handle", e.ID)
	}
	if e.Seq, err = strconv.Atoi(v["seq"]); err != nil || e.Seq < 1 {
		return nil, fmt.Errorf("audit entry %s: bad seq", e.ID)
	}
	if v["prev"] != "none" {
		e.Prev = strings.Split(v["prev"], " ")
		if len(e.Prev) > MaxPrev {
			return nil, fmt.Errorf("audit entry %s: follows %d entries, at most %d", e.ID, len(e.Prev), MaxPrev)
		}
		for i, h := range e.Prev {
			if !hashPattern.MatchString(h) || i > 0 && h <= e.Prev[i-1] {
				return nil, fmt.Errorf("audit entry %s: bad prev (hashes, sorted, each once)", e.ID)
			}
		}
	}
	if e.Time, err = time.Parse(time.RFC3339, v["time"]); err != nil {
		return nil, fmt.Errorf("audit entry %s: bad time", e.ID)
	}
	actor := strings.Fields(v["actor"])
	if len(actor) != 2 || !handlePattern.MatchString(actor[0]) {
		return nil, fmt.Errorf("audit entry %s: bad actor", e.ID)
	}
	e.Actor, e.ActorKey = actor[0], actor[1]
	if e.Generation, err = strconv.Atoi(v["generation"]); err != nil || e.Generation < 0 {
		return nil, fmt.Errorf("audit entry %s: bad generation", e.ID)
	}
	if e.Threshold, err = strconv.Atoi(v["threshold"]); err != nil || e.Threshold < 0 || e.Threshold > 255 {
		return nil, fmt.Errorf("audit entry %s: bad threshold", e.ID)
	}
	if c := undash(v["custodians"]); c != "" {
		e.Custodians = strings.Split(c, ",")
		for _, h := range e.Custodians {
			if !handlePattern.MatchString(h) {
				return nil, fmt.Errorf("audit entry %s: bad custodian", e.ID)
			}
		}
	}
	if c := undash(v["checks"]); c != "" {
		e.Checks = strings.Split(c, " ")
		for _, ch := range e.Checks {
			if !checkPattern.MatchString(ch) {
				return nil, fmt.Errorf("audit entry %s: bad share check", e.ID)
			}
		}
	}
	if d := undash(v["data"]); d != "" {
		if e.Data, err = base64.StdEncoding.DecodeString(d); err != nil {
			return nil, fmt.Errorf("audit entry %s: bad data", e.ID)
		}
	}
	if e.Signature, err = base64.StdEncoding.DecodeString(v["signature"]); err != nil {
		return nil, fmt.Errorf("audit entry %s: bad signature encoding", e.ID)
	}
	if !bytes.Equal(e.Marshal(), data) {
		return nil, fmt.Errorf("audit entry %s: not in canonical form", e.ID)
	}
	return e, nil
}
