package binder

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/fb"
	"github.com/dgraph-io/badger/v4/y"

	bcrypto "gobag/crypto"
)

// badgerKey is the key Badger encrypts the index with, derived from the
// index's key material as binder/index derives it.
func badgerKey(t *testing.T, dir string, id *bcrypto.Identity) []byte {
	t.Helper()
	ct, err := os.ReadFile(LocalPath(dir, localIndexKey))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := bcrypto.Decrypt(ct, id.AgeIdentity())
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("gobag index encryption"))
	return m.Sum(nil)
}

// forgeIndex makes the attack of someone who has the disk but not the
// key: Badger encrypts with AES-CTR, so XOR-ing the ciphertext of a known
// plaintext with (from XOR to) turns it into to. The key is used only to
// find where from lies in the table files (an attacker would work that
// out from Badger's layout); the change itself needs no key. It returns
// the number of places changed.
func forgeIndex(t *testing.T, dir string, key []byte, from, to string) int {
	t.Helper()
	if len(from) != len(to) {
		t.Fatal("a forgery of the same length is needed")
	}
	ixDir := LocalPath(dir, localIndex)
	kr, err := badger.OpenKeyRegistry(badger.KeyRegistryOptions{Dir: ixDir, ReadOnly: true, EncryptionKey: key, EncryptionKeyRotationDuration: 10 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer kr.Close()
	tables, _ := filepath.Glob(filepath.Join(ixDir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("the index has no table files")
	}
	forged := 0
	for _, path := range tables {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The footer: … index (encrypted, then its IV), index length,
		// checksum, checksum length.
		n := len(data)
		chk := int(binary.BigEndian.Uint32(data[n-4:]))
		ixEnd := n - 4 - chk - 4
		ixLen := int(binary.BigEndian.Uint32(data[ixEnd : ixEnd+4]))
		sealed := data[ixEnd-ixLen : ixEnd]
		changed := false
		for id := uint64(1); id < 16; id++ {
			dk, err := kr.DataKey(id)
			if err != nil || dk == nil {
				continue
			}
			plain, err := y.XORBlockAllocate(sealed[:len(sealed)-16], dk.Data, sealed[len(sealed)-16:])
			if err != nil {
				t.Fatal(err)
			}
			ti := tableIndex(plain, ixEnd-ixLen)
			if ti == nil {
				continue // another data key's
			}
			var bo fb.BlockOffset
			for i := 0; i < ti.OffsetsLength(); i++ {
				ti.Offsets(&bo, i)
				start, end := int(bo.Offset()), int(bo.Offset()+bo.Len())
				block, iv := data[start:end-16], data[end-16:end]
				text, err := y.XORBlockAllocate(block, dk.Data, iv)
				if err != nil {
					t.Fatal(err)
				}
				for j := 0; ; {
					k := bytes.Index(text[j:], []byte(from))
					if k < 0 {
						break
					}
					at := start + j + k
					for m := range from {
						data[at+m] ^= from[m] ^ to[m]
					}
					forged++
					changed = true
					j += k + len(from)
				}
			}
		}
		if changed {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return forged
}

// tableIndex reads a table's decrypted index, or returns nil if it does
// not read as the index of a table whose blocks end at size.
func tableIndex(plain []byte, size int) (ti *fb.TableIndex) {
	defer func() {
		if recover() != nil {
			ti = nil
		}
	}()
	ti = fb.GetRootAsTableIndex(plain, 0)
	var bo fb.BlockOffset
	next := 0
	for i := 0; i < ti.OffsetsLength(); i++ {
		if !ti.Offsets(&bo, i) || int(bo.Offset()) != next || bo.Len() < 16 {
			return nil
		}
		next += int(bo.Len())
	}
	if next != size || next == 0 {
		return nil
	}
	return ti
}

// rawIndexValue reads a value from the index as Badger returns it, tag and
// all, bypassing the check.
func rawIndexValue(t *testing.T, dir string, key []byte, k string) []byte {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(LocalPath(dir, localIndex)).WithLogger(nil).WithEncryptionKey(key).WithIndexCacheSize(1 << 20).WithReadOnly(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []byte
	err = db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(k))
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestForgedIndexIsNeverShown builds the attack on Badger's unauthenticated
// encryption: a phone number in the index files is changed into another of
// the same length by flipping bits, without the key. The forged number is
// never shown; the real one is, the user is told the index was rebuilt,
// and verify reports it until the index is rebuilt on purpose.
func TestForgedIndexIsNeverShown(t *testing.T) {
	ctx := context.Background()
	b, id := newTestBinder(t)
	c, err := b.Add(ctx, &Record{Kind: "contact", Title: "Amara Okafor", Fields: map[string]any{
		"phones": []map[string]any{{"label": "office", "number": "+44 20 7946 0001"}}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := b.Dir()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	key := badgerKey(t, dir, id)
	// Badger compresses blocks (Snappy) before encrypting them: the number
	// in international form is stored as it is, and the number as written
	// partly as copies of it, so changing the first changes both.
	if n := forgeIndex(t, dir, key, "+442079460001", "+442079460999"); n == 0 {
		t.Fatal("the phone number was not found in the index's table files")
	}
	// The attack works on Badger alone: it now holds the forged number.
	if raw := rawIndexValue(t, dir, key, prefixRecord+c.ID); !bytes.Contains(raw, []byte("+442079460999")) || bytes.Contains(raw, []byte("+442079460001")) {
		t.Fatalf("the forgery did not take: Badger holds %q", raw)
	}

	var warnings []string
	b, err = Open(ctx, dir, id, WithWarnings(func(msg string) { warnings = append(warnings, msg) }))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if row := got.Rows("phones")[0]; row.Text("number") != "+44 20 7946 0001" || row.Text("e164") != "+442079460001" {
		t.Fatalf("shown number %q (%q); want +44 20 7946 0001 (+442079460001)", row.Text("number"), row.Text("e164"))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "rebuilt from git") {
		t.Fatalf("warnings %q; want one saying the index was rebuilt from git", warnings)
	}
	for _, q := range []string{"79460001", "79460999"} {
		hits, err := b.Search(ctx, q, "", 10)
		want := 0
		if q == "79460001" {
			want = 1
		}
		if err != nil || len(hits) != want {
			t.Errorf("search %q: %d hits, %v; want %d", q, len(hits), err, want)
		}
	}
	rep, err := Verify(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.IndexAlarms) != 1 {
		t.Fatalf("verify: problems %v, index alarms %q; want none and one", rep.Problems, rep.IndexAlarms)
	}
	if err := b.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(ctx, dir, nil); err != nil || len(rep.IndexAlarms) != 0 {
		t.Fatalf("after reindex, index alarms %v (%v); want none", rep.IndexAlarms, err)
	}
}
