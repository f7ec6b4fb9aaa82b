package binder

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

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
//
// A first pass, in history order, follows the roster; then the commits are
// checked in parallel, each worker reading through its own repository
// handle (go-git is not safe for concurrent use).
//
// progress, if not nil, hears of the commits read ("history", total
// unknown) and the record versions checked ("records").
func Verify(ctx context.Context, dir string, progress Progress) (*Report, error) {
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
	progress = progress.serialized()
	v := &verifier{g: g, rosters: map[plumbing.Hash]*rosterState{}, rep: &Report{Tip: tip.String()}}
	// Walk the history and, while it is walked, check each commit on its
	// own in parallel: its trees, what it changes against its first
	// parent, and whose key signed it.
	jobs, err := v.walk(ctx, dir, tip, progress)
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress("history", len(jobs), len(jobs))
	}
	var csigs []*sigCheck
	var signed []*commitJob
	for _, j := range jobs {
		if j.sig != nil {
			csigs = append(csigs, j.sig)
			signed = append(signed, j)
		}
	}
	valid, err := checkSignatures(ctx, csigs)
	if err != nil {
		return nil, err
	}
	for i, j := range signed {
		if valid[i] {
			j.signer = j.sig.key
		} else {
			j.problem("", "commit signature does not verify: %v", bcrypto.ErrBadSignature)
		}
	}
	// In history order: the roster in force at each commit, and so whether
	// its signer was a member.
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v.rosterPass(j)
	}
	// Each record version on its own, in parallel: a history of a few large
	// commits spreads over the cores as well as one of many small ones.
	var recs []*recordJob
	for _, j := range jobs {
		if j.gov == nil {
			continue
		}
		for _, c := range j.changes {
			recs = append(recs, &recordJob{commit: j, recordChange: c})
		}
	}
	var checked atomic.Int64
	err = parallel(ctx, dir, len(recs), 128, func(w *worker, i int) error {
		if progress != nil && checked.Add(1)%256 == 0 {
			progress("records", int(checked.Load()), len(recs))
		}
		return w.record(recs[i])
	})
	if err != nil {
		return nil, err
	}
	var esigs []*sigCheck
	var enveloped []*recordJob
	for _, r := range recs {
		if r.sig != nil {
			esigs = append(esigs, r.sig)
			enveloped = append(enveloped, r)
		}
	}
	if valid, err = checkSignatures(ctx, esigs); err != nil {
		return nil, err
	}
	for i, r := range enveloped {
		if !valid[i] {
			r.problem("%v", r.env.badSignature(bcrypto.ErrBadSignature))
		}
	}
	if progress != nil {
		progress("records", len(recs), len(recs))
	}
	for _, r := range recs {
		j := r.commit
		j.problems = append(j.problems, r.problems...)
		if r.seen != "" {
			j.versions++
			if j.seen == nil {
				j.seen = map[string]string{}
			}
			j.seen[r.id] = r.seen
		}
	}
	for _, j := range jobs {
		if j.gov != nil {
			checkTrailers(j)
		}
		v.rep.Problems = append(v.rep.Problems, j.problems...)
		v.rep.Versions += j.versions
	}
	v.rep.Commits = len(jobs)
	return v.rep, nil
}

type rosterState struct {
	roster *Roster
	raw    []byte
	gobag  plumbing.Hash // the .gobag tree it came from
}

type verifier struct {
	g       *gitStore
	root    plumbing.Hash                  // the one commit without parents
	rosters map[plumbing.Hash]*rosterState // roster in force after each commit
	rep     *Report
}

// commitJob is one commit's checks and what they learned about it.
type commitJob struct {
	h   plumbing.Hash
	c   *rawCommit
	gov *rosterState // roster in force for this commit's signatures

	// Read by worker.commit.
	gobag      plumbing.Hash     // this commit's .gobag tree
	records    plumbing.Hash     // this commit's records/ tree
	parentRecs plumbing.Hash     // the first parent's records/ tree
	sig        *sigCheck         // its signature, to be checked in a batch
	signer     bcrypto.PublicKey // the key that signed it, once the signature verified
	changes    []recordChange    // the records it changes, sorted by id

	problems []Problem
	versions int
	seen     map[string]string // record id → "rev action" its envelope shows
}

