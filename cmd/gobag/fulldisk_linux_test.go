package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// onSmallDisk runs fn with a directory on a tmpfs of the given size (a
// mount option such as "48m"), mounted for the test. Without root it runs
// the test again in a user and mount namespace (unshare -Urm), where it
// may mount; where neither works it skips, saying why.
func onSmallDisk(t *testing.T, size string, fn func(dir string)) {
	t.Helper()
	if os.Geteuid() != 0 {
		const inside = "GOBAG_TEST_IN_NAMESPACE"
		if os.Getenv(inside) != "" {
			t.Skip("no root even in a user namespace: a small file system cannot be mounted")
		}
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("needs root, or unshare -Urm, to mount a small file system")
		}
		cmd := exec.Command("unshare", "-Urm", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
		cmd.Env = append(os.Environ(), inside+"=1")
		out, err := cmd.CombinedOutput()
		switch {
		case err != nil && bytes.Contains(out, []byte("--- FAIL")):
			t.Fatalf("in a user namespace:\n%s", out)
		case err != nil:
			t.Skipf("unshare -Urm does not work here (%v): a small file system cannot be mounted", err)
		case bytes.Contains(out, []byte("--- SKIP")):
			t.Skipf("in a user namespace:\n%s", out)
		}
		t.Logf("ran in a user namespace:\n%s", out)
		return
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	fn(dir)
}

// fill writes a file in dir until the disk is full, then gives back keep
// bytes, and returns the file.
func fill(t *testing.T, dir string, keep int64) string {
	t.Helper()
	path := filepath.Join(dir, "fill")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range []int{1 << 20, 64 << 10, 4 << 10} {
		buf := bytes.Repeat([]byte{0xa5}, chunk)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	n, _ := f.Seek(0, 1)
	if err := f.Truncate(n - keep); err != nil {
		t.Fatal(err)
	}
	return path
}

// plainIdentity makes an identity and writes it, unsealed, to a file.
func plainIdentity(t *testing.T) (*bcrypto.Identity, string) {
	t.Helper()
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id.txt")
	if err := os.WriteFile(path, id.MarshalText(), 0o600); err != nil {
		t.Fatal(err)
	}
	return id, path
}

// gobagRunner runs gobag processes with env, and fails the test if one
// crashes (a goroutine dump, a SIGBUS) rather than failing cleanly.
func gobagRunner(t *testing.T, env []string) func(args ...string) (stdout, stderr string, code int) {
	return func(args ...string) (stdout, stderr string, code int) {
		cmd := gobagProcess(t, env, args...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.String(), "goroutine ") || strings.Contains(e.String(), "SIGBUS") {
			t.Fatalf("gobag %s crashed:\n%.2000s", strings.Join(args, " "), e.String())
		}
		return o.String(), e.String(), code
	}
}

// With the disk full, commands that read work, and one that writes fails
// with exit 13 and what to do, having written nothing: the binder still
// verifies, and once there is room the same command succeeds.
func TestFullDisk(t *testing.T) {
	onSmallDisk(t, "48m", func(disk string) {
		id, idPath := plainIdentity(t)
		dir := filepath.Join(disk, "binder")
		b, err := binder.Create(context.Background(), dir, id, "Full Disk Office")
		if err != nil {
			t.Fatal(err)
		}
		r, err := b.Add(context.Background(), &binder.Record{Kind: "contact", Title: "Amara Okafor"})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		gobag := gobagRunner(t, []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath})
		// Full to the last block: Badger's logs, mapped as sparse files,
		// would fault on their first page.
		filler := fill(t, disk, 0)
		for _, args := range [][]string{{"list"}, {"show", r.ID}, {"search", "okafor"}, {"verify"}} {
			out, errOut, code := gobag(args...)
			if code != 0 || (args[0] != "verify" && !strings.Contains(out, "Amara Okafor")) {
				t.Errorf("gobag %s on a full disk: exit %d\n%s%s", args[0], code, out, errOut)
			}
		}
		// Full, and then with a megabyte free: room for git's objects but
		// not for what the index maps. Either way the add is refused
		// whole.
		for _, keep := range []int64{0, 1 << 20} {
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			filler = fill(t, disk, keep)
			_, errOut, code := gobag("add", "note", "--title", "Written when the disk was full")
			if code != 13 || !strings.Contains(errOut, "hint: free some space on the disk") {
				t.Fatalf("add with %d bytes free: exit %d; want 13 and what to do\n%s", keep, code, errOut)
			}
			if keep > 0 && !strings.Contains(errOut, "error: not enough free disk space to write the index") {
				t.Fatalf("add with %d bytes free: not refused before writing:\n%s", keep, errOut)
			}
			if out, errOut, code := gobag("verify"); code != 0 || !strings.Contains(out, "OK") {
				t.Fatalf("verify after the refused add: exit %d\n%s%s", code, out, errOut)
			}
			if out, _, _ := gobag("list"); strings.Contains(out, "Written when") {
				t.Fatalf("the refused add is listed:\n%s", out)
			}
		}

		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		if out, errOut, code := gobag("add", "note", "--title", "Written once there was room"); code != 0 {
			t.Fatalf("add with room: exit %d\n%s%s", code, out, errOut)
		}
		if out, _, _ := gobag("list"); !strings.Contains(out, "Written once there was room") {
			t.Fatalf("the add is not listed:\n%s", out)
		}
		if out, errOut, code := gobag("verify"); code != 0 {
			t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
		}
	})
}

// With the disk full and the branch moved on outside gobag (another copy
// pushed to this one), reading still works: the index cannot take in the
// new history, so what this copy verified before is shown, and gobag says
// so; once there is room, the new history is taken in.
func TestFullDiskWithTheBranchAhead(t *testing.T) {
	onSmallDisk(t, "48m", func(disk string) {
		ctx := context.Background()
		id, idPath := plainIdentity(t)
		dir := filepath.Join(disk, "binder")
		b, err := binder.Create(ctx, dir, id, "Full Disk Office")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Add(ctx, &binder.Record{Kind: "contact", Title: "Amara Okafor"}); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		// Another copy, elsewhere, adds a record and its history is put
		// into this one's branch, as a push to a shared drive does.
		other := filepath.Join(t.TempDir(), "other")
		if out, err := exec.Command("git", "clone", "-q", "--bare", dir, other).CombinedOutput(); err != nil {
			t.Fatalf("git clone: %v\n%s", err, out)
		}
		ob, err := binder.Open(ctx, other, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ob.Add(ctx, &binder.Record{Kind: "contact", Title: "Tomas Lindqvist"}); err != nil {
			t.Fatal(err)
		}
		if err := ob.Close(); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("git", "--git-dir", dir, "fetch", "-q", other, "+main:main").CombinedOutput(); err != nil {
			t.Fatalf("git fetch: %v\n%s", err, out)
		}
		gobag := gobagRunner(t, []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath})
		filler := fill(t, disk, 0)
		out, errOut, code := gobag("list")
		if code != 0 || !strings.Contains(out, "Amara Okafor") || !strings.Contains(errOut, "the disk is full") {
			t.Fatalf("list on a full disk with the branch ahead: exit %d\n%s%s", code, out, errOut)
		}
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		out, errOut, code = gobag("list")
		if code != 0 || !strings.Contains(out, "Tomas Lindqvist") || strings.Contains(errOut, "disk is full") {
			t.Fatalf("list with room again: exit %d\n%s%s", code, out, errOut)
		}
	})
}
