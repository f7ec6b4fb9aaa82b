package gitsync

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"gobag/binder"
)

// Remote is one place a binder syncs with, and what gobag knows of it.
type Remote struct {
	Name string `toml:"name" json:"name"`
	URL  string `toml:"url" json:"url"`

	// HostKey is the SSH host key pinned on first contact
	// (authorized_keys form).
	HostKey string `toml:"host_key,omitempty" json:"host_key,omitempty"`
	// User is the HTTPS user name; the token or password comes from
	// GOBAG_REMOTE_TOKEN_FILE or a prompt, and is never stored.
	User string `toml:"user,omitempty" json:"user,omitempty"`
	// CACert is a PEM file of the certificate authority an HTTPS server's
	// certificate must chain to, for servers outside the system's trust.
	CACert string `toml:"ca_cert,omitempty" json:"ca_cert,omitempty"`
	// SSHKey is a private key file to log in with over SSH; by default
	// the identity's signing key is used.
	SSHKey string `toml:"ssh_key,omitempty" json:"ssh_key,omitempty"`

	// Sync state.
	LastVerified string    `toml:"last_verified,omitempty" json:"last_verified,omitempty"` // the remote's tip verified at the last sync
	LastSync     time.Time `toml:"last_sync,omitempty" json:"last_sync,omitzero"`
	LastPush     time.Time `toml:"last_push,omitempty" json:"last_push,omitzero"`
	LastAttempt  time.Time `toml:"last_attempt,omitempty" json:"last_attempt,omitzero"`
	LastError    string    `toml:"last_error,omitempty" json:"last_error,omitempty"`
}

// Kind says how a remote is reached: "local" (a directory), "ssh"
// (ssh:// or user@host:path), "https" (also for plain http) or "git"
// (git://, fetch only); "" for a URL gobag cannot reach.
func (r *Remote) Kind() string { return parseAddress(r.URL).kind }

// path is a local remote's directory.
func (r *Remote) path() string { return parseAddress(r.URL).path }

// remotesFile is where a binder's remotes are kept: local state, never
// committed.
func remotesFile(dir string) string { return binder.RemotesFile(dir) }

type remotesDoc struct {
	Remote []*Remote `toml:"remote"`
}

// Remotes lists the binder's remotes, sorted by name.
func Remotes(dir string) ([]*Remote, error) {
	data, err := os.ReadFile(remotesFile(dir))
	if errors.Is(err, os.ErrNotExist) {
		return []*Remote{}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := binder.CheckRemotesFile(dir, data); err != nil {
		return nil, err
	}
	rs, err := parseRemotes(data)
	if err != nil {
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s: %w", remotesFile(dir), err), Hint: "fix or remove the file, then add the remotes again"}
	}
	return rs, nil
}

// parseRemotes reads a remotes file: every remote has a name as
// prepareRemote allows it, and no two the same.
func parseRemotes(data []byte) ([]*Remote, error) {
	var doc remotesDoc
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, r := range doc.Remote {
		switch {
		case r == nil || !remoteName.MatchString(r.Name):
			return nil, fmt.Errorf("remote %d has no valid name", i+1)
		case seen[r.Name]:
			return nil, fmt.Errorf("remote %s is there twice", r.Name)
		}
		seen[r.Name] = true
	}
	sort.Slice(doc.Remote, func(i, j int) bool { return doc.Remote[i].Name < doc.Remote[j].Name })
	if doc.Remote == nil {
		doc.Remote = []*Remote{}
	}
	return doc.Remote, nil
}

// encodeRemotes renders remotes as the remotes file holds them.
func encodeRemotes(rs []*Remote) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# The remotes of this copy of the binder: local state, never committed.\n")
	if err := toml.NewEncoder(&buf).Encode(remotesDoc{Remote: rs}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// remote finds a remote by name.
func remote(dir, name string) (*Remote, error) {
	rs, err := Remotes(dir)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Name == name {
			return r, nil
		}
	}
	return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("no remote %q", name), Hint: "the list of remotes gives their names; a new one has to be added first",
		Fix: &binder.Fix{Action: binder.ActionListRemotes}}
}

