package interchange

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes an export to path through write: to a new file in the
// same directory readable by the user alone (an export is plaintext),
// renamed over path once it is whole, so that a failed export leaves the
// file that was there.
func WriteFile(path string, write func(w io.Writer) error) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory: name a file", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".gobag-export-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
