package binder

import (
	"gobag/binder/roster"
	"path/filepath"

	"gobag/binder/internal/gitstore"

	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/index"
	bcrypto "gobag/crypto"
)

const indexVersion = "5"

// Binder is one open binder: a bare git repository of encrypted, signed
// records and the local index that caches their decrypted form. A Binder
// is safe for use by one goroutine at a time per method call; methods lock.
type Binder struct {
	mu     sync.Mutex
	lock   *os.File // the process lock, held while open
	dir    string
	id     *bcrypto.Identity
	git    *gitstore.Store
	ix     *index.Index
	tip    plumbing.Hash
	roster *roster.Roster
	fp     string
	// acceptHistory: see AcceptHistory (for Open only); verified: see
	// Verified; opened: Open is done.
	acceptHistory bool
	opened        bool
	verified      *Report
	warnings      func(string) // see WithWarnings
	healing       bool         // the index is being rebuilt after a failed check
}

// clock tells the time records and commits are stamped with (tests set it
// to play a copy whose clock is wrong).
var clock = time.Now

// Dir returns the binder's directory.
func (b *Binder) Dir() string { return b.dir }

// Identity returns the identity the binder was opened with.
func (b *Binder) Identity() *bcrypto.Identity { return b.id }

// Roster returns the current roster.
func (b *Binder) Roster() *roster.Roster {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.roster
}

// Fingerprint names the binder: the fingerprint of its first roster.
func (b *Binder) Fingerprint() string { return b.fp }

// Tip returns the commit the binder is at.
func (b *Binder) Tip() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tip.String()
}

// Create makes a new binder in dir (which must not exist or be empty) with
// id as its first member and manager.
func Create(ctx context.Context, dir string, id *bcrypto.Identity, name string) (*Binder, error) {
	return create(ctx, dir, id, name, formatLine)
}

// create makes a binder whose .gobag/format holds format (tests make
// binders of older formats with it).
func create(ctx context.Context, dir string, id *bcrypto.Identity, name, format string) (*Binder, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errorf(Invalid, "give the organisation's name", "binder needs a name")
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, errorf(Invalid, "choose a new directory", "%s exists and is not empty", dir)
	}
	g, err := gitstore.Init(dir)
	if err != nil {
		return nil, err
	}
	now := clock().UTC().Truncate(time.Second)
	ros := &roster.Roster{Format: roster.Format, Serial: 1, Created: now, Members: []roster.Member{{
		Handle: id.Handle, Recipient: id.Recipient().String(), SigningKey: id.SigningKey().String(),
		Roles: []string{roster.RoleManager}, Since: now,
	}}}
	rosterBytes, err := ros.Marshal()
	if err != nil {
		return nil, err
	}
	if ros, err = roster.Parse(rosterBytes); err != nil {
		return nil, err
	}
	files := map[string][]byte{
		pathReadme:         readmeText(bcrypto.Fingerprint(rosterBytes)),
		pathFormat:         []byte(format),
		pathRoster:         rosterBytes,
		pathRosterSig:      roster.Sign(rosterBytes, id),
		pathAllowedSigners: ros.AllowedSigners(),
	}
	changes := map[string]plumbing.Hash{}
	for p, data := range files {
		h, err := g.PutBlob(data)
		if err != nil {
			return nil, err
		}
		changes[p] = h
	}
	tree, err := g.ApplyTree(plumbing.ZeroHash, changes)
	if err != nil {
		return nil, err
	}
	c, err := writeCommit(g, tree, nil, id, "gobag: create binder\n\nRoster: serial 1\n", now)
	if err != nil {
		return nil, err
	}
	if err := g.SetHead(plumbing.ZeroHash, c); err != nil {
		return nil, err
	}
	g.Close()
	// A new binder continues nothing: what the account remembers of a
	// binder once in the same directory is replaced.
	b, err := Open(ctx, dir, id, AcceptHistory())
	if err != nil {
		return nil, err
	}
	if _, err := b.Add(ctx, &Record{Kind: "binder", Title: name}); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Option changes how [Open] works.
