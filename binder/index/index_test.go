package index

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

func key(t *testing.T) []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func TestEncryptedAtRestAndLocked(t *testing.T) {
	dir := t.TempDir()
	k := key(t)
	ix, err := Open(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	marker := []byte("PLAINTEXT-MARKER-3b9f1e contact Priya Raman +44 20 7946 0001")
	b := ix.NewBatch()
	for i := range 2000 {
		b.Set("rec/"+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)), marker)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, k); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v; want ErrLocked", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte("PLAINTEXT-MARKER")) || bytes.Contains(data, []byte("Priya")) {
			t.Errorf("%s holds plaintext", p)
		}
		return nil
	})
	if _, err := Open(dir, key(t)); err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("open with another key: got %v; want a key error", err)
	}
	ix, err = Open(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	got, err := ix.Get("rec/aaa")
	if err != nil || !bytes.Equal(got, marker) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	n := 0
	ix.Scan("rec/", func(string, []byte) error { n++; return nil })
	if n != 2000 {
		t.Fatalf("scan saw %d keys; want 2000", n)
	}
	if err := ix.Reset(); err != nil {
		t.Fatal(err)
	}
	n = 0
	ix.Scan("", func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Fatalf("after Reset %d keys remain", n)
	}
}

// A write that fails fails the whole batch at Commit, even when the
// caller did not look at what Set returned.
func TestBatchKeepsFirstError(t *testing.T) {
	ix, err := Open(t.TempDir(), key(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b := ix.NewBatch()
	b.Set("a", []byte("1"))
	b.Set("", []byte("empty keys are refused")) // unchecked, as a careless caller would
	b.Set("c", []byte("3"))
	if err := b.Commit(); err == nil {
		t.Fatal("a batch with a failed write committed")
	}
	if v, err := ix.Get("a"); err != nil || v != nil {
		t.Fatalf("a write of the failed batch was applied: %q %v", v, err)
	}
}

// A write the store refuses is reported without the value it refused
// (Badger quotes it; here it would be a record's plaintext).
func TestWriteErrorsCarryNoValue(t *testing.T) {
	ix, err := Open(t.TempDir(), key(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	marker := "PLAINTEXT-MARKER-7d21"
	big := bytes.Repeat([]byte(marker), (32<<20)/len(marker))
	b := ix.NewBatch()
	setErr := b.Set("rec/x", big)
	err = b.Commit()
	if err == nil {
		t.Fatal("a 32 MiB value was taken")
	}
	for _, e := range []error{setErr, err} {
		if e != nil && (strings.Contains(e.Error(), marker) || strings.Contains(e.Error(), "504c41494e") || len(e.Error()) > 200) {
			t.Fatalf("the error quotes the value: %.300q", e.Error())
		}
	}
}

// Entries changed underneath the index, without the tag key, are never
// returned: a value with a wrong tag, a valid value moved to another key,
// a key made up with no value. Each is counted in Failed.
func TestUnauthenticEntriesAreNeverReturned(t *testing.T) {
	ix, err := Open(t.TempDir(), key(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b := ix.NewBatch()
	b.Set("rec/a", []byte("+44 20 7946 0001"))
	b.Set("rec/b", []byte("+44 20 7946 0002"))
	b.Set("rec/c", []byte("+44 20 7946 0003"))
	b.Set("lnk/a/b", nil)
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, err := ix.Get("lnk/a/b"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Get of an empty value = %q, %v; want empty, not missing", got, err)
	}
	raw := func(k string) []byte {
		var v []byte
		ix.db.View(func(txn *badger.Txn) error {
			item, err := txn.Get([]byte(k))
			if err == nil {
				v, err = item.ValueCopy(nil)
			}
			return err
		})
		return v
	}
	forged := raw("rec/a")
	copy(forged[len(forged)-4:], "0999")
	moved := raw("rec/b")
	ix.db.Update(func(txn *badger.Txn) error {
		txn.Set([]byte("rec/a"), forged)       // a changed value
		txn.Set([]byte("rec/c"), moved)        // another key's value
		txn.Set([]byte("lnk/x/y"), []byte("")) // a key made up
		return nil
	})
	for _, k := range []string{"rec/a", "rec/c"} {
		if got, err := ix.Get(k); !errors.Is(err, ErrUnauthentic) || got != nil {
			t.Errorf("Get(%s) = %q, %v; want ErrUnauthentic", k, got, err)
		}
	}
	if got, err := ix.Get("rec/b"); err != nil || string(got) != "+44 20 7946 0002" {
		t.Errorf("Get(rec/b) = %q, %v", got, err)
	}
	var seen []string
	ix.Scan("", func(k string, _ []byte) error { seen = append(seen, k); return nil })
	if strings.Join(seen, " ") != "lnk/a/b rec/b" {
		t.Errorf("scan saw %q; want only the authentic entries lnk/a/b rec/b", seen)
	}
	if ix.Failed() != 5 {
		t.Errorf("Failed = %d; want 5 (2 gets, 3 in the scan)", ix.Failed())
	}
	if err := ix.Reset(); err != nil || ix.Failed() != 0 {
		t.Errorf("after Reset, Failed = %d, %v; want 0", ix.Failed(), err)
	}
}

// An index opened read-only writes nothing, not even when it closes,
// until the first write reopens it for writing.
func TestReadOnlyWritesNothingUntilAWrite(t *testing.T) {
	dir, k := t.TempDir(), key(t)
	ix, err := Open(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	b := ix.NewBatch()
	b.Set("rec/a", []byte("one"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	files := func() string {
		ents, _ := os.ReadDir(dir)
		var out []string
		for _, e := range ents {
			info, _ := e.Info()
			out = append(out, e.Name()+"@"+info.ModTime().String()+"/"+strconv.FormatInt(info.Size(), 10))
		}
		return strings.Join(out, " ")
	}
	before := files()
	ix, err = OpenReadOnly(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ix.Get("rec/a"); err != nil || string(v) != "one" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if after := files(); after != before {
		t.Fatalf("a read-only open changed the index's files:\nbefore %s\nafter  %s", before, after)
	}
	ix, err = OpenReadOnly(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b = ix.NewBatch()
	b.Set("rec/b", []byte("two"))
	if err := b.Commit(); err != nil {
		t.Fatalf("a write after a read-only open: %v", err)
	}
	if v, err := ix.Get("rec/b"); err != nil || string(v) != "two" {
		t.Fatalf("Get = %q, %v", v, err)
	}
}

// Each process that writes leaves a table in level 0 when it closes the
// index; they must not pile up over thousands of processes. Each round
// here opens, writes and closes the index as one gobag add process does.
func TestTablesStayFewOverManyProcesses(t *testing.T) {
	dir, k := t.TempDir(), key(t)
	for i := range 200 {
		ix, err := OpenReadOnly(dir, k)
		if err != nil {
			t.Fatal(err)
		}
		b := ix.NewBatch()
		b.Set("rec/"+strconv.Itoa(i), bytes.Repeat([]byte("record "), 100))
		b.Set("meta/tip", []byte(strconv.Itoa(i)))
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) > maxLevelZero+2 {
		t.Fatalf("%d table files after 200 processes; want at most %d", len(tables), maxLevelZero+2)
	}
	ix, err := OpenReadOnly(dir, k)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n := 0
	ix.Scan("rec/", func(string, []byte) error { n++; return nil })
	if v, _ := ix.Get("meta/tip"); n != 200 || string(v) != "199" {
		t.Fatalf("after 200 processes: %d records, tip %q; want 200 and 199", n, v)
	}
}
