package gitstore

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
)

// Branch is the one branch the store's history lives on.
const Branch = plumbing.ReferenceName("refs/heads/main")

// Store writes and reads git objects of a bare repository directly:
// blobs, trees, commits and the branch ref. It has no worktree and no index
// file, so a change costs O(depth of the path).
type Store struct {
	dir   string
	st    *filesystem.Storage
	raw   map[plumbing.Hash][]Entry
	mixed map[*Entry]bool // trees (by first entry) holding both files and directories
	zr    io.ReadCloser   // reused zlib reader
	buf   bytes.Buffer

	packs      []*pack
	alternates []string              // object directories of other repositories read from
	bases      map[baseKey]baseEntry // resolved delta bases
	baseBytes  int

	budget *int64 // bytes left to inflate and rebuild, if bounded
}

// Init creates a bare repository in dir whose default branch is Branch,
// and opens it.
func Init(dir string) (*Store, error) {
	_, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: Branch},
		Bare:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("create repository: %w", err)
	}
	return Open(dir)
}

// Open opens the bare repository in dir.
func Open(dir string) (*Store, error) {
	if fi, err := os.Stat(filepath.Join(dir, "objects")); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRU(16*cache.MiByte), filesystem.Options{})
	g := &Store{dir: dir, st: st, raw: map[plumbing.Hash][]Entry{}, mixed: map[*Entry]bool{}}
	g.alternates = readAlternates(filepath.Join(dir, "objects"), 0, map[string]bool{filepath.Join(dir, "objects"): true})
	if err := g.LoadPacks(); err != nil {
		return nil, err
	}
	return g, nil
}

func (s *Store) Close() error {
	s.closePacks()
	return s.st.Close()
}

// Head returns the branch tip, or the zero hash for an empty repository.
func (s *Store) Head() (plumbing.Hash, error) {
	// The ref is read by go-git, which would wait for good on a FIFO put
	// in its place: the files it may read must be regular files.
	for _, p := range []string{filepath.FromSlash(Branch.String()), "packed-refs"} {
		if err := checkRegular(filepath.Join(s.dir, p)); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	ref, err := s.st.Reference(Branch)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", Branch, err)
	}
	return ref.Hash(), nil
}

// SetHead moves the branch of the binder's own repository from old to new.
func (s *Store) SetHead(old, new plumbing.Hash) error { return s.MoveHead(old, new, false) }

