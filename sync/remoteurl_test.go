package gitsync

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gobag/binder"
)

// reportJSON is a sync report as sync --json prints it.
func reportJSON(t *testing.T, rep *Report) map[string]any {
	t.Helper()
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Every form of remote address is told apart as git tells them apart:
// what is not a directory is never taken for a relative one.
func TestRemoteURLKinds(t *testing.T) {
	for _, tc := range []struct{ url, kind string }{
		{"/media/usb/binder.git", "local"},
		{"./binder.git", "local"},
		{"../binder.git", "local"},
		{"binder.git", "local"},
		{"backups/binder.git", "local"},
		{"./odd:name.git", "local"},
		{"/srv/odd:name.git", "local"},
		{"file:///srv/binder.git", "local"},
		{"ssh://git@127.0.0.1:2222/srv/binder.git", "ssh"},
		{"SSH://127.0.0.1/srv/binder.git", "ssh"},
		{"git@127.0.0.1:binder.git", "ssh"},
		{"127.0.0.1:/srv/binder.git", "ssh"},
		{"git@127.0.0.1:~/binder.git", "ssh"},
		{"[git@127.0.0.1:2222]:binder.git", "ssh"},
		{"git@[::1]:binder.git", "ssh"},
		{"https://127.0.0.1/binder.git", "https"},
		{"http://127.0.0.1:8080/binder.git", "https"},
		{"git://127.0.0.1:9418/binder.git", "git"},
		{"git://127.0.0.1/binder.git", "git"},
		{"ftp://127.0.0.1/binder.git", ""},
		{"rsync://127.0.0.1/binder.git", ""},
		{"gopher://127.0.0.1/binder.git", ""},
		{"ext::ssh -p 22 127.0.0.1 %S binder.git", ""},
	} {
		if got := (&Remote{URL: tc.url}).Kind(); got != tc.kind {
			t.Errorf("Kind(%q) = %q; want %q", tc.url, got, tc.kind)
		}
	}
	if runtime.GOOS != "windows" {
		if got := (&Remote{URL: `C:\binders\b.git`}).Kind(); got == "ssh" {
			t.Errorf("a drive letter taken for an SSH host")
		}
	}
}

// Adding a remote refuses what gobag cannot reach, in words that list
// what it can; a relative directory is taken from where gobag runs, and
// nothing else ever becomes a directory.
func TestAddRemoteURLs(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	cwd := t.TempDir()
	t.Chdir(cwd)
	for _, url := range []string{"ftp://127.0.0.1/binder.git", "rsync://127.0.0.1/binder.git", "ext::ssh 127.0.0.1 %S x"} {
		_, err := AddRemote(ctx, a.Dir(), &Remote{Name: "x", URL: url}, AddOptions{})
		if binder.KindOf(err) != binder.Invalid {
			t.Errorf("%s: got %v; want Invalid", url, err)
			continue
		}
		for _, form := range []string{"ssh://", "https://", "git://", "user@host:path", "directory"} {
			if !strings.Contains(err.Error()+" "+binder.HintOf(err), form) {
				t.Errorf("%s: the refusal does not name %s: %v (hint %q)", url, form, err, binder.HintOf(err))
			}
		}
	}
	if runtime.GOOS != "windows" {
		if _, err := AddRemote(ctx, a.Dir(), &Remote{Name: "x", URL: "C:/binders/b.git"}, AddOptions{}); binder.KindOf(err) != binder.Invalid {
			t.Errorf("a Windows path here: got %v; want Invalid", err)
		}
	}
	// git:// is reached only when syncing: adding it makes nothing.
	if _, err := AddRemote(ctx, a.Dir(), &Remote{Name: "pub", URL: "git://127.0.0.1:9/binder.git"}, AddOptions{}); err != nil {
		t.Fatalf("git://: %v", err)
	}
	if ents, _ := os.ReadDir(cwd); len(ents) != 0 {
		t.Fatalf("a remote that is no directory made %s", ents[0].Name())
	}
	// A bare name is as likely a server's as a directory's: refused.
	for _, bare := range []string{"second.git", "backup.example.com"} {
		if _, err := AddRemote(ctx, a.Dir(), &Remote{Name: "bare", URL: bare}, AddOptions{}); binder.KindOf(err) != binder.Invalid || !strings.Contains(binder.HintOf(err), "./"+bare) {
			t.Errorf("%s: got %v (hint %q); want Invalid, suggesting ./%s", bare, err, binder.HintOf(err), bare)
		}
	}
	if ents, _ := os.ReadDir(cwd); len(ents) != 0 {
		t.Fatalf("a refused remote made %s", ents[0].Name())
	}
	if err := os.Mkdir(filepath.Join(cwd, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, rel := range map[string]string{"dot": "./usb.git", "sub": "sub/second.git", "up": "../" + filepath.Base(cwd) + "/third.git"} {
		r, err := AddRemote(ctx, a.Dir(), &Remote{Name: name, URL: rel}, AddOptions{})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		want := filepath.Join(cwd, strings.TrimPrefix(strings.TrimPrefix(rel, "../"+filepath.Base(cwd)+"/"), "./"))
		if r.URL != want {
			t.Errorf("%s became %s; want %s", rel, r.URL, want)
		}
		if _, err := os.Stat(filepath.Join(want, "objects")); err != nil {
			t.Errorf("%s: no repository at %s", rel, want)
		}
	}
	rs, _ := Remotes(a.Dir())
	for _, r := range rs {
		if r.Name == "pub" && (r.URL != "git://127.0.0.1:9/binder.git" || r.Kind() != "git") {
			t.Errorf("git:// remote kept as %+v", r)
		}
	}
}

// The address forms git takes for SSH besides ssh:// URLs work against a
// real sshd: user@host:path (the form hosting services and gitolite
// show; [host:port] in brackets for another port) with an absolute path
// or one relative to the user's home, and ~ in an ssh:// URL.
func TestSCPLikeOverSSH(t *testing.T) {
	id := newIdentity(t, "priya")
	s := startSSHD(t, id)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]func(abs, rel string) string{
		"user@[host:port]:/abs": func(abs, _ string) string { return fmt.Sprintf("%s@[127.0.0.1:%d]:%s", s.user, s.port, abs) },
		"[user@host:port]:rel":  func(_, rel string) string { return fmt.Sprintf("[%s@127.0.0.1:%d]:%s", s.user, s.port, rel) },
		"ssh://host/~/rel":      func(_, rel string) string { return fmt.Sprintf("ssh://%s@127.0.0.1:%d/~/%s", s.user, s.port, rel) },
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			abs := filepath.Join(t.TempDir(), "remote.git")
			bareRepo(t, abs)
			rel, err := filepath.Rel(me.HomeDir, abs)
			if err != nil {
				t.Skip(err)
			}
			e := endpoint{url: form(abs, rel), accept: s.fingerprint(t)}
			a := newBinder(t, id)
			add(t, a, &binder.Record{Kind: "note", Title: "over " + name})
			addRemote(t, a, "hub", e)
			if rep := mustSync(t, a, "hub"); !rep.Pushed {
				t.Fatalf("nothing pushed: %+v", rep)
			}
			if tip, _ := binder.BranchTip(abs); tip != a.Tip() {
				t.Fatalf("the server's repository is at %q, not %s", tip, a.Tip())
			}
			rs, _ := Remotes(a.Dir())
			if rs[0].URL != e.url {
				t.Fatalf("the URL is kept as %s, not as typed: %s", rs[0].URL, e.url)
			}
			b := clone(t, e, id, a.Fingerprint())
			sameCopies(t, a, b)
		})
	}
}

