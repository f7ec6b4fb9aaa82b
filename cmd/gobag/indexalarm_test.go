package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gobag/binder"
)

// Once the index was found changed on disk (the binder notes it when it
// rebuilds it), verify fails, saying so, until the index is rebuilt on
// purpose.
func TestVerifyReportsAChangedIndexUntilReindex(t *testing.T) {
	dir, _, env := newPlainBinder(t)
	note := binder.LocalPath(dir, "index.alarms")
	if err := os.MkdirAll(filepath.Dir(note), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(note, []byte("2026-11-30T09:00:00Z 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := gobagProcess(t, env, "verify").CombinedOutput()
	if code := exitCode(err); code != 6 || !strings.Contains(string(out), "FAIL local index: on 2026-11-30T09:00:00Z, 3 entries of the local index failed") || !strings.Contains(string(out), "gobag reindex") {
		t.Fatalf("verify: exit %d; want 6, the failure and the fix\n%s", code, out)
	}
	if out, err := gobagProcess(t, env, "reindex").CombinedOutput(); err != nil {
		t.Fatalf("reindex: %v\n%s", err, out)
	}
	if out, err := gobagProcess(t, env, "verify").CombinedOutput(); err != nil || strings.Contains(string(out), "FAIL") {
		t.Fatalf("verify after reindex: %v\n%s", err, out)
	}
}
