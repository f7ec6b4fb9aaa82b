package gitsync

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// An HTTPS server whose certificate chains to no authority gobag trusts
// is a trust failure to fix with its CA certificate, not a network that
// is down.
func TestUnknownCertificateAuthority(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	h := startHTTP(t, true)
	bareRepo(t, filepath.Join(h.root, "b.git"))
	e := endpoint{url: h.url("b.git"), user: httpUser} // no CA certificate
	a := newBinder(t, id)
	addRemote(t, a, "hub", e)
	_, err := Sync(ctx, a, "hub", testOptions(id))
	if k := binder.KindOf(err); k != binder.BadSignature {
		t.Fatalf("got %v (kind %v); want BadSignature", err, k)
	}
	if f := binder.FixOf(err); f == nil || f.Action != binder.ActionCACert || f.Remote != "hub" || f.URL != e.url {
		t.Fatalf("fix %+v; want %s for hub at %s", f, binder.ActionCACert, e.url)
	}
	if h := binder.HintOf(err); strings.Contains(h, "network") {
		t.Fatalf("hint %q", h)
	}
	_, err = Clone(ctx, e.url, filepath.Join(t.TempDir(), "c"), id, CloneOptions{Options: testOptions(id), ExpectFingerprint: a.Fingerprint(), Remote: e.remote("origin")})
	if k := binder.KindOf(err); k != binder.BadSignature {
		t.Fatalf("clone: got %v (kind %v); want BadSignature", err, k)
	}
	if f := binder.FixOf(err); f == nil || f.Action != binder.ActionCloneCACert || f.URL != e.url {
		t.Fatalf("clone: fix %+v; want %s for %s (there is no remote to add again)", f, binder.ActionCloneCACert, e.url)
	}
}

// A server's refusal is said in one short line: its status and reason,
// at most a bounded line of its own words with control characters
// escaped, never an HTML page. Access denied is Permission.
func TestServerRefusalMessages(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	srv := refusingServer(t)
	a := newBinder(t, id)
	for _, tc := range []struct {
		path, status string
		say          string
	}{
		{"html401", "401", ""},
		{"html403", "403", ""},
		{"text403", "403", "Repository is archived"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			addRemote(t, a, tc.path, endpoint{url: srv.URL + "/" + tc.path + "/b.git", user: httpUser})
			_, err := Sync(ctx, a, tc.path, testOptions(id))
			if binder.KindOf(err) != binder.Permission {
				t.Fatalf("got %v; want Permission", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.status) || !strings.Contains(msg, tc.say) {
				t.Errorf("%q does not say %s %s", msg, tc.status, tc.say)
			}
			for _, bad := range []string{"<", "\n", "\x1b", "\x07", "portal", "second line"} {
				if strings.Contains(msg, bad) || strings.Contains(binder.HintOf(err), bad) {
					t.Errorf("%q (hint %q) holds %q", msg, binder.HintOf(err), bad)
				}
			}
			if len(msg) > 400 {
				t.Errorf("%d bytes: %q", len(msg), msg)
			}
		})
	}
}

// An SSH server that lets the key in but denies the repository, as
// gitolite does, is Permission, quoted in one line.
func TestSSHAccessDenied(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	s := startSSHD(t, id)
	a := newBinder(t, id)
	addRemote(t, a, "hub", endpoint{url: s.url("/srv/binder.git"), accept: s.fingerprint(t)})
	s.forceCommand(t, id, `printf 'FATAL: R any binder priya DENIED by fallthru\n(or you mis-spelled the reponame)\n' >&2; exit 1`)
	_, err := Sync(ctx, a, "hub", testOptions(id))
	if binder.KindOf(err) != binder.Permission || !strings.Contains(err.Error(), "DENIED by fallthru") {
		t.Fatalf("got %v (kind %v); want Permission quoting the server", err, binder.KindOf(err))
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("%q", err)
	}
}

// The first sync to an empty remote says what it sent.
func TestFirstSyncReportsWhatItSent(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	add(t, a, &binder.Record{Kind: "note", Title: "two"})
	commits, _, _, err := a.Ancestry(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	addRemote(t, a, "usb", endpoint{url: filepath.Join(t.TempDir(), "usb.git")})
	j := reportJSON(t, mustSync(t, a, "usb"))
	if j["pushed"] != true || j["sent"] != float64(commits) {
		t.Fatalf("first sync reports %v; want pushed, sent %d", j, commits)
	}
	add(t, a, &binder.Record{Kind: "note", Title: "three"})
	if j := reportJSON(t, mustSync(t, a, "usb")); j["sent"] != 1.0 {
		t.Fatalf("next sync reports %v; want sent 1", j)
	}
	if j := reportJSON(t, mustSync(t, a, "usb")); j["pushed"] != false || j["sent"] != 0.0 {
		t.Fatalf("a sync in step reports %v", j)
	}
}

// A clone that meets an unknown host key is fixed by cloning again with
// its fingerprint, not by adding a remote.
func TestCloneUnknownHostKey(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	s := startSSHD(t, id)
	url := s.url("/srv/binder.git")
	_, err := Clone(ctx, url, filepath.Join(t.TempDir(), "c"), id, CloneOptions{Options: testOptions(id), ExpectFingerprint: "SHA256:x"})
	f := binder.FixOf(err)
	if binder.KindOf(err) != binder.Permission || f == nil || f.Action != binder.ActionCloneHostKey || f.URL != url || f.Value != s.fingerprint(t) {
		t.Fatalf("got %v, fix %+v; want %s with %s", err, f, binder.ActionCloneHostKey, s.fingerprint(t))
	}
}

// sync says what would fix an error as a binder.Fix, never as command
// syntax: no string in its code names a gobag command, a flag or an
// environment variable (the front ends word fixes their own way).
func TestNoCommandSyntax(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	syntax := regexp.MustCompile(`\bgobag [a-z]|(^|[\s(])--[a-z]|\bGOBAG_[A-Z]`)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			if syntax.MatchString(s) {
				t.Errorf("%s: %q names a command, flag or variable; say it with a binder.Fix", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}

// An address that cannot be reached while adding or cloning gets a fix
// that does not name a remote that was never made: try again.
func TestUnreachableWhileAddingOrCloning(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	url := "ssh://u@127.0.0.1:1/binder.git" // nothing listens on port 1
	_, err := AddRemote(ctx, a.Dir(), &Remote{Name: "gone", URL: url}, AddOptions{ConnectTimeout: 2 * time.Second})
	if f := binder.FixOf(err); binder.KindOf(err) != binder.Offline || f == nil || f.Action != binder.ActionRetry {
		t.Errorf("remote add: %v, fix %+v; want Offline, retry", err, f)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	_, err = Clone(ctx, url, dir, id, CloneOptions{ExpectFingerprint: a.Fingerprint(), Options: Options{ConnectTimeout: 2 * time.Second}})
	if f := binder.FixOf(err); binder.KindOf(err) != binder.Offline || f == nil || f.Action != binder.ActionRetry {
		t.Errorf("clone: %v, fix %+v; want Offline, retry", err, f)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("a failed clone left its directory")
	}
}

// newIdentity makes an identity with handle for a test.
func newIdentity(t *testing.T, handle string) *bcrypto.Identity {
	t.Helper()
	id, err := bcrypto.NewIdentity(handle)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