// MoveHead moves the branch from old to new atomically: the new value is
// written to a lock file and renamed over the ref, so a crash leaves either
// the old or the new tip, never a torn file. shared says the repository is
// a remote other machines write to as well (see lockRef); the branch is
// read back after the move to be sure it holds new.
func (s *Store) MoveHead(old, new plumbing.Hash, shared bool) error {
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
	cur, err := s.Head()
	if err == nil && cur != old {
		err = fmt.Errorf("tip %s, expected %s: %w", cur, old, ErrMoved)
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
	SyncDir(filepath.Dir(refPath))
	if shared {
		// Another machine that took the lock over (below) could have
		// renamed its value over ours.
		if cur, err := s.Head(); err != nil || cur != new {
			return fmt.Errorf("moved while it was being updated (tip %s): %w", cur, ErrMoved)
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
		wait = SharedLockWait
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
			return nil, fmt.Errorf("%s is locked by another writer (%s; one left by a crash is taken over after ten minutes): %w", Branch, lock, ErrLocked)
		default:
			return nil, fmt.Errorf("%s is locked by another writer (%s): %w", Branch, lock, ErrLocked)
		}
	}
}

// How long a shared repository's ref lock is waited for, and how old one
// must be to count as left by a crash.
var (
	SharedLockWait   = 5 * time.Second
	abandonedLockAge = 10 * time.Minute
)

func (s *Store) PutObject(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
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
	if s.Has(o.Hash()) {
		return o.Hash(), nil
	}
	return s.st.SetEncodedObject(o)
}

func (s *Store) PutBlob(data []byte) (plumbing.Hash, error) {
	return s.PutObject(plumbing.BlobObject, data)
}

// Has reports whether the repository holds object h, loose or packed, or
// can read it from a repository it borrows from.
func (s *Store) Has(h plumbing.Hash) bool {
	// An empty file is what a copy cut short by a crash may leave: it is
	// written again.
	for _, dir := range s.objectDirs() {
		if fi, err := os.Stat(loosePath(dir, h)); err == nil && fi.Size() > 0 {
			return true
		}
	}
	// The packs as listed when the store was opened (or last reloaded):
	// an object in a newer pack is at worst written again, loose.
	_, _, ok, _ := s.findPacked(h, false)
	return ok
}

// ReadObject reads an object's content and checks its type and that it
// hashes to h: loose objects straight from objects/xx/…, packed ones from
// the mapped packs.
func (s *Store) ReadObject(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
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
	return nil, fmt.Errorf("%s: %w", h, ErrMissing)
}

func (s *Store) ReadBlob(h plumbing.Hash) ([]byte, error) {
	return s.ReadObject(plumbing.BlobObject, h)
}

// Lookup returns the hash of the blob or tree at p in tree root.
func (s *Store) Lookup(root plumbing.Hash, p string) (plumbing.Hash, bool, error) {
	h := root
	for part := range strings.SplitSeq(p, "/") {
		if h.IsZero() {
			return plumbing.ZeroHash, false, nil
		}
		es, err := s.Tree(h)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		h = s.EntryHash(es, part)
	}
	return h, !h.IsZero(), nil
}

// ReadFile reads the blob at p in tree root.
func (s *Store) ReadFile(root plumbing.Hash, p string) ([]byte, bool, error) {
	h, ok, err := s.Lookup(root, p)
	if err != nil || !ok {
		return nil, ok, err
	}
	b, err := s.ReadBlob(h)
	return b, err == nil, err
}

// ApplyTree returns the hash of the tree root with changes applied: each
// path maps to a blob hash, or to the zero hash to remove it. Only the trees
// on the changed paths are rewritten. Directories left empty are removed.
func (s *Store) ApplyTree(root plumbing.Hash, changes map[string]plumbing.Hash) (plumbing.Hash, error) {
	old, err := s.Tree(root)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	entries := make([]Entry, len(old))
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
		index[string(e.Name)] = i
	}
	set := func(name string, isDir bool, h plumbing.Hash) {
		if i, ok := index[name]; ok {
			entries[i].Hash, entries[i].IsDir = h, isDir
			return
		}
		index[name] = len(entries)
		entries = append(entries, Entry{Name: []byte(name), IsDir: isDir, Hash: h})
	}
	for name, h := range files {
		set(name, false, h)
	}
	for name, sub := range subs {
		var old plumbing.Hash
		if i, ok := index[name]; ok && entries[i].IsDir {
			old = entries[i].Hash
		}
		nh, err := s.ApplyTree(old, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		set(name, true, nh)
	}
	kept := entries[:0]
	for _, e := range entries {
		if !e.Hash.IsZero() {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return plumbing.ZeroHash, nil
	}
	sort.Slice(kept, func(i, j int) bool { return gitNameCompare(kept[i], kept[j]) < 0 })
	return s.PutObject(plumbing.TreeObject, RenderTree(kept))
}

// Signer signs a commit's payload (the commit without its signature
// header) and returns the armored signature for its gpgsig header.
type Signer func(payload []byte) ([]byte, error)

// Author names who makes a commit.
type Author struct{ Name, Email string }

// WriteCommit writes a commit of tree with parents, by author, signed by
// sign.
//
// The author time is when; the committer time is when too, or a second
// after the latest parent's if that is later (a clock here or on another
// copy was wrong): committer times rise along every line of history, which
// is what lets ancestry walk newest first and stop early. The log shows
// author times.
func (s *Store) WriteCommit(tree plumbing.Hash, parents []plumbing.Hash, author Author, msg string, when time.Time, sign Signer) (plumbing.Hash, error) {
	// git keeps whole seconds: compare in them, or a time a fraction
	// after its parent's would be written equal to it.
	when = when.Truncate(time.Second)
	committed := when
	for _, p := range parents {
		pc, err := s.ReadCommit(p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if next := pc.Committer.When.Add(time.Second); !committed.After(pc.Committer.When) {
			committed = next
		}
	}
	sig := object.Signature{Name: author.Name, Email: author.Email, When: when}
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
	armored, err := sign(payload)
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

// Commit is a commit with its signature split from the bytes it signs.
type Commit struct {
	*object.Commit
	Payload   []byte // the commit without its gpgsig header
	Signature []byte // the armored signature, or nil
}

func (s *Store) ReadCommit(h plumbing.Hash) (*Commit, error) {
	data, err := s.ReadObject(plumbing.CommitObject, h)
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
	payload, sig := SplitSignature(data)
	return &Commit{Commit: c, Payload: payload, Signature: sig}, nil
}

// SplitSignature removes the gpgsig header (and its continuation lines)
// from a raw commit, as git does before checking the signature.
func SplitSignature(data []byte) (payload, sig []byte) {
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

// ChangedPaths lists the blob paths that differ between trees a and b
// (either may be zero).
func (s *Store) ChangedPaths(a, b plumbing.Hash, prefix string, out *[]string) error {
	return s.DiffTrees(a, b, prefix, func(p string) { *out = append(*out, p) })
}