type Option func(*openOptions)

type openOptions struct {
	progress      Progress
	acceptHistory bool
	verified      *Report
	warnings      func(string)
}

// Verified tells Open that the branch at rep.Tip was verified just now
// (a clone verifies what it fetched before the branch exists), so that
// an index built from scratch need not verify it again.
func Verified(rep *Report) Option {
	return func(o *openOptions) { o.verified = rep }
}

// AcceptHistory lets Open take a branch that does not continue the
// history this copy last verified (rewound, or another binder's), once it
// verifies: what a user does on purpose after restoring a copy from a
// backup. Without it such a branch is refused.
func AcceptHistory() Option {
	return func(o *openOptions) { o.acceptHistory = true }
}

// WithProgress reports the progress of the long work opening may do:
// checking history that changed outside gobag, rebuilding the index.
func WithProgress(p Progress) Option {
	return func(o *openOptions) { o.progress = p }
}

// Open opens the binder in dir with id. It takes the binder's process lock
// and brings the index up to date with git (rebuilding it if it is missing,
// stale or unreadable).
func Open(ctx context.Context, dir string, id *bcrypto.Identity, opts ...Option) (*Binder, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	g, err := gitstore.Open(dir)
	if errors.Is(err, gitstore.ErrNotRepository) {
		return nil, fixErr(NotExist, &Fix{Action: ActionInit, Value: dir}, "create one with", "%s is not a binder (no git repository there)", dir)
	}
	if err != nil {
		return nil, err
	}
	b := &Binder{dir: dir, id: id, git: g, acceptHistory: o.acceptHistory, verified: o.verified, warnings: o.warnings}
	if err := b.takeLock(); err != nil {
		g.Close()
		return nil, err
	}
	if err := b.openIndex(); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.refresh(ctx, o.progress); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.upgradeFormat(ctx); err != nil {
		b.Close()
		return nil, err
	}
	if b.acceptHistory {
		// Taken on purpose, once: from now on the branch is held to
		// what was accepted, in this process and the next.
		remember(b.dir, memory{fingerprint: b.fp, tip: b.tip})
		b.acceptHistory = false
	}
	b.opened, b.verified = true, nil
	return b, nil
}

// testOnlyKeepFormat, set by a test, leaves binders of older formats as
// they are, so that a test can write the histories older versions wrote.
var testOnlyKeepFormat bool

// upgradeFormat moves a binder of an older format to the current one with
// a signed commit that changes .gobag/format: format 1 binders become
// format 2 (which allows the merge commits of sync) when first opened.
func (b *Binder) upgradeFormat(ctx context.Context) error {
	if testOnlyKeepFormat {
		return nil
	}
	tree, err := b.treeOf(b.tip)
	if err != nil {
		return err
	}
	line, _, err := b.git.ReadFile(tree, pathFormat)
	if err != nil || formatLines[string(line)] >= FormatVersion {
		return err
	}
	if err := b.ix.Writable(); err != nil {
		return err
	}
	h, err := b.git.PutBlob([]byte(formatLine))
	if err != nil {
		return err
	}
	newTree, err := b.git.ApplyTree(tree, map[string]plumbing.Hash{pathFormat: h})
	if err != nil {
		return err
	}
	now := clock().UTC().Truncate(time.Second)
	msg := fmt.Sprintf("gobag: upgrade to format %d\n\nFormat: %d\n", FormatVersion, FormatVersion)
	commit, err := writeCommit(b.git, newTree, []plumbing.Hash{b.tip}, b.id, msg, now)
	if err != nil {
		return err
	}
	if err := b.git.SetHead(b.tip, commit); err != nil {
		return err
	}
	x := b.newIndexer(false)
	defer x.cancel()
	if err := x.commit(commit); err != nil {
		return err
	}
	b.tip = commit
	if err := b.settle(ctx); err != nil {
		return err
	}
	return ctx.Err()
}

