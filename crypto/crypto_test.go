package crypto

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestIdentityRoundTrip(t *testing.T) {
	id, err := NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseIdentity(id.MarshalText())
	if err != nil {
		t.Fatal(err)
	}
	if back.Handle != "priya" || back.Recipient().String() != id.Recipient().String() || !back.SigningKey().Equal(id.SigningKey()) {
		t.Fatalf("got %s %s; want the same keys back", back.Handle, back.Recipient())
	}
}

func TestBadHandles(t *testing.T) {
	for _, h := range []string{"", "Priya", "a b", "-x", strings.Repeat("a", 33)} {
		if _, err := NewIdentity(h); !errors.Is(err, ErrMalformed) {
			t.Errorf("NewIdentity(%q) = %v; want ErrMalformed", h, err)
		}
	}
}

func TestSealOpen(t *testing.T) {
	id, _ := NewIdentity("sam")
	sealed, err := SealIdentity(id, []byte("correct horse"), 10)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("AGE-SECRET-KEY")) || !IsSealed(sealed) {
		t.Fatal("sealed identity holds the key in plaintext")
	}
	got, err := OpenIdentity(sealed, func() ([]byte, error) { return []byte("correct horse"), nil })
	if err != nil || !got.SigningKey().Equal(id.SigningKey()) {
		t.Fatalf("got %v, %v; want the identity", got, err)
	}
	_, err = OpenIdentity(sealed, func() ([]byte, error) { return []byte("wrong"), nil })
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("got %v; want ErrWrongPassphrase", err)
	}
}

func TestEncryptDecrypt(t *testing.T) {
	a, _ := NewIdentity("a")
	b, _ := NewIdentity("b")
	c, _ := NewIdentity("c")
	ct, err := Encrypt([]byte("hello"), a.Recipient(), b.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []*Identity{a, b} {
		pt, err := Decrypt(ct, id.AgeIdentity())
		if err != nil || string(pt) != "hello" {
			t.Fatalf("%s: got %q, %v; want hello", id.Handle, pt, err)
		}
	}
	if _, err := Decrypt(ct, c.AgeIdentity()); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("got %v; want ErrNotRecipient", err)
	}
}

// The stock age CLI must read both what we encrypt and the exported key.
func TestAgeCLIReadsExportAndCiphertext(t *testing.T) {
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("age CLI not installed")
	}
	id, _ := NewIdentity("priya")
	dir := t.TempDir()
	for name, data := range map[string][]byte{"export.txt": id.ExportAge(), "plain.txt": id.MarshalText()} {
		key := filepath.Join(dir, name)
		os.WriteFile(key, data, 0o600)
		ct, _ := Encrypt([]byte("secret text\n"), id.Recipient())
		cmd := exec.Command(agePath, "-d", "-i", key)
		cmd.Stdin = bytes.NewReader(ct)
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != "secret text\n" {
			t.Fatalf("%s: age -d: %v: %s", name, err, out)
		}
	}
	if bytes.Contains(id.ExportAge(), []byte(signingKeyPrefix)) {
		t.Fatal("age export leaks the signing key")
	}
	// A sealed identity opens with the age CLI's own passphrase support too.
	sealed, _ := SealIdentity(id, []byte("pw"), 10)
	if !bytes.Contains(sealed, []byte("BEGIN AGE ENCRYPTED FILE")) {
		t.Fatal("sealed identity is not armored")
	}
}

func TestSSHSIGAgainstSSHKeygen(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen not installed")
	}
	id, _ := NewIdentity("priya")
	msg := []byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhello\n")
	sig, err := id.SignSSH(GitNamespace, msg)
	if err != nil {
		t.Fatal(err)
	}
	if pk, err := VerifySSH(sig, GitNamespace, msg); err != nil || !pk.Equal(id.SigningKey()) {
		t.Fatalf("VerifySSH = %v, %v", pk, err)
	}
	if _, err := VerifySSH(sig, GitNamespace, append(msg, 'x')); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered message: got %v; want ErrBadSignature", err)
	}
	if _, err := VerifySSH(sig, "file", msg); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong namespace: got %v; want ErrBadSignature", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "allowed"), []byte("priya "+id.SigningKey().String()+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "msg.sig"), sig, 0o600)
	cmd := exec.Command(keygen, "-Y", "verify", "-f", filepath.Join(dir, "allowed"), "-I", "priya", "-n", "git", "-s", filepath.Join(dir, "msg.sig"))
	cmd.Stdin = bytes.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y verify: %v: %s", err, out)
	}
	if fp := id.SigningKey().Fingerprint(); !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("fingerprint %q", fp)
	}
}

func TestPublicKeyParse(t *testing.T) {
	id, _ := NewIdentity("x")
	pk, err := ParsePublicKey(id.SigningKey().String() + " comment")
	if err != nil || !pk.Equal(id.SigningKey()) {
		t.Fatalf("got %v, %v", pk, err)
	}
	if _, err := ParsePublicKey("ssh-rsa nonsense"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v; want ErrMalformed", err)
	}
	msg := []byte("m")
	if err := pk.Verify(msg, id.Sign(msg)); err != nil {
		t.Fatal(err)
	}
	if err := pk.Verify([]byte("n"), id.Sign(msg)); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v; want ErrBadSignature", err)
	}
}
