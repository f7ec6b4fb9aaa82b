package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// gobagProcess runs this test binary as the gobag command.
func gobagProcess(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GOBAG_TEST_RUN_MAIN=1"), env...)
	return cmd
}

func newPlainBinder(t *testing.T) (dir, idPath string, env []string) {
	t.Helper()
	work := t.TempDir()
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	idPath = filepath.Join(work, "id.txt")
	if err := os.WriteFile(idPath, id.MarshalText(), 0o600); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(work, "binder")
	b, err := binder.Create(context.Background(), dir, id, "Crash Test Office")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, idPath, []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath}
}

// Kill the CLI at random moments during a loop of saves: every save that
// reported success must survive, and the repository must stay clean.
func TestCrashDuringSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns many processes")
	}
	dir, _, env := newPlainBinder(t)
	rng := rand.New(rand.NewPCG(1, 2))
	// Time one save undisturbed, then kill at random points across that
	// span (and a little past it), so that kills land in every phase.
	t0 := time.Now()
	if out, err := gobagProcess(t, env, "add", "note", "--title", "warm-up").CombinedOutput(); err != nil {
		t.Fatalf("warm-up save: %v\n%s", err, out)
	}
	span := time.Since(t0) * 3 / 2
	var confirmed []string
	killed := 0
	for i := range 60 {
		cmd := gobagProcess(t, env, "add", "note", "--title", "note "+strings.Repeat("x", i%7), "--set", "n="+strconv.Itoa(i))
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if i%4 == 3 {
			// Every fourth save runs to its end, whatever the machine's
			// load: it must succeed after the kills before it (catching
			// the index up), and both outcomes are always exercised.
			if err := <-done; err != nil {
				t.Fatalf("save %d after kills: %v", i, err)
			}
			confirmed = append(confirmed, strings.TrimSpace(out.String()))
			continue
		}
		select {
		case err := <-done:
			if err == nil {
				confirmed = append(confirmed, strings.TrimSpace(out.String()))
			}
		case <-time.After(time.Duration(rng.Int64N(int64(span)))):
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-done; err == nil {
				confirmed = append(confirmed, strings.TrimSpace(out.String()))
			} else {
				killed++
			}
		}
	}
	t.Logf("%d saves confirmed, %d killed", len(confirmed), killed)
	if killed == 0 || len(confirmed) == 0 {
		t.Fatalf("the test did not exercise both outcomes (%d confirmed, %d killed)", len(confirmed), killed)
	}
	if out, err := exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Fatalf("git fsck: %v\n%s", err, out)
	}
	if out, err := gobagProcess(t, env, "verify").CombinedOutput(); err != nil {
		t.Fatalf("gobag verify: %v\n%s", err, out)
	}
	out, err := gobagProcess(t, env, "list", "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	for _, id := range confirmed {
		if !strings.Contains(string(out), id) {
			t.Errorf("confirmed save %s is missing", id)
		}
	}
}

// No plaintext at rest: not in any file under the binder (git objects
// inflated, packed or loose; the index with its search words), nor in the
// sealed identity.
func TestNoPlaintextAtRest(t *testing.T) {
	work := t.TempDir()
	pass := filepath.Join(work, "pass")
	if err := os.WriteFile(pass, []byte("correct horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"GOBAG_BINDER=" + filepath.Join(work, "binder"), "GOBAG_IDENTITY=" + filepath.Join(work, "id.age"), "GOBAG_PASSPHRASE_FILE=" + pass}
	secrets := []string{"MARKER-7f3a9c", "Priya Raman", "+44 20 7946 0001", "7946 0001", "Example Statistics Office", "Restore the vault"}
	steps := [][]string{
		{"id", "new", "--handle", "priya"},
		{"init", "--name", "Example Statistics Office"},
		{"add", "contact", "--title", "Priya Raman", "--set", `phones=[{label="mobile", number="+44 20 7946 0001"}]`, "--set", "location=MARKER-7f3a9c"},
		{"add", "runbook", "--title", "Restore the vault", "--set", "body=MARKER-7f3a9c in the body"},
		{"list"},
		{"search", "priya"}, // the search index holds every word
		{"gc"},              // and packs hold every object
		{"add", "note", "--title", "after gc"},
	}
	for _, s := range steps {
		if out, err := gobagProcess(t, env, s...).CombinedOutput(); err != nil {
			t.Fatalf("gobag %v: %v\n%s", s, err, out)
		}
	}
	scan := func(name string, data []byte) {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q in plaintext", name, s)
			}
		}
	}
	scanned := 0
	filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == "pass" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		scanned++
		scan(p, data)
		if strings.Contains(p, string(filepath.Separator)+"objects"+string(filepath.Separator)) {
			if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
				inflated, _ := io.ReadAll(zr)
				scan(p+" (inflated)", inflated)
			}
		}
		return nil
	})
	// Every object git can see, packed or loose, uncompressed.
	all, err := exec.Command("git", "-C", filepath.Join(work, "binder"), "cat-file", "--batch-all-objects", "--batch").Output()
	if err != nil {
		t.Fatal(err)
	}
	scan("git objects", all)
	if scanned < 10 || len(all) == 0 {
		t.Fatalf("scanned only %d files", scanned)
	}
}
