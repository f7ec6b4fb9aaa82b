package gitstore

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/pjbgf/sha1cd"
)

// readLoose reads a loose object straight from objects/xx/…: inflate,
// parse the header, check the type and that the content hashes to h (with
// SHA-1 collision detection, as git does). ok is false if there is no such
// loose object (it may be packed).
func (s *Store) readLoose(t plumbing.ObjectType, h plumbing.Hash) (data []byte, ok bool, err error) {
	hex := h.String()
	var raw []byte
	err = os.ErrNotExist
	for _, dir := range s.objectDirs() {
		if raw, err = os.ReadFile(loosePath(dir, h)); !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	if s.zr == nil {
		if s.zr, err = zlib.NewReader(bytes.NewReader(raw)); err != nil {
			return nil, true, fmt.Errorf("object %s: %w", hex, err)
		}
	} else if err := s.zr.(zlib.Resetter).Reset(bytes.NewReader(raw), nil); err != nil {
		return nil, true, fmt.Errorf("object %s: %w", hex, err)
	}
	s.buf.Reset()
	if _, err := io.Copy(&s.buf, s.zr); err != nil {
		return nil, true, fmt.Errorf("object %s: %w", hex, err)
	}
	full := s.buf.Bytes()
	nul := bytes.IndexByte(full, 0)
	if nul < 0 {
		return nil, true, fmt.Errorf("object %s: no header", hex)
	}
	typ, sizeStr, found := bytes.Cut(full[:nul], []byte(" "))
	size, perr := strconv.Atoi(string(sizeStr))
	if !found || perr != nil || size != len(full)-nul-1 {
		return nil, true, fmt.Errorf("object %s: bad header", hex)
	}
	if string(typ) != t.String() {
		return nil, true, fmt.Errorf("object %s is a %s, not a %s", hex, typ, t)
	}
	sum, collision := sha1cd.Sum(full)
	if collision || !bytes.Equal(sum[:], h[:]) {
		return nil, true, fmt.Errorf("%s does not match its hash: %w", hex, ErrCorrupt)
	}
	return bytes.Clone(full[nul+1:]), true, nil
}

// LoosePath is where object h is stored loose.
func (s *Store) LoosePath(h plumbing.Hash) string {
	return loosePath(filepath.Join(s.dir, "objects"), h)
}

// loosePath is where object h is stored loose in the objects directory
// objects.
func loosePath(objects string, h plumbing.Hash) string {
	hex := h.String()
	return filepath.Join(objects, hex[:2], hex[2:])
}

// syncFile flushes a file's content to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
