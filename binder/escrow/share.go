package escrow

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"

	bcrypto "gobag/crypto"
)

// A secret's value is sealed with a fresh 32-byte key (ChaCha20-Poly1305,
// a random 12-byte nonce first, the associated data naming the secret and
// its generation); the key is split into shares, one per custodian, each
// age-encrypted to that custodian alone.

// ErrShare means a share is corrupted, of another secret or generation,
// or not one of the shares the generation was split into.
var ErrShare = errors.New("share does not belong to this secret")

// ErrNotOpened means the shares given do not open the secret: too few,
// or not all of them its own.
var ErrNotOpened = errors.New("the shares do not open the secret")

func associated(secret string, gen int) []byte {
	return fmt.Appendf(nil, "gobag-secret1 %s %d", secret, gen)
}

// Seal encrypts value for generation gen of secret under a fresh key,
// which it returns with the sealed value.
func Seal(value []byte, secret string, gen int) (key, sealed []byte, err error) {
	key = make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(value)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return key, aead.Seal(nonce, nonce, value, associated(secret, gen)), nil
}

// Unseal opens a sealed value with its key.
func Unseal(key, sealed []byte, secret string, gen int) ([]byte, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil || len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrNotOpened
	}
	out, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], associated(secret, gen))
	if err != nil {
		return nil, ErrNotOpened
	}
	return out, nil
}

const shareHeader = "gobag-share1"

// ShareText is a share as a custodian holds it (inside age): the secret,
// the generation, x and y.
func ShareText(secret string, gen int, s bcrypto.Share) []byte {
	return fmt.Appendf(nil, "%s %s %d %d %s\n", shareHeader, secret, gen, s.X, base64.StdEncoding.EncodeToString(s.Y))
}

// ParseShare reads a share's text and checks that it is of generation gen
// of secret and matches one of checks (the generation's entry lists
// them): a corrupted or foreign share is refused, never combined.
func ParseShare(text []byte, secret string, gen int, checks []string) (bcrypto.Share, error) {
	f := strings.Fields(string(text))
	if len(f) != 5 || f[0] != shareHeader {
		return bcrypto.Share{}, fmt.Errorf("%w: not a share", ErrShare)
	}
	g, err1 := strconv.Atoi(f[2])
	x, err2 := strconv.Atoi(f[3])
	y, err3 := base64.StdEncoding.DecodeString(f[4])
	if err1 != nil || err2 != nil || err3 != nil || x < 1 || x > 255 || len(y) == 0 {
		return bcrypto.Share{}, fmt.Errorf("%w: malformed", ErrShare)
	}
	if f[1] != secret || g != gen {
		return bcrypto.Share{}, fmt.Errorf("%w: it is of another secret or generation", ErrShare)
	}
	s := bcrypto.Share{X: byte(x), Y: y}
	for _, c := range checks {
		if c == Check(secret, gen, s) {
			return s, nil
		}
	}
	return bcrypto.Share{}, fmt.Errorf("%w: share %d does not match the check its generation lists (corrupted or forged)", ErrShare, x)
}

// Check is a share's check as a generation's entry lists it: x, a colon
// and the first 16 bytes, in hex, of the SHA-256 of its text.
func Check(secret string, gen int, s bcrypto.Share) string {
	sum := sha256.Sum256(ShareText(secret, gen, s))
	return fmt.Sprintf("%d:%s", s.X, hex.EncodeToString(sum[:16]))
}

// Bundle is what a generation's entry carries, encrypted piece by piece:
// the sealed value, each custodian's share (age-encrypted to them alone)
// and, if the binder has a recovery recipient, the key encrypted to it.
type Bundle struct {
	Sealed   []byte
	Shares   []BundleShare
	Recovery []byte // age ciphertext of the key, or nil
}

// BundleShare is one custodian's encrypted share.
type BundleShare struct {
	Custodian  string
	X          int
	Ciphertext []byte
}

// Marshal renders the bundle: one line per piece.
func (b *Bundle) Marshal() []byte {
	var out bytes.Buffer
	fmt.Fprintf(&out, "sealed %s\n", base64.StdEncoding.EncodeToString(b.Sealed))
	for _, s := range b.Shares {
		fmt.Fprintf(&out, "share %s %d %s\n", s.Custodian, s.X, base64.StdEncoding.EncodeToString(s.Ciphertext))
	}
	if b.Recovery != nil {
		fmt.Fprintf(&out, "recovery %s\n", base64.StdEncoding.EncodeToString(b.Recovery))
	}
	return out.Bytes()
}

// ParseBundle reads a generation's bundle.
func ParseBundle(data []byte) (*Bundle, error) {
	b := &Bundle{}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		f := strings.Fields(line)
		bad := fmt.Errorf("secret bundle: malformed line")
		switch {
		case len(f) == 2 && f[0] == "sealed" && b.Sealed == nil:
			v, err := base64.StdEncoding.DecodeString(f[1])
			if err != nil {
				return nil, bad
			}
			b.Sealed = v
		case len(f) == 2 && f[0] == "recovery" && b.Recovery == nil:
			v, err := base64.StdEncoding.DecodeString(f[1])
			if err != nil {
				return nil, bad
			}
			b.Recovery = v
		case len(f) == 4 && f[0] == "share":
			x, err := strconv.Atoi(f[2])
			v, err2 := base64.StdEncoding.DecodeString(f[3])
			if err != nil || err2 != nil || !handlePattern.MatchString(f[1]) {
				return nil, bad
			}
			b.Shares = append(b.Shares, BundleShare{Custodian: f[1], X: x, Ciphertext: v})
		default:
			return nil, bad
		}
	}
	if b.Sealed == nil || len(b.Shares) == 0 {
		return nil, fmt.Errorf("secret bundle: no sealed value or no share")
	}
	return b, nil
}