// Close releases the index and the repository.
func (b *Binder) Close() error {
	var err error
	if b.lock != nil && b.fp != "" && !b.tip.IsZero() {
		// What this copy verified, for the next open to hold the branch
		// to; a memory that cannot be written leaves the index's alone.
		remember(b.dir, memory{fingerprint: b.fp, tip: b.tip})
	}
	if b.ix != nil {
		err = b.ix.Close()
		b.ix = nil
	}
	if b.git != nil {
		b.git.Close()
		b.git = nil
	}
	if b.lock != nil {
		b.lock.Close()
		b.lock = nil
	}
	return err
}

// errHeld means another process holds a lock file.
var errHeld = errors.New("lock is held by another process")

// takeLock takes the binder's process lock, gobag/lock: one process per
// binder, held from Open to Close (the index's own lock is a second guard).
func (b *Binder) takeLock() error {
	local := b.localPath("")
	if err := os.MkdirAll(local, 0o700); err != nil {
		return err
	}
	// The local state (the index of decrypted records, the lock, the
	// remotes) is the user's alone, whoever made the directory: other
	// local users can neither read it nor take the lock.
	if fi, err := os.Stat(local); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(local, 0o700); err != nil {
			return err
		}
	}
	f, err := lockFile(b.localPath(localLock))
	if errors.Is(err, errHeld) {
		return b.lockedError()
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", b.dir, err)
	}
	b.lock = f
	return nil
}

func (b *Binder) localPath(name string) string { return LocalPath(b.dir, name) }

// openIndex opens the encrypted index, making a new key and an empty index
// if the key is missing or cannot be read with this identity.
func (b *Binder) openIndex() error {
	keyPath := b.localPath(localIndexKey)
	var key []byte
	if ct, err := os.ReadFile(keyPath); err == nil {
		if k, err := bcrypto.Decrypt(ct, b.id.AgeIdentity()); err == nil && len(k) == 32 {
			key = k
		}
	}
	fresh := key == nil
	if fresh {
		key = make([]byte, 32)
		rand.Read(key)
	}
	ixDir := b.localPath(localIndex)
	if fresh {
		// The old index (if any) cannot be read without its key; no other
		// process uses it, since this one holds the binder's lock.
		os.RemoveAll(ixDir)
		ct, err := bcrypto.Encrypt(key, b.id.Recipient())
		if err != nil {
			return err
		}
		if err := WriteFileAtomic(keyPath, ct, 0o600); err != nil {
			return err
		}
	}
	// Read-only until something must be written: a command that only
	// reads writes nothing, and so works on a full disk.
	ix, err := index.OpenReadOnly(ixDir, key)
	if errors.Is(err, index.ErrLocked) {
		return b.lockedError()
	}
	if errors.Is(err, index.ErrNoSpace) {
		return err
	}
	if err != nil {
		// Corrupt or unreadable: it is only a cache.
		os.RemoveAll(ixDir)
		if ix, err = index.Open(ixDir, key); err != nil {
			return err
		}
	}
	b.ix = ix
	return nil
}

func (b *Binder) lockedError() error {
	return errorf(Locked, "close the other gobag window or command using this binder, then try again",
		"binder %s is in use by another gobag process", b.dir)
}

// WriteFileAtomic replaces the file at path with data: written to a new
// file of its own beside it (never one left there, nor through a link),
// given mode, synced, then renamed over it and the directory synced, so
// that a crash leaves the old file or the whole new one. Missing parent
// directories are made, private to the user.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	done = true
	gitstore.SyncDir(dir)
	return nil
}

