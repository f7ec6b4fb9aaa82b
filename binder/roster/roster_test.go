package roster

import (
	"strings"
	"testing"
	"time"

	bcrypto "gobag/crypto"
)

func identity(t *testing.T, handle string) *bcrypto.Identity {
	t.Helper()
	id, err := bcrypto.NewIdentity(handle)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func member(id *bcrypto.Identity, roles ...string) Member {
	return Member{Handle: id.Handle, Recipient: id.Recipient().String(), SigningKey: id.SigningKey().String(), Roles: roles, Since: time.Unix(1e9, 0).UTC()}
}

// build returns a roster of members, parsed back from its file, and the
// file.
func build(t *testing.T, serial int, prev []byte, ms ...Member) (*Roster, []byte) {
	t.Helper()
	r := &Roster{Format: Format, Serial: serial, Created: time.Unix(1e9, 0).UTC(), Members: ms}
	if prev != nil {
		r.Previous = bcrypto.Fingerprint(prev)
	}
	raw, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p, raw
}

func TestAudience(t *testing.T) {
	ana, ben, chen := identity(t, "ana"), identity(t, "ben"), identity(t, "chen")
	r, _ := build(t, 1, nil, member(ana, RoleManager), member(ben, RoleResponder, RoleCustodian), member(chen, RoleCustodian))
	cases := []struct {
		audience []string
		want     string
		err      string
	}{
		{[]string{AudienceAll}, "ana ben chen", ""},
		{[]string{RoleCustodian}, "ana ben chen", ""},
		{[]string{RoleManager}, "ana", ""},
		{[]string{RoleManager, "chen"}, "ana chen", ""},
		{[]string{"ben", "ben"}, "ana ben", ""},
		{[]string{RoleAuditor}, "ana", ""},
		{[]string{"dora"}, "", "neither all, a role nor a member"},
		{nil, "", "at least one"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.audience, ","), func(t *testing.T) {
			ms, err := r.Audience(c.audience)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v; want an error with %q", err, c.err)
				}
				return
			}
			var hs []string
			for _, m := range ms {
				hs = append(hs, m.Handle)
			}
			if got := strings.Join(hs, " "); got != c.want || err != nil {
				t.Fatalf("got %q (%v); want %q", got, err, c.want)
			}
			rs, err := r.Recipients(c.audience)
			if err != nil || len(rs) != len(ms) {
				t.Fatalf("recipients: %d (%v); want %d", len(rs), err, len(ms))
			}
			// Each recipient opens what is encrypted to the audience.
			ct, err := bcrypto.Encrypt([]byte("x"), rs...)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []*bcrypto.Identity{ana, ben, chen} {
				_, derr := bcrypto.Decrypt(ct, id.AgeIdentity())
				if in := strings.Contains(" "+c.want+" ", " "+id.Handle+" "); in != (derr == nil) {
					t.Errorf("%s: in audience %v, decrypt error %v", id.Handle, in, derr)
				}
			}
		})
	}
}