func (j *commitJob) problem(rec, format string, args ...any) {
	j.problems = append(j.problems, Problem{Commit: j.h.String(), Record: rec, Reason: fmt.Sprintf(format, args...)})
}

// recordChange is what a commit did to one record's files: each blob's
// hash before (in the first parent) and after, zero where absent.
type recordChange struct {
	id               string
	envOld, envNew   plumbing.Hash
	ageOld, ageNew   plumbing.Hash
	ageSeen, envSeen bool // the diff reported the file (so its hashes are known)
}

// recordJob is the check of one record version.
type recordJob struct {
	commit *commitJob
	recordChange
	problems []Problem
	seen     string    // "rev action" the envelope shows, once read
	sig      *sigCheck // the envelope's signature, to be checked in a batch
	env      *Envelope
}

// sigCheck is one Ed25519 signature waiting for a batch.
type sigCheck struct {
	key      bcrypto.PublicKey
	msg, sig []byte
}

// checkSignatures verifies sigs in parallel batches and reports which hold.
func checkSignatures(ctx context.Context, sigs []*sigCheck) ([]bool, error) {
	ok := make([]bool, len(sigs))
	const size = 256
	err := parallel(ctx, "", (len(sigs)+size-1)/size, 1, func(_ *worker, c int) error {
		var b bcrypto.Batch
		lo, hi := c*size, min(len(sigs), (c+1)*size)
		for _, s := range sigs[lo:hi] {
			b.Add(s.key, s.msg, s.sig)
		}
		copy(ok[lo:hi], b.Verify())
		return nil
	})
	return ok, err
}

func (r *recordJob) problem(format string, args ...any) {
	r.problems = append(r.problems, Problem{Commit: r.commit.h.String(), Record: r.id, Reason: fmt.Sprintf(format, args...)})
}

