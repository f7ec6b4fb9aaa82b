// Package binder is gobag's domain: one open binder (a bare git repository
// of age-encrypted, signed records, plus the local index that caches them),
// its records and their plaintext format, envelopes, the roster, saving,
// history and whole-history verification.
//
// # Layout
//
// docs/FORMAT.md specifies what is on disk; this package is its reference
// implementation. Every change is one SSH-signed commit written through
// git objects directly (gitstore.go), so a save costs O(depth of the path).
//
// # Trust
//
// Reading a record through the index shows what was checked when it was
// indexed: envelope signature, ciphertext hash, plaintext matching the
// envelope. When the branch moves outside this process, [Open] verifies the
// whole history before indexing from it; [Verify] checks everything without
// needing an identity.
package binder
