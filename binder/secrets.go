package binder

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/escrow"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// Escrowed secrets. A secret is a record of kind secret (its name, the
// credential it belongs to) and, in the audit chain, its generations:
// each a signed entry that lists its custodians, threshold and share
// checks and carries the sealed value and each custodian's share, age-
// encrypted to them alone. Requests, approvals (a share re-encrypted to
// the requester) and openings are entries too.

// SecretSpec is what a new secret, or a rotation, is made with.
type SecretSpec struct {
	Name       string
	Credential string // a credential record's id, or ""
	Custodians []string
	Threshold  int
}

// Secret is an escrowed secret's state, read from its record and chain.
type Secret struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Credential string    `json:"credential,omitempty"`
	Generation int       `json:"generation"`
	Custodians []string  `json:"custodians"`
	Threshold  int       `json:"threshold"`
	Since      time.Time `json:"since"`
	By         string    `json:"by"`
	// Rotate says why the secret must be rotated, if it must: opened
	// since its generation was made, a custodian or member who could
	// reach it removed, or overdue.
	Rotate []string `json:"rotate,omitempty"`
	// Requests are the requests of the current generation, newest first.
	Requests []SecretRequest `json:"requests"`
}

// SecretRequest is one request to open a secret and how far it got.
type SecretRequest struct {
	ID        string    `json:"id"`
	By        string    `json:"by"`
	Time      time.Time `json:"time"`
	Approvals []string  `json:"approvals"` // the custodians who approved
	Opened    bool      `json:"opened"`
}

// PutSecret escrows a new secret: value sealed under a fresh key, split
// among the custodians so that threshold of them open it. Only a manager
// puts a secret; each custodian must hold the custodian role. The value
// is not kept: the caller should clear it.
func (b *Binder) PutSecret(ctx context.Context, spec SecretSpec, value []byte) (*Secret, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	if me := b.roster.Member(b.id.Handle); me == nil || !me.Has(roster.RoleManager) {
		return nil, errorf(Permission, "ask a manager ("+strings.Join(b.managers(), ", ")+") to escrow it", "only a manager escrows a secret")
	}
	if strings.TrimSpace(spec.Name) == "" {
		return nil, errorf(Invalid, "name the secret", "a secret needs a name")
	}
	if _, err := b.findSecret(spec.Name); err == nil {
		return nil, errorf(Conflict, "rotate it to change its value", "a secret named %q exists already", spec.Name)
	}
	if spec.Credential != "" {
		id, err := b.resolve(ctx, spec.Credential)
		if err != nil {
			return nil, err
		}
		if r := b.indexedRecord(id); r == nil || r.Kind != "credential" {
			return nil, errorf(Invalid, "link a credential record", "record %s is not a credential", id)
		}
		spec.Credential = id
	}
	rec := &Record{ID: NewID(), Kind: "secret", Title: spec.Name, Fields: map[string]any{}}
	if spec.Credential != "" {
		rec.Fields["credential"] = spec.Credential
	}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	now := clock().UTC().Truncate(time.Second)
	parent, err := b.git.ReadCommit(b.tip)
	if err != nil {
		return nil, err
	}
	chain, err := readChain(b.git, parent.TreeHash)
	if err != nil {
		return nil, err
	}
	entry, err := b.generation(chain, escrow.ActionPut, rec.ID, 1, spec, value, now)
	if err != nil {
		return nil, err
	}
	v, err := b.prepareVersion(b.roster, change{rec: rec, action: "add"}, nil, 0, now)
	if err != nil {
		return nil, err
	}
	changes := map[string]plumbing.Hash{}
	if err := v.store(b.git, changes); err != nil {
		return nil, err
	}
	trailers, err := b.stageEntries([][]byte{entry}, changes)
	if err != nil {
		return nil, err
	}
	if _, err := b.commitChanges(ctx, "gobag: escrow a secret", changes, append([]string{v.trailer}, trailers...), []*Record{v.indexed}, now); err != nil {
		return nil, err
	}
	chain.Put(parseEntry(entry), entry)
	return b.secretState(rec, chain, now, b.rotationMonths()), nil
}

