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

// Kind says how a remote is reached: "local", "ssh" or "https" (also for
// plain http).
func (r *Remote) Kind() string {
	switch {
	case strings.HasPrefix(r.URL, "ssh://"):
		return "ssh"
	case strings.HasPrefix(r.URL, "https://"), strings.HasPrefix(r.URL, "http://"):
		return "https"
	}
	return "local"
}

// path is a local remote's directory.
func (r *Remote) path() string { return strings.TrimPrefix(r.URL, "file://") }

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
	var doc remotesDoc
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s: %w", remotesFile(dir), err), Hint: "fix or remove the file, then add the remotes again"}
	}
	sort.Slice(doc.Remote, func(i, j int) bool { return doc.Remote[i].Name < doc.Remote[j].Name })
	if doc.Remote == nil {
		doc.Remote = []*Remote{}
	}
	return doc.Remote, nil
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
	return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("no remote %q", name), Hint: "gobag remote lists them; gobag remote add NAME URL adds one"}
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
	var buf bytes.Buffer
	buf.WriteString("# gobag remotes of this copy: local state, never committed.\n")
	if err := toml.NewEncoder(&buf).Encode(remotesDoc{Remote: out}); err != nil {
		return err
	}
	path := remotesFile(dir)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var remoteName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// checkRemote checks a new remote's name and URL.
func checkRemote(r *Remote) error {
	if !remoteName.MatchString(r.Name) {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote name %q", r.Name), Hint: "use 1-32 lower-case letters, digits, '.', '-' or '_'"}
	}
	switch r.Kind() {
	case "ssh", "https":
		u, err := url.Parse(r.URL)
		if err != nil || u.Host == "" || u.Path == "" {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote URL %q", r.URL), Hint: "write ssh://user@host:port/path/binder.git, https://host/path/binder.git or a local directory"}
		}
		if u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				return &binder.Error{Kind: binder.Invalid, Err: errors.New("the URL holds a password"), Hint: "leave it out: gobag asks for it, or reads it from GOBAG_REMOTE_TOKEN_FILE"}
			}
		}
	default:
		if strings.Contains(r.URL, "://") && !strings.HasPrefix(r.URL, "file://") {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote URL %q: unknown scheme", r.URL), Hint: "gobag syncs over ssh://, https://, http:// or with a local directory"}
		}
		if !filepath.IsAbs(r.path()) {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("remote directory %q is not an absolute path", r.URL), Hint: "give the full path, such as /media/usb/binder.git"}
		}
	}
	return nil
}
