package binder

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

	bcrypto "gobag/crypto"
)

// Envelope headers: version 1 (ten lines) and version 2 (format 4), which
// adds the record's kind, so that a member outside a record's audience
// still learns what kind of record it is.
const (
	envelopeHeader   = "gobag-envelope 1"
	envelopeHeaderV2 = "gobag-envelope 2"
)

// Envelope is the signed, plaintext companion of one record version. It
// binds the ciphertext to its id, revision, predecessor, author and
// audience. See docs/FORMAT.md.
type Envelope struct {
	ID         string
	Kind       string // "" in a version 1 envelope
	Rev        int
	Prev       string // hex SHA-256 of the previous envelope file, or "" for rev 1
	Ciphertext string // hex SHA-256 of the ciphertext file, or "" for a tombstone
	Author     string // member handle
	AuthorKey  string // signing key fingerprint, SHA256:…
	Audience   []string
	Time       time.Time
	Deleted    bool
	// Sealed marks the first and only version of an append-only record
	// (a timeline entry, an audit entry): verify refuses any version
	// after it (format 3).
	Sealed    bool
	Signature []byte
}

// signedPart renders every line the signature covers.
func (e *Envelope) signedPart() []byte {
	var b bytes.Buffer
	if e.Kind == "" {
		b.WriteString(envelopeHeader + "\n")
		fmt.Fprintf(&b, "id: %s\n", e.ID)
	} else {
		b.WriteString(envelopeHeaderV2 + "\n")
		fmt.Fprintf(&b, "id: %s\n", e.ID)
		fmt.Fprintf(&b, "kind: %s\n", e.Kind)
	}
	fmt.Fprintf(&b, "rev: %d\n", e.Rev)
	fmt.Fprintf(&b, "prev: %s\n", orNone(e.Prev))
	fmt.Fprintf(&b, "ciphertext: %s\n", orNone(e.Ciphertext))
	fmt.Fprintf(&b, "author: %s %s\n", e.Author, e.AuthorKey)
	fmt.Fprintf(&b, "audience: %s\n", strings.Join(e.Audience, " "))
	fmt.Fprintf(&b, "time: %s\n", e.Time.UTC().Format(time.RFC3339))
	state := "live"
	switch {
	case e.Deleted:
		state = "deleted"
	case e.Sealed:
		state = "sealed"
	}
	fmt.Fprintf(&b, "state: %s\n", state)
	return b.Bytes()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Marshal renders the envelope file.
func (e *Envelope) Marshal() []byte {
	b := e.signedPart()
	return append(b, "signature: "+base64.StdEncoding.EncodeToString(e.Signature)+"\n"...)
}

// sign fills in the author and signature from id.
func (e *Envelope) sign(id *bcrypto.Identity) {
	e.Author = id.Handle
	e.AuthorKey = id.SigningKey().Fingerprint()
	e.Signature = id.Sign(e.signedPart())
}

// verify checks the signature with key.
func (e *Envelope) verify(key bcrypto.PublicKey) error {
	if err := e.checkAuthorKey(key); err != nil {
		return err
	}
	if err := key.Verify(e.signedPart(), e.Signature); err != nil {
		return e.badSignature(err)
	}
	return nil
}

// checkAuthorKey checks that the envelope names key as its author's.
func (e *Envelope) checkAuthorKey(key bcrypto.PublicKey) error {
	if key.Fingerprint() != e.AuthorKey {
		return fmt.Errorf("envelope of %s rev %d: author key %s is not %s's key", e.ID, e.Rev, e.AuthorKey, e.Author)
	}
	return nil
}

func (e *Envelope) badSignature(err error) error {
	return fmt.Errorf("envelope of %s rev %d: %w", e.ID, e.Rev, err)
}

// ParseEnvelope reads an envelope file. It checks the form, not the
// signature.
func ParseEnvelope(data []byte) (*Envelope, error) {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	want := []string{"", "id", "rev", "prev", "ciphertext", "author", "audience", "time", "state", "signature"}
	if len(lines) > 0 && lines[0] == envelopeHeaderV2 {
		want = slices.Insert(want, 2, "kind")
	}
	if len(lines) != len(want) || (lines[0] != envelopeHeader && lines[0] != envelopeHeaderV2) {
		return nil, fmt.Errorf("envelope: not a %q or %q file", envelopeHeader, envelopeHeaderV2)
	}
	v := map[string]string{}
	for i, l := range lines[1:] {
		k, val, ok := strings.Cut(l, ": ")
		if !ok || k != want[i+1] {
			return nil, fmt.Errorf("envelope: line %d: want %q", i+2, want[i+1])
		}
		v[k] = val
	}
	e := &Envelope{ID: v["id"], Kind: v["kind"]}
	if len(want) == 11 && !kindPattern.MatchString(e.Kind) {
		return nil, fmt.Errorf("envelope: bad kind")
	}
	var err error
	if e.Rev, err = strconv.Atoi(v["rev"]); err != nil || e.Rev < 1 {
		return nil, fmt.Errorf("envelope: bad rev %q", v["rev"])
	}
	for _, h := range []struct {
		dst *string
		key string
	}{{&e.Prev, "prev"}, {&e.Ciphertext, "ciphertext"}} {
		s := v[h.key]
		if s == "none" {
			continue
		}
		if b, err := hex.DecodeString(s); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("envelope: bad %s hash", h.key)
		}
		*h.dst = s
	}
	author := strings.Fields(v["author"])
	if len(author) != 2 {
		return nil, fmt.Errorf("envelope: bad author line")
	}
	e.Author, e.AuthorKey = author[0], author[1]
	e.Audience = strings.Fields(v["audience"])
	if e.Time, err = time.Parse(time.RFC3339, v["time"]); err != nil {
		return nil, fmt.Errorf("envelope: bad time")
	}
	switch v["state"] {
	case "live":
	case "deleted":
		e.Deleted = true
	case "sealed":
		e.Sealed = true
	default:
		return nil, fmt.Errorf("envelope: bad state %q", v["state"])
	}
	if e.Signature, err = base64.StdEncoding.DecodeString(v["signature"]); err != nil {
		return nil, fmt.Errorf("envelope: bad signature encoding")
	}
	if e.Deleted != (e.Ciphertext == "") {
		return nil, fmt.Errorf("envelope: a live record needs a ciphertext hash and a deleted one none")
	}
	// The signature covers these exact bytes: accept only the one canonical
	// rendering, so every reader agrees on what was signed.
	if !bytes.Equal(e.Marshal(), data) {
		return nil, fmt.Errorf("envelope: not in canonical form")
	}
	return e, nil
}

// kindPattern is the form of a kind's name in an envelope; which kinds
// exist is the reader's business (Kinds).
var kindPattern = regexp.MustCompile(`^[a-z][a-z-]{0,31}$`)

// hashHex is the hex SHA-256 of data.
func hashHex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
