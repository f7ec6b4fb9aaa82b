package crypto

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// PublicKey is an Ed25519 signing public key. Its text form is the OpenSSH
// authorized_keys form, "ssh-ed25519 AAAA…", so that the same string works
// in git's allowed_signers file.
type PublicKey struct {
	key ed25519.PublicKey
}

// ParsePublicKey parses "ssh-ed25519 AAAA…" (a trailing comment is ignored).
func ParsePublicKey(s string) (PublicKey, error) {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return PublicKey{}, fmt.Errorf("signing key %q: %w", s, ErrMalformed)
	}
	cpk, ok := pk.(ssh.CryptoPublicKey)
	if !ok {
		return PublicKey{}, fmt.Errorf("signing key: %w", ErrMalformed)
	}
	ek, ok := cpk.CryptoPublicKey().(ed25519.PublicKey)
	if !ok {
		return PublicKey{}, fmt.Errorf("signing key: not ed25519: %w", ErrMalformed)
	}
	return PublicKey{key: ek}, nil
}

// IsZero reports whether k holds no key.
func (k PublicKey) IsZero() bool { return len(k.key) == 0 }

// Equal reports whether k and o are the same key.
func (k PublicKey) Equal(o PublicKey) bool { return k.key.Equal(o.key) }

// String returns the authorized_keys form without a comment.
func (k PublicKey) String() string {
	if k.IsZero() {
		return ""
	}
	pk, err := ssh.NewPublicKey(k.key)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
}

// Fingerprint is the key's SHA-256 fingerprint as ssh-keygen prints it.
func (k PublicKey) Fingerprint() string {
	pk, err := ssh.NewPublicKey(k.key)
	if err != nil {
		return ""
	}
	return ssh.FingerprintSHA256(pk)
}

// Verify checks an Ed25519 signature by k over msg (see ed25519.go for
// the exact rule).
func (k PublicKey) Verify(msg, sig []byte) error {
	if k.IsZero() || !verifyEd25519(k.key, msg, sig) {
		return ErrBadSignature
	}
	return nil
}

// Fingerprint returns "SHA256:" and the unpadded base64 of data's SHA-256,
// the form gobag uses to name a binder.
func Fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// SSHSigner returns the identity's signing key as an SSH key, so that the
// same key that signs a member's commits can log in to a binder's SSH
// remote (its public half is SigningKey's authorized_keys form).
func (id *Identity) SSHSigner() (ssh.Signer, error) {
	return ssh.NewSignerFromKey(id.sign)
}

// SSHKey returns k as an x/crypto/ssh public key.
func (k PublicKey) SSHKey() (ssh.PublicKey, error) { return ssh.NewPublicKey(k.key) }

// SSHPrivateKey returns the signing key as an unencrypted OpenSSH private
// key file, for an SSH client (such as git's) that logs in to a binder's
// SSH remote with the same key gobag uses.
func (id *Identity) SSHPrivateKey() ([]byte, error) {
	block, err := ssh.MarshalPrivateKey(id.sign, id.Handle+"@gobag")
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(block), nil
}
