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
	id, _ := bcrypto.NewIdentity("bench")
	bd, err := Create(ctx, filepath.Join(b.TempDir(), "binder"), id, "Bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bd.Close() })
	for i := 0; i < n; i += 100 {
		var recs []*Record
		for j := i; j < min(n, i+100); j++ {
			recs = append(recs, &Record{Kind: "contact", Title: fmt.Sprintf("Contact %d", j),
				Fields: map[string]any{"phone": fmt.Sprintf("+44 20 7946 %04d", j)}, Body: strings.Repeat("continuity ", 40)})
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
