package crypto

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

const (
	identityHeader   = "# gobag identity v1"
	handlePrefix     = "# handle: "
	createdPrefix    = "# created: "
	signingPrefix    = "# signing-key: "
	signingKeyPrefix = "GOBAG-SIGNING-KEY-1"
)

// DefaultScryptWorkFactor is the scrypt work factor (log2 N) used to seal
// identity files. It is age's own default.
const DefaultScryptWorkFactor = 18

var handlePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// ValidHandle reports whether h can name a member: 1 to 32 lower-case
// letters, digits, dots, dashes or underscores, starting with a letter or
// digit. Handles appear in plaintext (roster, commits), so they should not
// be a person's real name.
func ValidHandle(h string) bool { return handlePattern.MatchString(h) }

// Identity is one member's secret keys: an age X25519 identity to decrypt
// records and an Ed25519 key to sign them.
type Identity struct {
	Handle  string
	Created time.Time
	age     *age.X25519Identity
	sign    ed25519.PrivateKey
}

// NewIdentity generates fresh keys for handle.
func NewIdentity(handle string) (*Identity, error) {
	if !ValidHandle(handle) {
		return nil, fmt.Errorf("handle %q: %w: use 1-32 lower-case letters, digits, '.', '-' or '_'", handle, ErrMalformed)
	}
	a, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Identity{Handle: handle, Created: time.Now().UTC().Truncate(time.Second), age: a, sign: priv}, nil
}

// Recipient is the public age recipient that records are encrypted to.
func (id *Identity) Recipient() *age.X25519Recipient { return id.age.Recipient() }

// AgeIdentity is the identity that decrypts records.
func (id *Identity) AgeIdentity() age.Identity { return id.age }

// SigningKey is the public half of the signing key.
func (id *Identity) SigningKey() PublicKey {
	return PublicKey{key: id.sign.Public().(ed25519.PublicKey)}
}

// Sign signs msg with the identity's Ed25519 key.
func (id *Identity) Sign(msg []byte) []byte { return ed25519.Sign(id.sign, msg) }

// MarshalText encodes the identity in the plain identity format, which the
// age CLI also accepts as an identity file.
func (id *Identity) MarshalText() []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, identityHeader)
	fmt.Fprintln(&b, handlePrefix+id.Handle)
	fmt.Fprintln(&b, createdPrefix+id.Created.Format(time.RFC3339))
	fmt.Fprintf(&b, "# public key: %s\n", id.Recipient())
	fmt.Fprintf(&b, "# signing public key: %s\n", id.SigningKey())
	fmt.Fprintln(&b, signingPrefix+signingKeyPrefix+base64.RawStdEncoding.EncodeToString(id.sign.Seed()))
	fmt.Fprintln(&b, id.age.String())
	return b.Bytes()
}

// ExportAge returns only the age part of the identity, in the format the
// age CLI reads with -i.
func (id *Identity) ExportAge() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# gobag identity of %s: age key only\n", id.Handle)
	fmt.Fprintf(&b, "# public key: %s\n", id.Recipient())
	fmt.Fprintln(&b, id.age.String())
	return b.Bytes()
}

// ParseIdentity reads a plain identity.
func ParseIdentity(text []byte) (*Identity, error) {
	id := &Identity{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	header := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == identityHeader:
			header = true
		case strings.HasPrefix(line, handlePrefix):
			id.Handle = strings.TrimPrefix(line, handlePrefix)
		case strings.HasPrefix(line, createdPrefix):
			t, err := time.Parse(time.RFC3339, strings.TrimPrefix(line, createdPrefix))
			if err == nil {
				id.Created = t
			}
		case strings.HasPrefix(line, signingPrefix):
			enc, ok := strings.CutPrefix(strings.TrimPrefix(line, signingPrefix), signingKeyPrefix)
			seed, err := base64.RawStdEncoding.DecodeString(enc)
			if !ok || err != nil || len(seed) != ed25519.SeedSize {
				return nil, fmt.Errorf("identity: signing key: %w", ErrMalformed)
			}
			id.sign = ed25519.NewKeyFromSeed(seed)
		case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
			a, err := age.ParseX25519Identity(line)
			if err != nil {
				return nil, fmt.Errorf("identity: age key: %w", ErrMalformed)
			}
			id.age = a
		}
	}
	switch {
	case !header:
		return nil, fmt.Errorf("identity: not a gobag identity (no %q line): %w", identityHeader, ErrMalformed)
	case id.age == nil:
		return nil, fmt.Errorf("identity: no AGE-SECRET-KEY line: %w", ErrMalformed)
	case id.sign == nil:
		return nil, fmt.Errorf("identity: no signing key line: %w", ErrMalformed)
	case !ValidHandle(id.Handle):
		return nil, fmt.Errorf("identity: handle %q: %w", id.Handle, ErrMalformed)
	}
	return id, nil
}

// SealIdentity encrypts the identity with passphrase using age's scrypt
// recipient and armors the result.
func SealIdentity(id *Identity, passphrase []byte, workFactor int) ([]byte, error) {
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("empty passphrase: %w", ErrMalformed)
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, err
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(id.MarshalText()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// IsSealed reports whether data is a passphrase-sealed identity (an age
// file, armored or binary) rather than a plain one.
func IsSealed(data []byte) bool {
	return bytes.HasPrefix(data, []byte(armor.Header)) || bytes.HasPrefix(data, []byte("age-encryption.org/v1\n"))
}

// OpenIdentity reads an identity file. A sealed file is opened with the
// passphrase that passphrase returns (called only if needed); a plain file
// is parsed as it is.
func OpenIdentity(data []byte, passphrase func() ([]byte, error)) (*Identity, error) {
	if !IsSealed(data) {
		return ParseIdentity(data)
	}
	pass, err := passphrase()
	if err != nil {
		return nil, err
	}
	sid, err := age.NewScryptIdentity(string(pass))
	if err != nil {
		return nil, fmt.Errorf("identity: %w", ErrWrongPassphrase)
	}
	var in io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte(armor.Header)) {
		in = armor.NewReader(in)
	}
	r, err := age.Decrypt(in, sid)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("identity: %w", ErrWrongPassphrase)
		}
		return nil, fmt.Errorf("identity: %w: %v", ErrMalformed, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("identity: %w: %v", ErrMalformed, err)
	}
	return ParseIdentity(plain)
}
