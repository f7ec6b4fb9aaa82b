package main

import (
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/term"
)

// safeWriter is what gobag prints through to people: record text that a
// member wrote (titles, bodies, timeline entries), and that any member can
// plant through a sync, must not drive the terminal. Control characters
// other than newline and tab (escape sequences, a carriage return that
// overwrites a line, OSC 52 writing the clipboard, C1 controls) are
// printed as visible escapes such as \x1b. Raw bytes go out only where
// they were asked for: JSON, and the record file that show writes to a
// file or a pipe.
type safeWriter struct {
	w       io.Writer
	pending []byte // the start of a UTF-8 sequence cut by the last write
}

func (s *safeWriter) Write(p []byte) (int, error) {
	data := append(s.pending, p...)
	s.pending = nil
	out := make([]byte, 0, len(data))
	for len(data) > 0 {
		if !utf8.FullRune(data) {
			s.pending = append([]byte(nil), data...)
			break
		}
		r, size := utf8.DecodeRune(data)
		switch {
		case r == '\n' || r == '\t':
			out = append(out, byte(r))
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, `\x%02x`, data[0])
		case r < 0x20 || r == 0x7f:
			out = fmt.Appendf(out, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, data[:size]...)
		}
		data = data[size:]
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
