package binder

import (
	"gobag/binder/roster"
	"os"
	"path/filepath"
	"slices"

	"gobag/binder/internal/gitstore"

	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

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
	// Warnings name what gobag does not read but stock git would: replace
	// refs, grafts, alternates, a HEAD that is not the binder's branch.
	// They do not fail verify (gobag's view is what it checked), but git
	// and age alone would show something else than gobag.
	Warnings []string `json:"warnings"`
	// IndexAlarms are the times this copy's local index was found changed
	// on disk by someone without its key, and rebuilt from git. The
	// history may be intact (OK says), but someone had the disk; they are
	// reported until the index is rebuilt on purpose.
	IndexAlarms []string `json:"index_alarms"`
}

// OK reports whether every check held.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks the whole history of the binder in dir: every commit is
// SSH-signed by a member of the roster in force at its parent; every roster
// change is signed by a manager of the previous roster; every record version
// has a valid envelope signed by a member, whose ciphertext hash matches,
// whose revision follows the previous one and names its hash; records
// disappear only through signed tombstones; merge commits (format 2) take
// each record from a parent or write a version that follows one. It needs
// no identity: nothing is decrypted. It also reports the times the local
// index was found changed on disk (Report.IndexAlarms).
//
// progress, if not nil, hears of the commits read ("history", total
// unknown) and the record versions checked ("records").
func Verify(ctx context.Context, dir string, progress Progress) (*Report, error) {
	g, err := gitstore.Open(dir)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	tip, err := g.Head()
	if err != nil {
		return nil, err
	}
	if tip.IsZero() {
		return nil, errorf(NotExist, "", "%s has no history", dir)
	}
	rep, err := verifyHistory(ctx, g, dir, tip, nil, progress)
	if rep != nil {
		rep.Warnings = gitViewWarnings(dir)
		rep.IndexAlarms = indexAlarms(dir)
	}
	return rep, err
}

// gitViewWarnings lists what would make stock git show another history,
// or other objects, than the one gobag verified: git show and the
// README's recipe follow replace refs, grafts and HEAD; gobag does not.
func gitViewWarnings(dir string) []string {
	out := []string{}
	if head, err := os.ReadFile(filepath.Join(dir, "HEAD")); err == nil && strings.TrimSpace(string(head)) != "ref: "+Branch.String() {
		out = append(out, fmt.Sprintf("HEAD is %q, not the binder's branch %s: git commands that read HEAD show something else", strings.TrimSpace(string(head)), Branch))
	}
	replaced := 0
	filepath.WalkDir(filepath.Join(dir, "refs", "replace"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			replaced++
		}
		return nil
	})
	if packed, err := os.ReadFile(filepath.Join(dir, "packed-refs")); err == nil {
		replaced += strings.Count(string(packed), " refs/replace/")
	}
	if replaced > 0 {
		out = append(out, fmt.Sprintf("%d replace refs (refs/replace/): stock git shows substitutes for the objects they name; read with GIT_NO_REPLACE_OBJECTS=1", replaced))
	}
	for _, f := range []struct{ path, what string }{
		{filepath.Join("info", "grafts"), "info/grafts rewrites history for stock git"},
		{filepath.Join("objects", "info", "alternates"), "objects/info/alternates takes objects from another repository"},
	} {
		if fi, err := os.Stat(filepath.Join(dir, f.path)); err == nil && fi.Size() > 0 {
			out = append(out, f.what)
		}
	}
	return out
}

