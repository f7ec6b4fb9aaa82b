package gitstore

import (
	"bufio"
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
// loose object (it may be packed). The size in the header is checked
// against MaxObjectBytes before the content is inflated, and no more than
// that size is ever inflated: a small file that inflates to gigabytes is
// refused with ErrTooLarge, having cost a few bytes of memory.
func (s *Store) readLoose(t plumbing.ObjectType, h plumbing.Hash) (data []byte, ok bool, err error) {
	hex := h.String()
	var f *os.File
	err = os.ErrNotExist
	for _, dir := range s.objectDirs() {
		if f, err = openRegular(loosePath(dir, h)); !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	defer f.Close()
	typ, full, err := s.inflateLoose(f)
	if err != nil {
		return nil, true, fmt.Errorf("object %s: %w", hex, err)
	}
	if typ != t.String() {
		return nil, true, fmt.Errorf("object %s is a %s, not a %s", hex, typ, t)
	}
	sum, collision := sha1cd.Sum(full)
	if collision || !bytes.Equal(sum[:], h[:]) {
		return nil, true, fmt.Errorf("%s does not match its hash: %w", hex, ErrCorrupt)
	}
	nul := bytes.IndexByte(full, 0)
	return bytes.Clone(full[nul+1:]), true, nil
}

// maxLooseHeader is the longest header a loose object may have
// ("commit 16777216" and its NUL, with room to spare).
const maxLooseHeader = 32

// inflateLoose inflates a loose object from r and returns its type and
// its bytes, header included (in a buffer reused by the next call). The
// header is read first and its size checked against MaxObjectBytes; the
// content must be exactly that size.
func (s *Store) inflateLoose(r io.Reader) (typ string, full []byte, err error) {
	br := bufio.NewReader(r)
	if s.zr == nil {
		if s.zr, err = zlib.NewReader(br); err != nil {
			return "", nil, err
		}
	} else if err := s.zr.(zlib.Resetter).Reset(br, nil); err != nil {
		return "", nil, err
	}
	s.buf.Reset()
	var head [maxLooseHeader]byte
	n, err := io.ReadFull(s.zr, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", nil, err
	}
	nul := bytes.IndexByte(head[:n], 0)
	if nul < 0 {
		return "", nil, errors.New("no header")
	}
	t, sizeStr, found := bytes.Cut(head[:nul], []byte(" "))
	size, perr := strconv.Atoi(string(sizeStr))
	if !found || perr != nil || size < 0 {
		return "", nil, errors.New("bad header")
	}
	if size > MaxObjectBytes {
		return "", nil, fmt.Errorf("its header declares %d bytes, over the limit of %d: %w", size, MaxObjectBytes, ErrTooLarge)
	}
	if err := s.spend(size); err != nil {
		return "", nil, err
	}
	s.buf.Grow(nul + 1 + size)
	s.buf.Write(head[:n])
	// One byte more than declared shows content longer than its header.
	if _, err := io.Copy(&s.buf, io.LimitReader(s.zr, int64(nul+1+size-n+1))); err != nil {
		return "", nil, err
	}
	if s.buf.Len() != nul+1+size {
		return "", nil, errors.New("bad header: the content's length differs from its declared size")
	}
	return string(t), s.buf.Bytes(), nil
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
