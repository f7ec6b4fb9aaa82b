package binder

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	bcrypto "gobag/crypto"
)

// Roles a member can hold.
const (
	RoleManager   = "manager"
	RoleResponder = "responder"
	RoleCustodian = "custodian"
	RoleAuditor   = "auditor"
)

var allRoles = []string{RoleManager, RoleResponder, RoleCustodian, RoleAuditor}

// Member is one entry of the roster.
type Member struct {
	Handle     string    `toml:"handle"`
	Recipient  string    `toml:"age-recipient"`
	SigningKey string    `toml:"signing-key"`
	Roles      []string  `toml:"roles"`
	Since      time.Time `toml:"since"`
}

// Has reports whether m holds role.
func (m *Member) Has(role string) bool { return slices.Contains(m.Roles, role) }

// Roster lists the members of a binder. It is stored in plaintext (handles
// and public keys only) at .gobag/roster.toml and signed by a manager in
// .gobag/roster.sig.
type Roster struct {
	Format   int       `toml:"format"`
	Serial   int       `toml:"serial"`
	Previous string    `toml:"previous"` // fingerprint of the previous roster file; "" for the first
	Created  time.Time `toml:"created"`
	Members  []Member  `toml:"member"`

	keys map[string]bcrypto.PublicKey
}

const rosterFormat = 1

// Marshal renders the roster file.
func (r *Roster) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# gobag roster: members by handle, their public keys and roles.\n")
	b.WriteString("# Signed by a manager in roster.sig. Real names live in encrypted contact records.\n")
	if err := toml.NewEncoder(&b).Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParseRoster reads and checks a roster file's form.
func ParseRoster(data []byte) (*Roster, error) {
	var r Roster
	md, err := toml.Decode(string(data), &r)
	if err != nil {
		return nil, fmt.Errorf("roster: %v", err)
	}
	if len(md.Undecoded()) > 0 {
		return nil, fmt.Errorf("roster: unknown keys %v", md.Undecoded())
	}
	if r.Format != rosterFormat {
		return nil, fmt.Errorf("roster: format %d, want %d", r.Format, rosterFormat)
	}
	r.keys = map[string]bcrypto.PublicKey{}
	managers := 0
	for i := range r.Members {
		m := &r.Members[i]
		if !bcrypto.ValidHandle(m.Handle) {
			return nil, fmt.Errorf("roster: bad handle %q", m.Handle)
		}
		if _, dup := r.keys[m.Handle]; dup {
			return nil, fmt.Errorf("roster: handle %q listed twice", m.Handle)
		}
		if _, err := bcrypto.ParseRecipient(m.Recipient); err != nil {
			return nil, fmt.Errorf("roster: %s: %v", m.Handle, err)
		}
		k, err := bcrypto.ParsePublicKey(m.SigningKey)
		if err != nil {
			return nil, fmt.Errorf("roster: %s: %v", m.Handle, err)
		}
		for _, role := range m.Roles {
			if !slices.Contains(allRoles, role) {
				return nil, fmt.Errorf("roster: %s: unknown role %q", m.Handle, role)
			}
		}
		if m.Has(RoleManager) {
			managers++
		}
		r.keys[m.Handle] = k
	}
	if managers == 0 {
		return nil, fmt.Errorf("roster: no manager")
	}
	return &r, nil
}

// Member returns the member with handle, if any.
func (r *Roster) Member(handle string) *Member {
	for i := range r.Members {
		if r.Members[i].Handle == handle {
			return &r.Members[i]
		}
	}
	return nil
}

// Key returns a member's signing key.
func (r *Roster) Key(handle string) (bcrypto.PublicKey, bool) {
	k, ok := r.keys[handle]
	return k, ok
}

// MemberByKey returns the member whose signing key is k.
func (r *Roster) MemberByKey(k bcrypto.PublicKey) *Member {
	for h, mk := range r.keys {
		if mk.Equal(k) {
			return r.Member(h)
		}
	}
	return nil
}

// Handles returns every member's handle, sorted.
func (r *Roster) Handles() []string {
	var hs []string
	for _, m := range r.Members {
		hs = append(hs, m.Handle)
	}
	sort.Strings(hs)
	return hs
}

// AllowedSigners renders git's gpg.ssh.allowedSignersFile for the roster.
func (r *Roster) AllowedSigners() []byte {
	var b bytes.Buffer
	b.WriteString("# git verify-commit -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=THIS; derived from roster.toml\n")
	for _, m := range r.Members {
		fmt.Fprintf(&b, "%s namespaces=\"git\" %s\n", m.Handle, m.SigningKey)
	}
	return b.Bytes()
}

const rosterSigHeader = "gobag-roster-signature 1"

// signRoster returns the roster.sig file for roster bytes, signed by id.
func signRoster(roster []byte, id *bcrypto.Identity) []byte {
	part := rosterSigPart(roster, id.Handle, id.SigningKey().Fingerprint())
	return append(part, "signature: "+base64.StdEncoding.EncodeToString(id.Sign(part))+"\n"...)
}

func rosterSigPart(roster []byte, handle, keyFP string) []byte {
	return fmt.Appendf(nil, "%s\nroster: %s\nsigner: %s %s\n", rosterSigHeader, bcrypto.Fingerprint(roster), handle, keyFP)
}

// verifyRosterSig checks that sig signs roster and returns the signer's
// handle; signers must then be checked against the governing roster.
func verifyRosterSig(roster, sig []byte, signers *Roster) (string, error) {
	lines := strings.Split(strings.TrimSuffix(string(sig), "\n"), "\n")
	if len(lines) != 4 || lines[0] != rosterSigHeader {
		return "", fmt.Errorf("roster signature: malformed")
	}
	signer := strings.Fields(strings.TrimPrefix(lines[2], "signer: "))
	if len(signer) != 2 {
		return "", fmt.Errorf("roster signature: malformed signer line")
	}
	handle := signer[0]
	m := signers.Member(handle)
	if m == nil {
		return "", fmt.Errorf("roster signed by %q, who is not a member", handle)
	}
	if !m.Has(RoleManager) {
		return "", fmt.Errorf("roster signed by %q, who is not a manager", handle)
	}
	key, _ := signers.Key(handle)
	if key.Fingerprint() != signer[1] {
		return "", fmt.Errorf("roster signed with a key that is not %s's", handle)
	}
	part := rosterSigPart(roster, handle, signer[1])
	if !bytes.Equal([]byte(strings.Join(lines[:3], "\n")+"\n"), part) {
		return "", fmt.Errorf("roster signature does not name this roster")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[3], "signature: "))
	if err != nil {
		return "", fmt.Errorf("roster signature: malformed")
	}
	if err := key.Verify(part, raw); err != nil {
		return "", fmt.Errorf("roster signature by %s: %w", handle, err)
	}
	return handle, nil
}

// recipients returns the age recipients of every member.
func (r *Roster) recipients() ([]string, error) {
	var out []string
	for _, m := range r.Members {
		out = append(out, m.Recipient)
	}
	return out, nil
}
