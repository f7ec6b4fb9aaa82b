package main

import (
	"os/exec"
	"strings"
	"testing"
)

// While the desktop app has the binder open, commands from a terminal
// work on it: the app lends the binder (docs/adr/0002). A record added,
// listed, and edited through a pipe whose two ends start together.
func TestCLIWorksWhileTheAppIsOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an X server")
	}
	if _, err := exec.LookPath("xwininfo"); err != nil {
		t.Skip("xwininfo not installed (make test installs x11-utils)")
	}
	display := startXvfb(t)
	work, dir, pass := makeDemo(t)
	exited, appErr := startApp(t, display, work, pass, dir)
	title := "gobag — National Statistics Office (demo)"
	if !waitTitle(t, display, title, exited, appErr) {
		t.Fatalf("the app did not open the binder\n%s", appErr.String())
	}

	env := []string{"HOME=" + work, "GOBAG_PASSPHRASE_FILE=" + pass, "GOBAG_BINDER=" + dir,
		"GOBAG_IDENTITY=" + demoIdentityPath(dir, demoIdentities[0].handle), "GOBAG_WAIT=20s"}
	gobag := func(args ...string) string {
		t.Helper()
		cmd := gobagProcess(t, env, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gobag %s while the app is open: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	id := strings.TrimSpace(gobag("add", "contact", "--title", "Dana Okafor", "--set", "location=Night shift desk"))
	if !strings.Contains(gobag("list", "contact"), "Dana Okafor") {
		t.Fatal("the record added while the app is open is not listed")
	}

	// show | sed | edit: both ends start at once and wait for each other.
	show := gobagProcess(t, env, "show", id)
	edit := gobagProcess(t, env, "edit", id, "--file", "-")
	sed := exec.Command("sed", "s/Night shift desk/Day shift desk/")
	var err error
	if sed.Stdin, err = show.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if edit.Stdin, err = sed.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	var showErr, editErr strings.Builder
	show.Stderr, edit.Stderr = &showErr, &editErr
	for _, c := range []*exec.Cmd{show, sed, edit} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	if err := show.Wait(); err != nil {
		t.Fatalf("show: %v\n%s", err, showErr.String())
	}
	if err := sed.Wait(); err != nil {
		t.Fatalf("sed: %v", err)
	}
	if err := edit.Wait(); err != nil {
		t.Fatalf("edit: %v\n%s", err, editErr.String())
	}
	if got := gobag("show", id, "--text"); !strings.Contains(got, "Day shift desk") {
		t.Fatalf("after show | sed | edit:\n%s", got)
	}
	// The app took the binder back and is still there.
	select {
	case err := <-exited:
		t.Fatalf("the app exited: %v\n%s", err, appErr.String())
	default:
	}
	if out, _ := xwininfo(display); !strings.Contains(string(out), title) {
		t.Fatalf("the app's window is gone\n%s", appErr.String())
	}
}
