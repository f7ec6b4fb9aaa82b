package binder

import (
	"gobag/binder/escrow"
	"gobag/binder/roster"

	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/go-git/go-git/v5/plumbing"
)

// Bringing another copy's history in. Sync fetches a remote's branch into
// the repository and hands its tip to Integrate, which checks every commit
// it does not have yet and then fast-forwards or merges record by record.

// MergeResult says what Integrate did.
type MergeResult struct {
	Tip         string `json:"tip"`
	UpToDate    bool   `json:"up_to_date"`   // the other copy had nothing new
	FastForward bool   `json:"fast_forward"` // the binder took the other history as it is
	Merged      bool   `json:"merged"`       // a merge commit joins the two histories
	Received    int    `json:"received"`     // commits new to this copy
	Changed     int    `json:"changed"`      // records that changed in this copy
	// Conflicts lists the records left with conflicting values, Notices
	// what else the merge decided that someone should know.
	Conflicts []string `json:"conflicts"`
	Notices   []string `json:"notices"`
	// Refused lists the versions the merge did not take because their
	// author is not a member of the merged roster: written on a copy that
	// had not yet seen the member's removal. Each says which record and
	// version, by whom; the record keeps the other copy's version.
	Refused []string `json:"refused,omitempty"`
}

// Ancestry compares the binder's branch with commit other ("" for an empty
// history): how many commits each has that the other lacks, and their best
// common ancestor.
func (b *Binder) Ancestry(ctx context.Context, other string) (ahead, behind int, base string, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if other == "" {
		n, err := b.git.CountCommits(b.tip)
		return n, 0, "", err
	}
	onlyOurs, onlyTheirs, mb, err := b.git.Ancestry(b.tip, plumbing.NewHash(other))
	if err != nil {
		return 0, 0, "", err
	}
	if !mb.IsZero() {
		base = mb.String()
	}
	return len(onlyOurs), len(onlyTheirs), base, nil
}

// Descends reports whether commit tip descends from (or is) commit from.
func (b *Binder) Descends(ctx context.Context, tip, from string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	onlyFrom, _, _, err := b.git.Ancestry(plumbing.NewHash(from), plumbing.NewHash(tip))
	return err == nil && len(onlyFrom) == 0, err
}

// Integrate brings the history ending at commit theirs (already in the
// repository) into the binder's branch. Every commit of it that the
// branch does not have is verified first; if one fails, nothing changes
// and the error (BadSignature) names it. Then the branch fast-forwards, or
// a signed merge commit joins both histories: records changed on one side
// are taken as they are; a record changed on both is merged field by
// field, and a field changed differently keeps both values as a visible
// conflict; an edit wins over a delete. from names the other copy in the
// merge commit's message.
func (b *Binder) Integrate(ctx context.Context, theirs, from string, progress Progress) (*MergeResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.catchUp(ctx); err != nil {
		return nil, err
	}
	th := plumbing.NewHash(theirs)
	ours := b.tip
	onlyOurs, onlyTheirs, base, err := b.git.Ancestry(ours, th)
	if err != nil {
		return nil, err
	}
	res := &MergeResult{Tip: ours.String(), Received: len(onlyTheirs), Conflicts: []string{}, Notices: []string{}}
	if len(onlyTheirs) == 0 {
		res.UpToDate = true
		return res, nil
	}
	// Room for the index first: the branch moves only if the index can
	// follow it.
	if err := b.ix.Writable(); err != nil {
		return nil, err
	}
	only := map[plumbing.Hash]bool{}
	for _, h := range onlyTheirs {
		only[h] = true
	}
	rep, err := verifyHistory(ctx, b.git, b.dir, th, only, progress)
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		return nil, errorf(BadSignature, "the copy you sync with holds history that does not verify; nothing was taken from it",
			"%d problems in the history received; first: %s", len(rep.Problems), rep.Problems[0])
	}
	oldTree, err := b.treeOf(ours)
	if err != nil {
		return nil, err
	}
	var tip plumbing.Hash
	if len(onlyOurs) == 0 {
		if err := b.git.SetHead(ours, th); err != nil {
			return nil, err
		}
		tip, res.FastForward = th, true
	} else {
		if base.IsZero() {
			return nil, fixErr(BadSignature, fix(ActionVerify, ""), "check that both copies are the same binder: verify shows its fingerprint", "the histories share no commit")
		}
		if tip, err = b.merge(ctx, ours, th, base, from, res); err != nil {
			return nil, err
		}
		res.Merged = true
	}
	res.Tip = tip.String()
	// The roster may have changed with the history taken in.
	if err := b.loadRoster(tip); err != nil {
		return nil, err
	}
	newTree, err := b.treeOf(tip)
	if err != nil {
		return nil, err
	}
	var paths []string
	if err := b.git.ChangedPaths(oldTree, newTree, "", &paths); err != nil {
		return nil, err
	}
	ids := recordIDs(paths)
	res.Changed = len(ids)
	if err := b.reindexIDs(ctx, tip, newTree, ids, false, progress); err != nil {
		return nil, err
	}
	return res, nil
}