func parseEntry(file []byte) *escrow.Entry {
	e, err := escrow.Parse(file)
	if err != nil {
		panic(err) // made by newEntry, which parsed it
	}
	return e
}

// generation makes the entry of a secret's generation: the value sealed,
// its key split among the custodians, each share age-encrypted to its
// custodian alone (and the key to the recovery recipient, if any).
func (b *Binder) generation(chain *escrow.Chain, action, secret string, gen int, spec SecretSpec, value []byte, now time.Time) ([]byte, error) {
	if len(value) == 0 {
		return nil, errorf(Invalid, "give the secret's value on standard input or at the prompt", "the secret's value is empty")
	}
	if len(value) > 16<<10 {
		return nil, errorf(Invalid, "escrow a key or password, and keep large files elsewhere", "the secret's value is %d bytes; at most 16 KiB", len(value))
	}
	custodians := slices.Clone(spec.Custodians)
	if len(custodians) == 0 {
		return nil, errorf(Invalid, "name the custodians, comma-separated", "a secret needs custodians")
	}
	for i, c := range custodians {
		custodians[i] = strings.TrimSpace(c)
		m := b.roster.Member(custodians[i])
		switch {
		case m == nil:
			return nil, errorf(Invalid, "the member list shows who can be a custodian", "%q is not a member", custodians[i])
		case !m.Has(roster.RoleCustodian):
			return nil, errorf(Invalid, "a manager can give them the custodian role first", "%s is not a custodian", custodians[i])
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(custodians)))) != len(custodians) {
		return nil, errorf(Invalid, "name each custodian once", "a custodian is named twice")
	}
	min := 2
	if one, _ := settingsBool(b.settingsRecord(), "allow_threshold_one"); one {
		min = 1
	}
	switch {
	case spec.Threshold > len(custodians):
		return nil, errorf(Invalid, "name more custodians or lower the threshold", "a threshold of %d needs at least %d custodians; %d are named", spec.Threshold, spec.Threshold, len(custodians))
	case spec.Threshold < min:
		return nil, errorf(Invalid, "escrow needs two people at least; the binder's settings can allow one (allow_threshold_one)", "a threshold of %d: at least %d custodians must agree to open a secret", spec.Threshold, min)
	}
	key, sealed, err := escrow.Seal(value, secret, gen)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	shares, err := bcrypto.Split(key, len(custodians), spec.Threshold)
	if err != nil {
		return nil, err
	}
	bundle := &escrow.Bundle{Sealed: sealed}
	var checks []string
	for i, c := range custodians {
		rc, err := bcrypto.ParseRecipient(b.roster.Member(c).Recipient)
		if err != nil {
			return nil, err
		}
		text := escrow.ShareText(secret, gen, shares[i])
		checks = append(checks, escrow.Check(secret, gen, shares[i]))
		ct, err := bcrypto.Encrypt(text, rc)
		clear(text)
		clear(shares[i].Y)
		if err != nil {
			return nil, err
		}
		bundle.Shares = append(bundle.Shares, escrow.BundleShare{Custodian: c, X: int(shares[i].X), Ciphertext: ct})
	}
	if b.roster.Recovery != "" {
		rc, err := bcrypto.ParseRecipient(b.roster.Recovery)
		if err != nil {
			return nil, err
		}
		if bundle.Recovery, err = bcrypto.Encrypt(key, rc); err != nil {
			return nil, err
		}
	}
	return b.newEntry(chain, &escrow.Entry{Action: action, Secret: secret, Generation: gen, Custodians: custodians, Threshold: spec.Threshold, Checks: checks, Data: bundle.Marshal()}, now)
}

// settingsRecord returns the binder's settings record (nil if it has
// none, or none this identity reads); b.mu is held.
func (b *Binder) settingsRecord() *Record {
	var out *Record
	b.ix.Scan(prefixSummary, func(k string, v []byte) error {
		if out == nil && strings.HasPrefix(string(v), "binder"+summarySep) {
			out = b.indexedRecord(strings.TrimPrefix(k, prefixSummary))
		}
		return nil
	})
	return out
}

// rotationMonths is the binder's rotation_months setting (default 12);
// b.mu is held.
func (b *Binder) rotationMonths() int {
	if r := b.settingsRecord(); r != nil {
		if m, ok := r.Int("rotation_months"); ok && m > 0 {
			return int(m)
		}
	}
	return 12
}

