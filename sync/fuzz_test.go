package gitsync

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gobag/binder"
)

// FuzzParseRemotes: a remotes file, however it was edited, is either
// refused or read into remotes whose rendering reads back the same.
func FuzzParseRemotes(f *testing.F) {
	f.Add([]byte("[[remote]]\nname = \"usb\"\nurl = \"/media/usb/binder.git\"\n"))
	f.Add([]byte("[[remote]]\nname = \"hq\"\nurl = \"git@hq:binder\"\nhost_key = \"ssh-ed25519 AAAA\"\nlast_sync = 2026-11-02T10:00:00Z\n" +
		"[[remote]]\nname = \"site-b\"\nurl = \"https://b.example/binder.git\"\nuser = \"ops\"\nlast_error = \"timed out\"\n"))
	f.Add([]byte("[[remote]]\nname = \"a\"\n[[remote]]\nname = \"a\"\n"))
	f.Add([]byte("remote = 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := parseRemotes(data)
		if err != nil {
			return
		}
		text, err := encodeRemotes(rs)
		if err != nil {
			t.Fatalf("%q reads as remotes that do not render: %v", data, err)
		}
		again, err := parseRemotes(text)
		if err != nil {
			t.Fatalf("rendering %q of %q does not read back: %v", text, data, err)
		}
		text2, err := encodeRemotes(again)
		if err != nil || !bytes.Equal(text, text2) {
			t.Fatalf("rendering is not stable: %q then %q (%v)", text, text2, err)
		}
	})
}

// A remotes file edited by hand into something gobag would never write
// (two remotes of one name, a name it would refuse) is refused with a
// way out, not half read.
func TestRemotesFileEditedBadlyIsRefused(t *testing.T) {
	for _, text := range []string{
		"[[remote]]\nname = \"usb\"\nurl = \"/a\"\n[[remote]]\nname = \"usb\"\nurl = \"/b\"\n",
		"[[remote]]\nname = \"\\u001b]52;c;aGk=\\u0007\"\nurl = \"/a\"\n",
		"[[remote]]\nurl = \"/a\"\n",
		"[[remote]\n",
	} {
		dir := t.TempDir()
		path := binder.RemotesFile(dir)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Remotes(dir)
		if binder.KindOf(err) != binder.Invalid || !strings.Contains(binder.HintOf(err), "fix or remove the file") {
			t.Errorf("%q: %v (hint %q)", text, err, binder.HintOf(err))
		}
	}
}

// A remotes file changed by someone who can write the binder's directory
// (a remote's address pointed at their server, to be sent the token, or
// its last verified tip cleared) is refused before it is used: it is not
// what gobag last wrote. Removing it and adding the remotes again is the
// way back.
func TestRemotesFileChangedOutsideGobagIsRefused(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	hub := endpoint{url: filepath.Join(t.TempDir(), "hub.git")}
	addRemote(t, a, "hub", hub)
	mustSync(t, a, "hub")
	rs, err := Remotes(a.Dir())
	if err != nil {
		t.Fatal(err)
	}
	rs[0].URL, rs[0].LastVerified = "https://attacker.example/binder.git", ""
	rs[0].User = "priya"
	forged, err := encodeRemotes(rs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binder.RemotesFile(a.Dir()), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Sync(ctx, a, "hub", testOptions(id))
	if binder.KindOf(err) != binder.BadSignature || !strings.Contains(err.Error(), "changed outside gobag") {
		t.Fatalf("sync with a forged remotes file: %v", err)
	}
	if _, err := Remotes(a.Dir()); binder.KindOf(err) != binder.BadSignature {
		t.Fatalf("listing a forged remotes file: %v", err)
	}
	if err := os.Remove(binder.RemotesFile(a.Dir())); err != nil {
		t.Fatal(err)
	}
	addRemote(t, a, "hub", hub)
	mustSync(t, a, "hub")
}
