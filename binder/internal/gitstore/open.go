package gitstore

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// openRegular opens a repository file for reading, only if it is a
// regular file. A FIFO or a device put in a repository (a drive or share
// another copy syncs through, or a binder's own directory) would block the
// open, or every read, for good: it is opened without waiting and refused
// as damage.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file: %w", path, ErrCorrupt)
	}
	return f, nil
}

// readRegular reads a whole repository file, only if it is a regular file.
func readRegular(path string) ([]byte, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// checkRegular fails if the file at path exists and is not a regular
// file (a FIFO, a device, a link to one).
func checkRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s is not a regular file: %w", path, ErrCorrupt)
}
