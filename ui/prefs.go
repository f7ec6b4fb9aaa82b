package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"gobag/binder"
)

// remembered is what the app keeps between runs, in the user's config
// directory (never inside a binder, which is synced): the binder opened
// last and the identity it was opened with, so that gobag with no
// arguments opens it again.
type remembered struct {
	Binder   string `toml:"binder"`
	Identity string `toml:"identity"`
}

// rememberedFile is where remembered lives under configDir (the user's
// config directory, os.UserConfigDir, which honours XDG_CONFIG_HOME).
func rememberedFile(configDir string) string {
	return filepath.Join(configDir, "gobag", "desktop.toml")
}

// maxRememberedSize bounds the file read back: it holds two paths.
const maxRememberedSize = 64 << 10

// loadRemembered reads what was remembered under configDir; nothing
// remembered (no directory, no file) is no error.
func loadRemembered(configDir string) (remembered, error) {
	var r remembered
	if configDir == "" {
		return r, nil
	}
	data, err := os.ReadFile(rememberedFile(configDir))
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	if len(data) > maxRememberedSize {
		return r, fmt.Errorf("%s is too large to be gobag's", rememberedFile(configDir))
	}
	if _, err := toml.Decode(string(data), &r); err != nil {
		return remembered{}, fmt.Errorf("%s: %w", rememberedFile(configDir), err)
	}
	return r, nil
}

// saveRemembered writes r under configDir, atomically and private to the
// user; an empty configDir remembers nothing.
func saveRemembered(configDir string, r remembered) error {
	if configDir == "" {
		return nil
	}
	var buf bytes.Buffer
	buf.WriteString("# What gobag's desktop app opens when started with no arguments.\n")
	if err := toml.NewEncoder(&buf).Encode(r); err != nil {
		return err
	}
	return binder.WriteFileAtomic(rememberedFile(configDir), buf.Bytes(), 0o600)
}
