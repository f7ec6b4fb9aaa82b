package binder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// What a user's account remembers of each binder copy it opened: the
// binder's fingerprint and the last tip verified, outside the binder's
// directory (in the user's config directory), so that someone who can
// write the binder's directory, but not the user's home, cannot make the
// copy forget what it verified by deleting its index. The index
// remembers the same; this is the second memory, checked at every open.

// memoryDir is where the memories are kept: gobag/copies in the user's
// config directory (XDG_CONFIG_HOME, or ~/.config, on Linux).
func memoryDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "gobag", "copies"), nil
}

// memoryFile is the memory of the binder in dir, named by a hash of the
// directory's absolute path: a binder moved elsewhere starts afresh.
func memoryFile(dir string) (string, error) {
	base, err := memoryDir()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(base, hex.EncodeToString(sum[:16])), nil
}

// memory is what is remembered of one copy.
type memory struct {
	fingerprint string
	tip         plumbing.Hash
}

// recall reads the memory of the binder in dir; ok is false if there is
// none (a copy not opened from this account before, or moved). A memory
// that cannot be read counts as none: it is written afresh at close.
func recall(dir string) (m memory, ok bool) {
	path, err := memoryFile(dir)
	if err != nil {
		return m, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return m, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, value, _ := strings.Cut(line, " ")
		switch key {
		case "fingerprint":
			m.fingerprint = value
		case "tip":
			if len(value) == 40 {
				m.tip = plumbing.NewHash(value)
			}
		}
	}
	return m, m.fingerprint != "" && !m.tip.IsZero()
}

// remember writes the memory of the binder in dir, if it changed.
func remember(dir string, m memory) error {
	path, err := memoryFile(dir)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	data := []byte(fmt.Sprintf("# gobag: what this account last verified of the binder in %s\nfingerprint %s\ntip %s\n", abs, m.fingerprint, m.tip))
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return WriteFileAtomic(path, data, 0o600)
}

// checkMemory holds the branch at tip, of the binder of fingerprint fp,
// to what this account remembers of the copy: the same binder, and a
// history that continues the tip it last verified.
func (b *Binder) checkMemory(tip plumbing.Hash, fp string) error {
	m, ok := recall(b.dir)
	if !ok || (m.tip == tip && m.fingerprint == fp) {
		return nil
	}
	return b.continues(tip, m.tip, fp, m.fingerprint)
}
