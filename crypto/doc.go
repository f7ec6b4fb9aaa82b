// Package crypto holds gobag's cryptographic building blocks: identities
// (an age X25519 key pair plus an Ed25519 signing key), encryption of record
// contents to an audience with age, Ed25519 signatures over record envelopes
// and rosters, SSHSIG signatures over git commits, and fingerprints.
//
// It is imported as bcrypto so that it does not shadow the standard
// library's crypto package.
//
// # Identity file
//
// A plain identity is a short text that the age CLI accepts as an identity
// file: gobag's own lines start with "#", which age treats as comments.
//
//	# gobag identity v1
//	# handle: priya
//	# signing-key: GOBAG-SIGNING-KEY-1<base64 of the Ed25519 seed>
//	AGE-SECRET-KEY-1...
//
// At rest the identity is normally sealed with age's scrypt passphrase
// recipient and ASCII-armored; see [SealIdentity] and [OpenIdentity].
package crypto
