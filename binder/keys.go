package binder

// Every key of the local index (binder/index), in one place. The index is
// a cache of what git holds: its layout changes with indexVersion, and an
// index of another version is rebuilt.
const (
	// prefixRecord + id: the record's plaintext and index entry (JSON).
	prefixRecord = "rec/"
	// prefixSummary + id: the compact listing entry.
	prefixSummary = "sum/"
	// prefixBacklink + target/source/field: a link, found from its target.
	prefixBacklink = "lnk/"
	// prefixConflict + id: the record has unresolved conflicts.
	prefixConflict = "cf/"

	keyVersion     = "meta/version"     // indexVersion of the layout
	keyTip         = "meta/tip"         // the commit the index shows
	keyFingerprint = "meta/fingerprint" // the binder's fingerprint
	keyCount       = "meta/count"       // live records
	// keyPhoneCountry is the binder settings' phone_country, which every
	// save of a contact reads.
	keyPhoneCountry = "meta/phone-country"

	// The search index (searchindex.go).
	prefixBase    = "sb/" // word → the base's packed list of records
	prefixDocID   = "sd/" // record number → id
	prefixDocNum  = "sn/" // id → record number
	prefixDirty   = "sx/" // base record changed since the base was built
	prefixPosting = "t/"  // word/id: a change since the base
	keyBaseDocs   = "meta/search-docs"
	keyChanged    = "meta/search-changed"
)