func (b *Binder) treeOf(commit plumbing.Hash) (plumbing.Hash, error) {
	c, err := b.git.ReadCommit(commit)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.TreeHash, nil
}

// side is one record's files in one commit.
type side struct {
	env, age plumbing.Hash
}

func (s side) present() bool { return !s.env.IsZero() }

// recordSides lists, for each record that changed between base and tip,
// its files in tip.
func (b *Binder) recordSides(base, tip plumbing.Hash) (map[string]side, error) {
	var paths []string
	if err := b.git.ChangedPaths(base, tip, "", &paths); err != nil {
		return nil, err
	}
	out := map[string]side{}
	for _, id := range recordIDs(paths) {
		s, err := b.sideAt(tip, id)
		if err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, nil
}

func (b *Binder) sideAt(tree plumbing.Hash, id string) (side, error) {
	agePath, envPath := recordPath(id)
	env, _, err := b.git.Lookup(tree, envPath)
	if err != nil {
		return side{}, err
	}
	age, _, err := b.git.Lookup(tree, agePath)
	return side{env: env, age: age}, err
}

// merge writes the merge commit of ours and theirs, whose common ancestor
// is base, and moves the branch to it.
func (b *Binder) merge(ctx context.Context, ours, theirs, base plumbing.Hash, from string, res *MergeResult) (plumbing.Hash, error) {
	trees := map[plumbing.Hash]plumbing.Hash{}
	for _, c := range []plumbing.Hash{ours, theirs, base} {
		t, err := b.treeOf(c)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		trees[c] = t
	}
	ot, tt, bt := trees[ours], trees[theirs], trees[base]
	changes := map[string]plumbing.Hash{}
	// .gobag (roster, format) is never merged: one side's, whole.
	og, _, _ := b.git.Lookup(ot, ".gobag")
	tg, _, _ := b.git.Lookup(tt, ".gobag")
	bg, _, _ := b.git.Lookup(bt, ".gobag")
	switch {
	case og == tg, tg == bg:
	case og == bg:
		var paths []string
		if err := b.git.ChangedPaths(og, tg, ".gobag", &paths); err != nil {
			return plumbing.ZeroHash, err
		}
		for _, p := range paths {
			h, _, err := b.git.Lookup(tt, p)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			changes[p] = h
		}
	default:
		return plumbing.ZeroHash, errorf(Conflict, "a manager should make the roster change again on the merged binder after syncing the other copy without it",
			"both copies changed the roster since they parted; gobag does not merge rosters")
	}
	// The merged roster is the one records are encrypted to.
	mergedRoster := b.roster
	if og != tg && og == bg {
		raw, _, err := b.git.ReadFile(tt, pathRoster)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if mergedRoster, err = roster.Parse(raw); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	if mergedRoster.Member(b.id.Handle) == nil {
		return plumbing.ZeroHash, errorf(Permission, "this copy keeps what it had; ask a manager if the removal was a mistake",
			"%s was removed from the binder (roster serial %d) while this copy was apart: it cannot merge or send anything more", b.id.Handle, mergedRoster.Serial)
	}
	oursSides, err := b.recordSides(bt, ot)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	theirsSides, err := b.recordSides(bt, tt)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	now := clock().UTC().Truncate(time.Second)
	var trailers []string
	ids := make([]string, 0, len(theirsSides))
	for id := range theirsSides {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// With two rosters, a version by someone the merged roster does not
	// list is refused: that side counts as not having changed the record.
	rostersDiffer := og != tg
	refused := func(id string, s side, where string) (bool, error) {
		if !rostersDiffer || !s.present() {
			return false, nil
		}
		data, err := b.git.ReadBlob(s.env)
		if err != nil {
			return false, err
		}
		env, err := ParseEnvelope(data)
		if err != nil || mergedRoster.Member(env.Author) != nil {
			return false, err
		}
		res.Refused = append(res.Refused, fmt.Sprintf("record %s rev %d by %s (%s), who is not a member of the merged roster", id, env.Rev, env.Author, where))
		return true, nil
	}
	// The audit chain is merged by union: every entry either side added,
	// less those by authors the merged roster does not list.
	for _, side := range []struct {
		tree  plumbing.Hash
		where string
		ours  bool
	}{{ot, "this copy", true}, {tt, from, false}} {
		var paths []string
		ba, _, _ := b.git.Lookup(bt, auditDir)
		sa, _, _ := b.git.Lookup(side.tree, auditDir)
		if err := b.git.ChangedPaths(ba, sa, auditDir, &paths); err != nil {
			return plumbing.ZeroHash, err
		}
		for _, p := range paths {
			h, ok, err := b.git.Lookup(side.tree, p)
			if err != nil || !ok {
				continue
			}
			if rostersDiffer {
				data, err := b.git.ReadBlob(h)
				if err != nil {
					return plumbing.ZeroHash, err
				}
				// A removed member's request and opening stay: they are
				// evidence of what the member reached (the secret is then
				// due for rotation). What they gave or changed is refused.
				if e, err := escrow.Parse(data); err == nil && mergedRoster.Member(e.Actor) == nil && e.Action != escrow.ActionRequest && e.Action != escrow.ActionOpen {
					res.Refused = append(res.Refused, fmt.Sprintf("audit entry %s (%s) by %s (%s), who is not a member of the merged roster", e.ID, e.Action, e.Actor, side.where))
					if side.ours {
						changes[p] = plumbing.ZeroHash
					}
					continue
				}
			}
			if !side.ours {
				changes[p] = h
			}
		}
	}
	for id, oh := range oursSides {
		if _, both := theirsSides[id]; !both {
			if no, err := refused(id, oh, "this copy"); err != nil {
				return plumbing.ZeroHash, err
			} else if no {
				bh, err := b.sideAt(bt, id)
				if err != nil {
					return plumbing.ZeroHash, err
				}
				agePath, envPath := recordPath(id)
				changes[agePath], changes[envPath] = bh.age, bh.env
			}
		}
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return plumbing.ZeroHash, err
		}
		th := theirsSides[id]
		oh, changedHere := oursSides[id]
		take := func(s side) {
			agePath, envPath := recordPath(id)
			changes[agePath], changes[envPath] = s.age, s.env
		}
		theirsRefused, err := refused(id, th, from)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		oursRefused := false
		if changedHere && oh != th {
			if oursRefused, err = refused(id, oh, "this copy"); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		switch {
		case theirsRefused && (!changedHere || oursRefused):
			bh, err := b.sideAt(bt, id)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			take(bh)
			continue
		case theirsRefused:
			continue
		case oursRefused:
			take(th)
			continue
		case !changedHere:
			take(th)
			continue
		case oh == th:
			continue
		}
		// Changed on both sides: decide on content.
		bh, err := b.sideAt(bt, id)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		o, oEnv, err := b.version(id, oh)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t, tEnv, err := b.version(id, th)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		switch {
		case o.Deleted && t.Deleted:
			continue
		case o.Deleted:
			take(th)
			res.Notices = append(res.Notices, fmt.Sprintf("%s %q: deleted here, edited in %s: the edit is kept", t.Kind, t.Title, from))
			continue
		case t.Deleted:
			res.Notices = append(res.Notices, fmt.Sprintf("%s %q: edited here, deleted in %s: the edit is kept", o.Kind, o.Title, from))
			continue
		}
		if o.Unreadable || t.Unreadable {
			return plumbing.ZeroHash, errorf(Conflict, "a member of its audience can sync the two copies; then sync again",
				"record %s (a %s for %s) was changed on both copies, and only a member of its audience can merge it", id, o.Kind, audienceWords(o.Audience))
		}
		var br *Record
		if bh.present() {
			if br, _, err = b.version(id, bh); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		// Even when both sides hold the same content, the merge writes a
		// version that follows both: taking one side's whole would read,
		// to gobag verify, as dropping the other's.
		merged, conflicts := mergeRecord(br, o, t, oEnv, tEnv)
		prev, err := b.git.ReadBlob(oh.env)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		_, trailer, err := b.writeVersion(mergedRoster, change{rec: merged, action: "merge"}, prev, max(oEnv.Rev, tEnv.Rev)+1, now, changes)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		trailers = append(trailers, trailer)
		if conflicts > 0 {
			res.Conflicts = append(res.Conflicts, id)
		}
	}
	tree, err := b.git.ApplyTree(ot, changes)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if rostersDiffer {
		// Each record is for its audience under the merged roster: what
		// one side wrote for the other roster is encrypted again.
		more, err := b.reencryptForRoster(ctx, tree, ot, tt, mergedRoster, now)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if len(more.trailers) > 0 {
			if tree, err = b.git.ApplyTree(tree, more.changes); err != nil {
				return plumbing.ZeroHash, err
			}
			trailers = append(trailers, more.trailers...)
		}
	}
	msg := "gobag: merge " + from + "\n"
	if len(trailers) > 0 {
		msg += "\n" + strings.Join(trailers, "\n") + "\n"
	}
	commit, err := writeCommit(b.git, tree, []plumbing.Hash{ours, theirs}, b.id, msg, now)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if err := b.git.SetHead(ours, commit); err != nil {
		return plumbing.ZeroHash, err
	}
	return commit, nil
}

// version reads and decrypts one record version from its files. Its
// history was verified, so the envelope's signature is not checked again.
func (b *Binder) version(id string, s side) (*Record, *Envelope, error) {
	envData, err := b.git.ReadBlob(s.env)
	if err != nil {
		return nil, nil, err
	}
	var ct []byte
	if !s.age.IsZero() {
		if ct, err = b.git.ReadBlob(s.age); err != nil {
			return nil, nil, err
		}
	}
	return b.openVersion(id, envData, ct, nil)
}

// mergeRecord merges two versions of a record against their common
// ancestor (nil if the record is new on both sides, which ids make
// impossible in practice): each of title, body and every field takes the
// side that changed it; a field both changed differently keeps ours and
// records both as a conflict. Conflicts the versions already carry are
// kept (see mergeConflicts). It returns the merged record and how many
// conflicts it carries.
func mergeRecord(base, ours, theirs *Record, oursEnv, theirsEnv *Envelope) (*Record, int) {
	if base == nil {
		base = &Record{}
	}
	merged := ours.Clone()
	parts := func(r *Record) map[string]any {
		m := map[string]any{"title": r.Title, "body": r.Body}
		for k, v := range r.Fields {
			m["fields."+k] = v
		}
		return m
	}
	bp, op, tp := parts(base), parts(ours), parts(theirs)
	keys := map[string]bool{}
	for _, p := range []map[string]any{bp, op, tp} {
		for k := range p {
			keys[k] = true
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var conflicts []FieldConflict
	for _, k := range names {
		bv, ov, tv := bp[k], op[k], tp[k]
		switch {
		case same(ov, tv), same(tv, bv):
			// ours stands
		case same(ov, bv):
			setPart(merged, k, tv)
		default:
			conflicts = append(conflicts, FieldConflict{Field: strings.TrimPrefix(k, "fields."), Ours: ov, Theirs: tv,
				OursBy: oursEnv.Author, TheirsBy: theirsEnv.Author, OursRev: oursEnv.Rev, TheirsRev: theirsEnv.Rev})
		}
	}
	merged.Conflicts = mergeConflicts(conflicts, base.Conflicts, ours.Conflicts, theirs.Conflicts)
	return merged, len(merged.Conflicts)
}

// mergeConflicts joins the conflicts a merge found with those the two
// versions carried: every entry either side carries stays (a third copy's
// value is not lost because the field conflicts again), once, unless one
// side resolved it since the merge base (an entry the base had and that
// side dropped).
func mergeConflicts(found, base, ours, theirs []FieldConflict) []FieldConflict {
	keys := func(cs []FieldConflict) map[string]bool {
		m := map[string]bool{}
		for _, c := range cs {
			m[conflictKey(c)] = true
		}
		return m
	}
	inBase, inOurs, inTheirs := keys(base), keys(ours), keys(theirs)
	var out []FieldConflict
	seen := map[string]bool{}
	for _, c := range slices.Concat(found, ours, theirs) {
		k := conflictKey(c)
		if seen[k] || inBase[k] && (!inOurs[k] || !inTheirs[k]) {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	return out
}

// conflictKey identifies a conflict entry by all it holds.
func conflictKey(c FieldConflict) string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return fmt.Sprintf("%#v", c)
	}
	return b.String()
}

func setPart(r *Record, key string, v any) {
	switch key {
	case "title":
		r.Title, _ = v.(string)
	case "body":
		r.Body, _ = v.(string)
	default:
		name := strings.TrimPrefix(key, "fields.")
		if v == nil {
			delete(r.Fields, name)
		} else {
			r.Fields[name] = v
		}
	}
}

// same compares two field values by their TOML form (nil for absent).
func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y bytes.Buffer
	if toml.NewEncoder(&x).Encode(map[string]any{"v": a}) != nil || toml.NewEncoder(&y).Encode(map[string]any{"v": b}) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// reencrypted is what reencryptForRoster wrote.
type reencrypted struct {
	changes  map[string]plumbing.Hash
	trailers []string
}

// reencryptForRoster writes, for each live record in tree whose envelope
// does not name its audience under ros (or, when the recovery recipient
// changed, every live record), a merge version encrypted for it, numbered
// after both parents' (trees ot and tt) versions.
func (b *Binder) reencryptForRoster(ctx context.Context, tree, ot, tt plumbing.Hash, ros *roster.Roster, now time.Time) (*reencrypted, error) {
	out := &reencrypted{changes: map[string]plumbing.Hash{}}
	recoveryChanged := false
	for _, t := range []plumbing.Hash{ot, tt} {
		if raw, ok, err := b.git.ReadFile(t, pathRoster); err == nil && ok {
			if r, err := roster.Parse(raw); err == nil && r.Recovery != ros.Recovery {
				recoveryChanged = true
			}
		}
	}
	var plan []reencryption
	err := b.liveEnvelopes(ctx, tree, func(id string, envData []byte, env *Envelope) error {
		if audienceProblem(ros, env) == "" && !recoveryChanged {
			return nil
		}
		_, envPath := recordPath(id)
		top := env.Rev
		for _, t := range []plumbing.Hash{ot, tt} {
			if data, ok, err := b.git.ReadFile(t, envPath); err == nil && ok {
				if pe, err := ParseEnvelope(data); err == nil {
					top = max(top, pe.Rev)
				}
			}
		}
		// A named member the merged roster removed drops out.
		names := strings.Split(env.Audience[0], ",")
		for _, n := range names {
			if n != roster.AudienceAll && !slices.Contains(roster.Roles, n) && ros.Member(n) == nil {
				names = roster.Without(names, n)
			}
		}
		plan = append(plan, reencryption{id: id, env: envData, audience: strings.Join(names, ","), action: "merge", rev: top + 1})
		return nil
	})
	if err != nil {
		return nil, err
	}
	versions, err := b.reencrypt(ctx, tree, plan, ros, now)
	if err != nil {
		return nil, err
	}
	if err := storeAll(ctx, b.git, versions, out.changes); err != nil {
		return nil, err
	}
	for _, v := range versions {
		out.trailers = append(out.trailers, v.trailer)
	}
	return out, nil
}
