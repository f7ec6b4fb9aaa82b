package binder

import (
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"gobag/binder/internal/gitstore"
)

// Every path of a binder, in the repository and beside it, is named here
// (docs/FORMAT.md §2 and §8); nothing else spells them out.

// Repository paths of the binder's own files.
const (
	pathReadme         = "README.md"
	pathMeta           = ".gobag"
	pathFormat         = ".gobag/format"
	pathRoster         = ".gobag/roster.toml"
	pathRosterSig      = ".gobag/roster.sig"
	pathAllowedSigners = ".gobag/allowed_signers"
	recordsDir         = "records"
	auditDir           = "audit"
)

// The format version.
const (
	// FormatVersion is the on-disk format version written to .gobag/format.
	FormatVersion = 4
	formatLine    = "gobag-binder 4\n"
)

// Branch is the one branch a binder's history lives on.
const Branch = plumbing.ReferenceName("refs/heads/main")

// incomingPrefix is where remotes' branches are fetched, in quarantine
// until verified.
const incomingPrefix = "refs/gobag/incoming/"

// IncomingRef is the quarantine ref a remote's branch is fetched into
// before it is verified.
func IncomingRef(remote string) plumbing.ReferenceName {
	return plumbing.ReferenceName(incomingPrefix + remote)
}

// localDir holds this copy's local state inside the bare repository: the
// process lock, the index and its key, the remotes. It is never committed.
const localDir = "gobag"

// Local state files, relative to localDir.
const (
	localLock = "lock"
	// localAsk is held shared by each process that waits for the binder
	// while another holds it, so that a holder that lends it (the desktop
	// app) sees the ask and closes the binder (docs/adr/0002).
	localAsk = "ask"
	// localLender is held exclusively by the process that keeps the
	// binder open and lends it (the desktop app), for as long as it runs:
	// one such process per binder.
	localLender   = "lender"
	localIndex    = "index"
	localIndexKey = "index.key"
	localRemotes  = "remotes.toml"
	// localIncoming holds the quarantines of fetches under way: one
	// repository each, removed when the fetch ends.
	localIncoming = "incoming"
	// localIndexAlarm notes each time the index was found changed on disk
	// and rebuilt, for verify to report until the index is rebuilt on
	// purpose.
	localIndexAlarm = "index.alarms"
)

// LocalPath is the path of name inside a binder directory's local state.
func LocalPath(dir, name string) string { return filepath.Join(dir, localDir, name) }

// RemotesFile is where a binder keeps its remotes and their sync state:
// local state, never committed.
func RemotesFile(dir string) string { return LocalPath(dir, localRemotes) }

// eachSharded calls f with every file of a sharded directory's tree
// (records/ or audit/: A/B/NAME), giving its two shard names, its name
// and blob, and whether it is a tree where a file belongs.
func eachSharded(g *gitstore.Store, dir plumbing.Hash, f func(a, b, name string, h plumbing.Hash, isDir bool) error) error {
	if dir.IsZero() {
		return nil
	}
	first, err := g.Tree(dir)
	if err != nil {
		return err
	}
	for _, a := range first {
		second, err := g.Tree(a.Hash)
		if err != nil {
			return err
		}
		for _, b := range second {
			files, err := g.Tree(b.Hash)
			if err != nil {
				return err
			}
			for _, e := range files {
				if err := f(string(a.Name), string(b.Name), string(e.Name), e.Hash, e.IsDir); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// auditPath returns the repository path of an audit entry:
// audit/A/B/ID.entry, sharded as records are.
func auditPath(id string) string {
	return auditDir + "/" + id[:1] + "/" + id[1:2] + "/" + id + ".entry"
}

// auditIDFromPath returns the entry id of an audit entry's path.
func auditIDFromPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, auditDir+"/")
	if !ok {
		return "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return "", false
	}
	id, ok := strings.CutSuffix(parts[2], ".entry")
	if !ok || !ValidID(id) || id[:1] != parts[0] || id[1:2] != parts[1] {
		return "", false
	}
	return id, true
}

// recordPath returns the repository paths of a record's ciphertext and
// envelope: records/A/B/ID.age and .env, sharded by the id's first two
// characters.
func recordPath(id string) (ciphertext, envelope string) {
	dir := recordsDir + "/" + id[:1] + "/" + id[1:2] + "/" + id
	return dir + ".age", dir + ".env"
}
