package escrow

import (
	"testing"
	"time"
)

// A subject carrying control characters (to fake or hide lines of the
// audit on a terminal) is refused.
func TestSubjectWithControlCharactersIsRefused(t *testing.T) {
	ana := ident(t, "ana")
	for _, subject := range []string{"add member x\rremove member y", "a\x1b[2Jb", "tab\there"} {
		e := &Entry{ID: newID(), Seq: 1, Time: time.Unix(2e9, 0).UTC(), Action: ActionMember, Subject: subject}
		e.Sign(ana)
		if _, err := Parse(e.Marshal()); err == nil {
			t.Errorf("subject %q accepted", subject)
		}
	}
}