// git:// serves fetches and clones only (git daemon takes no push unless
// told to, and the protocol has no login): a sync with such a remote
// fetches, verifies and merges, and says it sent nothing because the
// remote is read-only; the push step itself refuses in those words.
func TestGitProtocol(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	root, port := startGitDaemon(t)
	repo := filepath.Join(root, "binder.git")
	a := newBinder(t, id)
	add(t, a, &binder.Record{Kind: "note", Title: "one"})
	addRemote(t, a, "disk", endpoint{url: repo})
	mustSync(t, a, "disk")
	e := endpoint{url: fmt.Sprintf("git://127.0.0.1:%d/binder.git", port)}

	b := clone(t, e, id, a.Fingerprint())
	sameCopies(t, a, b)
	add(t, a, &binder.Record{Kind: "note", Title: "two"})
	mustSync(t, a, "disk")
	if rep := mustSync(t, b, "origin"); rep.Merge == nil || !rep.Merge.FastForward || rep.Merge.Received != 1 || rep.Pushed {
		t.Fatalf("fetch over git://: %+v", rep)
	}
	sameCopies(t, a, b)

	if cs, _ := OffsiteCopies(b.Dir()); cs[0].LastCopy.IsZero() {
		t.Fatalf("a read-only remote in step is no copy: %+v", cs)
	}
	add(t, b, &binder.Record{Kind: "note", Title: "three, made on b"})
	remoteTip, _ := binder.BranchTip(repo)
	rep := mustSync(t, b, "origin")
	j := reportJSON(t, rep)
	if j["pushed"] != false || j["read_only"] != true || j["unsent"] != 1.0 {
		t.Fatalf("a sync with a read-only remote reports %v", j)
	}
	if tip, _ := binder.BranchTip(repo); tip != remoteTip {
		t.Fatal("the read-only remote moved")
	}
	if cs, _ := OffsiteCopies(b.Dir()); !cs[0].LastCopy.IsZero() {
		t.Fatalf("a read-only remote counts as holding changes it never received: %+v", cs)
	}
	rs, _ := Remotes(b.Dir())
	if rs[0].Kind() != "git" || rs[0].LastError != "" || !rs[0].LastPush.IsZero() {
		t.Fatalf("the remote's state: %+v", rs[0])
	}
	c, err := dial(ctx, b.Dir(), rs[0], testOptions(id))
	if err != nil {
		t.Fatal(err)
	}
	err = c.push(ctx, b, remoteTip, b.Tip())
	c.close()
	if binder.KindOf(err) != binder.Permission || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a push over git://: got %v; want a Permission error saying it is read-only", err)
	}

	// A git:// remote that is not there is offline, in bounded time.
	opts := testOptions(id)
	addRemote(t, a, "gone", endpoint{url: fmt.Sprintf("git://127.0.0.1:%d/binder.git", freePort(t))})
	if _, err := Sync(ctx, a, "gone", opts); binder.KindOf(err) != binder.Offline {
		t.Fatalf("no daemon: got %v; want Offline", err)
	}
	addRemote(t, a, "missing", endpoint{url: fmt.Sprintf("git://127.0.0.1:%d/nothing.git", port)})
	if _, err := Sync(ctx, a, "missing", opts); binder.KindOf(err) != binder.NotExist {
		t.Fatalf("no repository: got %v; want NotExist", err)
	}
}

