package binder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	bcrypto "gobag/crypto"
)

// gitStore writes and reads git objects of a bare repository directly:
// blobs, trees, commits and the branch ref. It has no worktree and no index
// file, so a change costs O(depth of the path).
type gitStore struct {
	dir   string
	st    *filesystem.Storage
	raw   map[plumbing.Hash][]rawEntry
	mixed map[*rawEntry]bool // trees (by first entry) holding both files and directories
	zr    io.ReadCloser      // reused zlib reader
	buf   bytes.Buffer

	packs     []*pack
	bases     map[baseKey]baseEntry // resolved delta bases
	baseBytes int
}

func initGitStore(dir string) (*gitStore, error) {
	_, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: Branch},
		Bare:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("create repository: %w", err)
	}
	return openGitStore(dir)
}

func openGitStore(dir string) (*gitStore, error) {
	if fi, err := os.Stat(filepath.Join(dir, "objects")); err != nil || !fi.IsDir() {
		return nil, errorf(NotExist, "create one with: gobag init --binder "+dir+" --name NAME",
			"%s is not a binder (no git repository there)", dir)
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRU(16*cache.MiByte), filesystem.Options{})
	g := &gitStore{dir: dir, st: st, raw: map[plumbing.Hash][]rawEntry{}, mixed: map[*rawEntry]bool{}}
	if err := g.loadPacks(); err != nil {
		return nil, err
	}
	return g, nil
}

func (s *gitStore) Close() error {
	s.closePacks()
	return s.st.Close()
}

// head returns the branch tip, or the zero hash for an empty repository.
func (s *gitStore) head() (plumbing.Hash, error) {
	ref, err := s.st.Reference(Branch)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", Branch, err)
	}
	return ref.Hash(), nil
}

// setHead moves the branch of the binder's own repository from old to new.
func (s *gitStore) setHead(old, new plumbing.Hash) error { return s.moveHead(old, new, false) }

// moveHead moves the branch from old to new atomically: the new value is
// written to a lock file and renamed over the ref, so a crash leaves either
// the old or the new tip, never a torn file. shared says the repository is
// a remote other machines write to as well (see lockRef); the branch is
// read back after the move to be sure it holds new.
func (s *gitStore) moveHead(old, new plumbing.Hash, shared bool) error {
	refPath := filepath.Join(s.dir, filepath.FromSlash(Branch.String()))
	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return err
	}
	lock := refPath + ".lock"
	f, err := lockRef(lock, shared)
	if err != nil {
		return err
	}
	// Under the lock: the branch must still be where the change started.
	cur, err := s.head()
	if err == nil && cur != old {
		err = errorf(Conflict, "run the command again", "the binder moved while saving (tip %s, expected %s)", cur, old)
	}
	if err == nil {
		_, err = f.WriteString(new.String() + "\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(lock, refPath)
	}
	if err != nil {
		os.Remove(lock)
		return fmt.Errorf("update %s: %w", Branch, err)
	}
	syncDir(filepath.Dir(refPath))
	if shared {
		// Another machine that took the lock over (below) could have
		// renamed its value over ours.
		if cur, err := s.head(); err != nil || cur != new {
			return errorf(Conflict, "sync again", "the branch moved while it was being updated (tip %s)", cur)
		}
	}
	return nil
}

// lockRef creates git's lock file for a ref. A lock held by a git command
// is released within moments, so it is waited for. In the binder's own
// repository, one still there after two seconds was left by a process
// that died (gobag holds the binder's process lock, so it cannot be
// another gobag) and is taken over. In a shared one (a remote on a drive
// or share), another machine's sync may hold it for longer: only a lock
// untouched for ten minutes is taken over.
func lockRef(lock string, shared bool) (*os.File, error) {
	wait := 2 * time.Second
	if shared {
		wait = sharedLockWait
	}
	deadline := time.Now().Add(wait)
	takenOver := false
	for {
		f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
		fi, serr := os.Stat(lock)
		abandoned := serr == nil && time.Since(fi.ModTime()) > abandonedLockAge
		switch {
		case !takenOver && (abandoned || !shared && time.Now().After(deadline)):
			os.Remove(lock)
			takenOver = true
		case time.Now().Before(deadline):
			time.Sleep(20 * time.Millisecond)
		case shared:
			return nil, errorf(Locked, "another copy is syncing with it: sync again in a minute (a lock left by a crash is taken over after ten minutes; or remove "+lock+")",
				"ref %s is locked by another writer", Branch)
		default:
			return nil, errorf(Locked, "if no git command is running on this binder, remove "+lock,
				"ref %s is locked by another writer", Branch)
		}
	}
}