// refresh brings the roster and the index up to date with the branch tip.
func (b *Binder) refresh(ctx context.Context, progress Progress) error {
	tip, err := b.git.Head()
	if err != nil {
		return err
	}
	if tip.IsZero() {
		return errorf(NotExist, "", "%s has no history: not a gobag binder", b.dir)
	}
	if err := b.loadRoster(tip); err != nil {
		return err
	}
	ver, err := b.ix.Get(keyVersion)
	if err != nil || string(ver) != indexVersion {
		return b.rebuild(ctx, tip, nil, progress)
	}
	old, _ := b.ix.Get(keyTip)
	fp, _ := b.ix.Get(keyFingerprint)
	b.fp = string(fp)
	if b.ix.Failed() > 0 {
		// What the index remembers is not known for sure any more: the
		// branch is held to the history's verification and the account's
		// memory alone, as when the index is deleted.
		b.tip = tip
		return b.heal(ctx)
	}
	switch {
	case string(old) == tip.String() && b.fp != "":
		// Unchanged, as far as the index knows; when the binder is
		// opened, the account's memory must agree (an older index put
		// back with the branch rewound to match it would not). Once open,
		// the index is this process's alone.
		if !b.acceptHistory && !b.opened {
			if err := b.checkMemory(tip, b.fp); err != nil {
				return err
			}
		}
		b.tip = tip
		return nil
	case len(old) == 0 || b.fp == "":
		return b.rebuild(ctx, tip, nil, progress)
	}
	// The branch moved outside this process: check the history before
	// trusting what it now holds.
	rep, err := b.verifiedHistory(ctx, progress)
	if err != nil {
		return err
	}
	// It must be this binder, and continue the history this copy last
	// verified, as sync holds a remote to (a history swapped for another
	// one that lists the same keys, or rewound past a deletion, verifies
	// too).
	oldTip := plumbing.NewHash(string(old))
	if !b.acceptHistory {
		if err := b.continues(tip, oldTip, rep.Fingerprint, b.fp); err != nil {
			return err
		}
		if err := b.checkMemory(tip, rep.Fingerprint); err != nil {
			return err
		}
	}
	oldCommit, err := b.git.ReadCommit(oldTip)
	if err != nil {
		return b.rebuild(ctx, tip, rep, progress)
	}
	newCommit, err := b.git.ReadCommit(tip)
	if err != nil {
		return err
	}
	var paths []string
	if err := b.git.ChangedPaths(oldCommit.TreeHash, newCommit.TreeHash, "", &paths); err != nil {
		return b.rebuild(ctx, tip, rep, progress)
	}
	ids := recordIDs(paths)
	err = b.reindexIDs(ctx, tip, newCommit.TreeHash, ids, false, progress)
	if KindOf(err) == NoSpace && !b.opened {
		// Reading must work on a full disk: the index stays at the tip
		// this copy verified before, and what it shows is said to be
		// from then. Writes are refused until there is room.
		b.warn(fmt.Sprintf("the disk is full: the %d records changed since %.12s could not be taken into the index, and are shown as they were then; free some space on the disk", len(ids), oldTip))
		b.tip = oldTip
		return nil
	}
	return err
}

// verifiedHistory verifies the binder's history, and fails unless it is
// sound.
func (b *Binder) verifiedHistory(ctx context.Context, progress Progress) (*Report, error) {
	rep, err := Verify(ctx, b.dir, progress)
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		return nil, fixErr(BadSignature, fix(ActionVerify, ""), "verify lists every problem; restore the binder from another responder's copy or a remote",
			"the binder's history changed outside gobag and does not verify: %s", rep.Problems[0])
	}
	return rep, nil
}

