package gitsync

import (
	"context"
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// httpRemote starts an HTTP git server with one empty repository and
// returns its directory and how to reach it.
func httpRemote(t *testing.T) (string, endpoint) {
	t.Helper()
	h := startHTTP(t, false)
	repo := filepath.Join(h.root, "b.git")
	bareRepo(t, repo)
	return repo, endpoint{url: h.url("b.git"), user: httpUser}
}

// syncedOverHTTP makes a binder with one record and syncs it to a new
// HTTP remote, "hub".
func syncedOverHTTP(t *testing.T, id *bcrypto.Identity) (*binder.Binder, string, endpoint) {
	t.Helper()
	repo, e := httpRemote(t)
	return syncedTo(t, id, "hub", e), repo, e
}

// syncedTo makes a binder with one record and syncs it to e as remote
// name.
func syncedTo(t *testing.T, id *bcrypto.Identity, name string, e endpoint) *binder.Binder {
	t.Helper()
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	addRemote(t, a, name, e)
	mustSync(t, a, name)
	return a
}

// A history refused over HTTP leaves no quarantine ref behind (it would
// count, in the next fetch, as history the binder has); once the remote is
// put right, sync works again.
func TestRefusedHistoryLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a, repo, _ := syncedOverHTTP(t, id)
	good := a.Tip()
	tree := strings.TrimSpace(run(t, repo, "git", "rev-parse", good+"^{tree}"))
	t.Setenv("GIT_COMMITTER_DATE", time.Now().Add(time.Hour).Format(time.RFC3339))
	forged := strings.TrimSpace(run(t, repo, "git", "-c", "user.name=mallory", "-c", "user.email=m@x", "commit-tree", tree, "-p", good, "-m", "forged"))
	run(t, repo, "git", "update-ref", "refs/heads/main", forged, good)
	if _, err := Sync(ctx, a, "hub", testOptions(id)); binder.KindOf(err) != binder.BadSignature {
		t.Fatalf("forged history: %v", err)
	}
	if refs := run(t, a.Dir(), "git", "for-each-ref"); strings.Contains(refs, "incoming") {
		t.Fatalf("quarantine ref left after a refusal:\n%s", refs)
	}
	run(t, repo, "git", "update-ref", "refs/heads/main", good, forged)
	add(t, a, &binder.Record{Kind: "note", Title: "two"})
	if rep := mustSync(t, a, "hub"); !rep.Pushed {
		t.Fatalf("sync after the remote was put right: %+v", rep)
	}
}

// A server that refuses a push for its own reasons (a hook, a quota) is
// reported in its words, not retried as if the branch had moved.
func TestServerRefusalIsReported(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	repo, e := httpRemote(t)
	hook := "#!/bin/sh\necho 'quota exceeded' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(repo, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	a := newBinder(t, id)
	r := add(t, a, &binder.Record{Kind: "note", Title: "kept"})
	addRemote(t, a, "hub", e)
	_, err := Sync(ctx, a, "hub", testOptions(id))
	if binder.KindOf(err) != binder.Permission || !strings.Contains(err.Error(), "refused the push") || !strings.Contains(err.Error(), "declined") || errors.Is(err, errMoved) {
		t.Fatalf("got %v; want the server's refusal", err)
	}
	if _, err := a.Get(ctx, r.ID); err != nil {
		t.Fatal("local work lost")
	}
}

// A server whose empty repository advertises nothing at all (not even
// capabilities, so it will not report on the push either) still takes the
// first push, which sync checks by looking at its branch after.
func TestPushToSilentEmptyRepository(t *testing.T) {
	need(t, "git")
	id := newIdentity(t, "priya")
	root := t.TempDir()
	repo := filepath.Join(root, "b.git")
	bareRepo(t, repo)
	backend := filepath.Join(strings.TrimSpace(run(t, "", "git", "--exec-path")), "git-http-backend")
	cgiHandler := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=gobag"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := os.Stat(filepath.Join(repo, "refs", "heads", "main"))
		if svc := r.URL.Query().Get("service"); svc != "" && err != nil {
			w.Header().Set("Content-Type", "application/x-"+svc+"-advertisement")
			line := "# service=" + svc + "\n"
			w.Write([]byte(pktLen(len(line)+4) + line + "0000" + "0000"))
			return
		}
		cgiHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	addRemote(t, a, "hub", endpoint{url: srv.URL + "/b.git"})
	if rep := mustSync(t, a, "hub"); !rep.Pushed {
		t.Fatalf("%+v", rep)
	}
	if got := strings.TrimSpace(run(t, repo, "git", "rev-parse", "main")); got != a.Tip() {
		t.Fatalf("server's branch at %s; want %s", got, a.Tip())
	}
}

func pktLen(n int) string {
	const hex = "0123456789abcdef"
	return string([]byte{hex[n>>12&15], hex[n>>8&15], hex[n>>4&15], hex[n&15]})
}

// A remote that held the binder and now holds none (wiped, or another
// drive under the same path) is refused, not silently filled again.
func TestEmptiedRemoteIsRefused(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	path := filepath.Join(t.TempDir(), "usb.git")
	a := syncedTo(t, id, "usb", endpoint{url: path})
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := initLocal(path); err != nil {
		t.Fatal(err)
	}
	_, err := Sync(ctx, a, "usb", testOptions(id))
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), "has no binder any more") {
		t.Fatalf("got %v", err)
	}
	if tip, _ := binder.BranchTip(path); tip != "" {
		t.Fatal("the emptied remote was filled again")
	}
	// Removed and added again on purpose, it is filled.
	if err := RemoveRemote(a.Dir(), "usb"); err != nil {
		t.Fatal(err)
	}
	addRemote(t, a, "usb", endpoint{url: path})
	mustSync(t, a, "usb")
}