func TestCheckChange(t *testing.T) {
	ana, ben, eve := identity(t, "ana"), identity(t, "ben"), identity(t, "eve")
	prev, prevRaw := build(t, 1, nil, member(ana, RoleManager), member(ben, RoleResponder))
	swapped := member(eve, RoleResponder)
	swapped.Handle = "ben"
	cases := []struct {
		name   string
		signer string
		serial int
		raw    []byte
		ms     []Member
		err    string
	}{
		{"manager adds a member", "ana", 2, prevRaw, []Member{member(ana, RoleManager), member(ben, RoleResponder), member(eve, RoleResponder)}, ""},
		{"manager removes a member", "ana", 2, prevRaw, []Member{member(ana, RoleManager)}, ""},
		{"a responder adds an outsider", "ben", 2, prevRaw, []Member{member(ana, RoleManager), member(ben, RoleResponder), member(eve, RoleManager)}, "not a manager"},
		{"a responder raises their role", "ben", 2, prevRaw, []Member{member(ana, RoleManager), member(ben, RoleManager)}, "not a manager"},
		{"an outsider signs", "eve", 2, prevRaw, []Member{member(ana, RoleManager), member(eve, RoleManager)}, "not a member"},
		{"a manager gives themselves a role", "ana", 2, prevRaw, []Member{member(ana, RoleManager, RoleCustodian), member(ben, RoleResponder)}, "gave themselves the role custodian"},
		{"the last manager removed", "ana", 2, prevRaw, []Member{member(ben, RoleResponder)}, "no manager"},
		{"serial skipped", "ana", 3, prevRaw, []Member{member(ana, RoleManager)}, "does not follow"},
		{"previous not named", "ana", 2, []byte("other"), []Member{member(ana, RoleManager)}, "previous roster's fingerprint"},
		{"a member's keys swapped in place", "ana", 2, prevRaw, []Member{member(ana, RoleManager), swapped}, "keys changed in place"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := &Roster{Format: Format, Serial: c.serial, Previous: bcrypto.Fingerprint(c.raw), Members: c.ms}
			err := CheckChange(prev, prevRaw, next, c.signer)
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("got %v; want %q", err, c.err)
			}
		})
	}
}

func TestSignature(t *testing.T) {
	ana, ben := identity(t, "ana"), identity(t, "ben")
	r, raw := build(t, 1, nil, member(ana, RoleManager), member(ben, RoleResponder))
	sig := Sign(raw, ana)
	if h, err := VerifySig(raw, sig, r); err != nil || h != "ana" {
		t.Fatalf("manager's signature: %q %v", h, err)
	}
	if _, err := VerifySig(raw, Sign(raw, ben), r); err == nil || !strings.Contains(err.Error(), "not a manager") {
		t.Fatalf("responder's signature accepted: %v", err)
	}
	if _, err := VerifySig(append(raw, '\n'), sig, r); err == nil {
		t.Fatal("signature accepted for another roster")
	}
	if !r.MatchesAllowedSigners(r.AllowedSigners()) || !r.MatchesAllowedSigners(r.allowedSigners(legacySignersComment)) {
		t.Fatal("allowed_signers as written now or before not matched")
	}
	if r.MatchesAllowedSigners(append(r.AllowedSigners(), "eve namespaces=\"git\" ssh-ed25519 AAAA\n"...)) {
		t.Fatal("allowed_signers with an extra signer matched")
	}
}

// Two members with one key would make who signed depend on a map's
// order: refused, for signing keys and age recipients alike.
func TestOneKeyOneMember(t *testing.T) {
	ana, ben := identity(t, "ana"), identity(t, "ben")
	twin := member(ben, RoleResponder)
	twin.SigningKey = ana.SigningKey().String()
	r := &Roster{Format: Format, Serial: 1, Members: []Member{member(ana, RoleManager), twin}}
	raw, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(raw); err == nil || !strings.Contains(err.Error(), "same signing key") {
		t.Fatalf("two members with one signing key: %v", err)
	}
	twin = member(ben, RoleResponder)
	twin.Recipient = ana.Recipient().String()
	r.Members[1] = twin
	if raw, err = r.Marshal(); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(raw); err == nil || !strings.Contains(err.Error(), "same age recipient") {
		t.Fatalf("two members with one recipient: %v", err)
	}
}

