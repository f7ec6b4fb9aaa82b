package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gobag/binder/qr"
	bcrypto "gobag/crypto"
)

// A manager adds a member from the QR image of their card, changes their
// roles, and removes them after an account of what will be re-encrypted
// and which credentials must be rotated.
func TestMembersAddChangeRemove(t *testing.T) {
	priyaOpts, _ := teamBinder(t)
	u := openApp(t, priyaOpts)
	s := u.shell.goTo("members").(*membersScreen)
	u.tasks.wait()
	if !strings.Contains(s.summary.Text, "3 members") || !s.addBox.Visible() {
		t.Fatalf("members: %q", s.summary.Text)
	}
	sam, _ := bcrypto.NewIdentity("sam")
	png, err := qr.PNG([]byte(sam.Card().String()), 4)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "card.png")
	os.WriteFile(img, png, 0o600)
	s.imagePath.SetText(img)
	s.readCard()
	if s.card.Text != sam.Card().String() || s.handle.Text != "sam" {
		t.Fatalf("card read from the image: %q %q %q", s.card.Text, s.handle.Text, s.addErr.Text)
	}
	s.addMember()
	if !strings.Contains(s.addErr.Text, "at least one role") {
		t.Fatalf("no role: %q", s.addErr.Text)
	}
	s.roles.SetSelected([]string{"responder"})
	s.addMember()
	u.tasks.wait()
	if s.confirm == nil || !strings.Contains(s.account.Text, sam.SigningKey().Fingerprint()) || !strings.Contains(s.account.Text, "re-encrypted") {
		t.Fatalf("no account before adding: %v", s.account)
	}
	s.confirm.Confirm()
	u.tasks.wait()
	if u.Binder().Roster().Member("sam") == nil || s.card.Text != "" {
		t.Fatal("sam was not added")
	}
	// Roles.
	s.editRoles("sam")
	s.roleChoice.SetSelected([]string{"responder", "custodian"})
	s.confirm.Confirm()
	u.tasks.wait()
	if m := u.Binder().Roster().Member("sam"); m == nil || !m.Has("custodian") {
		t.Fatalf("sam's roles: %+v", m)
	}
	// Removing ben, a custodian of db-root: the account says what it
	// re-encrypts and that db-root must be rotated.
	s.remove("ben")
	u.tasks.wait()
	if s.confirm == nil || !strings.Contains(s.account.Text, "db-root") || !strings.Contains(s.account.Text, "must be rotated") {
		t.Fatalf("the removal's account: %v", s.account)
	}
	s.confirm.Confirm()
	u.tasks.wait()
	if u.Binder().Roster().Member("ben") != nil {
		t.Fatal("ben was not removed")
	}
	// By the handle's line: a fingerprint's letters may spell a handle.
	lines := strings.Split(textOf(s.rows), "\n")
	if !slices.Contains(lines, "sam") || slices.Contains(lines, "ben") {
		t.Fatalf("the list after the removal:\n%s", textOf(s.rows))
	}
}

// A member who is not a manager sees the roster, and no way to change it.
func TestMembersReadOnlyForOthers(t *testing.T) {
	_, copies := teamBinder(t)
	u := openApp(t, copies["ana"])
	s := u.shell.goTo("members").(*membersScreen)
	u.tasks.wait()
	if s.addBox.Visible() || !strings.Contains(s.summary.Text, "Only a manager") {
		t.Fatalf("ana's members screen: %q", s.summary.Text)
	}
	if strings.Contains(textOf(s.rows), "Remove") {
		t.Fatal("ana is offered Remove")
	}
}