// An SSH address means here what it means to git: the git CLI, with a
// stand-in for ssh that writes down what it was asked to reach, is the
// reference for user, host, port and the path sent to the server.
func TestSSHAddressesAsGitReadsThem(t *testing.T) {
	need(t, "git")
	dir := t.TempDir()
	record := filepath.Join(dir, "asked")
	fake := filepath.Join(dir, "ssh")
	os.WriteFile(fake, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \""+record+"\"\nexit 1\n"), 0o755)
	for _, url := range []string{
		"git@127.0.0.1:binder.git",
		"127.0.0.1:/srv/binder.git",
		"git@127.0.0.1:~/binder.git",
		"git@127.0.0.1:~priya/binder.git",
		"127.0.0.1:/~priya/binder.git",
		"[git@127.0.0.1:2222]:binder.git",
		"git@[127.0.0.1:2222]:binder.git",
		"[127.0.0.1:2222]:/srv/binder.git",
		"git@[::1]:binder.git",
		"[::1]:binder.git",
		"host:2222:binder.git",
		"user@example.org@127.0.0.1:odd user.git",
		"ssh://git@127.0.0.1:2222/~/binder.git",
		"ssh://git@127.0.0.1/~priya/binder.git",
		"ssh://git@[::1]:2222/srv/binder.git",
		"ssh://127.0.0.1/srv/b%20c.git",
		"git+ssh://127.0.0.1/srv/binder.git",
		"ssh+git://127.0.0.1:2200/srv/binder.git",
	} {
		os.Remove(record)
		cmd := exec.Command("git", "ls-remote", url)
		cmd.Env = append(os.Environ(), "GIT_SSH="+fake, "GIT_SSH_VARIANT=ssh")
		cmd.Run()
		data, err := os.ReadFile(record)
		if err != nil {
			t.Errorf("%s: git did not run ssh", url)
			continue
		}
		var want address
		want.kind = kindSSH
		args := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		for i := 0; i < len(args); i++ {
			switch a := args[i]; {
			case a == "-o":
				i++
			case a == "-p":
				i++
				want.port, _ = strconv.Atoi(args[i])
			case strings.HasPrefix(a, "git-upload-pack "):
				q := strings.TrimPrefix(a, "git-upload-pack ")
				want.path = strings.ReplaceAll(q[1:len(q)-1], `'\''`, "'")
			default:
				if i := strings.LastIndexByte(a, '@'); i >= 0 {
					want.user, a = a[:i], a[i+1:]
				}
				want.host = a
			}
		}
		got := parseAddress(url)
		got.scheme = ""
		if got != want {
			t.Errorf("%s: got %+v; git reads %+v", url, got, want)
		}
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"git@host:path", "[u@h:22]:p", "ssh://h/~/x", "git://h/x", "./x", "/x", "C:/x", "ftp://x", "a::b", "file:///x", "https://u:p@h/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := parseAddress(s)
		switch a.kind {
		case "":
			if a.problem == "" {
				t.Fatalf("%q: refused without a reason", s)
			}
		case kindLocal:
			if a.path == "" {
				t.Fatalf("%q: a directory with no path", s)
			}
		default:
			if a.host == "" || a.path == "" || a.port < 0 || a.port > 65535 || strings.HasPrefix(a.host, "-") || strings.HasPrefix(a.path, "-") {
				t.Fatalf("%q: %+v", s, a)
			}
		}
		if (a.kind == "") == (a.problem == "") {
			t.Fatalf("%q: kind %q, problem %q", s, a.kind, a.problem)
		}
	})
}

