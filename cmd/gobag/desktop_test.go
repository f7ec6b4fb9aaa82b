package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startXvfb starts a virtual X server and returns its DISPLAY.
func startXvfb(t *testing.T) string {
	t.Helper()
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb not installed (make test installs it)")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not report its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// The desktop app opens a real window on the demo binder, unlocks the demo
// identity and shows the binder's name in the title.
func TestDesktopWindowUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an X server")
	}
	display := startXvfb(t)
	if _, err := exec.LookPath("xwininfo"); err != nil {
		t.Skip("xwininfo not installed (make test installs x11-utils)")
	}
	work := t.TempDir()
	dir := filepath.Join(work, "binder")
	if out, err := gobagProcess(t, nil, "demo", "--binder", dir).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	pass := filepath.Join(work, "pass")
	os.WriteFile(pass, []byte(demoIdentities[0].passphrase+"\n"), 0o600)
	app := gobagProcess(t, []string{"DISPLAY=" + display, "LANG=en_US.UTF-8", "GOBAG_PASSPHRASE_FILE=" + pass, "HOME=" + work},
		"--binder", dir, "--identity", demoIdentityPath(dir, demoIdentities[0].handle))
	var stderr strings.Builder
	app.Stderr = &stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	defer func() { app.Process.Kill(); <-exited }()

	want := "gobag — National Statistics Office (demo)"
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the app exited: %v\n%s", err, stderr.String())
		default:
		}
		out, _ := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
		if strings.Contains(string(out), want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no window titled %q within 60 s\n%s", want, stderr.String())
}

// gobag with no command and no display says so plainly, without
// starting GLFW: exit 1, an error and a hint, no panic. With a display
// that cannot be opened, GLFW's failure becomes the same error.
func TestNoDisplay(t *testing.T) {
	home := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unreachable := ":87"
	if _, err := os.Stat("/tmp/.X11-unix/X87"); err == nil {
		t.Skip("display :87 exists here")
	}
	for _, tc := range []struct {
		display string
		want    string
	}{
		{"", "gobag: error: no display to open the desktop app on\n"},
		{unreachable, `gobag: error: no display to open the desktop app on: display ":87" could not be opened` + "\n"},
	} {
		cmd := exec.Command(self)
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "GOBAG_TEST_RUN_MAIN=1"}
		if tc.display != "" {
			cmd.Env = append(cmd.Env, "DISPLAY="+tc.display)
		}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("DISPLAY=%q: %v; want exit 1\n%s", tc.display, err, stderr.String())
		}
		// GLFW itself may log its failure first; what gobag says ends the output.
		const hint = "gobag: hint: set DISPLAY (or WAYLAND_DISPLAY) to a running display, or use a command: gobag help lists them\n"
		if !strings.HasSuffix(stderr.String(), tc.want+hint) || strings.Contains(stderr.String(), "panic") || stdout.Len() > 0 {
			t.Errorf("DISPLAY=%q: stdout %q, stderr:\n%s\nwant it to end with:\n%s%s", tc.display, stdout.String(), stderr.String(), tc.want, hint)
		}
		if tc.display == "" && stderr.String() != tc.want+hint {
			t.Errorf("with no display, GLFW was started:\n%s", stderr.String())
		}
	}
}
