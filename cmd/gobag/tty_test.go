package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The passphrase is read from the terminal when no GOBAG_PASSPHRASE_FILE is
// set. script(1) gives the command a real pseudo-terminal and types what we
// send on its standard input.
func TestPassphraseFromTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) not installed")
	}
	work := t.TempDir()
	idPath := filepath.Join(work, "id.age")
	self, _ := os.Executable()
	env := append(os.Environ(), "GOBAG_TEST_RUN_MAIN=1", "GOBAG_IDENTITY="+idPath)
	runTTY := func(input, args string) (string, error) {
		cmd := exec.Command(script, "-qec", self+" "+args, "/dev/null")
		cmd.Env = env
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := runTTY("tty secret\ntty secret\n", "id new --handle sam")
	if err != nil {
		t.Fatalf("id new: %v\n%s", err, out)
	}
	// (What script types ahead is echoed before the prompt turns echo off,
	// so the output cannot show that the passphrase is hidden.)
	if !strings.Contains(out, "New passphrase for") || !strings.Contains(out, "Repeat passphrase") {
		t.Fatalf("id new did not prompt twice:\n%s", out)
	}
	if out, err := runTTY("tty secret\n", "id show"); err != nil || !strings.Contains(out, "handle:      sam") {
		t.Fatalf("id show with the right passphrase: %v\n%s", err, out)
	}
	out, err = runTTY("wrong\n", "id show")
	if err == nil || !strings.Contains(out, "wrong passphrase") {
		t.Fatalf("id show with a wrong passphrase: %v\n%s", err, out)
	}
	out, err = runTTY("one\ntwo\n", "id new --handle kim --identity "+filepath.Join(work, "other.age"))
	if err == nil || !strings.Contains(out, "the passphrases differ") {
		t.Fatalf("mismatched passphrases: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(work, "other.age")); err == nil {
		t.Fatal("an identity was written although the passphrases differed")
	}
}

// With no terminal to ask on and no GOBAG_PASSPHRASE_FILE, a sealed
// identity cannot be opened: exit 5 (cannot decrypt), with a hint that
// names the variable. The command runs in a session of its own, so it has
// no controlling terminal even when the tests are run from one.
func TestSealedIdentityWithoutTerminal(t *testing.T) {
	work := t.TempDir()
	pass := filepath.Join(work, "pass")
	if err := os.WriteFile(pass, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	idPath := filepath.Join(work, "id.age")
	env := []string{"GOBAG_IDENTITY=" + idPath, "GOBAG_PASSPHRASE_FILE=" + pass}
	if out, err := gobagProcess(t, env, "id", "new", "--handle", "sam").CombinedOutput(); err != nil {
		t.Fatalf("id new: %v\n%s", err, out)
	}
	cmd := gobagProcess(t, []string{"GOBAG_IDENTITY=" + idPath, "GOBAG_PASSPHRASE_FILE="}, "id", "show")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 5 {
		t.Fatalf("id show with no terminal: %v; want exit 5\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "gobag: hint: ") || !strings.Contains(stderr.String(), "GOBAG_PASSPHRASE_FILE") {
		t.Errorf("no hint naming GOBAG_PASSPHRASE_FILE:\n%s", stderr.String())
	}
}
