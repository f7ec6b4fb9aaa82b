package gitsync

import (
	"context"
	"path/filepath"
	"testing"

	"gobag/binder"
)

// A clone the user explicitly trusts on first use needs no fingerprint,
// and gives the binder's real one to check afterwards; without that
// consent, no fingerprint is still refused.
func TestCloneTrustOnFirstUse(t *testing.T) {
	ctx := context.Background()
	id := newIdentity(t, "priya")
	a := newBinder(t, id)
	remote := filepath.Join(t.TempDir(), "remote.git")
	addRemote(t, a, "usb", endpoint{url: remote})
	mustSync(t, a, "usb")

	_, err := Clone(ctx, remote, filepath.Join(t.TempDir(), "refused"), id, CloneOptions{Options: testOptions(id)})
	if binder.KindOf(err) != binder.Invalid || binder.FixOf(err) == nil || binder.FixOf(err).Action != binder.ActionCloneFingerprint {
		t.Fatalf("clone with no fingerprint and no consent: got %v; want Invalid with a fingerprint fix", err)
	}
	b, err := Clone(ctx, remote, filepath.Join(t.TempDir(), "tofu"), id, CloneOptions{Options: testOptions(id), TrustOnFirstUse: true})
	if err != nil {
		t.Fatalf("clone trusting on first use: %v", err)
	}
	defer b.Close()
	if got, want := b.Fingerprint(), a.Fingerprint(); got != want {
		t.Fatalf("got fingerprint %s; want %s", got, want)
	}
	// An expected fingerprint still wins over consent.
	_, err = Clone(ctx, remote, filepath.Join(t.TempDir(), "wrong"), id, CloneOptions{Options: testOptions(id), TrustOnFirstUse: true, ExpectFingerprint: "SHA256:not-this-one"})
	if binder.KindOf(err) != binder.BadSignature {
		t.Fatalf("clone with a wrong fingerprint and consent: got %v; want BadSignature", err)
	}
}
