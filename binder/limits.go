package binder

// The limits on what a binder holds, in one place (docs/FORMAT.md §10).
// What exceeds one is refused when it is written and when it is read, by
// every copy alike: one oversized record must not break the copies it
// reaches.
const (
	// MaxRecordBytes bounds a record's plaintext (header and body): a
	// long plan is a few hundred kilobytes; files belong outside the
	// binder, named by a document record.
	MaxRecordBytes = 1 << 20
	// MaxCiphertextBytes bounds a record's age file: the plaintext's
	// limit and room for age's header (one stanza per recipient) and
	// its per-chunk tags.
	MaxCiphertextBytes = MaxRecordBytes + 256<<10
)