// continues checks that the branch at tip, which verified as the binder
// of fingerprint fp, is the binder this copy knows (of fingerprint known)
// and descends from oldTip, the tip it last verified.
func (b *Binder) continues(tip, oldTip plumbing.Hash, fp, known string) error {
	hint := "inspect it (verify, and git log main) and compare with another copy; if it was restored on purpose, rebuild the index from it to accept it"
	accept := &Fix{Action: ActionAcceptHistory}
	if fp != known {
		return fixErr(BadSignature, accept, hint, "the branch now holds another binder (fingerprint %s, not %s): its history was swapped", fp, known)
	}
	if _, err := b.git.ReadCommit(oldTip); err != nil {
		return fixErr(BadSignature, accept, hint, "the commit this copy last verified (%s) is gone: the history was swapped", oldTip)
	}
	_, onlyOld, _, err := b.git.Ancestry(tip, oldTip)
	if err != nil {
		return err
	}
	if len(onlyOld) > 0 {
		return fixErr(BadSignature, accept, hint, "the branch (%s) does not continue the history this copy last verified (%s): it was rewound or rewritten, dropping %d commits", tip, oldTip, len(onlyOld))
	}
	return nil
}

func (b *Binder) loadRoster(tip plumbing.Hash) error {
	c, err := b.git.ReadCommit(tip)
	if err != nil {
		return err
	}
	data, ok, err := b.git.ReadFile(c.TreeHash, pathRoster)
	if err != nil || !ok {
		return fixErr(BadSignature, fix(ActionVerify, ""), "", "binder has no readable roster at %s", tip)
	}
	r, err := roster.Parse(data)
	if err != nil {
		return fixErr(BadSignature, fix(ActionVerify, ""), "", "%v", err)
	}
	b.roster = r
	return nil
}

// recordIDs extracts the record ids from changed repository paths.
func recordIDs(paths []string) []string {
	seen := map[string]bool{}
	var ids []string
	for _, p := range paths {
		id, ok := idFromPath(p)
		if ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func idFromPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, recordsDir+"/")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return "", false
	}
	id := strings.TrimSuffix(strings.TrimSuffix(parts[2], ".age"), ".env")
	if !ValidID(id) || id[:1] != parts[0] || id[1:2] != parts[1] || (id+".age" != parts[2] && id+".env" != parts[2]) {
		return "", false
	}
	return id, true
}

