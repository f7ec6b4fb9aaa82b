package binder

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

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
	order, commits, err := v.topo(tip)
	if err != nil {
		return nil, err
	}
	v.commits, v.records = commits, map[plumbing.Hash]plumbing.Hash{}
	jobs := make([]*commitJob, len(order))
	for i, h := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		j, err := v.rosterPass(h, commits[h])
		if err != nil {
			return nil, err
		}
		jobs[i] = j
	}
	workers := runtime.NumCPU()
	// Workers take runs of consecutive commits, so a commit's parent trees
	// are usually still in the same worker's cache.
	const run = 64
	next := make(chan []*commitJob)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wg2, err := openGitStore(dir)
			if err != nil {
				errc <- err
				return
			}
			defer wg2.Close()
			w := &worker{g: wg2}
			for batch := range next {
				for _, j := range batch {
					if j.gov == nil {
						continue
					}
					if err := w.check(j); err != nil {
						errc <- err
						return
					}
				}
			}
		}()
	}
feed:
	for i := 0; i < len(jobs); i += run {
		select {
		case next <- jobs[i:min(len(jobs), i+run)]:
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		v.rep.Problems = append(v.rep.Problems, j.problems...)
		v.rep.Versions += j.versions
	}
	v.rep.Commits = len(order)
	return v.rep, nil
}

type rosterState struct {
	roster *Roster
	raw    []byte
	gobag  plumbing.Hash // the .gobag tree it came from
}

type verifier struct {
	g       *gitStore
	commits map[plumbing.Hash]*rawCommit
	records map[plumbing.Hash]plumbing.Hash // records/ tree of each commit
	root    plumbing.Hash                   // the one commit without parents
	rosters map[plumbing.Hash]*rosterState  // roster in force after each commit
	rep     *Report
}

// commitJob is one commit's checks, with everything the history-ordered
// pass learned about it.
type commitJob struct {
	h          plumbing.Hash
	c          *rawCommit
	gov        *rosterState // roster in force for this commit's signatures
	parentTree plumbing.Hash
	records    plumbing.Hash // this commit's records/ tree
	parentRecs plumbing.Hash // the first parent's records/ tree
	problems   []Problem
	versions   int
	seen       map[string]string // record id → "rev action" its envelope shows
}

func (j *commitJob) problem(rec, format string, args ...any) {
	j.problems = append(j.problems, Problem{Commit: j.h.String(), Record: rec, Reason: fmt.Sprintf(format, args...)})
}

// topo returns the commits reachable from tip, parents before children.
func (v *verifier) topo(tip plumbing.Hash) ([]plumbing.Hash, map[plumbing.Hash]*rawCommit, error) {
	var order []plumbing.Hash
	commits := map[plumbing.Hash]*rawCommit{}
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
		commits[h] = c
		state[h] = 1
		stack = append(stack, frame{h: h, par: c.ParentHashes})
		return nil
	}
	if err := push(tip); err != nil {
		return nil, nil, err
	}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(f.par) {
			p := f.par[f.next]
			f.next++
			if state[p] == 0 {
				if err := push(p); err != nil {
					return nil, nil, err
				}
			}
			continue
		}
		state[f.h] = 2
		order = append(order, f.h)
		stack = stack[:len(stack)-1]
	}
	return order, commits, nil
}

