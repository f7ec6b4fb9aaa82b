// Package roster is a binder's membership: members by handle with their
// public keys and roles, audiences resolved to the members and age
// recipients they stand for, the roster file's signature, and the rules
// for who may change the roster. It does no I/O.
package roster

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
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

// Roles lists every role, in the order they are shown.
var Roles = []string{RoleManager, RoleResponder, RoleCustodian, RoleAuditor}

// AudienceAll is the audience of every member.
const AudienceAll = "all"

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

// Format is the roster file format this package reads and writes.
const Format = 1

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

// Parse reads and checks a roster file's form.
func Parse(data []byte) (*Roster, error) {
	var r Roster
	md, err := toml.Decode(string(data), &r)
	if err != nil {
		return nil, fmt.Errorf("roster: %v", err)
	}
	if len(md.Undecoded()) > 0 {
		return nil, fmt.Errorf("roster: unknown keys %v", md.Undecoded())
	}
	if r.Format != Format {
		return nil, fmt.Errorf("roster: format %d, want %d", r.Format, Format)
	}
	r.keys = map[string]bcrypto.PublicKey{}
	signing, recipients := map[string]string{}, map[string]string{}
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
		// One key, one member: otherwise who signed would depend on
		// which of them a lookup finds first.
		if other, dup := signing[k.Fingerprint()]; dup {
			return nil, fmt.Errorf("roster: %s and %s have the same signing key", other, m.Handle)
		}
		if other, dup := recipients[m.Recipient]; dup {
			return nil, fmt.Errorf("roster: %s and %s have the same age recipient", other, m.Handle)
		}
		signing[k.Fingerprint()], recipients[m.Recipient] = m.Handle, m.Handle
		for _, role := range m.Roles {
			if !slices.Contains(Roles, role) {
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

// MemberByKey returns the member whose signing key is k (a roster gives
// each key to one member at most).
func (r *Roster) MemberByKey(k bcrypto.PublicKey) *Member {
	for i := range r.Members {
		if mk, ok := r.keys[r.Members[i].Handle]; ok && mk.Equal(k) {
			return &r.Members[i]
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

// The first line of allowed_signers: how to use it. Binders made before
// it was corrected carry legacySignersComment, whose option order git
// rejects; both are accepted.
const (
	signersComment       = "# check: git show main:.gobag/allowed_signers > allowed_signers && git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit main (derived from roster.toml)\n"
	legacySignersComment = "# git verify-commit -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=THIS; derived from roster.toml\n"
)

// AllowedSigners renders git's gpg.ssh.allowedSignersFile for the roster.
func (r *Roster) AllowedSigners() []byte { return r.allowedSigners(signersComment) }

func (r *Roster) allowedSigners(comment string) []byte {
	var b bytes.Buffer
	b.WriteString(comment)
	for _, m := range r.Members {
		fmt.Fprintf(&b, "%s namespaces=\"git\" %s\n", m.Handle, m.SigningKey)
	}
	return b.Bytes()
}

// MatchesAllowedSigners reports whether data is the allowed_signers file
// of r, as this version or an earlier one wrote it.
func (r *Roster) MatchesAllowedSigners(data []byte) bool {
	return bytes.Equal(data, r.AllowedSigners()) || bytes.Equal(data, r.allowedSigners(legacySignersComment))
}

const rosterSigHeader = "gobag-roster-signature 1"

// Sign returns the roster.sig file for roster bytes, signed by id.
func Sign(roster []byte, id *bcrypto.Identity) []byte {
	part := rosterSigPart(roster, id.Handle, id.SigningKey().Fingerprint())
	return append(part, "signature: "+base64.StdEncoding.EncodeToString(id.Sign(part))+"\n"...)
}

func rosterSigPart(roster []byte, handle, keyFP string) []byte {
	return fmt.Appendf(nil, "%s\nroster: %s\nsigner: %s %s\n", rosterSigHeader, bcrypto.Fingerprint(roster), handle, keyFP)
}

// VerifySig checks that sig signs roster, by a manager of signers (the
// governing roster), and returns the signer's handle.
func VerifySig(roster, sig []byte, signers *Roster) (string, error) {
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

// Audience resolves an audience to the members in it, in roster order.
// Each name is "all" (every member), a role (the members holding it) or a
// member's handle. An unknown name is an error, and so is an audience
// no member is in.
func (r *Roster) Audience(names []string) ([]*Member, error) {
	in := map[string]bool{}
	for _, n := range names {
		switch {
		case n == AudienceAll:
			for _, m := range r.Members {
				in[m.Handle] = true
			}
		case slices.Contains(Roles, n):
			for _, m := range r.Members {
				if m.Has(n) {
					in[m.Handle] = true
				}
			}
		case r.Member(n) != nil:
			in[n] = true
		default:
			return nil, fmt.Errorf("audience: %q is neither all, a role nor a member", n)
		}
	}
	var out []*Member
	for i := range r.Members {
		if in[r.Members[i].Handle] {
			out = append(out, &r.Members[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("audience %v holds no member", names)
	}
	return out, nil
}

// Recipients returns the age recipients of the members in an audience.
func (r *Roster) Recipients(names []string) ([]age.Recipient, error) {
	ms, err := r.Audience(names)
	if err != nil {
		return nil, err
	}
	out := make([]age.Recipient, 0, len(ms))
	for _, m := range ms {
		rc, err := bcrypto.ParseRecipient(m.Recipient)
		if err != nil {
			return nil, fmt.Errorf("roster: %s: %v", m.Handle, err)
		}
		out = append(out, rc)
	}
	return out, nil
}

// CheckChange applies the rules for changing a roster: next must follow
// prev (the next serial, prev's fingerprint), be signed by signer, a
// manager of prev, who may neither add themselves nor give themselves a
// role they did not hold; and next must keep a manager. prevRaw is prev's
// file, whose fingerprint next names.
func CheckChange(prev *Roster, prevRaw []byte, next *Roster, signer string) error {
	s := prev.Member(signer)
	switch {
	case s == nil:
		return fmt.Errorf("roster changed by %q, who is not a member", signer)
	case !s.Has(RoleManager):
		return fmt.Errorf("roster changed by %q, who is not a manager", signer)
	case next.Serial != prev.Serial+1:
		return fmt.Errorf("roster serial %d does not follow %d", next.Serial, prev.Serial)
	case next.Previous != bcrypto.Fingerprint(prevRaw):
		return fmt.Errorf("roster does not name the previous roster's fingerprint")
	}
	if self := next.Member(signer); self != nil {
		for _, role := range self.Roles {
			if !s.Has(role) {
				return fmt.Errorf("%s gave themselves the role %s", signer, role)
			}
		}
	}
	for _, m := range next.Members {
		if m.Has(RoleManager) {
			return nil
		}
	}
	return fmt.Errorf("the roster would have no manager")
}
