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
