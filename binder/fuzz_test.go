package binder

import (
	"bytes"
	"testing"
	"time"
)

// FuzzParseEnvelope: an envelope from anywhere is either refused or read
// in its one canonical form, which renders back to the same bytes.
func FuzzParseEnvelope(f *testing.F) {
	env := &Envelope{ID: "abcdefghijklmnopqrstuvwxyz", Rev: 2, Prev: hashHex([]byte("p")), Ciphertext: hashHex([]byte("c")),
		Author: "priya", AuthorKey: "SHA256:k", Audience: []string{"all", "priya"}, Time: time.Unix(1e9, 0).UTC(), Signature: []byte("sig")}
	f.Add(env.Marshal())
	env.Sealed, env.Rev, env.Prev = true, 1, ""
	f.Add(env.Marshal())
	f.Add([]byte("gobag-envelope 1\nid: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Marshal(), data) {
			t.Fatalf("%q read as an envelope that renders as %q", data, e.Marshal())
		}
		if e.Deleted && e.Sealed {
			t.Fatalf("%q is both deleted and sealed", data)
		}
	})
}

// FuzzParseRecord: a record file (from --file, or decrypted) is either
// refused or read into a record whose own rendering reads back the same.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("+++\nkind = \"note\"\ntitle = \"x\"\n+++\n\nbody\n"))
	f.Add([]byte("+++\nkind = \"contact\"\ntitle = \"Ana\"\n[fields]\n[[fields.phones]]\nlabel = \"office\"\nnumber = \"+44 20 7946 0001\"\n+++\n"))
	f.Add([]byte("+++\nkind = \"system\"\ntitle = \"DB\"\n[fields]\nrto = \"3h\"\ntier = 1\n+++\n"))
	f.Add([]byte("no header"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRecord(data)
		if err != nil {
			return
		}
		text, err := r.Marshal()
		if err != nil {
			return // a record that parses but has no canonical rendering is refused on save
		}
		again, err := ParseRecord(text)
		if err != nil {
			t.Fatalf("rendering %q of %q does not parse: %v", text, data, err)
		}
		text2, err := again.Marshal()
		if err != nil || !bytes.Equal(text, text2) {
			t.Fatalf("rendering is not stable: %q then %q (%v)", text, text2, err)
		}
	})
}