// Adding a remote again at the same address changes its settings and
// keeps its sync state; at another address it is refused.
func TestAddRemoteAgain(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	dir := filepath.Join(t.TempDir(), "usb.git")
	if _, err := AddRemote(ctx, a.Dir(), &Remote{Name: "usb", URL: dir, User: "kept"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(ctx, a, "usb", testOptions(id)); err != nil {
		t.Fatal(err)
	}
	before, err := remote(a.Dir(), "usb")
	if err != nil || before.LastVerified == "" {
		t.Fatalf("after a sync: %+v %v", before, err)
	}
	if _, err := AddRemote(ctx, a.Dir(), &Remote{Name: "usb", URL: dir, CACert: "/etc/ca.pem"}, AddOptions{}); err != nil {
		t.Fatalf("adding again: %v", err)
	}
	after, err := remote(a.Dir(), "usb")
	if err != nil || after.CACert != "/etc/ca.pem" || after.User != "kept" || after.LastVerified != before.LastVerified || !after.LastSync.Equal(before.LastSync) {
		t.Fatalf("after adding again: %+v %v; want the new setting, the old ones and the sync state", after, err)
	}
	if _, err := AddRemote(ctx, a.Dir(), &Remote{Name: "usb", URL: filepath.Join(t.TempDir(), "other.git")}, AddOptions{}); binder.KindOf(err) != binder.Invalid {
		t.Fatalf("another address under the same name: %v", err)
	}
}
