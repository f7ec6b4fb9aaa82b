package escrow

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"time"

	bcrypto "gobag/crypto"
)

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func ident(t *testing.T, h string) *bcrypto.Identity {
	t.Helper()
	id, err := bcrypto.NewIdentity(h)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// add signs e as who, following the chain's heads, checks it and adds it.
func add(t *testing.T, c *Chain, who *bcrypto.Identity, e *Entry, at time.Time) (*Entry, error) {
	t.Helper()
	e.ID, e.Time = newID(), at
	if e.Prev == nil {
		e.Prev = c.Heads()
	}
	e.Seq = c.NextSeq(e.Prev)
	e.Sign(who)
	file := e.Marshal()
	back, err := Parse(file)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := back.Verify(who.SigningKey()); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(back, Hash(file)); err != nil {
		return back, err
	}
	c.Put(back, file)
	return back, nil
}

func TestEntryIsCanonical(t *testing.T) {
	ana := ident(t, "ana")
	e := &Entry{ID: newID(), Seq: 1, Time: time.Unix(2e9, 0).UTC(), Action: ActionMember, Subject: "add ben responder", Data: []byte{1, 2}}
	e.Sign(ana)
	file := e.Marshal()
	back, err := Parse(file)
	if err != nil || !bytes.Equal(back.Marshal(), file) {
		t.Fatalf("round trip: %v", err)
	}
	for name, bad := range map[string][]byte{
		"extra space":   bytes.Replace(file, []byte("seq: 1"), []byte("seq:  1"), 1),
		"leading zero":  bytes.Replace(file, []byte("seq: 1"), []byte("seq: 01"), 1),
		"unknown":       bytes.Replace(file, []byte("action: member"), []byte("action: steal"), 1),
		"line missing":  bytes.Replace(file, []byte("for: -\n"), nil, 1),
		"trailing data": append(append([]byte(nil), file...), "x\n"...),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	changed := bytes.Replace(file, []byte("add ben"), []byte("add eve"), 1)
	if e2, err := Parse(changed); err != nil || e2.Verify(ana.SigningKey()) == nil {
		t.Error("an altered entry verifies")
	}
}

func TestSealAndShares(t *testing.T) {
	secret := newID()
	key, sealed, err := Seal([]byte("hunter2"), secret, 1)
	if err != nil {
		t.Fatal(err)
	}
	shares, _ := bcrypto.Split(key, 3, 2)
	var checks []string
	for _, s := range shares {
		checks = append(checks, Check(secret, 1, s))
	}
	// Each share's text parses back against the checks.
	var got []bcrypto.Share
	for _, s := range shares[1:] {
		back, err := ParseShare(ShareText(secret, 1, s), secret, 1, checks)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, back)
	}
	k2, _ := bcrypto.Combine(got)
	if v, err := Unseal(k2, sealed, secret, 1); err != nil || string(v) != "hunter2" {
		t.Fatalf("unseal: %q %v", v, err)
	}
	// One share is not enough; the sealed value says so, no garbage.
	k1, _ := bcrypto.Combine(got[:1])
	if _, err := Unseal(k1, sealed, secret, 1); !errors.Is(err, ErrNotOpened) {
		t.Fatalf("one share opened it: %v", err)
	}
	// A corrupted share, one of another generation, one of another
	// secret's split: each named, none combined.
	flipped := bcrypto.Share{X: shares[0].X, Y: append([]byte(nil), shares[0].Y...)}
	flipped.Y[3] ^= 1
	foreign, _ := bcrypto.Split(key, 3, 2)
	for name, text := range map[string][]byte{
		"corrupted":        ShareText(secret, 1, flipped),
		"other generation": ShareText(secret, 2, shares[0]),
		"other secret":     ShareText(newID(), 1, shares[0]),
		"foreign split":    ShareText(secret, 1, foreign[0]),
		"not a share":      []byte("hello"),
	} {
		if _, err := ParseShare(text, secret, 1, checks); !errors.Is(err, ErrShare) {
			t.Errorf("%s: %v; want ErrShare", name, err)
		}
	}
	// Another generation's key does not open this one's value.
	if _, err := Unseal(key, sealed, secret, 2); !errors.Is(err, ErrNotOpened) {
		t.Error("the value opened under another generation")
	}
	b := &Bundle{Sealed: sealed, Shares: []BundleShare{{"ana", 1, []byte("ct1")}, {"ben", 2, []byte("ct2")}}, Recovery: []byte("r")}
	back, err := ParseBundle(b.Marshal())
	if err != nil || !bytes.Equal(back.Marshal(), b.Marshal()) {
		t.Fatalf("bundle: %v", err)
	}
}

// The chain's rules: a generation, a request, approvals by custodians
// only, an opening only with enough approvals; an entry that names one
// that is not there, or misstates its seq, is refused.
func TestChainRules(t *testing.T) {
	mgr, ana, ben, chen, dora := ident(t, "mgr"), ident(t, "ana"), ident(t, "ben"), ident(t, "chen"), ident(t, "dora")
	c := NewChain()
	now := time.Unix(2e9, 0).UTC()
	secret := newID()
	put := &Entry{Action: ActionPut, Secret: secret, Generation: 1, Custodians: []string{"ana", "ben", "chen"}, Threshold: 2,
		Checks: []string{"1:" + strings.Repeat("a", 32), "2:" + strings.Repeat("b", 32), "3:" + strings.Repeat("c", 32)}, Data: []byte("bundle")}
	if _, err := add(t, c, mgr, put, now); err != nil {
		t.Fatal(err)
	}
	req, err := add(t, c, dora, &Entry{Action: ActionRequest, Secret: secret, Generation: 1, Data: []byte("reason")}, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	approve := func(who *bcrypto.Identity) (*Entry, error) {
		return add(t, c, who, &Entry{Action: ActionApprove, Secret: secret, Generation: 1, Request: req.ID, For: "dora", Data: []byte("share"), Prev: []string{c.HashOf(req.ID)}}, now.Add(2*time.Minute))
	}
	open := func() error {
		prev := []string{c.HashOf(req.ID)}
		for _, a := range c.Approvals(req.ID) {
			prev = append(prev, c.HashOf(a.ID))
		}
		_, err := add(t, c, dora, &Entry{Action: ActionOpen, Secret: secret, Generation: 1, Request: req.ID, Prev: prev}, now.Add(3*time.Minute))
		return err
	}
	if _, err := approve(dora); err == nil || !strings.Contains(err.Error(), "not a custodian") {
		t.Fatalf("a non-custodian's approval: %v", err)
	}
	if _, err := approve(ana); err != nil {
		t.Fatal(err)
	}
	if _, err := approve(ana); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("a second approval by ana: %v", err)
	}
	if err := open(); err == nil || !strings.Contains(err.Error(), "needs 2") {
		t.Fatalf("opening with one approval: %v", err)
	}
	if _, err := approve(ben); err != nil {
		t.Fatal(err)
	}
	if err := open(); err != nil {
		t.Fatalf("opening with two approvals: %v", err)
	}
	_ = chen
	// An entry naming one that is not there (removed from a rewritten
	// history), or with a wrong seq, or dated before what it follows.
	missing := &Entry{ID: newID(), Seq: 9, Prev: []string{strings.Repeat("0", 64)}, Time: now.Add(time.Hour), Action: ActionMember, Subject: "x"}
	missing.Sign(mgr)
	if err := c.Check(missing, Hash(missing.Marshal())); err == nil || !strings.Contains(err.Error(), "not there") {
		t.Fatalf("dangling prev: %v", err)
	}
	heads := c.Heads()
	wrongSeq := &Entry{ID: newID(), Seq: 1, Prev: heads, Time: now.Add(time.Hour), Action: ActionMember, Subject: "x"}
	wrongSeq.Sign(mgr)
	if err := c.Check(wrongSeq, Hash(wrongSeq.Marshal())); err == nil || !strings.Contains(err.Error(), "seq") {
		t.Fatalf("wrong seq: %v", err)
	}
	early := &Entry{ID: newID(), Seq: c.NextSeq(heads), Prev: heads, Time: now.Add(-time.Hour), Action: ActionMember, Subject: "x"}
	early.Sign(mgr)
	if err := c.Check(early, Hash(early.Marshal())); err == nil || !strings.Contains(err.Error(), "dated before") {
		t.Fatalf("reordered: %v", err)
	}
}
