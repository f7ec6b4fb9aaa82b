package main

import (
	"bufio"
	"errors"
	"fmt"
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
	work, dir, pass := makeDemo(t)
	exited, stderr := startApp(t, display, work, pass, dir)

	want := "gobag — National Statistics Office (demo)"
	if !waitTitle(t, display, want, exited, stderr) {
		tree, _ := xwininfo(display)
		t.Fatalf("no window titled %q within 60 s\nwindows:\n%s\nstderr:\n%s", want, tree, stderr.String())
	}
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
		const hint = "gobag: hint: set DISPLAY to a running X display (a Wayland session provides one through XWayland), or use a command: gobag help lists them\n"
		if !strings.HasSuffix(stderr.String(), tc.want+hint) || strings.Contains(stderr.String(), "panic") || stdout.Len() > 0 {
			t.Errorf("DISPLAY=%q: stdout %q, stderr:\n%s\nwant it to end with:\n%s%s", tc.display, stdout.String(), stderr.String(), tc.want, hint)
		}
		if tc.display == "" && stderr.String() != tc.want+hint {
			t.Errorf("with no display, GLFW was started:\n%s", stderr.String())
		}
	}
}

// xwininfo lists the display's windows, their titles in UTF-8 whatever the
// locale the tests run in.
func xwininfo(display string) ([]byte, error) {
	cmd := exec.Command("xwininfo", "-display", display, "-root", "-tree")
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd.Output()
}

// Typing the passphrase as soon as the window opens unlocks it: the field
// has the keyboard without a click. A real X server, real key events.
func TestDesktopUnlockByTypingAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an X server")
	}
	for _, tool := range []string{"xwininfo", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs x11-utils and xdotool)", tool)
		}
	}
	display := startXvfb(t)
	work := t.TempDir()
	dir := filepath.Join(work, "binder")
	if out, err := gobagProcess(t, nil, "demo", "--binder", dir).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	exited, stderr := startApp(t, display, work, "", dir)
	if !waitTitle(t, display, `"gobag"`, exited, stderr) {
		t.Fatalf("no unlock window\n%s", stderr.String())
	}
	typePassphrase(t, display, demoIdentities[0].passphrase)
	if !waitTitle(t, display, "gobag — National Statistics Office (demo)", exited, stderr) {
		tree, _ := xwininfo(display)
		t.Fatalf("typing the passphrase did not unlock\n%s\n%s", tree, stderr.String())
	}
}

// startApp starts the desktop app on display, on the demo binder in dir
// with the demo identity and HOME work; pass is the passphrase file (""
// for none: the app asks). It returns a channel that receives the app's
// exit and its standard error; the app is killed when the test ends.
func startApp(t *testing.T, display, work, pass, dir string) (chan error, *strings.Builder) {
	t.Helper()
	app := gobagProcess(t, []string{"DISPLAY=" + display, "LANG=en_US.UTF-8", "HOME=" + work, "GOBAG_PASSPHRASE_FILE=" + pass},
		"--binder", dir, "--identity", demoIdentityPath(dir, demoIdentities[0].handle))
	stderr := &strings.Builder{}
	app.Stderr = stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	t.Cleanup(func() {
		app.Process.Kill()
		<-exited
	})
	return exited, stderr
}

// waitTitle waits up to 60 s for a window whose title holds want on
// display, failing the test if the app exits meanwhile.
func waitTitle(t *testing.T, display, want string, exited chan error, stderr *strings.Builder) bool {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the app exited: %v\n%s", err, stderr.String())
		default:
		}
		if out, _ := xwininfo(display); strings.Contains(string(out), want) {
			return true
		}
	}
	return false
}

// typePassphrase types pass and Return into the unlock window on display,
// with no click: the window manager's part is to give the new window the
// keyboard, which xdotool does. The window is named before it is mapped,
// and an unmapped window cannot take the keyboard: it tries until it can.
func typePassphrase(t *testing.T, display, pass string) {
	t.Helper()
	xdo := func(args ...string) error {
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = xdo("search", "--sync", "--onlyvisible", "--name", "^gobag$", "windowfocus", "--sync"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("the unlock window never took the keyboard: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the first frame, where the field takes focus
	for _, args := range [][]string{{"type", "--delay", "30", pass}, {"key", "Return"}} {
		if err := xdo(args...); err != nil {
			t.Fatal(err)
		}
	}
}
