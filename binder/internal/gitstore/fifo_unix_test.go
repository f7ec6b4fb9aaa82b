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

// A FIFO put in place of an object (on a drive another copy syncs
// through) is refused as damage instead of blocking the read for good.
func TestFIFOInPlaceOfAnObjectIsRefused(t *testing.T) {
	s := newStore(t)
	h := blob(t, s, "replaced by a FIFO")
	path := s.LoosePath(h)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.ReadBlob(h)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("got %v; want the FIFO refused as damage", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("reading an object that is a FIFO blocked")
	}
}

// A FIFO put in place of the branch's ref is refused as damage instead of
// blocking the read of the tip for good.
func TestFIFOInPlaceOfTheBranchIsRefused(t *testing.T) {
	s := newStore(t)
	path := filepath.Join(s.dir, filepath.FromSlash(Branch.String()))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Head()
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("got %v; want the FIFO refused as damage", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("reading a branch that is a FIFO blocked")
	}
}