func TestParseAudience(t *testing.T) {
	for in, want := range map[string]string{
		"all": "all", "managers": "manager", "custodian": "custodian", "ana, ben": "ana ben", "auditors,chen": "auditor chen",
	} {
		got, err := ParseAudience(in)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("%q: got %q %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ana,,ben", "ana,ana", "all,ana", "Ana Smith", "managers,manager"} {
		if _, err := ParseAudience(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	if got := Without([]string{"ana", "ben"}, "ben"); strings.Join(got, " ") != "ana" {
		t.Errorf("without ben: %v", got)
	}
	if got := Without([]string{"ben"}, "ben"); strings.Join(got, " ") != RoleManager {
		t.Errorf("without the only named member: %v; want the managers", got)
	}
}

// Add, SetRoles and Remove change a copy (Next), which CheckChange then
// holds to the rules, as a manager's change in the CLI is.
func TestRosterEdits(t *testing.T) {
	ana, ben, chen := identity(t, "ana"), identity(t, "ben"), identity(t, "chen")
	prev, prevRaw := build(t, 1, nil, member(ana, RoleManager), member(ben, RoleResponder))
	now := time.Unix(2e9, 0).UTC()
	next := prev.Next(prevRaw, now)
	if err := next.Add(chen.Card(), []string{RoleCustodian}, now); err != nil {
		t.Fatal(err)
	}
	if err := next.SetRoles("ben", []string{RoleCustodian}, []string{RoleResponder}); err != nil {
		t.Fatal(err)
	}
	if err := CheckChange(prev, prevRaw, next, "ana"); err != nil {
		t.Fatalf("a manager's change refused: %v", err)
	}
	if got := next.Member("ben").Roles; strings.Join(got, " ") != RoleCustodian {
		t.Errorf("ben's roles %v", got)
	}
	// The next roster does not share the previous one's slices.
	if got := prev.Member("ben").Roles; strings.Join(got, " ") != RoleResponder {
		t.Errorf("the previous roster changed: ben's roles %v", got)
	}
	for name, err := range map[string]error{
		"added twice":   next.Add(chen.Card(), []string{RoleResponder}, now),
		"same key":      next.Add(bcrypto.Card{Handle: "chen2", Recipient: chen.Recipient().String(), SigningKey: chen.SigningKey()}, []string{RoleResponder}, now),
		"no role":       next.Add(identity(t, "dora").Card(), nil, now),
		"unknown role":  next.SetRoles("ben", []string{"admin"}, nil),
		"no role left":  next.SetRoles("ben", nil, []string{RoleCustodian}),
		"not a member":  next.Remove("dora"),
		"a role's name": next.Add(bcrypto.Card{Handle: "custodians", Recipient: identity(t, "x").Recipient().String(), SigningKey: identity(t, "x").SigningKey()}, []string{RoleResponder}, now),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := next.Remove("ana"); err != nil {
		t.Fatal(err)
	}
	if err := CheckChange(prev, prevRaw, next, "ana"); err == nil || !strings.Contains(err.Error(), "no manager") {
		t.Errorf("removing the last manager: %v", err)
	}
}

// The recovery recipient is in every audience's recipients.
func TestRecoveryRecipient(t *testing.T) {
	ana, ben, safe := identity(t, "ana"), identity(t, "ben"), identity(t, "safe")
	r := &Roster{Format: Format, Serial: 1, Recovery: safe.Recipient().String(), Members: []Member{member(ana, RoleManager), member(ben, RoleResponder)}}
	raw, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if r, err = Parse(raw); err != nil {
		t.Fatal(err)
	}
	rs, err := r.Recipients([]string{RoleManager})
	if err != nil || len(rs) != 2 {
		t.Fatalf("recipients %d %v; want ana and the recovery recipient", len(rs), err)
	}
	ct, _ := bcrypto.Encrypt([]byte("x"), rs...)
	if _, err := bcrypto.Decrypt(ct, safe.AgeIdentity()); err != nil {
		t.Errorf("the recovery identity cannot read: %v", err)
	}
	if _, err := bcrypto.Decrypt(ct, ben.AgeIdentity()); err == nil {
		t.Error("ben reads a managers' record")
	}
	r.Recovery = ana.Recipient().String()
	raw, _ = r.Marshal()
	if _, err := Parse(raw); err == nil {
		t.Error("a member's recipient as the recovery recipient accepted")
	}
}
