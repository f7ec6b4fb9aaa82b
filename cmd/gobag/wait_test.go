package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// holdBinder is the test binary as a process that keeps the binder of
// GOBAG_BINDER open, as a running desktop app would: it opens it as gobag
// does, prints "open", and closes it when its standard input ends.
func holdBinder() int {
	c := newCLI(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	b, err := c.open(context.Background())
	if err != nil {
		return report(os.Stderr, err)
	}
	fmt.Println("open")
	io.Copy(io.Discard, os.Stdin)
	if err := b.Close(); err != nil {
		return report(os.Stderr, err)
	}
	return 0
}

// startHolder starts a process that holds the binder open until release
// is called.
func startHolder(t *testing.T, env []string) (release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), "GOBAG_TEST_HOLD=1"), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "open\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the holder did not open the binder: %q, %v", line, err)
	}
	released := false
	release = func() {
		if !released {
			released = true
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("holder: %v", err)
			}
		}
	}
	t.Cleanup(release)
	return release
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// A command that finds the binder open in another process waits for it,
// says so once after a second, and goes on when the other closes it. The
// identity's passphrase is read once however long it waits: it comes from
// a named pipe that is written once, so a second read would hang.
func TestWaitForBusyBinder(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for seconds")
	}
	work := t.TempDir()
	pass := filepath.Join(work, "pass")
	if err := os.WriteFile(pass, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "binder")
	env := []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + filepath.Join(work, "id.age"), "GOBAG_PASSPHRASE_FILE=" + pass}
	for _, args := range [][]string{{"id", "new", "--handle", "sam"}, {"init", "--name", "Office"}} {
		if out, err := gobagProcess(t, env, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	release := startHolder(t, env)

	// --wait 0 and GOBAG_WAIT=0: fail at once, exit 9.
	for _, extra := range [][]string{{"--wait", "0"}, nil} {
		cmd := gobagProcess(t, append(env, "GOBAG_WAIT=0"), append([]string{"list"}, extra...)...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if exitCode(err) != 9 || !strings.Contains(string(out), "in use by another gobag process") || time.Since(start) > 5*time.Second {
			t.Fatalf("list %v with the binder held: %v after %s\n%s; want exit 9 at once", extra, err, time.Since(start), out)
		}
	}

	fifo := filepath.Join(work, "pass.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes: %v", err)
	}
	go func() {
		// Opening for writing blocks until gobag opens it for reading.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.WriteString("correct horse\n")
			f.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "add", "note", "--title", "after the wait")
	cmd.Env = append(append(os.Environ(), "GOBAG_TEST_RUN_MAIN=1"), append(env, "GOBAG_PASSPHRASE_FILE="+fifo)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("add did not wait for the binder: %v\n%s", err, stderr.String())
	case <-time.After(2 * time.Second):
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("add after the wait: %v\n%s", err, stderr.String())
	}
	want := "gobag: waiting for another gobag process to finish with " + dir + "…\n"
	if stderr.String() != want {
		t.Errorf("stderr %q; want %q once", stderr.String(), want)
	}
	if id := strings.TrimSpace(stdout.String()); len(id) != 26 {
		t.Errorf("add printed %q; want the new record's id", id)
	}
}