// verifyHistory checks the commits reachable from tip: all of them if only
// is nil, else those in only. The others were checked before (they are in
// the binder's own history): the walk stops at them and takes the roster
// in force there from their trees.
func verifyHistory(ctx context.Context, g *gitstore.Store, dir string, tip plumbing.Hash, only map[plumbing.Hash]bool, progress Progress) (*Report, error) {
	progress = progress.serialized()
	v := &verifier{g: g, rosters: map[plumbing.Hash]*rosterState{}, times: map[plumbing.Hash]time.Time{}, only: only, rep: &Report{Tip: tip.String()}}
	// Walk the history and, while it is walked, check each commit on its
	// own in parallel: its trees, what it changes against its parents,
	// and whose key signed it.
	jobs, err := v.walk(ctx, dir, tip, progress)
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress("history", len(jobs), len(jobs))
	}
	if err := v.loadBoundary(); err != nil {
		return nil, err
	}
	err = checkAll(ctx, jobs, func(j *commitJob) *sigCheck { return j.sig }, func(j *commitJob, held bool) {
		if held {
			j.signer = j.sig.key
		} else {
			j.problem("", "commit signature does not verify: %v", bcrypto.ErrBadSignature)
		}
	})
	if err != nil {
		return nil, err
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
		if recs[i].commit.merge() {
			return w.mergedRecord(recs[i])
		}
		return w.record(recs[i])
	})
	if err != nil {
		return nil, err
	}
	err = checkAll(ctx, recs, func(r *recordJob) *sigCheck { return r.sig }, func(r *recordJob, held bool) {
		if !held {
			r.problem("%v", r.env.badSignature(bcrypto.ErrBadSignature))
		}
	})
	if err != nil {
		return nil, err
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
		if err := v.audiencesHold(ctx, j); err != nil {
			return nil, err
		}
		if err := v.auditPass(ctx, j); err != nil {
			return nil, err
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

// Binder formats: the format in force is the one in .gobag/format; it can
// only go up. Format 2 allows merge commits (sync) and records' conflicts.
var formatLines = map[string]int{"gobag-binder 1\n": 1, "gobag-binder 2\n": 2, "gobag-binder 3\n": 3, "gobag-binder 4\n": 4}

type rosterState struct {
	roster *roster.Roster
	raw    []byte
	gobag  plumbing.Hash // the .gobag tree it came from
	format int
}

type verifier struct {
	g         *gitstore.Store
	root      plumbing.Hash                  // the one commit without parents
	rosters   map[plumbing.Hash]*rosterState // roster in force after each commit
	only      map[plumbing.Hash]bool         // the commits to check, nil for all: the walk stops at others
	boundary  []plumbing.Hash                // the commits checked before that the walk reached
	knownRoot bool                           // the root is among them
	times     map[plumbing.Hash]time.Time    // committer time of each commit passed
	rep       *Report
}

// commitJob is one commit's checks and what they learned about it.
type commitJob struct {
	h     plumbing.Hash
	c     *gitstore.Commit
	gov   *rosterState // roster in force for this commit's signatures
	after *rosterState // roster in force after it: the one its versions are encrypted to

	// Read by worker.commit.
	gobag   plumbing.Hash     // this commit's .gobag tree
	records plumbing.Hash     // this commit's records/ tree
	audit   plumbing.Hash     // this commit's audit/ tree (zero if none)
	added   []string          // the audit entries it adds, "ID ACTION"
	sig     *sigCheck         // its signature, to be checked in a batch
	signer  bcrypto.PublicKey // the key that signed it, once the signature verified
	changes []recordChange    // the records it changes, sorted by id
	// For a merge: its parents' best common ancestor and that commit's
	// .gobag tree (zero if they share none).
	base, baseGobag plumbing.Hash

	problems []Problem
	versions int
	seen     map[string]string // record id → "rev action" its envelope shows
}

func (j *commitJob) merge() bool { return len(j.c.ParentHashes) > 1 }

func (j *commitJob) problem(rec, format string, args ...any) {
	j.problems = append(j.problems, Problem{Commit: j.h.String(), Record: rec, Reason: fmt.Sprintf(format, args...)})
}

// recordChange is what a commit did to one record's files: each blob's
// hash in the commit and in its first parent (and, for a merge, its
// second, and the envelope at the parents' merge base), zero where absent.
type recordChange struct {
	id             string
	envNew, ageNew plumbing.Hash
	envOld, ageOld plumbing.Hash // first parent
	env2, age2     plumbing.Hash // second parent, for a merge
	envBase        plumbing.Hash // at the merge base, for a merge
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

// checkAll verifies, in batches, the signatures of the items that carry
// one (sig returns nil for the others) and tells each whether it held.
func checkAll[T any](ctx context.Context, items []T, sig func(T) *sigCheck, held func(T, bool)) error {
	var sigs []*sigCheck
	var with []T
	for _, it := range items {
		if s := sig(it); s != nil {
			sigs = append(sigs, s)
			with = append(with, it)
		}
	}
	valid, err := checkSignatures(ctx, sigs)
	if err != nil {
		return err
	}
	for i, it := range with {
		held(it, valid[i])
	}
	return nil
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

// walk reads the history from tip, down to the commits checked before, and returns
// its commits, parents before children. As commits are read, they are
// handed in runs to a pool that runs worker.commit on each.
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
		c, err := v.g.ReadCommit(h)
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
			switch {
			case v.only != nil && !v.only[p]:
				if state[p] == 0 {
					state[p] = 2
					v.boundary = append(v.boundary, p)
				}
			case state[p] == 0:
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

// loadBoundary reads the roster in force at each commit checked before
// that the walk reached: their trees are trusted.
func (v *verifier) loadBoundary() error {
	for _, h := range v.boundary {
		c, err := v.g.ReadCommit(h)
		if err != nil {
			return err
		}
		gobagTree, _, err := v.g.Lookup(c.TreeHash, ".gobag")
		if err != nil {
			return err
		}
		raw, _, err := v.g.ReadFile(c.TreeHash, pathRoster)
		if err != nil {
			return err
		}
		r, err := roster.Parse(raw)
		if err != nil {
			return fixErr(BadSignature, fix(ActionVerify, ""), "", "roster at %s: %v", h, err)
		}
		format, _, err := v.g.ReadFile(c.TreeHash, pathFormat)
		if err != nil {
			return err
		}
		v.rosters[h] = &rosterState{roster: r, raw: raw, gobag: gobagTree, format: formatLines[string(format)]}
		v.times[h] = c.Committer.When
	}
	// The root is among the commits checked before: a new one is a second.
	v.knownRoot = len(v.boundary) > 0
	return nil
}

// rosterPass follows the roster through history: it checks a commit's
// .gobag files when they change (rarely) and its signer against the roster
// in force at its parent.
func (v *verifier) rosterPass(j *commitJob) {
	c := j.c
	switch {
	case len(c.ParentHashes) == 0 && v.knownRoot:
		j.problem("", "a second root commit: the binder's history has its own")
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
	switch {
	case j.merge():
		after = v.mergeRoster(j, gov)
	case gov == nil || j.gobag != gov.gobag:
		after = v.gobagChange(j, j.gobag, gov)
	}
	v.rosters[j.h] = after
	j.after = after
	v.times[j.h] = c.Committer.When
	if after != nil && after.format >= 2 {
		for _, p := range c.ParentHashes {
			if t, ok := v.times[p]; ok && !c.Committer.When.After(t) {
				j.problem("", "commit time %s is not after its parent's (%s): gobag's committer times rise along history",
					c.Committer.When.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
			}
		}
	}
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
	m := gov.roster.MemberByKey(j.signer)
	switch {
	case m == nil:
		j.problem("", "commit signed by a key that is not a member's (%s)", j.signer.Fingerprint())
	case after != nil && after.roster.MemberByKey(j.signer) == nil:
		j.problem("", "merge commit signed by %s, who is not a member of the roster it takes", m.Handle)
	case c.Author.Name != m.Handle || c.Committer.Name != m.Handle || c.Author.Email != m.Handle+"@gobag" || c.Committer.Email != m.Handle+"@gobag":
		j.problem("", "commit names %s <%s> as its author but is signed by %s", c.Author.Name, c.Author.Email, m.Handle)
	}
}

// mergeRoster checks a merge commit's .gobag files: a merge takes them
// whole from one parent (roster changes are never merged), and if the
// parents differ, from the one that changed them since the merge base
// while the other did not (so a merge cannot bring back an older roster,
// nor drop a change the other side made); it needs format 2.
func (v *verifier) mergeRoster(j *commitJob, gov *rosterState) *rosterState {
	if len(j.c.ParentHashes) > 2 {
		j.problem("", "a merge of %d parents (gobag merges two)", len(j.c.ParentHashes))
	}
	sides := [2]*rosterState{v.rosters[j.c.ParentHashes[0]], v.rosters[j.c.ParentHashes[1]]}
	if sides[0] == nil || sides[1] == nil {
		return gov // a parent's own problems were reported
	}
	var took, other *rosterState
	switch {
	case sides[0].gobag == j.gobag:
		took, other = sides[0], sides[1]
	case sides[1].gobag == j.gobag:
		took, other = sides[1], sides[0]
	default:
		j.problem("", "merge commit changes .gobag: a merge takes it from one parent")
		return gov
	}
	if other.gobag != took.gobag && other.gobag != j.baseGobag {
		j.problem("", "merge takes roster serial %d from one parent, dropping the roster change (serial %d) the other made since they parted",
			took.roster.Serial, other.roster.Serial)
	}
	if took.format < 2 {
		j.problem("", "merge commit in a format 1 binder (merges need format 2)")
	}
	return took
}

// gobagChange checks a commit whose .gobag directory differs from its
// parent's: the format line, the roster and its signature, allowed_signers.
func (v *verifier) gobagChange(j *commitJob, gobagTree plumbing.Hash, gov *rosterState) *rosterState {
	entries, err := v.g.Tree(gobagTree)
	if err != nil {
		j.problem("", "%v", err)
		return gov
	}
	files := map[string]plumbing.Hash{}
	for _, e := range entries {
		files[".gobag/"+string(e.Name)] = e.Hash
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
		data, err := v.g.ReadBlob(h)
		if err != nil {
			return nil
		}
		return data
	}
	format := formatLines[string(read(pathFormat))]
	switch {
	case format == 0:
		j.problem("", "%s is not a gobag format this version reads (gobag-binder 1 to %d)", pathFormat, FormatVersion)
	case gov != nil && format < gov.format:
		j.problem("", "%s goes back from format %d to %d", pathFormat, gov.format, format)
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
		} else if _, err := roster.VerifySig(rosterRaw, sig, gov.roster); err != nil {
			j.problem("", "roster signature rejected: %v", err)
		}
	}
	if after != nil {
		if !after.roster.MatchesAllowedSigners(read(pathAllowedSigners)) {
			j.problem("", "%s does not match the roster", pathAllowedSigners)
		}
		if after == gov {
			// Same roster, other .gobag files changed: a new state.
			after = &rosterState{roster: gov.roster, raw: gov.raw}
		}
		after.gobag, after.format = gobagTree, max(format, 1)
	}
	return after
}

// commit reads one commit's root tree and its parents', lists the records
// it changes, and parses its signature (whether the signer was a member is
// checked later, in history order).
func (w *worker) commit(j *commitJob, parentTree plumbing.Hash) error {
	c := j.c
	if c.Signature == nil {
		j.problem("", "commit is not signed")
	} else if key, msg, sig, err := bcrypto.ParseSSH(c.Signature, bcrypto.GitNamespace, c.Payload); err != nil {
		j.problem("", "commit signature does not verify: %v", err)
	} else {
		j.sig = &sigCheck{key: key, msg: msg, sig: sig}
	}
	root, err := w.g.Tree(c.TreeHash)
	if err != nil {
		return err
	}
	for _, e := range root {
		switch name := string(e.Name); {
		case name == ".gobag" && e.IsDir:
			j.gobag = e.Hash
		case name == recordsDir && e.IsDir:
			j.records = e.Hash
		case name == auditDir && e.IsDir:
			j.audit = e.Hash
		case name == pathReadme && !e.IsDir:
		default:
			j.problem("", "unexpected file %s", name)
		}
	}
	// The records/ tree of each parent (two at most are looked at; more
	// is a problem rosterPass reports).
	var parentRecs [2]plumbing.Hash
	for i, p := range c.ParentHashes[:min(2, len(c.ParentHashes))] {
		tree := parentTree
		if i > 0 || tree.IsZero() {
			pc, err := w.g.ReadCommit(p)
			if err != nil {
				return err
			}
			tree = pc.TreeHash
		}
		// The first parent's root tree is usually in this worker's cache:
		// workers take runs of consecutive commits.
		recs, _, err := w.g.Lookup(tree, recordsDir)
		if err != nil {
			return err
		}
		parentRecs[i] = recs
	}
	byID := map[string]*recordChange{}
	changed := func(p string) *recordChange {
		id, ok := idFromPath(p)
		if !ok {
			j.problem("", "unexpected file %s", p)
			return nil
		}
		rc := byID[id]
		if rc == nil {
			rc = &recordChange{id: id}
			byID[id] = rc
		}
		return rc
	}
	err = w.g.DiffTreeEntries(parentRecs[0], j.records, recordsDir, func(p string, old, _ plumbing.Hash) {
		if rc := changed(p); rc != nil {
			if strings.HasSuffix(p, ".env") {
				rc.envOld = old
			} else {
				rc.ageOld = old
			}
		}
	})
	if err != nil {
		return err
	}
	var baseRecs plumbing.Hash
	if j.merge() {
		err = w.g.DiffTreeEntries(parentRecs[1], j.records, recordsDir, func(p string, _, _ plumbing.Hash) { changed(p) })
		if err != nil {
			return err
		}
		// What each side did since they parted decides what a merge may
		// take whole.
		if _, _, j.base, err = w.g.Ancestry(c.ParentHashes[0], c.ParentHashes[1]); err != nil {
			return err
		}
		if !j.base.IsZero() {
			bt, err := w.g.ReadCommit(j.base)
			if err != nil {
				return err
			}
			if j.baseGobag, _, err = w.g.Lookup(bt.TreeHash, ".gobag"); err != nil {
				return err
			}
			if baseRecs, _, err = w.g.Lookup(bt.TreeHash, recordsDir); err != nil {
				return err
			}
		}
	}
	// Fill in every side's hashes (a side the diffs did not report is the
	// same as the commit's).
	j.changes = make([]recordChange, 0, len(byID))
	for _, rc := range byID {
		agePath, envPath := recordPath(rc.id)
		ageRel, envRel := agePath[len(recordsDir)+1:], envPath[len(recordsDir)+1:]
		for _, f := range []struct {
			tree plumbing.Hash
			rel  string
			dst  *plumbing.Hash
		}{
			{j.records, envRel, &rc.envNew}, {j.records, ageRel, &rc.ageNew},
			{parentRecs[0], envRel, &rc.envOld}, {parentRecs[0], ageRel, &rc.ageOld},
			{parentRecs[1], envRel, &rc.env2}, {parentRecs[1], ageRel, &rc.age2},
			{baseRecs, envRel, &rc.envBase},
		} {
			if f.tree.IsZero() {
				continue
			}
			h, _, err := w.g.Lookup(f.tree, f.rel)
			if err != nil {
				return err
			}
			*f.dst = h
		}
		j.changes = append(j.changes, *rc)
	}
	sort.Slice(j.changes, func(a, b int) bool { return j.changes[a].id < j.changes[b].id })
	return nil
}

// rosterChange checks a new roster: a valid file, signed by a manager of the
// governing roster (or, for the first commit, by a manager it lists itself),
// with the next serial number and the previous roster's fingerprint.
func (v *verifier) rosterChange(j *commitJob, files map[string]plumbing.Hash, raw []byte, gov *rosterState) *rosterState {
	r, err := roster.Parse(raw)
	if err != nil {
		j.problem("", "%v", err)
		return gov
	}
	sigHash, ok := files[pathRosterSig]
	var sig []byte
	if ok {
		sig, err = v.g.ReadBlob(sigHash)
	}
	if !ok || err != nil {
		j.problem("", "roster is not signed (no %s)", pathRosterSig)
		return gov
	}
	signers := r
	if gov != nil {
		signers = gov.roster
	}
	signer, err := roster.VerifySig(raw, sig, signers)
	if err != nil {
		j.problem("", "roster change rejected: %v", err)
		return gov
	}
	switch {
	case gov == nil && (r.Serial != 1 || r.Previous != ""):
		j.problem("", "first roster must have serial 1 and no previous roster")
	case gov != nil:
		if err := roster.CheckChange(gov.roster, gov.raw, r, signer); err != nil {
			j.problem("", "roster change rejected: %v", err)
		}
	}
	st := &rosterState{roster: r, raw: raw}
	if gov == nil && v.rep.Fingerprint == "" {
		v.rep.Fingerprint = bcrypto.Fingerprint(raw)
	}
	return st
}

// openEnvelope reads and parses the envelope of a record change and checks
// what every version must hold: its id, its author's membership and key
// (the signature goes to a batch).
func (w *worker) openEnvelope(r *recordJob) (*Envelope, []byte, error) {
	data, err := w.g.ReadBlob(r.envNew)
	if err != nil {
		return nil, nil, err
	}
	env, err := ParseEnvelope(data)
	if err != nil {
		r.problem("%v", err)
		return nil, data, nil
	}
	if env.ID != r.id {
		r.problem("envelope names record %s", env.ID)
	}
	gov := r.commit.gov.roster
	key, ok := gov.Key(env.Author)
	if !ok {
		r.problem("rev %d signed by %q, who is not a member", env.Rev, env.Author)
	} else if err := env.checkAuthorKey(key); err != nil {
		r.problem("%v", err)
	} else {
		r.env, r.sig = env, &sigCheck{key: key, msg: env.signedPart(), sig: env.Signature}
	}
	return env, data, nil
}

// checkCiphertext checks a version's ciphertext against its envelope.
func (w *worker) checkCiphertext(r *recordJob, env *Envelope) error {
	ageOK := !r.ageNew.IsZero()
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
	ct, err := w.g.ReadBlob(r.ageNew)
	if err != nil {
		return err
	}
	switch {
	case len(ct) > MaxCiphertextBytes:
		r.problem("ciphertext of %d bytes is over the limit of %d (rev %d)", len(ct), MaxCiphertextBytes, env.Rev)
	case hashHex(ct) != env.Ciphertext:
		r.problem("ciphertext does not match its envelope (rev %d)", env.Rev)
	default:
		checkAudience(r, env, ct)
	}
	return nil
}

// record checks one record version against the one before it.
func (w *worker) record(r *recordJob) error {
	envOK, penvOK := !r.envNew.IsZero(), !r.envOld.IsZero()
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
	env, _, err := w.openEnvelope(r)
	if err != nil || env == nil {
		return err
	}
	action := "edit"
	switch {
	case env.Deleted:
		action = "delete"
	case !penvOK:
		action = "add"
	}
	r.seen = fmt.Sprintf("%d %s", env.Rev, action)
	if penvOK {
		if err := w.follows(r, env, r.envOld); err != nil {
			return err
		}
	} else if env.Rev != 1 || env.Prev != "" {
		r.problem("first version has rev %d (want 1 and no previous hash)", env.Rev)
	}
	checkKind(r, env)
	return w.checkCiphertext(r, env)
}

// checkKind holds a version to the rules of its envelope's kind (format
// 4): a known kind; in a format 4 binder, every new version names one;
// only an append-only kind is sealed, and its first version is.
func checkKind(r *recordJob, env *Envelope) {
	format := 0
	if r.commit.gov != nil {
		format = r.commit.gov.format
	}
	if env.Kind == "" {
		if format >= 4 {
			r.problem("rev %d has a version 1 envelope, without its kind, in a format %d binder", env.Rev, format)
		}
		return
	}
	spec, ok := KindByName(env.Kind)
	switch {
	case !ok:
		r.problem("rev %d: unknown kind %q", env.Rev, env.Kind)
	case env.Sealed && !spec.AppendOnly:
		r.problem("rev %d is sealed as append-only, but a %s is not", env.Rev, env.Kind)
	case spec.AppendOnly && !env.Sealed && !env.Deleted:
		r.problem("rev %d of a %s entry is not sealed: append-only records are", env.Rev, env.Kind)
	}
}

// checkAudience holds a live version's audience to the roster after its
// commit (format 4): the handles its envelope lists are exactly the
// members its audience names, and its ciphertext has one X25519
// recipient for each, and one more for the recovery recipient if the
// binder has one. (Whether the recipients are those members' keys only
// they can tell: each reader checks its own when it decrypts.)
func checkAudience(r *recordJob, env *Envelope, ct []byte) {
	after := r.commit.after
	if env.Deleted || after == nil || r.commit.gov == nil || r.commit.gov.format < 4 {
		return
	}
	if msg := audienceProblem(after.roster, env); msg != "" {
		r.problem("rev %d: %s", env.Rev, msg)
		return
	}
	want := len(env.Audience) - 1
	if after.roster.Recovery != "" {
		want++
	}
	if got := ageRecipients(ct); got != want {
		r.problem("rev %d: its ciphertext has %d recipients, but its audience %d", env.Rev, got, want)
	}
}

// audienceProblem says what is wrong with an envelope's audience under
// ros, or "".
func audienceProblem(ros *roster.Roster, env *Envelope) string {
	if len(env.Audience) < 2 {
		return "its envelope names no audience"
	}
	names, err := roster.ParseAudience(env.Audience[0])
	if err != nil {
		return err.Error()
	}
	members, err := ros.Audience(names)
	if err != nil {
		return err.Error()
	}
	want := make([]string, len(members))
	for i, m := range members {
		want[i] = m.Handle
	}
	if !slices.Equal(want, env.Audience[1:]) {
		return fmt.Sprintf("encrypted for %s, but its audience %s is %s under the roster in force", strings.Join(env.Audience[1:], " "), env.Audience[0], strings.Join(want, " "))
	}
	return ""
}

// ageRecipients counts the X25519 recipient stanzas of an age file's
// header (-1 if it has no header).
func ageRecipients(ct []byte) int {
	const intro = "age-encryption.org/v1\n"
	if !bytes.HasPrefix(ct, []byte(intro)) {
		return -1
	}
	n := 0
	for _, line := range bytes.Split(ct[len(intro):], []byte("\n")) {
		switch {
		case bytes.HasPrefix(line, []byte("---")):
			return n
		case bytes.HasPrefix(line, []byte("-> X25519 ")):
			n++
		case bytes.HasPrefix(line, []byte("-> ")):
			return -1 // a recipient gobag does not write
		}
	}
	return -1
}

// audiencesHold checks, after a roster change (or a merge that joins two
// rosters), that every live record in the commit's tree is encrypted for
// its audience under the new roster: a roster change re-encrypts, in the
// same commit, every record whose audience it changes (format 4). In a
// merge, no version the merge takes from the other side may be by an
// author the merged roster does not list: a removed member's key is
// revoked from that roster on, whatever copy the version comes from.
func (v *verifier) audiencesHold(ctx context.Context, j *commitJob) error {
	if j.gov == nil || j.after == nil || j.gov.format < 4 && !j.merge() || j.after.format < 4 {
		return nil
	}
	var took plumbing.Hash // for a merge, the parent whose .gobag it took
	switch {
	case j.merge():
		other := v.rosters[j.c.ParentHashes[1]]
		if other == nil {
			return nil
		}
		if j.after.gobag == other.gobag {
			other, took = j.gov, j.c.ParentHashes[1]
		} else {
			took = j.c.ParentHashes[0]
		}
		if bytes.Equal(other.raw, j.after.raw) && other.roster.Recovery == j.after.roster.Recovery {
			return nil
		}
	case bytes.Equal(j.gov.raw, j.after.raw):
		return nil
	}
	var tookRecs plumbing.Hash
	if !took.IsZero() {
		c, err := v.g.ReadCommit(took)
		if err != nil {
			return err
		}
		if tookRecs, _, err = v.g.Lookup(c.TreeHash, recordsDir); err != nil {
			return err
		}
	}
	recoveryChanged := j.gov.roster.Recovery != j.after.roster.Recovery
	// Versions this commit writes are checked on their own (rule 10); in
	// a merge, what it takes whole from a parent is checked here.
	changed := map[string]bool{}
	for _, c := range j.changes {
		if !j.merge() || j.seen[c.id] != "" {
			changed[c.id] = true
		}
	}
	// A version the merge takes from the side whose roster it did not
	// take may not be by an author that roster does not list.
	refusedTaken := func(id string, h plumbing.Hash, env *Envelope) {
		if took.IsZero() || j.after.roster.Member(env.Author) != nil {
			return
		}
		_, envPath := recordPath(id)
		if th, _, _ := v.g.Lookup(tookRecs, envPath[len(recordsDir)+1:]); th != h {
			j.problem(id, "the merge takes rev %d by %s, who is not a member of the roster it takes", env.Rev, env.Author)
		}
	}
	return v.eachEnvelope(ctx, j.records, func(id string, h plumbing.Hash, env *Envelope) {
		if env.Deleted {
			return
		}
		refusedTaken(id, h, env)
		if env.Sealed {
			return // append-only entries keep the audience they were written for
		}
		if msg := audienceProblem(j.after.roster, env); msg != "" && !changed[id] {
			j.problem(id, "not re-encrypted when the roster changed: rev %d is %s", env.Rev, msg)
		} else if recoveryChanged && !changed[id] && !j.merge() {
			j.problem(id, "not re-encrypted when the recovery recipient changed")
		}
	})
}

// eachEnvelope calls f with every record envelope in a records/ tree.
func (v *verifier) eachEnvelope(ctx context.Context, recs plumbing.Hash, f func(id string, h plumbing.Hash, env *Envelope)) error {
	return eachSharded(v.g, recs, func(_, _, name string, h plumbing.Hash, _ bool) error {
		id, ok := strings.CutSuffix(name, ".env")
		if !ok {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := v.g.ReadBlob(h)
		if err != nil {
			return err
		}
		if env, err := ParseEnvelope(data); err == nil {
			f(id, h, env)
		}
		return nil
	})
}

// follows checks that env is the next version after the envelope blob
// prevHash.
func (w *worker) follows(r *recordJob, env *Envelope, prevHash plumbing.Hash) error {
	prev, err := w.g.ReadBlob(prevHash)
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
	case pe.Sealed:
		r.problem("rev %d changes an append-only record, written once and sealed", env.Rev)
	case env.Sealed:
		r.problem("rev %d seals a record after its first version", env.Rev)
	case pe.Kind != "" && env.Kind != pe.Kind:
		r.problem("rev %d makes a %s a %s: a record's kind never changes", env.Rev, pe.Kind, env.Kind)
	}
	return nil
}

// mergedRecord checks a record in a merge commit: taken whole from one
// parent (see tookWhole), or a new version (the merge of both) that
// follows one of them and is numbered after both.
func (w *worker) mergedRecord(r *recordJob) error {
	switch {
	case r.envNew.IsZero() && w.refusedOnly(r):
		// New since the parents parted, and only by members the merged
		// roster removed: refused, not taken.
		return nil
	case r.envNew.IsZero():
		// A record either parent has stays (deleting needs a tombstone).
		r.problem("record deleted without a tombstone")
		return nil
	case r.envNew == r.envOld && r.ageNew == r.ageOld:
		return w.tookWhole(r, r.env2)
	case r.envNew == r.env2 && r.ageNew == r.age2:
		return w.tookWhole(r, r.envOld)
	case r.envNew == r.envOld || r.envNew == r.env2:
		r.problem("ciphertext does not match its envelope (the ciphertext changed, the envelope did not)")
		return nil
	}
	env, _, err := w.openEnvelope(r)
	if err != nil || env == nil {
		return err
	}
	r.seen = fmt.Sprintf("%d merge", env.Rev)
	checkKind(r, env)
	// The parent it follows is the one whose envelope it names.
	var followed plumbing.Hash
	top := 0
	for _, h := range []plumbing.Hash{r.envOld, r.env2} {
		if h.IsZero() {
			continue
		}
		data, err := w.g.ReadBlob(h)
		if err != nil {
			return err
		}
		if pe, err := ParseEnvelope(data); err == nil {
			top = max(top, pe.Rev)
			if env.Prev == hashHex(data) {
				followed = h
			}
		}
	}
	switch {
	case followed.IsZero():
		r.problem("merged rev %d names neither parent's version", env.Rev)
	case env.Rev != top+1:
		r.problem("merged rev %d does not follow both parents' revisions (the later is %d)", env.Rev, top)
	default:
		// Rev and chain checked; a deleted parent version may not be revised.
		data, _ := w.g.ReadBlob(followed)
		if pe, err := ParseEnvelope(data); err == nil && pe.Deleted {
			r.problem("rev %d changes a deleted record", env.Rev)
		}
	}
	return w.checkCiphertext(r, env)
}

// refusedOnly reports whether a record a merge leaves out was new since
// its parents parted and every version of it the parents have is by an
// author the merged roster does not list (format 4).
func (w *worker) refusedOnly(r *recordJob) bool {
	after := r.commit.after
	if after == nil || after.format < 4 || !r.envBase.IsZero() {
		return false
	}
	for _, h := range []plumbing.Hash{r.envOld, r.env2} {
		if h.IsZero() {
			continue
		}
		data, err := w.g.ReadBlob(h)
		if err != nil {
			return false
		}
		env, err := ParseEnvelope(data)
		if err != nil || after.roster.Member(env.Author) != nil {
			return false
		}
	}
	return true
}

// tookWhole checks a record a merge takes as one parent has it, given the
// other parent's envelope: the other side must have left the record as it
// was at the merge base, or deleted it while the side taken changed it
// (an edit wins over a delete), or both deleted it. Otherwise taking one
// side would silently drop what the other did: the merge must write a new
// version.
func (w *worker) tookWhole(r *recordJob, other plumbing.Hash) error {
	if other == r.envNew || other == r.envBase {
		return nil
	}
	if other.IsZero() {
		r.problem("merge keeps a record the other parent does not have, though the merge base has it")
		return nil
	}
	data, err := w.g.ReadBlob(other)
	if err != nil {
		return err
	}
	oe, err := ParseEnvelope(data)
	if err != nil {
		r.problem("%v", err)
		return nil
	}
	if oe.Deleted && r.envNew != r.envBase {
		return nil
	}
	if after := r.commit.after; after != nil && after.format >= 4 && after.roster.Member(oe.Author) == nil {
		// A version by a member the merged roster removed is refused,
		// not merged (audiencesHold sees that the merge does not take it).
		return nil
	}
	r.problem("merge keeps one parent's version of a record both sides changed, dropping the other's rev %d (a merge of the two must be a new version)", oe.Rev)
	return nil
}

// checkTrailers checks that a commit's Record: lines name exactly the
// records it changes (for a merge: the records it writes new versions of),
// so that gobag log can be trusted.
func checkTrailers(j *commitJob) {
	var ids []string
	for _, c := range j.changes {
		if !j.merge() || j.seen[c.id] != "" {
			ids = append(ids, c.id)
		}
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
	var audit []string
	for _, line := range strings.Split(j.c.Message, "\n") {
		if rest, ok := strings.CutPrefix(line, "Audit: "); ok {
			audit = append(audit, rest)
		}
	}
	sort.Strings(audit)
	added := slices.Sorted(slices.Values(j.added))
	if strings.Join(audit, ",") != strings.Join(added, ",") {
		j.problem("", "commit message names audit entries %v but the commit adds %v", audit, added)
	}
}
