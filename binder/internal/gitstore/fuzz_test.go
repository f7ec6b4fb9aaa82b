package gitstore

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseTree: a tree from anywhere either parses into entries that
// render back to the very same bytes (one reading, nothing dropped or
// reordered), or is refused with ErrBadTree; it never panics.
func FuzzParseTree(f *testing.F) {
	f.Add(rawTree([3]string{"100644", "README.md"}, [3]string{"40000", "records"}))
	f.Add(rawTree([3]string{"40000", ".gobag"}, [3]string{"40000", ".gobag"}))
	f.Add(rawTree([3]string{"120000", "x"}))
	f.Add([]byte("100644 a\x00short"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseTree(data)
		if err != nil {
			if !errors.Is(err, ErrBadTree) {
				t.Fatalf("error %v is not ErrBadTree", err)
			}
			return
		}
		if back := RenderTree(es); !bytes.Equal(back, data) {
			t.Fatalf("parsed %q as %d entries that render as %q", data, len(es), back)
		}
	})
}
