package crypto

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// A card is a member's public keys as one line, to paste into a message or
// show as a QR code: what a manager needs to add them to a roster.
//
//	gobag-card1 priya age1… AAAAC3NzaC1lZDI1NTE5AAAA… 1a2b3c4d
//
// The fields are the handle, the age recipient, the base64 of the
// Ed25519 signing key in SSH wire form (what follows "ssh-ed25519 " in
// authorized_keys) and a check: the first 4 bytes, in hex, of the SHA-256
// of everything before it on the line (single spaces). The check catches a
// card cut short or mistyped; it proves nothing about who sent it: the
// keys are compared out of band (by fingerprint) as for any key.
const cardPrefix = "gobag-card1"

// Card is a member's handle and public keys.
type Card struct {
	Handle     string
	Recipient  string
	SigningKey PublicKey
}

// Card returns the card of id's public keys.
func (id *Identity) Card() Card {
	return Card{Handle: id.Handle, Recipient: id.Recipient().String(), SigningKey: id.SigningKey()}
}

// String renders the card's line.
func (c Card) String() string {
	body := strings.Join([]string{cardPrefix, c.Handle, c.Recipient, strings.TrimPrefix(c.SigningKey.String(), "ssh-ed25519 ")}, " ")
	return body + " " + cardCheck(body)
}

func cardCheck(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:4])
}

// ParseCard reads a card. Line breaks and runs of spaces, as a mail
// program leaves them, are taken as single spaces.
func ParseCard(s string) (Card, error) {
	f := strings.Fields(s)
	if len(f) == 0 || f[0] != cardPrefix {
		return Card{}, fmt.Errorf("card: does not start with %s: %w", cardPrefix, ErrMalformed)
	}
	if len(f) != 5 {
		return Card{}, fmt.Errorf("card: %d fields, want 5 (was it cut short?): %w", len(f), ErrMalformed)
	}
	if cardCheck(strings.Join(f[:4], " ")) != strings.ToLower(f[4]) {
		return Card{}, fmt.Errorf("card: its check does not match: it was cut short or changed on the way: %w", ErrMalformed)
	}
	if !ValidHandle(f[1]) {
		return Card{}, fmt.Errorf("card: bad handle %q: %w", f[1], ErrMalformed)
	}
	if _, err := ParseRecipient(f[2]); err != nil {
		return Card{}, fmt.Errorf("card: %w", err)
	}
	key, err := ParsePublicKey("ssh-ed25519 " + f[3])
	if err != nil {
		return Card{}, fmt.Errorf("card: %w", err)
	}
	return Card{Handle: f[1], Recipient: f[2], SigningKey: key}, nil
}