// walk reads the history from tip and returns its commits, parents before
// children. As commits are read, they are handed in runs to a pool that
// runs worker.commit on each.
func (v *verifier) walk(ctx context.Context, dir string, tip plumbing.Hash, progress Progress) ([]*commitJob, error) {
	var order []*commitJob
	jobs := map[plumbing.Hash]*commitJob{}
	state := map[plumbing.Hash]int{} // 1 visiting, 2 done
	type frame struct {
		j    *commitJob
		next int
	}
	stack := []frame{}
	pl := newPool(dir)
	var run []*commitJob
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		// Pass on each first parent's tree where it is already known;
		// the worker reads the others.
		batch, trees := run, make([]plumbing.Hash, len(run))
		for i, j := range batch {
			if ps := j.c.ParentHashes; len(ps) > 0 && jobs[ps[0]] != nil {
				trees[i] = jobs[ps[0]].c.TreeHash
			}
		}
		run = nil
		return pl.submit(ctx, func(w *worker) error {
			for i, j := range batch {
				if err := w.commit(j, trees[i]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	push := func(h plumbing.Hash) error {
		c, err := v.g.readCommit(h)
		if err != nil {
			return err
		}
		j := &commitJob{h: h, c: c}
		jobs[h] = j
		if progress != nil && len(jobs)%256 == 0 {
			progress("history", len(jobs), 0)
		}
		state[h] = 1
		stack = append(stack, frame{j: j})
		if len(run) == 64 {
			if err := flush(); err != nil {
				return err
			}
		}
		run = append(run, j)
		return nil
	}
	err := push(tip)
	for err == nil && len(stack) > 0 {
		f := &stack[len(stack)-1]
		if ps := f.j.c.ParentHashes; f.next < len(ps) {
			p := ps[f.next]
			f.next++
			if state[p] == 0 {
				err = push(p)
			}
			continue
		}
		state[f.j.h] = 2
		order = append(order, f.j)
		stack = stack[:len(stack)-1]
	}
	if err == nil {
		err = flush()
	}
	if werr := pl.wait(); err == nil {
		err = werr
	}
	return order, err
}

// rosterPass follows the roster through history: it checks a commit's
// .gobag files when they change (rarely) and its signer against the roster
// in force at its parent.
func (v *verifier) rosterPass(j *commitJob) {
	c := j.c
	switch {
	case len(c.ParentHashes) > 1:
		// Format 1 histories are linear: gobag writes no merge commits yet,
		// so one here was made by something else and may smuggle in
		// versions that no chain of revisions justifies.
		j.problem("", "merge commit: format 1 histories are linear")
	case len(c.ParentHashes) == 0 && v.root != plumbing.ZeroHash:
		j.problem("", "a second root commit (the first is %s)", v.root)
	case len(c.ParentHashes) == 0:
		v.root = j.h
	}
	var gov *rosterState
	if len(c.ParentHashes) > 0 {
		gov = v.rosters[c.ParentHashes[0]]
	}
	after := gov
	if gov == nil || j.gobag != gov.gobag {
		after = v.gobagChange(j, j.gobag, gov)
	}
	v.rosters[j.h] = after
	if gov == nil {
		gov = after // the first commit is governed by its own, self-signed roster
	}
	j.gov = gov
	if gov == nil {
		return
	}
	if j.signer.IsZero() {
		return // worker.commit said why
	}
	if m := gov.roster.MemberByKey(j.signer); m == nil {
		j.problem("", "commit signed by a key that is not a member's (%s)", j.signer.Fingerprint())
	} else if c.Author.Name != m.Handle || c.Committer.Name != m.Handle || c.Author.Email != m.Handle+"@gobag" || c.Committer.Email != m.Handle+"@gobag" {
		j.problem("", "commit names %s <%s> as its author but is signed by %s", c.Author.Name, c.Author.Email, m.Handle)
	}
}

// gobagChange checks a commit whose .gobag directory differs from its
// parent's: the format line, the roster and its signature, allowed_signers.
func (v *verifier) gobagChange(j *commitJob, gobagTree plumbing.Hash, gov *rosterState) *rosterState {
	entries, err := v.g.rawTree(gobagTree)
	if err != nil {
		j.problem("", "%v", err)
		return gov
	}
	files := map[string]plumbing.Hash{}
	for _, e := range entries {
		files[".gobag/"+string(e.name)] = e.hash
	}
	for p := range files {
		switch p {
		case pathFormat, pathRoster, pathRosterSig, pathAllowedSigners:
		default:
			j.problem("", "unexpected file %s", p)
		}
	}
	read := func(p string) []byte {
		h, ok := files[p]
		if !ok {
			return nil
		}
		data, err := v.g.readBlob(h)
		if err != nil {
			return nil
		}
		return data
	}
	if string(read(pathFormat)) != formatLine {
		j.problem("", "%s is not %q", pathFormat, strings.TrimSpace(formatLine))
	}
	rosterRaw := read(pathRoster)
	after := gov
	switch {
	case rosterRaw == nil:
		j.problem("", "no roster (%s)", pathRoster)
	case gov == nil || !bytes.Equal(rosterRaw, gov.raw):
		after = v.rosterChange(j, files, rosterRaw, gov)
	default:
		// The roster is the same, but its signature file may not be.
		sig := read(pathRosterSig)
		if sig == nil {
			j.problem("", "roster is not signed (no %s)", pathRosterSig)
		} else if _, err := verifyRosterSig(rosterRaw, sig, gov.roster); err != nil {
			j.problem("", "roster signature rejected: %v", err)
		}
	}
	if after != nil {
		if !bytes.Equal(read(pathAllowedSigners), after.roster.AllowedSigners()) {
			j.problem("", "%s does not match the roster", pathAllowedSigners)
		}
		if after != gov {
			after.gobag = gobagTree
		} else {
			// Same roster, other .gobag files changed: track the new tree.
			after = &rosterState{roster: gov.roster, raw: gov.raw, gobag: gobagTree}
		}
	}
	return after
}

// commit reads one commit's root tree and its first parent's, lists the
// records it changes, and checks its signature (membership of the signer
// is checked later, in history order).
func (w *worker) commit(j *commitJob, parentTree plumbing.Hash) error {
	c := j.c
	if c.Signature == nil {
		j.problem("", "commit is not signed")
	} else if key, msg, sig, err := bcrypto.ParseSSH(c.Signature, bcrypto.GitNamespace, c.Payload); err != nil {
		j.problem("", "commit signature does not verify: %v", err)
	} else {
		j.sig = &sigCheck{key: key, msg: msg, sig: sig}
	}
	root, err := w.g.rawTree(c.TreeHash)
	if err != nil {
		return err
	}
	for _, e := range root {
		switch name := string(e.name); {
		case name == ".gobag" && e.isDir:
			j.gobag = e.hash
		case name == recordsDir && e.isDir:
			j.records = e.hash
		case name == pathReadme && !e.isDir:
		default:
			j.problem("", "unexpected file %s", name)
		}
	}
	if ps := c.ParentHashes; len(ps) > 0 {
		if parentTree.IsZero() {
			pc, err := w.g.readCommit(ps[0])
			if err != nil {
				return err
			}
			parentTree = pc.TreeHash
		}
		// The parent's root tree is usually in this worker's cache: workers
		// take runs of consecutive commits.
		proot, err := w.g.rawTree(parentTree)
		if err != nil {
			return err
		}
		for _, e := range proot {
			if string(e.name) == recordsDir && e.isDir {
				j.parentRecs = e.hash
			}
		}
	}
	byID := map[string]*recordChange{}
	err = w.g.diffTreeEntries(j.parentRecs, j.records, recordsDir, func(p string, old, new plumbing.Hash) {
		id, ok := idFromPath(p)
		if !ok {
			j.problem("", "unexpected file %s", p)
			return
		}
		rc := byID[id]
		if rc == nil {
			rc = &recordChange{id: id}
			byID[id] = rc
		}
		if strings.HasSuffix(p, ".env") {
			rc.envOld, rc.envNew, rc.envSeen = old, new, true
		} else {
			rc.ageOld, rc.ageNew, rc.ageSeen = old, new, true
		}
	})
	if err != nil {
		return err
	}
	j.changes = make([]recordChange, 0, len(byID))
	for _, rc := range byID {
		j.changes = append(j.changes, *rc)
	}
	sort.Slice(j.changes, func(a, b int) bool { return j.changes[a].id < j.changes[b].id })
	return nil
}

// rosterChange checks a new roster: a valid file, signed by a manager of the
// governing roster (or, for the first commit, by a manager it lists itself),
// with the next serial number and the previous roster's fingerprint.
func (v *verifier) rosterChange(j *commitJob, files map[string]plumbing.Hash, raw []byte, gov *rosterState) *rosterState {
	r, err := ParseRoster(raw)
	if err != nil {
		j.problem("", "%v", err)
		return gov
	}
	sigHash, ok := files[pathRosterSig]
	var sig []byte
	if ok {
		sig, err = v.g.readBlob(sigHash)
	}
	if !ok || err != nil {
		j.problem("", "roster is not signed (no %s)", pathRosterSig)
		return gov
	}
	signers := r
	if gov != nil {
		signers = gov.roster
	}
	if _, err := verifyRosterSig(raw, sig, signers); err != nil {
		j.problem("", "roster change rejected: %v", err)
		return gov
	}
	switch {
	case gov == nil && (r.Serial != 1 || r.Previous != ""):
		j.problem("", "first roster must have serial 1 and no previous roster")
	case gov != nil && r.Serial != gov.roster.Serial+1:
		j.problem("", "roster serial %d does not follow %d", r.Serial, gov.roster.Serial)
	case gov != nil && r.Previous != bcrypto.Fingerprint(gov.raw):
		j.problem("", "roster does not name the previous roster's fingerprint")
	}
	st := &rosterState{roster: r, raw: raw}
	if gov == nil && v.rep.Fingerprint == "" {
		v.rep.Fingerprint = bcrypto.Fingerprint(raw)
	}
	return st
}

// record checks one record version against the one before it.
func (w *worker) record(r *recordJob) error {
	j, id := r.commit, r.id
	gov := j.gov.roster
	agePath, envPath := recordPath(id)
	// A file the diff did not report is the same on both sides: look it up.
	if !r.envSeen {
		h, _, err := w.g.lookup(j.records, envPath[len(recordsDir)+1:])
		if err != nil {
			return err
		}
		r.envOld, r.envNew = h, h
	}
	if !r.ageSeen {
		h, _, err := w.g.lookup(j.records, agePath[len(recordsDir)+1:])
		if err != nil {
			return err
		}
		r.ageOld, r.ageNew = h, h
	}
	envOK, penvOK, ageOK := !r.envNew.IsZero(), !r.envOld.IsZero(), !r.ageNew.IsZero()
	switch {
	case !envOK && penvOK:
		r.problem("record deleted without a tombstone")
		return nil
	case !envOK:
		r.problem("ciphertext without an envelope")
		return nil
	case r.envNew == r.envOld:
		r.problem("ciphertext does not match its envelope (the ciphertext changed, the envelope did not)")
		return nil
	}
	envData, err := w.g.readBlob(r.envNew)
	if err != nil {
		return err
	}
	env, err := ParseEnvelope(envData)
	if err != nil {
		r.problem("%v", err)
		return nil
	}
	if env.ID != id {
		r.problem("envelope names record %s", env.ID)
	}
	action := "edit"
	switch {
	case env.Deleted:
		action = "delete"
	case !penvOK:
		action = "add"
	}
	r.seen = fmt.Sprintf("%d %s", env.Rev, action)
	key, ok := gov.Key(env.Author)
	if !ok {
		r.problem("rev %d signed by %q, who is not a member", env.Rev, env.Author)
	} else if err := env.checkAuthorKey(key); err != nil {
		r.problem("%v", err)
	} else {
		r.env, r.sig = env, &sigCheck{key: key, msg: env.signedPart(), sig: env.Signature}
	}
	if penvOK {
		prev, err := w.g.readBlob(r.envOld)
		if err != nil {
			return err
		}
		pe, err := ParseEnvelope(prev)
		switch {
		case err != nil:
		case env.Rev < pe.Rev:
			r.problem("revision goes backwards from %d to %d", pe.Rev, env.Rev)
		case env.Rev != pe.Rev+1:
			r.problem("revision %d does not follow %d", env.Rev, pe.Rev)
		case env.Prev != hashHex(prev):
			r.problem("rev %d does not name the previous version's hash", env.Rev)
		case pe.Deleted:
			r.problem("rev %d changes a deleted record", env.Rev)
		}
	} else if env.Rev != 1 || env.Prev != "" {
		r.problem("first version has rev %d (want 1 and no previous hash)", env.Rev)
	}
	if env.Deleted {
		if ageOK {
			r.problem("tombstone left the ciphertext in place")
		}
		return nil
	}
	if !ageOK {
		r.problem("ciphertext missing")
		return nil
	}
	ct, err := w.g.readBlob(r.ageNew)
	if err != nil {
		return err
	}
	if hashHex(ct) != env.Ciphertext {
		r.problem("ciphertext does not match its envelope (rev %d)", env.Rev)
	}
	return nil
}

// checkTrailers checks that a commit's Record: lines name exactly the
// records it changes, so that gobag log can be trusted.
func checkTrailers(j *commitJob) {
	ids := make([]string, len(j.changes))
	for i, c := range j.changes {
		ids[i] = c.id
	}
	var named []string
	for _, e := range parseTrailers(j.c) {
		if e.ID == "" {
			continue
		}
		named = append(named, e.ID)
		if got, ok := j.seen[e.ID]; ok && got != fmt.Sprintf("%d %s", e.Rev, e.Action) {
			j.problem(e.ID, "commit message says rev %d %s, the envelope says %s", e.Rev, e.Action, got)
		}
	}
	sort.Strings(named)
	if strings.Join(named, ",") != strings.Join(ids, ",") {
		j.problem("", "commit message names records %v but the commit changes %v", named, ids)
	}
}