// findSecret finds a live secret record by name or id (prefix); b.mu is
// held.
func (b *Binder) findSecret(nameOrID string) (*Record, error) {
	var found []*Record
	err := b.ix.Scan(prefixSummary, func(k string, v []byte) error {
		s, ok := decodeSummary(strings.TrimPrefix(k, prefixSummary), v)
		if ok && s.Kind == "secret" && (s.Title == nameOrID || len(nameOrID) >= 4 && strings.HasPrefix(s.ID, nameOrID)) {
			if r := b.indexedRecord(s.ID); r != nil {
				found = append(found, r)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case len(found) == 0:
		return nil, errorf(NotExist, "the secret list shows the escrowed secrets", "no secret %q", nameOrID)
	case len(found) > 1:
		return nil, errorf(Invalid, "name it by id", "%d secrets are named %q", len(found), nameOrID)
	}
	return found[0], nil
}

// Secrets lists the escrowed secrets, by name.
func (b *Binder) Secrets(ctx context.Context) ([]*Secret, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	var out []*Secret
	now, months := clock().UTC(), b.rotationMonths()
	err = b.ix.Scan(prefixSummary, func(k string, v []byte) error {
		s, ok := decodeSummary(strings.TrimPrefix(k, prefixSummary), v)
		if ok && s.Kind == "secret" {
			if r := b.indexedRecord(s.ID); r != nil {
				out = append(out, b.secretState(r, chain, now, months))
			}
		}
		return ctx.Err()
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// SecretByName returns one secret's state.
func (b *Binder) SecretByName(ctx context.Context, nameOrID string) (*Secret, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, err := b.findSecret(nameOrID)
	if err != nil {
		return nil, err
	}
	_, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	return b.secretState(r, chain, clock().UTC(), b.rotationMonths()), nil
}

// secretState reads a secret's state from its record and the chain; b.mu
// is held.
func (b *Binder) secretState(r *Record, chain *escrow.Chain, now time.Time, months int) *Secret {
	s := &Secret{ID: r.ID, Name: r.Title, Credential: r.Text("credential"), Requests: []SecretRequest{}}
	gen, ok := chain.Latest(r.ID)
	if !ok {
		s.Rotate = append(s.Rotate, "it has no value escrowed")
		return s
	}
	s.Generation, s.Custodians, s.Threshold, s.Since, s.By = gen.Generation, gen.Custodians, gen.Threshold, gen.Time, gen.Actor
	for _, e := range chain.Entries() {
		if e.Secret != r.ID || e.Generation != gen.Generation {
			continue
		}
		switch e.Action {
		case escrow.ActionRequest:
			s.Requests = append(s.Requests, SecretRequest{ID: e.ID, By: e.Actor, Time: e.Time, Approvals: []string{}})
		case escrow.ActionOpen:
			s.Rotate = append(s.Rotate, fmt.Sprintf("opened by %s on %s", e.Actor, e.Time.Format("2006-01-02")))
			for i := range s.Requests {
				if s.Requests[i].ID == e.Request {
					s.Requests[i].Opened = true
				}
			}
		}
	}
	for i := range s.Requests {
		for _, a := range chain.Approvals(s.Requests[i].ID) {
			s.Requests[i].Approvals = append(s.Requests[i].Approvals, a.Actor)
		}
	}
	slices.Reverse(s.Requests)
	// A member who held a share, or could read the secret's record, and
	// was removed since this generation was made.
	for _, e := range chain.Entries() {
		if e.Action != escrow.ActionMember || !e.Time.After(gen.Time) && e.Seq <= gen.Seq {
			continue
		}
		if handle, ok := strings.CutPrefix(e.Subject, "remove member "); ok && reached(chain, gen, handle) {
			s.Rotate = append(s.Rotate, fmt.Sprintf("%s, who could reach it, was removed on %s", handle, e.Time.Format("2006-01-02")))
		}
	}
	if due := b.rotationDue(s, now, months); due != "" {
		s.Rotate = append(s.Rotate, due)
	}
	return s
}

// rotationDue says whether a secret is overdue for rotation: its
// credential's rotate_every, or else the binder's rotation_months
// (months), since its generation was made.
func (b *Binder) rotationDue(s *Secret, now time.Time, months int) string {
	due := s.Since.AddDate(0, months, 0)
	if s.Credential != "" {
		if c := b.indexedRecord(s.Credential); c != nil {
			if every, ok := c.Duration("rotate_every"); ok && every > 0 {
				due = s.Since.Add(every)
			}
		}
	}
	if now.After(due) {
		return fmt.Sprintf("overdue since %s", due.Format("2006-01-02"))
	}
	return ""
}

// settingsBool reads a boolean of the settings record r (nil: unset).
func settingsBool(r *Record, name string) (value, ok bool) {
	if r == nil {
		return false, false
	}
	return r.Bool(name)
}

// reached reports whether member handle could reach generation gen's
// value: they held a share of it, or opened it.
func reached(chain *escrow.Chain, gen *escrow.Entry, handle string) bool {
	if slices.Contains(gen.Custodians, handle) {
		return true
	}
	for _, e := range chain.Entries() {
		if e.Action == escrow.ActionOpen && e.Actor == handle && e.Secret == gen.Secret && e.Generation == gen.Generation {
			return true
		}
	}
	return false
}

// RequestSecret asks to open a secret, giving a reason (encrypted to the
// team), and returns the request entry. Any member may ask; custodians
// approve.
func (b *Binder) RequestSecret(ctx context.Context, nameOrID, reason string) (*escrow.Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, errorf(Invalid, "say why: the custodians decide on it, and the audit keeps it", "a request needs a reason")
	}
	r, err := b.findSecret(nameOrID)
	if err != nil {
		return nil, err
	}
	return b.appendEntry(ctx, "gobag: request a secret", func(chain *escrow.Chain) (*escrow.Entry, error) {
		gen, ok := chain.Latest(r.ID)
		if !ok {
			return nil, errorf(NotExist, "", "secret %q has no value escrowed", r.Title)
		}
		rs, err := b.roster.Recipients([]string{roster.AudienceAll})
		if err != nil {
			return nil, err
		}
		ct, err := bcrypto.Encrypt([]byte(reason), rs...)
		if err != nil {
			return nil, err
		}
		return &escrow.Entry{Action: escrow.ActionRequest, Secret: r.ID, Generation: gen.Generation, Data: ct}, nil
	})
}

// appendEntry adds the entry make returns (given the chain at the tip) to
// the chain in one commit, and returns it.
func (b *Binder) appendEntry(ctx context.Context, subject string, make func(*escrow.Chain) (*escrow.Entry, error)) (*escrow.Entry, error) {
	_, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	e, err := make(chain)
	if err != nil {
		return nil, err
	}
	now := clock().UTC().Truncate(time.Second)
	file, err := b.newEntry(chain, e, now)
	if err != nil {
		return nil, err
	}
	changes := map[string]plumbing.Hash{}
	trailers, err := b.stageEntries([][]byte{file}, changes)
	if err != nil {
		return nil, err
	}
	if _, err := b.commitChanges(ctx, subject, changes, trailers, nil, now); err != nil {
		return nil, err
	}
	return e, nil
}

// RequestReason decrypts a request's reason.
func (b *Binder) RequestReason(ctx context.Context, requestID string) (string, error) {
	chain, err := b.Chain(ctx)
	if err != nil {
		return "", err
	}
	e, ok := chain.Get(requestID)
	if !ok || e.Action != escrow.ActionRequest {
		return "", errorf(NotExist, "", "no request %s", requestID)
	}
	plain, err := bcrypto.Decrypt(e.Data, b.id.AgeIdentity())
	if err != nil {
		return "", &Error{Kind: CannotDecrypt, Err: fmt.Errorf("request %s: %w", requestID, err)}
	}
	return string(plain), nil
}

// approval makes this custodian's approval of req: their share of the
// request's generation, decrypted and encrypted again to the requester
// alone, following the request.
func (b *Binder) approval(chain *escrow.Chain, req *escrow.Entry) (*escrow.Entry, error) {
	gen, ok := chain.Generation(req.Secret, req.Generation)
	if !ok {
		return nil, errorf(NotExist, "sync first: the secret's generation is not in this copy", "no generation %d of the secret", req.Generation)
	}
	if latest, _ := chain.Latest(req.Secret); latest.Generation != req.Generation {
		return nil, errorf(Conflict, "the requester asks again for the current value", "the request is for generation %d; the secret has been rotated since", req.Generation)
	}
	if !slices.Contains(gen.Custodians, b.id.Handle) {
		return nil, errorf(Permission, "only its custodians ("+strings.Join(gen.Custodians, ", ")+") approve", "%s is not a custodian of this secret", b.id.Handle)
	}
	for _, a := range chain.Approvals(req.ID) {
		if a.Actor == b.id.Handle {
			return nil, errorf(Conflict, "", "you approved this request already")
		}
	}
	requester := b.roster.Member(req.Actor)
	if requester == nil {
		return nil, errorf(Permission, "", "the requester %s is no longer a member", req.Actor)
	}
	bundle, err := escrow.ParseBundle(gen.Data)
	if err != nil {
		return nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "%v", err)
	}
	var mine []byte
	for _, sh := range bundle.Shares {
		if sh.Custodian == b.id.Handle {
			mine = sh.Ciphertext
		}
	}
	text, err := bcrypto.Decrypt(mine, b.id.AgeIdentity())
	if err != nil {
		return nil, &Error{Kind: CannotDecrypt, Err: fmt.Errorf("your share: %w", err)}
	}
	defer clear(text)
	share, err := escrow.ParseShare(text, req.Secret, req.Generation, gen.Checks)
	if err != nil {
		return nil, &Error{Kind: BadSignature, Err: err}
	}
	clear(share.Y)
	rc, err := bcrypto.ParseRecipient(requester.Recipient)
	if err != nil {
		return nil, err
	}
	ct, err := bcrypto.Encrypt(text, rc)
	if err != nil {
		return nil, err
	}
	return &escrow.Entry{Action: escrow.ActionApprove, Secret: req.Secret, Generation: req.Generation, Request: req.ID, For: req.Actor, Data: ct, Prev: []string{chain.HashOf(req.ID)}}, nil
}

// ApproveRequest approves a request as one of the secret's custodians:
// their share goes to the requester, signed, in an entry of the chain.
func (b *Binder) ApproveRequest(ctx context.Context, requestID string) (*escrow.Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	return b.appendEntry(ctx, "gobag: approve a request", func(chain *escrow.Chain) (*escrow.Entry, error) {
		req, err := findRequest(chain, requestID)
		if err != nil {
			return nil, err
		}
		return b.approval(chain, req)
	})
}

// findRequest finds a request entry by id or unique prefix.
func findRequest(chain *escrow.Chain, id string) (*escrow.Entry, error) {
	var found []*escrow.Entry
	for _, e := range chain.Entries() {
		if e.Action == escrow.ActionRequest && (e.ID == id || len(id) >= 4 && strings.HasPrefix(e.ID, id)) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return nil, errorf(NotExist, "sync, or import the request its requester handed over", "no request %s in this copy", id)
	case 1:
		return found[0], nil
	}
	return nil, errorf(Invalid, "give more of its id", "%d requests start with %s", len(found), id)
}

// OpenSecret opens a secret with the approvals of this member's latest
// request for its current generation: each approval's share is decrypted
// and checked against the generation's list, the shares are combined and
// the value unsealed. The opening is an entry of the chain, committed
// before the value is returned; the secret is then due for rotation.
func (b *Binder) OpenSecret(ctx context.Context, nameOrID string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	r, err := b.findSecret(nameOrID)
	if err != nil {
		return nil, err
	}
	var value []byte
	_, err = b.appendEntry(ctx, "gobag: open a secret", func(chain *escrow.Chain) (*escrow.Entry, error) {
		gen, ok := chain.Latest(r.ID)
		if !ok {
			return nil, errorf(NotExist, "", "secret %q has no value escrowed", r.Title)
		}
		var req *escrow.Entry
		for _, e := range chain.Entries() {
			if e.Action == escrow.ActionRequest && e.Actor == b.id.Handle && e.Secret == r.ID && e.Generation == gen.Generation {
				req = e
			}
		}
		if req == nil {
			return nil, errorf(Permission, "request it first, with a reason; its custodians approve", "you have no request for %q", r.Title)
		}
		approvals := chain.Approvals(req.ID)
		prev := []string{chain.HashOf(req.ID)}
		var shares []bcrypto.Share
		var who, bad []string
		for _, a := range approvals {
			if !slices.Contains(gen.Custodians, a.Actor) || b.roster.Member(a.Actor) == nil {
				continue // not a custodian's, or by a member since removed
			}
			// A share that does not decrypt or check is named and left
			// out; the others may still be enough.
			text, err := bcrypto.Decrypt(a.Data, b.id.AgeIdentity())
			if err != nil {
				bad = append(bad, a.Actor+"'s (not encrypted to you)")
				continue
			}
			sh, err := escrow.ParseShare(text, r.ID, gen.Generation, gen.Checks)
			clear(text)
			if err != nil {
				bad = append(bad, a.Actor+"'s ("+err.Error()+")")
				continue
			}
			shares = append(shares, sh)
			who = append(who, a.Actor)
			prev = append(prev, chain.HashOf(a.ID))
			if len(shares) == gen.Threshold {
				break
			}
		}
		if len(shares) < gen.Threshold {
			approved := "none has"
			if len(who) > 0 {
				approved = strings.Join(who, ", ") + " approved"
			}
			if len(bad) > 0 {
				approved += "; refused as corrupted or forged: " + strings.Join(bad, ", ")
			}
			return nil, errorf(Permission, "wait for more approvals and sync (or import a share handed over)",
				"%d of %s's custodians must approve; %s", gen.Threshold, r.Title, approved)
		}
		key, err := bcrypto.Combine(shares)
		for _, sh := range shares {
			clear(sh.Y)
		}
		if err != nil {
			return nil, err
		}
		bundle, err := escrow.ParseBundle(gen.Data)
		if err != nil {
			return nil, fixErr(BadSignature, fix(ActionVerify, ""), "", "%v", err)
		}
		value, err = escrow.Unseal(key, bundle.Sealed, r.ID, gen.Generation)
		clear(key)
		if err != nil {
			return nil, &Error{Kind: BadSignature, Err: err}
		}
		return &escrow.Entry{Action: escrow.ActionOpen, Secret: r.ID, Generation: gen.Generation, Request: req.ID, Prev: append(prev, chain.Heads()...)}, nil
	})
	if err != nil {
		clear(value)
		return nil, err
	}
	return value, nil
}

// RotateSecret gives a secret a new value and new shares (with the
// custodians and threshold of spec, or the current ones where spec leaves
// them out), which clears what made it due for rotation. A manager or one
// of its custodians rotates it.
func (b *Binder) RotateSecret(ctx context.Context, nameOrID string, spec SecretSpec, value []byte) (*Secret, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	r, err := b.findSecret(nameOrID)
	if err != nil {
		return nil, err
	}
	_, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	gen, ok := chain.Latest(r.ID)
	if !ok {
		return nil, errorf(NotExist, "", "secret %q has no value escrowed", r.Title)
	}
	if me := b.roster.Member(b.id.Handle); !me.Has(roster.RoleManager) && !slices.Contains(gen.Custodians, b.id.Handle) {
		return nil, errorf(Permission, "a manager or one of its custodians rotates it", "%s may not rotate %q", b.id.Handle, r.Title)
	}
	if len(spec.Custodians) == 0 {
		spec.Custodians = gen.Custodians
	}
	if spec.Threshold == 0 {
		spec.Threshold = gen.Threshold
	}
	now := clock().UTC().Truncate(time.Second)
	file, err := b.generation(chain, escrow.ActionRotate, r.ID, gen.Generation+1, spec, value, now)
	if err != nil {
		return nil, err
	}
	changes := map[string]plumbing.Hash{}
	trailers, err := b.stageEntries([][]byte{file}, changes)
	if err != nil {
		return nil, err
	}
	if _, err := b.commitChanges(ctx, "gobag: rotate a secret", changes, trailers, nil, now); err != nil {
		return nil, err
	}
	return b.secretState(r, chain, now, b.rotationMonths()), nil
}

// Hand-over: entries of one request as text, to carry between copies with
// no network (a file, a QR code).
const handoverHeader = "gobag-handover 1\n"

// Handover returns the text that hands over a request: the request, and
// with it this member's approval of it if they gave one (or, with all,
// every approval this copy holds).
func (b *Binder) Handover(ctx context.Context, requestID string, all bool) ([]byte, error) {
	chain, err := b.Chain(ctx)
	if err != nil {
		return nil, err
	}
	req, err := findRequest(chain, requestID)
	if err != nil {
		return nil, err
	}
	out := []byte(handoverHeader)
	out = append(out, chain.File(req.ID)...)
	for _, a := range chain.Approvals(req.ID) {
		if all || a.Actor == b.id.Handle {
			out = append(out, chain.File(a.ID)...)
		}
	}
	return out, nil
}

// parseHandover splits a hand-over's text into entries.
func parseHandover(data []byte) ([]*escrow.Entry, [][]byte, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	rest, ok := strings.CutPrefix(strings.TrimLeft(text, " \n"), handoverHeader)
	if !ok {
		return nil, nil, errorf(Invalid, "give the text gobag secret share export printed, whole", "not a gobag hand-over")
	}
	var entries []*escrow.Entry
	var files [][]byte
	parts := strings.Split(rest, "gobag-audit 1\n")
	if strings.TrimSpace(parts[0]) != "" {
		return nil, nil, errorf(Invalid, "", "a hand-over holds entries only")
	}
	for _, p := range parts[1:] {
		file := []byte("gobag-audit 1\n" + p)
		e, err := escrow.Parse(file)
		if err != nil {
			return nil, nil, &Error{Kind: Invalid, Err: err, Hint: "the hand-over was cut short or changed: hand it over again"}
		}
		entries, files = append(entries, e), append(files, file)
	}
	if len(entries) == 0 || len(entries) > 64 {
		return nil, nil, errorf(Invalid, "", "a hand-over holds 1 to 64 entries, not %d", len(entries))
	}
	return entries, files, nil
}

// takeIn checks entries from a hand-over against chain and the roster:
// each signed by a member, following what the chain (or the hand-over
// before it) holds, by its action's rules. It adds the new ones to chain
// and returns their files.
func (b *Binder) takeIn(chain *escrow.Chain, entries []*escrow.Entry, files [][]byte) ([][]byte, error) {
	heads := chain.Heads()
	var added [][]byte
	for i, e := range entries {
		if _, known := chain.Get(e.ID); known {
			if !slices.Equal(chain.File(e.ID), files[i]) {
				return nil, errorf(BadSignature, "", "audit entry %s differs from the one this copy holds", e.ID)
			}
			continue
		}
		if e.Action != escrow.ActionRequest && e.Action != escrow.ActionApprove {
			return nil, errorf(Invalid, "the rest of the chain comes by sync", "a hand-over carries requests and approvals, not a %s", e.Action)
		}
		key, ok := b.roster.Key(e.Actor)
		if !ok {
			return nil, errorf(Permission, "", "audit entry %s (%s) is by %s, who is not a member", e.ID, e.Action, e.Actor)
		}
		if err := e.Verify(key); err != nil {
			return nil, &Error{Kind: BadSignature, Err: err, Hint: "it was forged or changed on the way"}
		}
		if e.Time.After(clock().Add(auditSkew)) {
			return nil, errorf(BadSignature, "check the clock of the computer it was made on", "audit entry %s is dated %s, in the future", e.ID, e.Time.UTC().Format(time.RFC3339))
		}
		for _, p := range e.Prev {
			if !chain.HasHash(p) {
				return nil, errorf(Conflict, "sync with the copy it came from first, or approve it from the hand-over without keeping it",
					"the %s %s follows entries this copy does not hold yet", e.Action, e.ID)
			}
		}
		if err := chain.Check(e, escrow.Hash(files[i])); err != nil {
			return nil, &Error{Kind: BadSignature, Err: err}
		}
		if e.Action != escrow.ActionApprove {
			for _, h := range heads {
				if !slices.Contains(e.Prev, h) {
					return nil, errorf(Conflict, "sync to take it in, or approve it from the hand-over without keeping it",
						"the %s %s was made on a copy that does not hold everything this one does", e.Action, e.ID)
				}
			}
		}
		chain.Put(e, files[i])
		added = append(added, files[i])
	}
	return added, nil
}

// ImportHandover takes in the entries of a hand-over (a request handed to
// a custodian, an approval handed back), each checked as sync checks it,
// and returns the ids of those new to this copy.
func (b *Binder) ImportHandover(ctx context.Context, data []byte) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	entries, files, err := parseHandover(data)
	if err != nil {
		return nil, err
	}
	_, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	added, err := b.takeIn(chain, entries, files)
	if err != nil || len(added) == 0 {
		return []string{}, err
	}
	changes := map[string]plumbing.Hash{}
	trailers, err := b.stageEntries(added, changes)
	if err != nil {
		return nil, err
	}
	now := clock().UTC().Truncate(time.Second)
	if _, err := b.commitChanges(ctx, "gobag: take in a hand-over", changes, trailers, nil, now); err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range added {
		ids = append(ids, parseEntry(f).ID)
	}
	return ids, nil
}

// ApproveHandover approves the request a hand-over carries, made on a
// copy this one has not synced with: the approval is signed and returned
// as a hand-over (the request and it) for the requester, and this copy
// keeps neither until it syncs.
func (b *Binder) ApproveHandover(ctx context.Context, data []byte) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	entries, files, err := parseHandover(data)
	if err != nil {
		return nil, err
	}
	_, chain, err := b.tipChain()
	if err != nil {
		return nil, err
	}
	var req *escrow.Entry
	var reqFile []byte
	for i, e := range entries {
		if e.Action == escrow.ActionRequest {
			req, reqFile = e, files[i]
		}
	}
	if req == nil {
		return nil, errorf(Invalid, "", "the hand-over holds no request")
	}
	key, ok := b.roster.Key(req.Actor)
	if !ok {
		return nil, errorf(Permission, "", "the request is by %s, who is not a member", req.Actor)
	}
	if err := req.Verify(key); err != nil {
		return nil, &Error{Kind: BadSignature, Err: err, Hint: "it was forged or changed on the way"}
	}
	if _, known := chain.Get(req.ID); !known {
		// Its predecessors may be missing here: it stands on its
		// signature, as the approval that follows it does.
		chain.Put(req, reqFile)
	}
	e, err := b.approval(chain, req)
	if err != nil {
		return nil, err
	}
	file, err := b.newEntry(chain, e, clock().UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	return append(append([]byte(handoverHeader), reqFile...), file...), nil
}

// AuditItem is one entry of the audit chain as gobag audit shows it.
type AuditItem struct {
	Seq        int       `json:"seq"`
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Secret     string    `json:"secret,omitempty"` // the secret's name
	SecretID   string    `json:"secret_id,omitempty"`
	Generation int       `json:"generation,omitempty"`
	Request    string    `json:"request,omitempty"`
	For        string    `json:"for,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Custodians []string  `json:"custodians,omitempty"`
	Threshold  int       `json:"threshold,omitempty"`
	// Verified says how the entry's signature holds: "verified" against
	// the actor's key in the roster now, or "former member" (checked
	// against the roster in force when it was taken in, as verify does).
	Verified string `json:"verified"`
}

// Audit lists the audit chain in order.
func (b *Binder) Audit(ctx context.Context) ([]AuditItem, error) {
	chain, err := b.Chain(ctx)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []AuditItem{}
	for _, e := range chain.Entries() {
		it := AuditItem{Seq: e.Seq, ID: e.ID, Time: e.Time, Actor: e.Actor, Action: e.Action, SecretID: e.Secret, Generation: e.Generation,
			Request: e.Request, For: e.For, Subject: e.Subject, Custodians: e.Custodians, Threshold: e.Threshold, Verified: "former member"}
		if e.Secret != "" {
			if r := b.indexedRecord(e.Secret); r != nil {
				it.Secret = r.Title
			}
		}
		if key, ok := b.roster.Key(e.Actor); ok {
			it.Verified = "verified"
			if e.Verify(key) != nil {
				it.Verified = "FAILED"
			}
		}
		out = append(out, it)
	}
	return out, nil
}
