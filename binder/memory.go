package binder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// memoryFiles are the memories of the binder in dir, each named by a hash
// of an absolute path to it: the path as given and, if it differs, the
// path with symbolic links resolved. Both are held to, so that a link
// put where the binder was (and the binder moved) does not pass for a
// copy never opened before; a binder moved elsewhere starts afresh.
func memoryFiles(dir string) ([]string, error) {
	base, err := memoryDir()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	paths := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		paths = append(paths, real)
	}
	var out []string
	for _, p := range paths {
		sum := sha256.Sum256([]byte(p))
		out = append(out, filepath.Join(base, hex.EncodeToString(sum[:16])))
	}
	return out, nil
}

// memory is what is remembered of one copy.
type memory struct {
	fingerprint string
	tip         plumbing.Hash
}

// recall reads the memories of the binder in dir: none for a copy not
// opened from this account before (or moved). A memory that cannot be
// read counts as none: it is written afresh at close.
func recall(dir string) []memory {
	paths, err := memoryFiles(dir)
	if err != nil {
		return nil
	}
	var out []memory
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var m memory
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
		if m.fingerprint != "" && !m.tip.IsZero() {
			out = append(out, m)
		}
	}
	return out
}

// remember writes the memories of the binder in dir, where they changed.
func remember(dir string, m memory) error {
	paths, err := memoryFiles(dir)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	data := []byte(fmt.Sprintf("# gobag: what this account last verified of the binder in %s\nfingerprint %s\ntip %s\n", abs, m.fingerprint, m.tip))
	for _, path := range paths {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := WriteFileAtomic(path, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// checkMemory holds the branch at tip, of the binder of fingerprint fp,
// to what this account remembers of the copy: the same binder, and a
// history that continues the tip it last verified.
func (b *Binder) checkMemory(tip plumbing.Hash, fp string) error {
	for _, m := range recall(b.dir) {
		if m.tip == tip && m.fingerprint == fp {
			continue
		}
		if err := b.continues(tip, m.tip, fp, m.fingerprint); err != nil {
			return err
		}
	}
	return nil
}

// A local file of the binder that steers where gobag connects and what it
// sends (the remotes file: addresses, host keys, certificate authorities,
// the tip each remote was last verified at) is remembered too, by its
// SHA-256 beside the copy's memory, so that one changed by someone who can
// write the binder's directory, but not the user's home, is noticed before
// it is used.

// RememberRemotesFile records contents as what the remotes file of the
// binder in dir may hold: what gobag last wrote there (and, while it
// replaces the file, what it held before, so that a crash in between
// leaves either one accepted).
func RememberRemotesFile(dir string, contents ...[]byte) error {
	return rememberLocalFile(dir, localRemotes, contents)
}

// CheckRemotesFile fails if data, read from the remotes file of the binder
// in dir, is not what gobag last wrote there, as far as this account
// remembers.
func CheckRemotesFile(dir string, data []byte) error {
	return checkLocalFile(dir, localRemotes, data)
}

// rememberLocalFile records contents as what the local file name of the
// binder in dir may hold.
func rememberLocalFile(dir, name string, contents [][]byte) error {
	paths, err := memoryFiles(dir)
	if err != nil {
		return err
	}
	var line []byte
	for _, data := range contents {
		sum := sha256.Sum256(data)
		line = append(line, hex.EncodeToString(sum[:])+"\n"...)
	}
	for _, path := range paths {
		if err := WriteFileAtomic(path+"."+name, line, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// checkLocalFile fails if data, read from the local file name of the
// binder in dir, is not what gobag last wrote there as far as this
// account remembers (an account that remembers nothing of it takes it as
// it is).
func checkLocalFile(dir, name string, data []byte) error {
	paths, err := memoryFiles(dir)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	for _, path := range paths {
		got, err := os.ReadFile(path + "." + name)
		if err != nil {
			continue
		}
		if !slices.Contains(strings.Fields(string(got)), want) {
			return fixErr(BadSignature, nil, "if you edited it yourself, remove it and add the remotes again with gobag's own commands; otherwise find out who can write the binder's directory",
				"%s was changed outside gobag: it is not what gobag last wrote there, so it is not used", LocalPath(dir, name))
		}
	}
	return nil
}
