//go:build unix

package gitstore

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// refusesFIFO puts a FIFO at path and checks that read, which reads it,
// refuses it as damage instead of blocking for good.
func refusesFIFO(t *testing.T, path string, read func() error) {
	t.Helper()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- read() }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("got %v; want the FIFO refused as damage", err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("reading %s, a FIFO, blocked", path)
	}
}

// A FIFO put in place of an object (on a drive another copy syncs
// through) is refused as damage instead of blocking the read for good.
func TestFIFOInPlaceOfAnObjectIsRefused(t *testing.T) {
	s := newStore(t)
	h := blob(t, s, "replaced by a FIFO")
	refusesFIFO(t, s.LoosePath(h), func() error {
		_, err := s.ReadBlob(h)
		return err
	})
}

// A FIFO put in place of the branch's ref is refused as damage instead of
// blocking the read of the tip for good.
func TestFIFOInPlaceOfTheBranchIsRefused(t *testing.T) {
	s := newStore(t)
	refusesFIFO(t, filepath.Join(s.dir, filepath.FromSlash(Branch.String())), func() error {
		_, err := s.Head()
		return err
	})
}
