package crypto

import "errors"

// Sentinel errors callers branch on. They carry no secret material.
var (
	// ErrWrongPassphrase means a sealed identity could not be opened with
	// the passphrase given.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNotRecipient means a ciphertext was not encrypted to any of the
	// identities offered.
	ErrNotRecipient = errors.New("not encrypted to this identity")
	// ErrBadSignature means a signature did not verify.
	ErrBadSignature = errors.New("bad signature")
	// ErrMalformed means input could not be parsed.
	ErrMalformed = errors.New("malformed")
)
