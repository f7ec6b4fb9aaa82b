package binder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// snapshot is every live record's plaintext, by id.
func snapshot(t *testing.T, b *Binder) map[string]string {
	t.Helper()
	ctx := context.Background()
	list, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range list {
		r, err := b.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := r.Marshal()
		out[s.ID] = string(text)
	}
	return out
}

func countLoose(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(dir, "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(filepath.Base(filepath.Dir(p))) == 2 {
			n++
		}
		return nil
	})
	return n
}

// reopenFromGit closes b, throws its index away and opens it again, so that
// every record is read back from the repository.
func reopenFromGit(t *testing.T, b *Binder) *Binder {
	t.Helper()
	dir, id := b.Dir(), b.Identity()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, localDir, "index")); err != nil {
		t.Fatal(err)
	}
	nb, err := Open(context.Background(), dir, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nb.Close() })
	return nb
}

func mustVerify(t *testing.T, dir string) {
	t.Helper()
	rep, err := Verify(context.Background(), dir, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
}

// TestPackedRepositories reads binders packed by gobag and by git (with
// offset and with reference deltas), and checks that git accepts gobag's
// packs.
func TestPackedRepositories(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	var ids []string
	for i := range 40 {
		r, err := b.Add(ctx, &Record{Kind: "contact", Title: fmt.Sprintf("Contact %d", i),
			Fields: map[string]any{"location": fmt.Sprintf("Floor %d", i)}, Body: strings.Repeat("notes ", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	for i, id := range ids[:20] {
		r, err := b.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r.Fields["escalation"] = int64(i)
		if _, err := b.Update(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[30:33] {
		if err := b.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	want := snapshot(t, b)
	dir := b.Dir()

	var calls int
	packed, err := b.Pack(ctx, false, func(stage string, done, total int) {
		calls++
		if stage != "pack" || done > total {
			t.Errorf("progress %q %d/%d", stage, done, total)
		}
	})
	if err != nil || !packed || calls == 0 {
		t.Fatalf("Pack = %v, %v (%d progress calls)", packed, err, calls)
	}
	if n := countLoose(t, dir); n != 0 {
		t.Fatalf("%d loose objects left after packing", n)
	}
	gitCmd(t, dir, "fsck", "--strict", "--no-dangling")
	idx, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.idx"))
	if len(idx) != 1 {
		t.Fatalf("packs: %v", idx)
	}
	if out := gitCmd(t, dir, "verify-pack", "-v", idx[0]); !strings.Contains(out, "chain length = 1") {
		t.Errorf("gobag's pack has no deltas:\n%s", out)
	}
	mustVerify(t, dir)
	b = reopenFromGit(t, b)
	if got := snapshot(t, b); !reflect.DeepEqual(got, want) {
		t.Fatal("records read from gobag's pack differ")
	}
	// Saving on top of a pack, then packing again, gathers both.
	extra, err := b.Add(ctx, &Record{Kind: "note", Title: "after packing"})
	if err != nil {
		t.Fatal(err)
	}
	want[extra.ID] = snapshot(t, b)[extra.ID]
	if _, err := b.Pack(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "fsck", "--strict", "--no-dangling")

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"git gc", []string{"gc", "-q"}},
		{"git repack with offset deltas", []string{"repack", "-adf", "-q", "--depth=5"}},
		{"git repack with reference deltas", []string{"-c", "repack.useDeltaBaseOffset=false", "repack", "-adf", "-q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gitCmd(t, dir, tc.args...)
			mustVerify(t, dir)
			b = reopenFromGit(t, b)
			if got := snapshot(t, b); !reflect.DeepEqual(got, want) {
				t.Fatal("records read from git's pack differ")
			}
		})
	}
}

func TestCorruptPackIsReported(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	addNotes := func(from int) {
		for i := from; i < from+10; i++ {
			if _, err := b.Add(ctx, &Record{Kind: "note", Title: fmt.Sprintf("note %d", i), Body: strings.Repeat("x", 500)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	addNotes(0)
	if _, err := b.Pack(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	packsNow := func() []string {
		packs, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.pack"))
		if err != nil {
			t.Fatal(err)
		}
		return packs
	}
	older := packsNow()
	// A second pack, of the newer records' objects (as git repack, not
	// -a, makes one), so that which pack is damaged can be told.
	addNotes(10)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "repack", "-d", "-q")
	var newer string
	for _, p := range packsNow() {
		if !slices.Contains(older, p) {
			newer = p
		}
	}
	if len(older) != 1 || newer == "" {
		t.Fatalf("packs: older %v, newer %q", older, newer)
	}
	data, err := os.ReadFile(newer)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 3; i < len(data)/3+64; i++ {
		data[i] ^= 0xff
	}
	if err := os.Chmod(newer, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newer, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, dir, nil)
	if err == nil && rep.OK() {
		t.Fatal("a damaged pack verified")
	}
	if err != nil && KindOf(err) != BadSignature {
		t.Fatalf("got %v (kind %v); want a bad-signature error", err, KindOf(err))
	}
	// The report names the damaged pack, and not the sound one.
	said := fmt.Sprint(err)
	if rep != nil {
		said += fmt.Sprint(rep.Problems)
	}
	name := func(p string) string { return strings.TrimSuffix(filepath.Base(p), ".pack") }
	if !strings.Contains(said, name(newer)) || strings.Contains(said, name(older[0])) {
		t.Fatalf("the damaged pack %s is not the one named: %s", name(newer), said)
	}
}

// gobag gc leaves every state stock git maintenance can produce one that
// git fsck --strict accepts and gobag reads: a multi-pack-index, a pack
// kept with .keep, bitmaps, a commit-graph, temporary files a killed
// repack left.
func TestGCAfterStockGitMaintenance(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	dir := b.Dir()
	add := func(n int) {
		for i := range n {
			mustAdd(t, b, &Record{Kind: "note", Title: fmt.Sprintf("note %d", i)})
		}
	}
	packDir := filepath.Join(dir, "objects", "pack")
	add(5)
	if _, err := b.Pack(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	// git's own maintenance, as a user's cron or git gc might run it.
	gitCmd(t, dir, "gc", "--aggressive", "-q")
	gitCmd(t, dir, "repack", "-a", "-d", "-b", "-q")
	gitCmd(t, dir, "commit-graph", "write", "--reachable")
	packs, err := filepath.Glob(filepath.Join(packDir, "*.pack"))
	if err != nil || len(packs) == 0 {
		t.Fatalf("packs %v %v", packs, err)
	}
	keep := strings.TrimSuffix(packs[0], ".pack") + ".keep"
	if err := os.WriteFile(keep, []byte("kept by the administrator\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	add(5)
	gitCmd(t, dir, "repack", "-d", "-q")
	gitCmd(t, dir, "multi-pack-index", "write")
	old, fresh := filepath.Join(packDir, "tmp_pack_killed"), filepath.Join(packDir, "tmp_pack_busy")
	for _, f := range []string{old, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-3 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	add(3)
	if _, err := b.Pack(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(packs[0]); err != nil {
		t.Errorf("the pack with a .keep file was removed: %v", err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("a temporary file left hours ago by a killed repack is still there")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a temporary file a running git may be writing was removed")
	}
	if err := os.Remove(fresh); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "fsck", "--strict", "--no-dangling")
	mustVerify(t, dir)
	if list, err := b.List(ctx, "note"); err != nil || len(list) != 13 {
		t.Fatalf("after gc: %d notes (%v)", len(list), err)
	}
	b = reopenFromGit(t, b)
	if list, err := b.List(ctx, "note"); err != nil || len(list) != 13 {
		t.Fatalf("read back from git: %d notes (%v)", len(list), err)
	}
}

// A binder whose objects live in another repository, listed in
// objects/info/alternates (as git clone --shared or --reference leaves
// it), is read through it; verify says so, and gobag gc makes
// the copy whole again, so that it stands alone when the other repository
// is gone.
func TestAlternatesAreReadAndGCMakesTheCopyWhole(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	dir := b.Dir()
	for i := range 6 {
		mustAdd(t, b, &Record{Kind: "note", Title: fmt.Sprintf("note %d", i)})
	}
	want := snapshot(t, b)
	lender := filepath.Join(t.TempDir(), "lender.git")
	gitCmd(t, dir, "clone", "-q", "--bare", dir, lender)
	alt := filepath.Join(dir, "objects", "info", "alternates")
	if err := os.WriteFile(alt, []byte(filepath.Join(lender, "objects")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// What git clone --shared leaves: every object is the lender's.
	for _, pattern := range []string{"objects/[0-9a-f][0-9a-f]", "objects/pack/pack-*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	gitCmd(t, dir, "fsck", "--strict", "--no-dangling")
	b = reopenFromGit(t, b)
	if got := snapshot(t, b); !reflect.DeepEqual(got, want) {
		t.Fatalf("read through alternates:\n got %v\nwant %v", got, want)
	}
	rep, err := Verify(ctx, dir, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "alternates") }) {
		t.Errorf("verify gave no warning about alternates: %q", rep.Warnings)
	}
	mustAdd(t, b, &Record{Kind: "note", Title: "written while borrowing"})
	want = snapshot(t, b)

	if _, err := b.Pack(ctx, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(alt); !os.IsNotExist(err) {
		t.Fatalf("gc left objects/info/alternates (%v): the copy still depends on another repository", err)
	}
	if err := os.RemoveAll(lender); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "fsck", "--strict", "--no-dangling")
	mustVerify(t, dir)
	b = reopenFromGit(t, b)
	if got := snapshot(t, b); !reflect.DeepEqual(got, want) {
		t.Fatalf("after gc, with the lender gone:\n got %v\nwant %v", got, want)
	}
}
