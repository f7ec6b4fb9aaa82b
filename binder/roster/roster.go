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
	// Recovery is the binder's offline recovery recipient (an age
	// recipient whose identity is kept on paper, in a safe), added to
	// every audience; "" if it has none.
	Recovery string   `toml:"recovery-recipient,omitempty"`
	Members  []Member `toml:"member"`

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
	if r.Recovery != "" {
		if _, err := bcrypto.ParseRecipient(r.Recovery); err != nil {
			return nil, fmt.Errorf("roster: recovery recipient: %v", err)
		}
		if other, dup := recipients[r.Recovery]; dup {
			return nil, fmt.Errorf("roster: %s's age recipient is also the recovery recipient", other)
		}
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
// member's handle. The managers are in every audience: they govern the
// roster, and a roster change re-encrypts what it touches, which they must
// be able to read. A role no one holds yet leaves the managers alone; an
// unknown name is an error.
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
	if len(names) == 0 {
		return nil, fmt.Errorf("an audience names at least one of all, a role or a member")
	}
	var out []*Member
	for i := range r.Members {
		if m := &r.Members[i]; in[m.Handle] || m.Has(RoleManager) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Recipients returns the age recipients of the members in an audience,
// and the binder's recovery recipient if it has one.
func (r *Roster) Recipients(names []string) ([]age.Recipient, error) {
	ms, err := r.Audience(names)
	if err != nil {
		return nil, err
	}
	out := make([]age.Recipient, 0, len(ms)+1)
	for _, m := range ms {
		rc, err := bcrypto.ParseRecipient(m.Recipient)
		if err != nil {
			return nil, fmt.Errorf("roster: %s: %v", m.Handle, err)
		}
		out = append(out, rc)
	}
	if r.Recovery != "" {
		rc, err := bcrypto.ParseRecipient(r.Recovery)
		if err != nil {
			return nil, fmt.Errorf("roster: recovery recipient: %v", err)
		}
		out = append(out, rc)
	}
	return out, nil
}

// ParseAudience splits an audience as written ("managers", "ana,ben") into
// its names, and checks their form: all, a role or a handle, each once.
func ParseAudience(s string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			return nil, fmt.Errorf("audience %q: an empty name", s)
		case n != AudienceAll && !slices.Contains(Roles, n) && !slices.Contains(Roles, strings.TrimSuffix(n, "s")) && !bcrypto.ValidHandle(n):
			return nil, fmt.Errorf("audience %q: %q is neither all, a role nor a handle", s, n)
		}
		if r := strings.TrimSuffix(n, "s"); slices.Contains(Roles, r) {
			n = r // "managers" is the role manager
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("audience %q names %s twice", s, n)
		}
		out = append(out, n)
	}
	if len(out) > 1 && slices.Contains(out, AudienceAll) {
		return nil, fmt.Errorf("audience %q: all is every member already", s)
	}
	return out, nil
}

// Without is an audience's names less a member's handle, as when the
// member leaves. If no name is left, the audience is the managers.
func Without(names []string, handle string) []string {
	out := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == handle })
	if len(out) == 0 {
		return []string{RoleManager}
	}
	return out
}

// Next returns a copy of r to change into the roster that follows it: the
// next serial, naming raw (r's file) as the previous roster.
func (r *Roster) Next(raw []byte, now time.Time) *Roster {
	n := &Roster{Format: Format, Serial: r.Serial + 1, Previous: bcrypto.Fingerprint(raw), Created: now, Recovery: r.Recovery}
	for _, m := range r.Members {
		m.Roles = slices.Clone(m.Roles)
		n.Members = append(n.Members, m)
	}
	return n
}

// Add adds a member with roles, known from their card.
func (r *Roster) Add(c bcrypto.Card, roles []string, now time.Time) error {
	if r.Member(c.Handle) != nil {
		return fmt.Errorf("%s is a member already", c.Handle)
	}
	if c.Handle == AudienceAll || slices.Contains(Roles, strings.TrimSuffix(c.Handle, "s")) {
		// In an audience it would read as the role, not the member.
		return fmt.Errorf("%q names a role: choose another handle for the member", c.Handle)
	}
	if len(roles) == 0 {
		return fmt.Errorf("a member needs a role: %s", strings.Join(Roles, ", "))
	}
	for _, role := range roles {
		if !slices.Contains(Roles, role) {
			return fmt.Errorf("unknown role %q: %s", role, strings.Join(Roles, ", "))
		}
	}
	for _, m := range r.Members {
		if k, err := bcrypto.ParsePublicKey(m.SigningKey); err == nil && k.Equal(c.SigningKey) {
			return fmt.Errorf("%s has this signing key already", m.Handle)
		}
		if m.Recipient == c.Recipient {
			return fmt.Errorf("%s has this age recipient already", m.Handle)
		}
	}
	r.Members = append(r.Members, Member{Handle: c.Handle, Recipient: c.Recipient, SigningKey: c.SigningKey.String(), Roles: slices.Clone(roles), Since: now})
	return nil
}

// SetRoles gives a member the roles add and takes away the roles remove.
// A member keeps at least one role.
func (r *Roster) SetRoles(handle string, add, remove []string) error {
	m := r.Member(handle)
	if m == nil {
		return fmt.Errorf("%s is not a member", handle)
	}
	for _, role := range append(slices.Clone(add), remove...) {
		if !slices.Contains(Roles, role) {
			return fmt.Errorf("unknown role %q: %s", role, strings.Join(Roles, ", "))
		}
	}
	roles := slices.DeleteFunc(slices.Clone(m.Roles), func(role string) bool { return slices.Contains(remove, role) })
	for _, role := range add {
		if !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	if len(roles) == 0 {
		return fmt.Errorf("%s would have no role left: remove them instead", handle)
	}
	slices.SortFunc(roles, func(a, b string) int { return slices.Index(Roles, a) - slices.Index(Roles, b) })
	m.Roles = roles
	return nil
}

// Remove takes a member off the roster.
func (r *Roster) Remove(handle string) error {
	i := slices.IndexFunc(r.Members, func(m Member) bool { return m.Handle == handle })
	if i < 0 {
		return fmt.Errorf("%s is not a member", handle)
	}
	r.Members = slices.Delete(r.Members, i, i+1)
	return nil
}

// CheckChange applies the rules for changing a roster: next must follow
// prev (the next serial, prev's fingerprint), be signed by signer, a
// manager of prev, who may neither add themselves nor give themselves a
// role they did not hold, nor change a member's keys in place; and next
// must keep a manager. prevRaw is prev's
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
	for _, m := range next.Members {
		if p := prev.Member(m.Handle); p != nil && (p.SigningKey != m.SigningKey || p.Recipient != m.Recipient) {
			// A key swapped under a known handle would let whoever holds
			// the new key sign as that member: a new key is a new member,
			// removed and added as such, in plain sight.
			return fmt.Errorf("%s's keys changed in place: remove the member and add them again with the new keys", m.Handle)
		}
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