// rosterPass follows the roster through history and checks the files
// outside records/ (cheap: they change rarely).
func (v *verifier) rosterPass(h plumbing.Hash, c *rawCommit) (*commitJob, error) {
	j := &commitJob{h: h, c: c}
	switch {
	case len(c.ParentHashes) > 1:
		// Format 1 histories are linear: gobag writes no merge commits yet,
		// so one here was made by something else and may smuggle in
		// versions that no chain of revisions justifies.
		j.problem("", "merge commit: format 1 histories are linear")
	case len(c.ParentHashes) == 0 && v.root != plumbing.ZeroHash:
		j.problem("", "a second root commit (the first is %s)", v.root)
	case len(c.ParentHashes) == 0:
		v.root = h
	}
	var gov *rosterState
	if len(c.ParentHashes) > 0 {
		p := c.ParentHashes[0]
		gov = v.rosters[p]
		j.parentTree = v.commits[p].TreeHash
		j.parentRecs = v.records[p]
	}
	root, err := v.g.rawTree(c.TreeHash)
	if err != nil {
		return nil, err
	}
	var gobagTree plumbing.Hash
	for _, e := range root {
		switch name := string(e.name); {
		case name == ".gobag" && e.isDir:
			gobagTree = e.hash
		case name == recordsDir && e.isDir:
			j.records = e.hash
		case name == pathReadme && !e.isDir:
		default:
			j.problem("", "unexpected file %s", name)
		}
	}
	after := gov
	if gov == nil || gobagTree != gov.gobag {
		after = v.gobagChange(j, gobagTree, gov)
	}
	v.rosters[h] = after
	v.records[h] = j.records
	if gov == nil {
		gov = after // the first commit is governed by its own, self-signed roster
	}
	j.gov = gov
	if gov == nil {
		v.rep.Problems = append(v.rep.Problems, j.problems...)
		j.problems = nil
	}
	return j, nil
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

// worker checks commits with its own repository handle.
type worker struct {
	g *gitStore
}

func (w *worker) check(j *commitJob) error {
	c := j.c
	if c.Signature == nil {
		j.problem("", "commit is not signed")
	} else if key, err := bcrypto.VerifySSH(c.Signature, bcrypto.GitNamespace, c.Payload); err != nil {
		j.problem("", "commit signature does not verify: %v", err)
	} else if m := j.gov.roster.MemberByKey(key); m == nil {
		j.problem("", "commit signed by a key that is not a member's (%s)", key.Fingerprint())
	} else if c.Author.Name != m.Handle || c.Committer.Name != m.Handle || c.Author.Email != m.Handle+"@gobag" || c.Committer.Email != m.Handle+"@gobag" {
		j.problem("", "commit names %s <%s> as its author but is signed by %s", c.Author.Name, c.Author.Email, m.Handle)
	}
	ids := map[string]bool{}
	err := w.g.diffTrees(j.parentRecs, j.records, recordsDir, func(p string) {
		if id, ok := idFromPath(p); ok {
			ids[id] = true
		} else {
			j.problem("", "unexpected file %s", p)
		}
	})
	if err != nil {
		return err
	}
	sortedIDs := make([]string, 0, len(ids))
	for id := range ids {
		sortedIDs = append(sortedIDs, id)
	}
	sort.Strings(sortedIDs)
	for _, id := range sortedIDs {
		if err := w.record(j, id); err != nil {
			return err
		}
	}
	checkTrailers(j, sortedIDs)
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

// record checks one record's change in commit h against the parent tree.
func (w *worker) record(j *commitJob, id string) error {
	gov := j.gov.roster
	agePath, envPath := recordPath(id)
	// Paths inside records/: look up from the records trees directly.
	ageRel, envRel := agePath[len(recordsDir)+1:], envPath[len(recordsDir)+1:]
	envH, envOK, err := w.g.lookup(j.records, envRel)
	if err != nil {
		return err
	}
	ageH, ageOK, err := w.g.lookup(j.records, ageRel)
	if err != nil {
		return err
	}
	penvH, penvOK, err := w.g.lookup(j.parentRecs, envRel)
	if err != nil {
		return err
	}
	switch {
	case !envOK && penvOK:
		j.problem(id, "record deleted without a tombstone")
		return nil
	case !envOK:
		j.problem(id, "ciphertext without an envelope")
		return nil
	case envOK && penvOK && envH == penvH:
		j.problem(id, "ciphertext does not match its envelope (the ciphertext changed, the envelope did not)")
		return nil
	}
	j.versions++
	envData, err := w.g.readBlob(envH)
	if err != nil {
		return err
	}
	env, err := ParseEnvelope(envData)
	if err != nil {
		j.problem(id, "%v", err)
		return nil
	}
	if env.ID != id {
		j.problem(id, "envelope names record %s", env.ID)
	}
	action := "edit"
	switch {
	case env.Deleted:
		action = "delete"
	case !penvOK:
		action = "add"
	}
	if j.seen == nil {
		j.seen = map[string]string{}
	}
	j.seen[id] = fmt.Sprintf("%d %s", env.Rev, action)
	key, ok := gov.Key(env.Author)
	if !ok {
		j.problem(id, "rev %d signed by %q, who is not a member", env.Rev, env.Author)
	} else if err := env.verify(key); err != nil {
		j.problem(id, "%v", err)
	}
	if penvOK {
		prev, err := w.g.readBlob(penvH)
		if err != nil {
			return err
		}
		pe, err := ParseEnvelope(prev)
		switch {
		case err != nil:
		case env.Rev < pe.Rev:
			j.problem(id, "revision goes backwards from %d to %d", pe.Rev, env.Rev)
		case env.Rev != pe.Rev+1:
			j.problem(id, "revision %d does not follow %d", env.Rev, pe.Rev)
		case env.Prev != hashHex(prev):
			j.problem(id, "rev %d does not name the previous version's hash", env.Rev)
		case pe.Deleted:
			j.problem(id, "rev %d changes a deleted record", env.Rev)
		}
	} else if env.Rev != 1 || env.Prev != "" {
		j.problem(id, "first version has rev %d (want 1 and no previous hash)", env.Rev)
	}
	if env.Deleted {
		if ageOK {
			j.problem(id, "tombstone left the ciphertext in place")
		}
		return nil
	}
	if !ageOK {
		j.problem(id, "ciphertext missing")
		return nil
	}
	ct, err := w.g.readBlob(ageH)
	if err != nil {
		return err
	}
	if hashHex(ct) != env.Ciphertext {
		j.problem(id, "ciphertext does not match its envelope (rev %d)", env.Rev)
	}
	return nil
}

// checkTrailers checks that a commit's Record: lines name exactly the
// records it changes, so that gobag log can be trusted.
func checkTrailers(j *commitJob, ids []string) {
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