// How long a shared repository's ref lock is waited for, and how old one
// must be to count as left by a crash.
var (
	sharedLockWait   = 5 * time.Second
	abandonedLockAge = 10 * time.Minute
)

func (s *gitStore) putObject(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	o := s.st.NewEncodedObject()
	o.SetType(t)
	o.SetSize(int64(len(data)))
	w, err := o.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	if s.has(o.Hash()) {
		return o.Hash(), nil
	}
	return s.st.SetEncodedObject(o)
}

func (s *gitStore) putBlob(data []byte) (plumbing.Hash, error) {
	return s.putObject(plumbing.BlobObject, data)
}

// has reports whether the repository holds object h, loose or packed.
func (s *gitStore) has(h plumbing.Hash) bool {
	// An empty file is what a copy cut short by a crash may leave: it is
	// written again.
	if fi, err := os.Stat(s.loosePath(h)); err == nil && fi.Size() > 0 {
		return true
	}
	// The packs as listed when the store was opened (or last reloaded):
	// an object in a newer pack is at worst written again, loose.
	_, _, ok, _ := s.findPacked(h, false)
	return ok
}

// readObject reads an object's content and checks its type and that it
// hashes to h: loose objects straight from objects/xx/…, packed ones from
// the mapped packs.
func (s *gitStore) readObject(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	// Packs first: a lookup there costs no system call.
	if data, ok, err := s.readPacked(t, h, false); ok || err != nil {
		return data, err
	}
	if data, ok, err := s.readLoose(t, h); ok || err != nil {
		return data, err
	}
	// A pack may have arrived since the packs were listed (a fetch, git gc).
	if data, ok, err := s.readPacked(t, h, true); ok || err != nil {
		return data, err
	}
	return nil, errorf(NotExist, "run git fsck; restore the binder from another copy", "object %s is missing", h)
}

func (s *gitStore) readBlob(h plumbing.Hash) ([]byte, error) {
	return s.readObject(plumbing.BlobObject, h)
}

// lookup returns the hash of the blob or tree at p in tree root.
func (s *gitStore) lookup(root plumbing.Hash, p string) (plumbing.Hash, bool, error) {
	h := root
	for part := range strings.SplitSeq(p, "/") {
		if h.IsZero() {
			return plumbing.ZeroHash, false, nil
		}
		es, err := s.rawTree(h)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		h = s.entry(es, part)
	}
	return h, !h.IsZero(), nil
}

// readFile reads the blob at p in tree root.
func (s *gitStore) readFile(root plumbing.Hash, p string) ([]byte, bool, error) {
	h, ok, err := s.lookup(root, p)
	if err != nil || !ok {
		return nil, ok, err
	}
	b, err := s.readBlob(h)
	return b, err == nil, err
}

