package binder

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bcrypto "gobag/crypto"
)

// benchBinder makes a binder of n records in commits of 100.
func benchBinder(b *testing.B, n int) *Binder {
	b.Helper()
	ctx := context.Background()
	id, err := bcrypto.NewIdentity("bench")
	if err != nil {
		b.Fatal(err)
	}
	bd, err := Create(ctx, filepath.Join(b.TempDir(), "binder"), id, "Bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bd.Close() })
	for i := 0; i < n; i += 100 {
		var recs []*Record
		for j := i; j < min(n, i+100); j++ {
			recs = append(recs, &Record{Kind: "contact", Title: fmt.Sprintf("Contact %d", j),
				Fields: map[string]any{"location": fmt.Sprintf("Floor %d", j)}, Body: strings.Repeat("continuity ", 40)})
		}
		if _, err := bd.Import(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	return bd
}

func BenchmarkSave1000(b *testing.B) {
	bd := benchBinder(b, 1000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := bd.Add(ctx, &Record{Kind: "note", Title: fmt.Sprintf("note %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkList1000(b *testing.B) {
	bd := benchBinder(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		if l, err := bd.List(ctx, ""); err != nil || len(l) != 1000 {
			b.Fatal(len(l), err)
		}
	}
}

func BenchmarkVerify1000(b *testing.B) {
	bd := benchBinder(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		if rep, err := Verify(ctx, bd.Dir(), nil); err != nil || !rep.OK() {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch searches 10,000 records for words that every one of
// them holds, in the search base and (before packing) as changes.
func BenchmarkSearch(b *testing.B) {
	bd := benchBinder(b, 10000)
	ctx := context.Background()
	for _, packed := range []bool{false, true} {
		if packed {
			if err := bd.compactSearch(ctx, true); err != nil {
				b.Fatal(err)
			}
		}
		for _, q := range []string{"continuity", "contact continuity", "contin"} {
			b.Run(fmt.Sprintf("packed=%v/%s", packed, q), func(b *testing.B) {
				for b.Loop() {
					if hits, err := bd.Search(ctx, q, "", 20); err != nil || len(hits) != 20 {
						b.Fatal(len(hits), err)
					}
				}
			})
		}
	}
}

// BenchmarkMemberChange10k adds a member to a binder of 10,000 records
// and removes them again: each change re-encrypts every record, in one
// commit (the budget is 10 s per change).
func BenchmarkMemberChange10k(b *testing.B) {
	bd := benchBinder(b, 10000)
	ctx := context.Background()
	sam, err := bcrypto.NewIdentity("sam")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := bd.ChangeMembers(ctx, MemberChange{Op: MemberAdd, Card: sam.Card(), Roles: []string{"responder"}}, true)
		if err != nil || len(res.Reencrypt) < 10000 {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := bd.ChangeMembers(ctx, MemberChange{Op: MemberRemove, Handle: "sam"}, true); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