// Reindex throws the index away and rebuilds it from git.
func (b *Binder) Reindex(ctx context.Context, progress Progress) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	tip, err := b.git.Head()
	if err != nil {
		return err
	}
	if err := b.loadRoster(tip); err != nil {
		return err
	}
	if err := b.rebuild(ctx, tip, nil, progress); err != nil {
		return err
	}
	// Rebuilt on purpose: what verify reported of the old index is done.
	if err := os.Remove(b.localPath(localIndexAlarm)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (b *Binder) rebuild(ctx context.Context, tip plumbing.Hash, rep *Report, progress Progress) error {
	// The index, which remembered what was verified, is gone or of no
	// use: nothing of the branch is taken before the history verifies,
	// and it must be the copy the account remembers.
	if rep == nil && b.verified != nil && b.verified.OK() && b.verified.Tip == tip.String() {
		rep = b.verified
	}
	if rep == nil {
		var err error
		if rep, err = b.verifiedHistory(ctx, progress); err != nil {
			return err
		}
		if !b.acceptHistory {
			if err := b.checkMemory(tip, rep.Fingerprint); err != nil {
				return err
			}
		}
	}
	if err := b.ix.Reset(); err != nil {
		return err
	}
	fp := rep.Fingerprint
	b.fp = fp
	c, err := b.git.ReadCommit(tip)
	if err != nil {
		return err
	}
	ids, err := b.allIDs(c.TreeHash)
	if err != nil {
		return err
	}
	if err := b.reindexIDs(ctx, tip, c.TreeHash, ids, true, progress); err != nil {
		return err
	}
	if err := b.rebuildSearch(ctx); err != nil {
		return err
	}
	batch := b.ix.NewBatch()
	batch.Set(keyVersion, []byte(indexVersion))
	batch.Set(keyFingerprint, []byte(fp))
	return batch.Commit()
}

// allIDs lists every record id present (live or tombstoned) in a tree.
func (b *Binder) allIDs(tree plumbing.Hash) ([]string, error) {
	rh, ok, err := b.git.Lookup(tree, recordsDir)
	if err != nil || !ok {
		return nil, err
	}
	var ids []string
	err = eachSharded(b.git, rh, func(_, _, name string, _ plumbing.Hash, _ bool) error {
		if id, ok := strings.CutSuffix(name, ".env"); ok && ValidID(id) {
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// reindexIDs reads the given records at tree and writes them to the index,
// then records tip as indexed. Records are read, checked and decrypted in
// parallel and indexed as they arrive.
func (b *Binder) reindexIDs(ctx context.Context, tip, tree plumbing.Hash, ids []string, fresh bool, progress Progress) error {
	const run = 128
	results := make(chan []*Record, runtime.NumCPU())
	var readErr error
	go func() {
		defer close(results)
		pl := newPool(b.dir)
		for start := 0; start < len(ids); start += run {
			chunk := ids[start:min(len(ids), start+run)]
			err := pl.submit(ctx, func(w *worker) error {
				out := make([]*Record, 0, len(chunk))
				for _, id := range chunk {
					r, err := b.readRecord(w.g, tree, id)
					if err != nil {
						return err
					}
					out = append(out, r)
				}
				results <- out
				return nil
			})
			if err != nil {
				break
			}
		}
		readErr = pl.wait()
	}()
	x := b.newIndexer(fresh)
	defer x.cancel()
	var err error
	done := 0
	for rs := range results {
		for _, r := range rs {
			if err == nil {
				err = x.put(r)
			}
		}
		done += len(rs)
		if progress != nil && err == nil {
			progress("index", done, len(ids))
		}
	}
	if err == nil {
		err = readErr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return err
	}
	if err := x.commit(tip); err != nil {
		return err
	}
	b.tip = tip
	return b.settle(ctx)
}

// readRecord reads one record at tree through g and checks and decrypts
// it; a record with no envelope there comes back as deleted, kind "".
// Every tree read so is of a history verified first (on open, rebuild or
// sync), where each envelope's signature was checked against the roster
// in force when it was written: it is not checked again here.
func (b *Binder) readRecord(g *gitstore.Store, tree plumbing.Hash, id string) (*Record, error) {
	agePath, envPath := recordPath(id)
	env, ok, err := g.ReadFile(tree, envPath)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &Record{ID: id, Deleted: true}, nil
	}
	ct, _, err := g.ReadFile(tree, agePath)
	if err != nil {
		return nil, err
	}
	r, _, err := b.openVersion(id, env, ct, nil)
	return r, err
}

// Progress receives reports of long work: the stage, and how much of it is
// done out of the total (total 0 while unknown). Calls are never
// concurrent; the last call of a stage has done == total.
type Progress func(stage string, done, total int)

// serialized returns p made safe to call from several goroutines (nil
// stays nil).
func (p Progress) serialized() Progress {
	if p == nil {
		return nil
	}
	var mu sync.Mutex
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		p(stage, done, total)
	}
}

// Pack gathers the repository's loose objects into a pack, and gathers
// all packs into one when there are many, as git gc does; and it rebuilds
// the search index's base. With auto, each is done only when enough has
// changed to be worth it. It reports whether it packed objects.
func (b *Binder) Pack(ctx context.Context, auto bool, progress Progress) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if auto && b.git.LooseEstimate() < gitstore.AutoPackLoose {
		// The search index has its own, cheaper, threshold.
		if err := b.compactSearch(ctx, false); err != nil {
			return false, err
		}
		return false, b.settle(ctx)
	}
	if err := b.git.LoadPacks(); err != nil {
		return false, err
	}
	all := !auto || b.git.PackCount() >= gitstore.MaxPacks
	var report func(done, total int)
	if progress != nil {
		report = func(done, total int) { progress("pack", done, total) }
	}
	if err := b.git.Repack(ctx, all, report); err != nil {
		return false, err
	}
	if err := b.compactSearch(ctx, !auto); err != nil {
		return true, err
	}
	return true, b.settle(ctx)
}
