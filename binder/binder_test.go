package binder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bcrypto "gobag/crypto"
)

func newTestBinder(t *testing.T) (*Binder, *bcrypto.Identity) {
	t.Helper()
	return newTestBinderOfFormat(t, formatLine)
}

// newTestBinderOfFormat makes a binder whose .gobag/format is format, as
// an older gobag wrote it, and is not upgraded while the test runs.
func newTestBinderOfFormat(t *testing.T, format string) (*Binder, *bcrypto.Identity) {
	t.Helper()
	if format != formatLine {
		testOnlyKeepFormat = true
		t.Cleanup(func() { testOnlyKeepFormat = false })
	}
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "binder")
	b, err := create(context.Background(), dir, id, "Example Statistics Office", format)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, id
}

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestSaveShowEditDelete(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	if b.Name(ctx) != "Example Statistics Office" {
		t.Fatalf("name %q", b.Name(ctx))
	}
	r, err := b.Add(ctx, &Record{Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"location": "HQ, 3rd floor"}, Body: "Head of IT.\n"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Rev != 1 || !ValidID(r.ID) {
		t.Fatalf("got rev %d id %q", r.Rev, r.ID)
	}
	got, err := b.Get(ctx, r.ID[:6])
	if err != nil || got.Title != "Priya Raman" || got.Fields["location"] != "HQ, 3rd floor" || got.Body != "Head of IT.\n" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	got.Title = "Priya R."
	if _, err := b.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	got.Rev = 1 // stale
	if _, err := b.Update(ctx, got); KindOf(err) != Conflict {
		t.Fatalf("stale edit: got %v; want a conflict", err)
	}
	list, _ := b.List(ctx, "")
	if len(list) != 1 || list[0].Rev != 2 {
		t.Fatalf("list = %+v", list)
	}
	if err := b.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, r.ID); KindOf(err) != NotExist {
		t.Fatalf("deleted record: got %v; want NotExist", err)
	}
	log, err := b.Log(ctx, r.ID, 0)
	if err != nil || len(log) != 3 || log[0].Action != "delete" || log[2].Action != "add" {
		t.Fatalf("log = %+v, %v", log, err)
	}
	rep, err := Verify(ctx, b.Dir(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	if rep.Fingerprint != b.Fingerprint() {
		t.Fatalf("fingerprint %s; want %s", rep.Fingerprint, b.Fingerprint())
	}
}

// The stock git CLI sees a clean, signed repository and age reads records.
func TestGitAndAgeCLI(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	r, err := b.Add(ctx, &Record{Kind: "system", Title: "Data platform", Fields: map[string]any{"rto": "3h"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	gitCmd(t, dir, "fsck", "--strict")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte(gitCmd(t, dir, "show", "HEAD:.gobag/allowed_signers")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"HEAD", "HEAD~1", "HEAD~2"} {
		gitCmd(t, dir, "-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", rev)
	}
	// The command the file's first line gives works as written.
	first, _, _ := strings.Cut(gitCmd(t, dir, "show", "HEAD:.gobag/allowed_signers"), "\n")
	command, ok := strings.CutPrefix(first, "# check: ")
	command, _, _ = strings.Cut(command, " (")
	if !ok {
		t.Fatalf("allowed_signers starts %q", first)
	}
	sh := exec.Command("sh", "-c", command)
	sh.Dir, sh.Env = t.TempDir(), append(os.Environ(), "GIT_DIR="+dir)
	if out, err := sh.CombinedOutput(); err != nil || !strings.Contains(string(out), "Good \"git\" signature") {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	clone := filepath.Join(t.TempDir(), "copy")
	gitCmd(t, t.TempDir(), "clone", "-q", dir, clone)
	if _, err := exec.LookPath("age"); err != nil {
		t.Skip("age CLI not installed")
	}
	key := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(key, id.ExportAge(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "git -C "+dir+" show HEAD:"+r.Path+" | age -d -i "+key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("age -d: %v: %s", err, out)
	}
	back, err := ParseRecord(out)
	if err != nil || back.Title != "Data platform" || back.ID != r.ID || back.Rev != 1 {
		t.Fatalf("age -d printed %q (%v)", out, err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	_, err := Open(ctx, b.Dir(), id)
	if KindOf(err) != Locked || !strings.Contains(err.Error(), "in use by another gobag process") {
		t.Fatalf("got %v; want Locked", err)
	}
	// Another identity cannot read the index key and would start a new
	// index: it must be stopped before it touches the one in use.
	other, err := bcrypto.NewIdentity("tomas")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, b.Dir(), other); KindOf(err) != Locked {
		t.Fatalf("other identity: got %v; want Locked", err)
	}
	if _, err := b.List(ctx, ""); err != nil {
		t.Fatalf("the first process's index was disturbed: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2, err := Open(ctx, b.Dir(), id)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIndexRebuiltWhenMissingStaleOrCorrupt(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	r, err := b.Add(ctx, &Record{Kind: "note", Title: "one"})
	if err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	if err := os.RemoveAll(filepath.Join(dir, localDir, "index")); err != nil {
		t.Fatal(err)
	}
	b2, err := Open(ctx, dir, id)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b2.Get(ctx, r.ID); err != nil || got.Title != "one" {
		t.Fatalf("after losing the index: %v, %v", got, err)
	}
	tipWithOne := b2.Tip()
	r2, err := b2.Add(ctx, &Record{Kind: "note", Title: "two"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}

	// The branch moved back outside gobag, to before "two": refused, as
	// a rewind, unless accepted on purpose.
	gitCmd(t, dir, "update-ref", "refs/heads/main", tipWithOne)
	if _, err := Open(ctx, dir, id); KindOf(err) != BadSignature || FixOf(err).Action != ActionAcceptHistory {
		t.Fatalf("a rewound branch: got %v; want a refusal whose fix accepts the history", err)
	}
	b3, err := Open(ctx, dir, id, AcceptHistory())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b3.Get(ctx, r2.ID); KindOf(err) != NotExist {
		t.Fatalf("stale index still has the record: %v", err)
	}
	if err := b3.Close(); err != nil {
		t.Fatal(err)
	}

	// Corrupt: garbage over every index file.
	files, err := filepath.Glob(filepath.Join(dir, localDir, "index", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("index files: %v %v", files, err)
	}
	for _, f := range files {
		if err := os.WriteFile(f, bytes.Repeat([]byte{0xff}, 100), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b4, err := Open(ctx, dir, id)
	if err != nil {
		t.Fatal(err)
	}
	defer b4.Close()
	if got, err := b4.Get(ctx, r.ID); err != nil || got.Title != "one" {
		t.Fatalf("after corruption: %v, %v", got, err)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	tip := b.Tip()
	for _, r := range []*Record{
		{Kind: "", Title: "x"},
		{Kind: "spaceship", Title: "x"},
		{Kind: "note", Title: " "},
		{Kind: "note", Title: "x", Fields: map[string]any{"Bad Key": 1}},
		{Kind: "note", Title: "x", Fields: map[string]any{"title": "the record's own"}},
	} {
		if _, err := b.Add(ctx, r); KindOf(err) != Invalid || HintOf(err) == "" {
			t.Errorf("Add(%+v) = %v; want Invalid with a hint", r, err)
		}
	}
	if _, err := b.Get(ctx, "zz"); KindOf(err) != Invalid {
		t.Errorf("short id: got %v", err)
	}
	if _, err := b.Get(ctx, "abcdefgh"); KindOf(err) != NotExist {
		t.Errorf("unknown id: got %v", err)
	}
	// Nothing refused was saved.
	if b.Tip() != tip {
		t.Fatal("a refused record moved the branch")
	}
	if list, err := b.List(ctx, ""); err != nil || len(list) != 0 {
		t.Fatalf("after refusals the binder lists %+v (%v)", list, err)
	}
}

// An index of an older layout is rebuilt, leaving nothing of the old one.
func TestIndexOfOlderLayoutIsRebuilt(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	if _, err := b.Add(ctx, &Record{Kind: "note", Title: "kept"}); err != nil {
		t.Fatal(err)
	}
	batch := b.ix.NewBatch()
	batch.Set(keyVersion, []byte("0"))
	batch.Set(prefixSummary+NewID(), []byte(`{"old":"layout"}`))
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	b2 := reopen(t, b, id)
	list, err := b2.List(ctx, "")
	if err != nil || len(list) != 1 || list[0].Title != "kept" {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

// A save whose index update fails says so; the change itself is saved,
// and the next open catches the index up.
func TestIndexFailureIsReported(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	testOnlyIndexFault = errors.New("no space left on device")
	saved, err := b.Add(ctx, &Record{Kind: "note", Title: "kept"})
	testOnlyIndexFault = nil
	if !errors.Is(err, ErrIndexBehind) || FixOf(err) == nil || FixOf(err).Action != ActionReindex {
		t.Fatalf("got %v; want ErrIndexBehind with a reindex fix", err)
	}
	if saved == nil || !ValidID(saved.ID) {
		t.Fatalf("the saved record is not returned with the error: %+v", saved)
	}
	b2 := reopen(t, b, id)
	hits, err := b2.List(ctx, "note")
	if err != nil || len(hits) != 1 || hits[0].Title != "kept" || hits[0].ID != saved.ID {
		t.Fatalf("after reopening: %+v %v", hits, err)
	}
}

// A record over the size limit is refused when it is added, with no
// word of its content in the error, and the binder goes on working; one
// a modified client wrote anyway is refused by verify and by readers.
func TestOversizedRecordIsRefused(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	marker := "PLAINTEXT-MARKER-5e0c"
	body := strings.Repeat(marker+" ", 2*MaxRecordBytes/len(marker))
	_, err := b.Add(ctx, &Record{Kind: "note", Title: "big " + marker, Body: body})
	if KindOf(err) != Invalid || strings.Contains(err.Error(), marker) {
		t.Fatalf("add: got %v; want Invalid without the content", err)
	}
	if list, err := b.List(ctx, ""); err != nil || len(list) != 0 {
		t.Fatalf("after the refusal: %v %v", list, err)
	}
	// Written by a client that skips the limit.
	forgeVersion(t, b, id, &Record{ID: NewID(), Kind: "note", Title: "big " + marker, Body: body}, nil, false)
	dir := b.Dir()
	rep, err := Verify(ctx, dir, nil)
	if err != nil || rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), "over the limit") {
		t.Fatalf("verify: %v %v; want the record over the limit reported", rep, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dir, id)
	if KindOf(err) != BadSignature || strings.Contains(err.Error(), marker) {
		t.Fatalf("open: got %v; want a refusal without the content", err)
	}
}

// The README's recipe for checking a copy with git alone works as
// written: it prints the binder's fingerprint from the first roster, and
// checks the tip's signature with the first commit's signers.
func TestReadmeRecipeWorks(t *testing.T) {
	for _, tool := range []string{"git", "openssl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	b, _ := newTestBinder(t)
	mustAdd(t, b, &Record{Kind: "note", Title: "x"})
	dir := b.Dir()
	readme := gitCmd(t, dir, "show", "main:README.md")
	var script []string
	for _, line := range strings.Split(readme, "\n") {
		cmd, ok := strings.CutPrefix(line, "    ")
		if !ok {
			continue
		}
		cmd, _, _ = strings.Cut(cmd, "  #")
		for _, want := range []string{"export GIT_NO_REPLACE_OBJECTS", "first=", "echo SHA256:", "allowed_signers > allowed_signers", "verify-commit main"} {
			if strings.Contains(cmd, want) {
				script = append(script, cmd)
			}
		}
	}
	if len(script) != 5 {
		t.Fatalf("the README's recipe lines: %q", script)
	}
	sh := exec.Command("sh", "-ec", strings.Join(script, "\n"))
	sh.Dir, sh.Env = t.TempDir(), append(os.Environ(), "GIT_DIR="+dir)
	out, err := sh.CombinedOutput()
	if err != nil || !strings.Contains(string(out), b.Fingerprint()) || !strings.Contains(string(out), "Good \"git\" signature") {
		t.Fatalf("the README's recipe: %v\n%s\nwant the fingerprint %s and a good signature", err, out, b.Fingerprint())
	}
}

// A branch that does not continue the history this copy last verified is
// refused when the binder is opened, whether it was rewound past a
// deletion (bringing the record back) or swapped for another binder's
// history that lists the same keys; accepting it is explicit. Deleting
// the binder's local state (its index, which remembers the tip) as well
// does not make the copy forget: the user's account remembers it too.
func TestOpenRefusesRewoundOrSwappedHistory(t *testing.T) {
	ctx := context.Background()
	for _, wipe := range []bool{false, true} {
		// tamper closes the binder in dir, moves its branch to tip and,
		// with wipe, deletes its index and the index's key.
		tamper := func(t *testing.T, b *Binder, tip string) {
			t.Helper()
			dir := b.Dir()
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			gitCmd(t, dir, "update-ref", "refs/heads/main", tip)
			if wipe {
				for _, f := range []string{localIndex, localIndexKey} {
					if err := os.RemoveAll(filepath.Join(dir, localDir, f)); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		suffix := map[bool]string{false: "", true: ", index deleted"}[wipe]
		t.Run("rewound past a deletion"+suffix, func(t *testing.T) {
			b, id := newTestBinder(t)
			r := mustAdd(t, b, &Record{Kind: "note", Title: "withdrawn"})
			before := b.Tip()
			if err := b.Delete(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			dir := b.Dir()
			tamper(t, b, before)
			_, err := Open(ctx, dir, id)
			if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "rewound") {
				t.Fatalf("got %v; want the rewind refused", err)
			}
			b, err = Open(ctx, dir, id, AcceptHistory())
			if err != nil {
				t.Fatalf("accepting the history on purpose: %v", err)
			}
			if _, err := b.Get(ctx, r.ID); err != nil {
				t.Fatalf("the accepted history's record: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			b = reopen(t, b, id)
		})
		t.Run("swapped for another binder"+suffix, func(t *testing.T) {
			victim, id := newTestBinder(t)
			mustAdd(t, victim, &Record{Kind: "note", Title: "real"})
			// The attacker's own binder, whose roster lists the victim's
			// keys: they made it with the victim's public keys (here, the
			// same identity stands in for them).
			saved := clock
			clock = func() time.Time { return saved().Add(-time.Hour) } // made at another time
			other, err := Create(ctx, filepath.Join(t.TempDir(), "other"), id, "Impostor")
			clock = saved
			if err != nil {
				t.Fatal(err)
			}
			mustAdd(t, other, &Record{Kind: "note", Title: "forged"})
			forged := other.Tip()
			if err := other.Close(); err != nil {
				t.Fatal(err)
			}
			dir := victim.Dir()
			gitCmd(t, dir, "fetch", "-q", other.Dir(), "main:refs/heads/impostor")
			tamper(t, victim, forged)
			_, err = Open(ctx, dir, id)
			if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "another binder") {
				t.Fatalf("got %v; want the swapped history refused", err)
			}
		})
	}
}

// With its index gone (deleted, or unreadable), a binder is rebuilt from
// git, and nothing of the branch is taken before the history verifies: a
// commit nobody signed on top of it is refused as it is when the index is
// there.
func TestRebuildVerifiesTheHistory(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	mustAdd(t, b, &Record{Kind: "note", Title: "real"})
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	tree := strings.TrimSpace(gitCmd(t, dir, "rev-parse", "main^{tree}"))
	forged := strings.TrimSpace(gitCmd(t, dir, "commit-tree", tree, "-p", "main", "-m", "gobag: edit 1 record"))
	gitCmd(t, dir, "update-ref", "refs/heads/main", forged)
	if err := os.RemoveAll(filepath.Join(dir, localDir, localIndex)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, dir, id)
	if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("got %v; want the unsigned commit refused", err)
	}
}

// reopen closes b and opens its binder again with id, as the next
// process would; the new one is closed when the test ends.
func reopen(t *testing.T, b *Binder, id *bcrypto.Identity) *Binder {
	t.Helper()
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2, err := Open(context.Background(), dir, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b2.Close() })
	return b2
}

// The binder's local state is the user's alone: the directory is closed
// to other local users even where it was made open (a copy unpacked from
// an archive, a umask of 0), and the account's memory of the copy too.
func TestLocalStateIsPrivate(t *testing.T) {
	b, id := newTestBinder(t)
	local := filepath.Join(b.Dir(), localDir)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(local, 0o777); err != nil {
		t.Fatal(err)
	}
	b = reopen(t, b, id)
	if fi, err := os.Stat(local); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v; want it closed to others (0700)", local, fi)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	paths, err := memoryFiles(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, filepath.Dir(paths[0])) {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: %v (%v); want no access for others", p, fi, err)
		}
	}
}

// A link put where the binder was, to the binder moved aside, does not
// make the copy one never opened before: the memory of the path as the
// user gives it still holds, index deleted or not.
func TestLinkToTheMovedBinderDoesNotForget(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	r := mustAdd(t, b, &Record{Kind: "note", Title: "withdrawn"})
	before := b.Tip()
	if err := b.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "update-ref", "refs/heads/main", before)
	for _, f := range []string{localIndex, localIndexKey} {
		if err := os.RemoveAll(filepath.Join(dir, localDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	aside := dir + ".moved"
	if err := os.Rename(dir, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(aside), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, id); KindOf(err) != BadSignature || !strings.Contains(err.Error(), "rewound") {
		t.Fatalf("got %v; want the rewind refused through the link", err)
	}
}

// Accepting a history is for the one open that asks: a binder made by
// Create (which accepts whatever its directory held before) refuses a
// branch rewound behind its back while it is open.
func TestAcceptHistoryIsForOpenOnly(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	r := mustAdd(t, b, &Record{Kind: "note", Title: "withdrawn"})
	before := b.Tip()
	if err := b.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, b.Dir(), "update-ref", "refs/heads/main", before)
	_, err := b.Add(ctx, &Record{Kind: "note", Title: "after the rewind"})
	if KindOf(err) != BadSignature || !strings.Contains(err.Error(), "rewound") {
		t.Fatalf("got %v; want the rewind refused", err)
	}
	if _, err := b.Get(ctx, r.ID); KindOf(err) != NotExist {
		t.Fatalf("the deleted record: %v; want it still gone", err)
	}
}

// WriteFileAtomic gives the file its mode whatever was left beside it: a
// stale temporary file of another mode, or a link where one was written
// before, is neither reused nor written through.
func TestWriteFileAtomicIgnoresWhatIsLeftBeside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "identity.age")
	elsewhere := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(path+".tmp", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(dir, ".identity.age.tmp")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("sealed"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if data, _ := os.ReadFile(path); string(data) != "sealed" {
		t.Fatalf("content %q", data)
	}
	if _, err := os.Stat(elsewhere); !os.IsNotExist(err) {
		t.Fatalf("written through a link: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("left behind: %v", entries)
	}
}