// A token is never sent in the clear: plain http is refused for a remote
// with a user, unless the server is this machine.
func TestTokenNeverOverPlainHTTP(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	r := &Remote{Name: "hub", URL: "http://192.0.2.1/b.git", User: "gobag"}
	_, err := dial(ctx, t.TempDir(), r, testOptions(id))
	if binder.KindOf(err) != binder.Invalid || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("got %v", err)
	}
	for _, host := range []string{"127.0.0.1:8080", "localhost", "[::1]:80"} {
		if !loopback(host) {
			t.Errorf("%s is this machine", host)
		}
	}
}

// What a sync learned is written to the remote it synced with; a remote
// removed meanwhile stays removed, one added again in its place keeps its
// own settings.
func TestOutcomeOfARemovedRemote(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "gobag"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := &Remote{Name: "usb", URL: filepath.Join(t.TempDir(), "one.git")}
	if err := saveRemote(dir, r); err != nil {
		t.Fatal(err)
	}
	synced := *r
	synced.LastVerified, synced.LastSync = strings.Repeat("a", 40), time.Now().UTC().Truncate(time.Second)
	if err := recordOutcome(dir, &synced); err != nil {
		t.Fatal(err)
	}
	if got, _ := remote(dir, "usb"); got.LastVerified != synced.LastVerified || !got.LastSync.Equal(synced.LastSync) {
		t.Fatalf("outcome not recorded: %+v", got)
	}
	RemoveRemote(dir, "usb")
	recordOutcome(dir, &synced)
	if rs, _ := Remotes(dir); len(rs) != 0 {
		t.Fatalf("removed remote came back: %+v", rs[0])
	}
	other := &Remote{Name: "usb", URL: filepath.Join(t.TempDir(), "two.git")}
	saveRemote(dir, other)
	recordOutcome(dir, &synced)
	if got, _ := remote(dir, "usb"); got.URL != other.URL || got.LastVerified != "" {
		t.Fatalf("new remote of the same name took the old one's state: %+v", got)
	}
}

// An object a crash left empty on a drive is written again by the next
// sync, and the drive's repository is whole.
func TestEmptyObjectOnDriveIsRewritten(t *testing.T) {
	need(t, "git")
	id := newIdentity(t, "priya")
	path := filepath.Join(t.TempDir(), "usb.git")
	a := syncedTo(t, id, "usb", endpoint{url: path})
	tip := a.Tip()
	obj := filepath.Join(path, "objects", tip[:2], tip[2:])
	if err := os.Chmod(obj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(obj, 0); err != nil {
		t.Fatal(err)
	}
	add(t, a, &binder.Record{Kind: "note", Title: "two"})
	mustSync(t, a, "usb")
	run(t, path, "git", "fsck", "--strict", "--no-dangling")
}

// Conflicts and notices of every attempt of a sync are reported.
func TestJoinMerges(t *testing.T) {
	first := &binder.MergeResult{Merged: true, Received: 2, Changed: 1, Conflicts: []string{"x"}, Notices: []string{"n1"}}
	second := &binder.MergeResult{FastForward: true, Received: 1, Changed: 1, Conflicts: []string{"x", "y"}, Notices: []string{"n2"}}
	j := joinMerges(first, second)
	if !j.Merged || j.FastForward || j.Received != 3 || strings.Join(j.Conflicts, ",") != "x,y" || strings.Join(j.Notices, ",") != "n1,n2" {
		t.Fatalf("%+v", j)
	}
	if joinMerges(nil, second) != second {
		t.Fatal("first attempt")
	}
}

// A server's branch that moves between the sync's look at it and its push
// (another member pushed) fails the push's compare-and-swap: sync takes the
// other push in and pushes again.
func TestPushRaceOverHTTP(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a, repo, e := syncedOverHTTP(t, id)
	b := clone(t, e, id, a.Fingerprint())
	fromB := add(t, b, &binder.Record{Kind: "note", Title: "from b"})
	// b's commit waits on the server; the hook moves the branch to it
	// while a's push is being received.
	run(t, b.Dir(), "git", "push", "-q", repo, "main:refs/heads/pending")
	hook := `#!/bin/sh
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
if p=$(git rev-parse -q --verify refs/heads/pending); then
	git update-ref refs/heads/main "$p" && git update-ref -d refs/heads/pending
fi
`
	if err := os.WriteFile(filepath.Join(repo, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	fromA := add(t, a, &binder.Record{Kind: "note", Title: "from a"})
	rep, err := Sync(ctx, a, "hub", testOptions(id))
	if err != nil || !rep.Pushed {
		t.Fatalf("%+v %v", rep, err)
	}
	if strings.Contains(run(t, repo, "git", "for-each-ref"), "pending") {
		t.Fatal("the hook did not run: nothing raced")
	}
	for _, r := range []*binder.Record{fromA, fromB} {
		if _, err := a.Get(ctx, r.ID); err != nil {
			t.Fatalf("%s: %v", r.Title, err)
		}
	}
	if got := strings.TrimSpace(run(t, repo, "git", "rev-parse", "main")); got != a.Tip() {
		t.Fatalf("server at %s; a at %s", got, a.Tip())
	}
}
