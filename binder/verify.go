package binder

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	bcrypto "gobag/crypto"
)

// Problem is one failed check, naming the commit, the record (if any) and
// the reason.
type Problem struct {
	Commit string `json:"commit"`
	Record string `json:"record,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	s := "commit " + p.Commit[:12]
	if p.Record != "" {
		s += ", record " + p.Record
	}
	return s + ": " + p.Reason
}

// Report is the result of Verify.
type Report struct {
	Tip         string    `json:"tip"`
	Fingerprint string    `json:"fingerprint"`
	Commits     int       `json:"commits"`
	Versions    int       `json:"record_versions"`
	Problems    []Problem `json:"problems"`
}

// OK reports whether every check held.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks the whole history of the binder in dir: every commit is
// SSH-signed by a member of the roster in force at its parent; every roster
// change is signed by a manager of the previous roster; every record version
// has a valid envelope signed by a member, whose ciphertext hash matches,
// whose revision follows the previous one and names its hash; records
// disappear only through signed tombstones. It needs no identity: nothing
// is decrypted.
func Verify(ctx context.Context, dir string) (*Report, error) {
	g, err := openGitStore(dir)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	tip, err := g.head()
	if err != nil {
		return nil, err
	}
	if tip.IsZero() {
		return nil, errorf(NotExist, "", "%s has no history", dir)
	}
	v := &verifier{g: g, rosters: map[plumbing.Hash]*rosterState{}, rep: &Report{Tip: tip.String()}}
	order, err := v.topo(tip)
	if err != nil {
		return nil, err
	}
	for _, h := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := v.commit(h); err != nil {
			return nil, err
		}
	}
	v.rep.Commits = len(order)
	return v.rep, nil
}

type rosterState struct {
	roster *Roster
	raw    []byte
}

type verifier struct {
	g       *gitStore
	rosters map[plumbing.Hash]*rosterState // roster in force after each commit
	rep     *Report
}

func (v *verifier) problem(c plumbing.Hash, rec, format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, Problem{Commit: c.String(), Record: rec, Reason: fmt.Sprintf(format, args...)})
}

// topo returns the commits reachable from tip, parents before children.
func (v *verifier) topo(tip plumbing.Hash) ([]plumbing.Hash, error) {
	var order []plumbing.Hash
	state := map[plumbing.Hash]int{} // 1 visiting, 2 done
	type frame struct {
		h    plumbing.Hash
		next int
		par  []plumbing.Hash
	}
	stack := []frame{}
	push := func(h plumbing.Hash) error {
		c, err := v.g.readCommit(h)
		if err != nil {
			return err
		}
		state[h] = 1
		stack = append(stack, frame{h: h, par: c.ParentHashes})
		return nil
	}
	if err := push(tip); err != nil {
		return nil, err
	}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(f.par) {
			p := f.par[f.next]
			f.next++
			if state[p] == 0 {
				if err := push(p); err != nil {
					return nil, err
				}
			}
			continue
		}
		state[f.h] = 2
		order = append(order, f.h)
		stack = stack[:len(stack)-1]
	}
	return order, nil
}

func (v *verifier) commit(h plumbing.Hash) error {
	c, err := v.g.readCommit(h)
	if err != nil {
		return err
	}
	var parentTree plumbing.Hash
	var gov *rosterState
	if len(c.ParentHashes) > 0 {
		pc, err := v.g.readCommit(c.ParentHashes[0])
		if err != nil {
			return err
		}
		parentTree = pc.TreeHash
		gov = v.rosters[c.ParentHashes[0]]
	}
	// The roster in force after this commit.
	rosterRaw, ok, err := v.g.readFile(c.TreeHash, pathRoster)
	if err != nil {
		return err
	}
	after := gov
	if !ok {
		v.problem(h, "", "no roster (%s)", pathRoster)
		v.rosters[h] = gov
		if gov == nil {
			return nil
		}
	} else if gov == nil || !bytes.Equal(rosterRaw, gov.raw) {
		after = v.rosterChange(h, c.TreeHash, rosterRaw, gov)
	}
	v.rosters[h] = after
	if gov == nil {
		gov = after // the first commit is governed by its own, self-signed roster
	}
	if gov == nil {
		return nil
	}

	// Who signed the commit.
	if c.Signature == nil {
		v.problem(h, "", "commit is not signed")
	} else if key, err := bcrypto.VerifySSH(c.Signature, bcrypto.GitNamespace, c.Payload); err != nil {
		v.problem(h, "", "commit signature does not verify: %v", err)
	} else if m := gov.roster.MemberByKey(key); m == nil {
		v.problem(h, "", "commit signed by a key that is not a member's (%s)", key.Fingerprint())
	}

	var paths []string
	if err := v.g.changedPaths(parentTree, c.TreeHash, "", &paths); err != nil {
		return err
	}
	sort.Strings(paths)
	ids := map[string]bool{}
	for _, p := range paths {
		switch p {
		case pathRoster, pathRosterSig:
			continue
		case pathAllowedSigners:
			continue // checked with the roster below
		case pathFormat:
			if data, _, _ := v.g.readFile(c.TreeHash, p); string(data) != formatLine {
				v.problem(h, "", "%s is not %q", pathFormat, strings.TrimSpace(formatLine))
			}
			continue
		case pathReadme:
			continue
		}
		if id, ok := idFromPath(p); ok {
			ids[id] = true
			continue
		}
		v.problem(h, "", "unexpected file %s", p)
	}
	if as, _, _ := v.g.readFile(c.TreeHash, pathAllowedSigners); after != nil && !bytes.Equal(as, after.roster.AllowedSigners()) {
		v.problem(h, "", "%s does not match the roster", pathAllowedSigners)
	}
	var sortedIDs []string
	for id := range ids {
		sortedIDs = append(sortedIDs, id)
	}
	sort.Strings(sortedIDs)
	for _, id := range sortedIDs {
		if err := v.record(h, c, parentTree, id, gov.roster); err != nil {
			return err
		}
	}
	if len(c.ParentHashes) <= 1 {
		v.trailers(h, c, sortedIDs)
	}
	return nil
}

// rosterChange checks a new roster: a valid file, signed by a manager of the
// governing roster (or, for the first commit, by a manager it lists itself),
// with the next serial number and the previous roster's fingerprint.
func (v *verifier) rosterChange(h, tree plumbing.Hash, raw []byte, gov *rosterState) *rosterState {
	r, err := ParseRoster(raw)
	if err != nil {
		v.problem(h, "", "%v", err)
		return gov
	}
	sig, ok, _ := v.g.readFile(tree, pathRosterSig)
	if !ok {
		v.problem(h, "", "roster is not signed (no %s)", pathRosterSig)
		return gov
	}
	signers := r
	if gov != nil {
		signers = gov.roster
	}
	if _, err := verifyRosterSig(raw, sig, signers); err != nil {
		v.problem(h, "", "roster change rejected: %v", err)
		return gov
	}
	switch {
	case gov == nil && (r.Serial != 1 || r.Previous != ""):
		v.problem(h, "", "first roster must have serial 1 and no previous roster")
	case gov != nil && r.Serial != gov.roster.Serial+1:
		v.problem(h, "", "roster serial %d does not follow %d", r.Serial, gov.roster.Serial)
	case gov != nil && r.Previous != bcrypto.Fingerprint(gov.raw):
		v.problem(h, "", "roster does not name the previous roster's fingerprint")
	}
	st := &rosterState{roster: r, raw: raw}
	if gov == nil {
		v.rep.Fingerprint = bcrypto.Fingerprint(raw)
	}
	return st
}

// record checks one record's change in commit h against the parent tree.
func (v *verifier) record(h plumbing.Hash, c *rawCommit, parentTree plumbing.Hash, id string, gov *Roster) error {
	agePath, envPath := recordPath(id)
	envH, envOK, err := v.g.lookup(c.TreeHash, envPath)
	if err != nil {
		return err
	}
	ageH, ageOK, err := v.g.lookup(c.TreeHash, agePath)
	if err != nil {
		return err
	}
	penvH, penvOK, err := v.g.lookup(parentTree, envPath)
	if err != nil {
		return err
	}
	// In a merge, a version taken whole from another parent was checked there.
	for _, p := range c.ParentHashes[min(1, len(c.ParentHashes)):] {
		pc, err := v.g.readCommit(p)
		if err != nil {
			return err
		}
		oe, _, _ := v.g.lookup(pc.TreeHash, envPath)
		oa, _, _ := v.g.lookup(pc.TreeHash, agePath)
		if oe == envH && oa == ageH {
			return nil
		}
	}
	switch {
	case !envOK && penvOK:
		v.problem(h, id, "record deleted without a tombstone")
		return nil
	case !envOK:
		v.problem(h, id, "ciphertext without an envelope")
		return nil
	case envOK && penvOK && envH == penvH:
		v.problem(h, id, "ciphertext does not match its envelope (the ciphertext changed, the envelope did not)")
		return nil
	}
	v.rep.Versions++
	envData, err := v.g.readBlob(envH)
	if err != nil {
		return err
	}
	env, err := ParseEnvelope(envData)
	if err != nil {
		v.problem(h, id, "%v", err)
		return nil
	}
	if env.ID != id {
		v.problem(h, id, "envelope names record %s", env.ID)
	}
	key, ok := gov.Key(env.Author)
	if !ok {
		v.problem(h, id, "rev %d signed by %q, who is not a member", env.Rev, env.Author)
	} else if err := env.verify(key); err != nil {
		v.problem(h, id, "%v", err)
	}
	if penvOK {
		prev, err := v.g.readBlob(penvH)
		if err != nil {
			return err
		}
		pe, err := ParseEnvelope(prev)
		switch {
		case err != nil:
		case env.Rev < pe.Rev:
			v.problem(h, id, "revision goes backwards from %d to %d", pe.Rev, env.Rev)
		case env.Rev != pe.Rev+1:
			v.problem(h, id, "revision %d does not follow %d", env.Rev, pe.Rev)
		case env.Prev != hashHex(prev):
			v.problem(h, id, "rev %d does not name the previous version's hash", env.Rev)
		case pe.Deleted:
			v.problem(h, id, "rev %d changes a deleted record", env.Rev)
		}
	} else if env.Rev != 1 || env.Prev != "" {
		v.problem(h, id, "first version has rev %d (want 1 and no previous hash)", env.Rev)
	}
	if env.Deleted {
		if ageOK {
			v.problem(h, id, "tombstone left the ciphertext in place")
		}
		return nil
	}
	if !ageOK {
		v.problem(h, id, "ciphertext missing")
		return nil
	}
	ct, err := v.g.readBlob(ageH)
	if err != nil {
		return err
	}
	if hashHex(ct) != env.Ciphertext {
		v.problem(h, id, "ciphertext does not match its envelope (rev %d)", env.Rev)
	}
	return nil
}

// trailers checks that a commit's Record: lines name exactly the records it
// changes, so that gobag log can be trusted.
func (v *verifier) trailers(h plumbing.Hash, c *rawCommit, ids []string) {
	var named []string
	for _, e := range parseTrailers(c) {
		if e.ID != "" {
			named = append(named, e.ID)
		}
	}
	sort.Strings(named)
	if strings.Join(named, ",") != strings.Join(ids, ",") {
		v.problem(h, "", "commit message names records %v but the commit changes %v", named, ids)
	}
}