// applyTree returns the hash of the tree root with changes applied: each
// path maps to a blob hash, or to the zero hash to remove it. Only the trees
// on the changed paths are rewritten. Directories left empty are removed.
func (s *gitStore) applyTree(root plumbing.Hash, changes map[string]plumbing.Hash) (plumbing.Hash, error) {
	old, err := s.rawTree(root)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	entries := make([]rawEntry, len(old))
	copy(entries, old)
	files := map[string]plumbing.Hash{}
	subs := map[string]map[string]plumbing.Hash{}
	for p, h := range changes {
		first, rest, nested := strings.Cut(p, "/")
		if nested {
			if subs[first] == nil {
				subs[first] = map[string]plumbing.Hash{}
			}
			subs[first][rest] = h
		} else {
			files[first] = h
		}
	}
	index := map[string]int{}
	for i, e := range entries {
		index[string(e.name)] = i
	}
	set := func(name string, isDir bool, h plumbing.Hash) {
		if i, ok := index[name]; ok {
			entries[i].hash, entries[i].isDir = h, isDir
			return
		}
		index[name] = len(entries)
		entries = append(entries, rawEntry{name: []byte(name), isDir: isDir, hash: h})
	}
	for name, h := range files {
		set(name, false, h)
	}
	for name, sub := range subs {
		var old plumbing.Hash
		if i, ok := index[name]; ok && entries[i].isDir {
			old = entries[i].hash
		}
		nh, err := s.applyTree(old, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		set(name, true, nh)
	}
	kept := entries[:0]
	for _, e := range entries {
		if !e.hash.IsZero() {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return plumbing.ZeroHash, nil
	}
	sort.Slice(kept, func(i, j int) bool { return gitNameCompare(kept[i], kept[j]) < 0 })
	var b bytes.Buffer
	for _, e := range kept {
		if e.isDir {
			b.WriteString("40000 ")
		} else {
			b.WriteString("100644 ")
		}
		b.Write(e.name)
		b.WriteByte(0)
		b.Write(e.hash[:])
	}
	return s.putObject(plumbing.TreeObject, b.Bytes())
}

// writeCommit writes a commit of tree with parents, SSH-signed by id.
//
// The author time is when; the committer time is when too, or a second
// after the latest parent's if that is later (a clock here or on another
// copy was wrong): committer times rise along every line of history, which
// is what lets ancestry walk newest first and stop early. The log shows
// author times.
func (s *gitStore) writeCommit(tree plumbing.Hash, parents []plumbing.Hash, id *bcrypto.Identity, msg string, when time.Time) (plumbing.Hash, error) {
	committed := when
	for _, p := range parents {
		pc, err := s.readCommit(p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if next := pc.Committer.When.Add(time.Second); !committed.After(pc.Committer.When) {
			committed = next
		}
	}
	sig := object.Signature{Name: id.Handle, Email: id.Handle + "@gobag", When: when}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree, ParentHashes: parents}
	c.Committer.When = committed.In(when.Location())
	unsigned := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(unsigned); err != nil {
		return plumbing.ZeroHash, err
	}
	r, err := unsigned.Reader()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	payload, err := io.ReadAll(r)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	armored, err := id.SignSSH(bcrypto.GitNamespace, payload)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c.PGPSignature = string(armored)
	o := s.st.NewEncodedObject()
	if err := c.Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.st.SetEncodedObject(o)
}

// rawCommit is a commit with its signature split from the bytes it signs.
type rawCommit struct {
	*object.Commit
	Payload   []byte // the commit without its gpgsig header
	Signature []byte // the armored signature, or nil
}

func (s *gitStore) readCommit(h plumbing.Hash) (*rawCommit, error) {
	data, err := s.readObject(plumbing.CommitObject, h)
	if err != nil {
		return nil, err
	}
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.CommitObject)
	o.Write(data)
	c, err := object.DecodeCommit(s.st, o)
	if err != nil {
		return nil, fmt.Errorf("decode commit %s: %w", h, err)
	}
	payload, sig := splitSignature(data)
	return &rawCommit{Commit: c, Payload: payload, Signature: sig}, nil
}

// splitSignature removes the gpgsig header (and its continuation lines)
// from a raw commit, as git does before checking the signature.
func splitSignature(data []byte) (payload, sig []byte) {
	headerEnd := bytes.Index(data, []byte("\n\n"))
	if headerEnd < 0 {
		return data, nil
	}
	var out, sigBuf bytes.Buffer
	lines := bytes.SplitAfter(data[:headerEnd+1], []byte("\n"))
	inSig := false
	for _, l := range lines {
		switch {
		case bytes.HasPrefix(l, []byte("gpgsig ")):
			inSig = true
			sigBuf.Write(l[len("gpgsig "):])
		case inSig && bytes.HasPrefix(l, []byte(" ")):
			sigBuf.Write(l[1:])
		default:
			inSig = false
			out.Write(l)
		}
	}
	out.Write(data[headerEnd+1:])
	if sigBuf.Len() == 0 {
		return out.Bytes(), nil
	}
	return out.Bytes(), sigBuf.Bytes()
}

// changedPaths lists the blob paths that differ between trees a and b
// (either may be zero).
func (s *gitStore) changedPaths(a, b plumbing.Hash, prefix string, out *[]string) error {
	return s.diffTrees(a, b, prefix, func(p string) { *out = append(*out, p) })
}
