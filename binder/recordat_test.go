package binder

import (
	"context"
	"testing"
)

func TestRecordAtReadsEachRevision(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	r := mustAdd(t, b, &Record{Kind: "contact", Title: "Priya Raman", Fields: map[string]any{"location": "HQ"}})
	mustEdit(t, b, r.ID, func(r *Record) { r.Fields["location"] = "Annex" })
	if err := b.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	log, err := b.Log(ctx, r.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 {
		t.Fatalf("got %d log entries; want 3", len(log))
	}
	want := []struct {
		deleted  bool
		location string
		rev      int
	}{{true, "", 3}, {false, "Annex", 2}, {false, "HQ", 1}}
	for i, e := range log {
		got, err := b.RecordAt(ctx, e.Commit, r.ID)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if got.Deleted != want[i].deleted || got.Text("location") != want[i].location || got.Rev != want[i].rev {
			t.Fatalf("entry %d: got deleted %v, location %q, rev %d; want %v, %q, %d", i, got.Deleted, got.Text("location"), got.Rev, want[i].deleted, want[i].location, want[i].rev)
		}
	}
	// Before the record was added, it did not exist.
	all, err := b.Log(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	first := all[len(all)-1].Commit
	if got, err := b.RecordAt(ctx, first, r.ID); err != nil || !got.Deleted {
		t.Fatalf("at the first commit: got %+v, %v; want deleted", got, err)
	}
}

func TestRecordAtRefusesCommitsOutsideTheHistory(t *testing.T) {
	ctx := context.Background()
	b, _ := newTestBinder(t)
	r := mustAdd(t, b, &Record{Kind: "contact", Title: "Priya Raman"})
	other, _ := newTestBinder(t)
	for _, commit := range []string{other.Tip(), "0123456789012345678901234567890123456789", "HEAD", ""} {
		if _, err := b.RecordAt(ctx, commit, r.ID); err == nil {
			t.Fatalf("RecordAt(%q) succeeded; want an error", commit)
		} else if k := KindOf(err); k != NotExist && k != Invalid {
			t.Fatalf("RecordAt(%q): kind %v (%v); want NotExist or Invalid", commit, k, err)
		}
	}
	if _, err := b.RecordAt(ctx, b.Tip(), "../x"); KindOf(err) != Invalid {
		t.Fatalf("RecordAt with a bad id: %v; want Invalid", err)
	}
}