// remotesMu serializes this process's changes to the remotes file (a sync
// records its outcome while the desktop app may add or remove a remote);
// each change is a fresh read, then an atomic replace.
var remotesMu sync.Mutex

// saveRemote writes r into the binder's remotes, replacing the one of the
// same name.
func saveRemote(dir string, r *Remote) error {
	return changeRemotes(dir, func(rs []*Remote) []*Remote {
		out := []*Remote{r}
		for _, o := range rs {
			if o.Name != r.Name {
				out = append(out, o)
			}
		}
		return out
	})
}

// recordOutcome writes what a sync learned of r (its last attempt, sync,
// push, error and verified tip) into the remote of that name, if it is
// still the same remote: one removed, or removed and added again, while
// the sync ran is left as it now is.
func recordOutcome(dir string, r *Remote) error {
	return changeRemotes(dir, func(rs []*Remote) []*Remote {
		for _, o := range rs {
			if o.Name == r.Name && o.URL == r.URL && o.HostKey == r.HostKey {
				o.LastVerified, o.LastSync, o.LastPush, o.LastAttempt, o.LastError = r.LastVerified, r.LastSync, r.LastPush, r.LastAttempt, r.LastError
			}
		}
		return rs
	})
}

// RemoveRemote forgets a remote (the remote itself is not touched).
func RemoveRemote(dir, name string) error {
	if _, err := remote(dir, name); err != nil {
		return err
	}
	return changeRemotes(dir, func(rs []*Remote) []*Remote {
		return slices.DeleteFunc(rs, func(r *Remote) bool { return r.Name == name })
	})
}

// changeRemotes reads the remotes, lets change rewrite the list, and
// replaces the file with the result (written aside, then renamed over it,
// so a crash leaves the old file or the new one).
func changeRemotes(dir string, change func([]*Remote) []*Remote) error {
	remotesMu.Lock()
	defer remotesMu.Unlock()
	rs, err := Remotes(dir)
	if err != nil {
		return err
	}
	out := change(rs)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	data, err := encodeRemotes(out)
	if err != nil {
		return err
	}
	// The new content is remembered before it is written, beside the old
	// (a crash in between leaves either accepted), and alone after.
	old, err := os.ReadFile(remotesFile(dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := binder.RememberRemotesFile(dir, data, old); err != nil {
		return err
	}
	if err := binder.WriteFileAtomic(remotesFile(dir), data, 0o600); err != nil {
		return err
	}
	return binder.RememberRemotesFile(dir, data)
}

var remoteName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// prepareRemote checks a new remote's name and URL, and makes a relative
// directory absolute against the current directory.
func prepareRemote(r *Remote) error {
	if !remoteName.MatchString(r.Name) {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote name %q", r.Name), Hint: "use 1-32 lower-case letters, digits, '.', '-' or '_'"}
	}
	a := parseAddress(r.URL)
	bad := func(why string) error {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote URL %q: %s", r.URL, why), Hint: supportedForms}
	}
	switch a.kind {
	case "":
		return bad(a.problem)
	case kindLocal:
		if a.relative() && !strings.ContainsAny(a.path, "/"+string(os.PathSeparator)) {
			// A bare name could as well be a server's (backup.example.com)
			// as a directory here: only a path that shows it is one is
			// taken for one.
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote URL %q is neither a URL nor clearly a directory", r.URL),
				Hint: "for a directory here write ./" + a.path + "; for a server, ssh://host/path, host:path or https://host/path"}
		}
		if a.relative() {
			abs, err := filepath.Abs(a.path)
			if err != nil {
				return bad(err.Error())
			}
			r.URL = abs
		} else if !filepath.IsAbs(a.path) {
			return bad("a file:// URL needs an absolute path")
		}
		return nil
	case kindGit:
		if a.user != "" || r.User != "" {
			return bad("git:// has no login; for a remote that needs one, use ssh:// or https://")
		}
	}
	if u, err := url.Parse(r.URL); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			return &binder.Error{Kind: binder.Invalid, Err: errors.New("the URL holds a password"),
				Hint: "leave it out: it is asked for when it is needed, or read from a file, and never stored",
				Fix:  &binder.Fix{Action: binder.ActionTokenFile, Remote: r.Name}}
		}
	}
	return nil
}
