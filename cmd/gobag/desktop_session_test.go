package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A responder's session in the real window, by keyboard alone: type the
// passphrase, find a contact (Ctrl+F), open incident mode (Ctrl+I), open
// an incident and log an entry. The CLI reads the entry while the app is
// still open. When the app has ended, nothing the session showed or
// typed is anywhere on disk in plaintext: not in the binder, nor in the
// user's config, cache and data directories, nor in the temp directory.
func TestIncidentSessionInARealWindow(t *testing.T) {
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
	dirs := map[string]string{}
	for _, d := range []string{"home", "config", "cache", "data", "tmp"} {
		dirs[d] = filepath.Join(work, d)
		if err := os.MkdirAll(dirs[d], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(work, "binder")
	env := []string{"HOME=" + dirs["home"], "XDG_CONFIG_HOME=" + dirs["config"], "XDG_CACHE_HOME=" + dirs["cache"],
		"XDG_DATA_HOME=" + dirs["data"], "TMPDIR=" + dirs["tmp"], "GOBAG_BINDER=" + dir,
		"GOBAG_IDENTITY=" + demoIdentityPath(dir, demoIdentities[0].handle)}
	pass := filepath.Join(work, "pass")
	if err := os.WriteFile(pass, []byte(demoIdentities[0].passphrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := func(stdin string, args ...string) string {
		t.Helper()
		cmd := gobagProcess(t, append(env, "GOBAG_PASSPHRASE_FILE="+pass, "GOBAG_WAIT=20s"), args...)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gobag %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	if out, err := gobagProcess(t, env, "demo", "--binder", dir).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// What must never reach the disk in plaintext.
	markers := []string{"Quartermaine", "Vault-7731-marker", "basement 5521", "MARKER-LOG-4411"}
	cli("+++\ntitle = \"Zebulon Quartermaine\"\n[fields]\nlocation = \"Vault-7731-marker\"\n+++\n", "add", "contact", "--file", "-")

	// The app's trace says when a screen is up and has the keyboard: the
	// keys are sent then, not after a guess at how long that takes on a
	// busy machine.
	trace := filepath.Join(work, "trace")
	app := gobagProcess(t, append(env, "DISPLAY="+display, "LANG=en_US.UTF-8", "GOBAG_TRACE="+trace))
	var appErr strings.Builder
	app.Stderr = &appErr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	t.Cleanup(func() {
		app.Process.Kill()
		<-exited
	})
	xdo := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	if !waitTitle(t, display, `"gobag"`, exited, &appErr) {
		t.Fatalf("no unlock window\n%s", appErr.String())
	}
	typePassphrase(t, display, demoIdentities[0].passphrase)
	if !waitTitle(t, display, "National Statistics Office (demo)", exited, &appErr) {
		t.Fatalf("typing the passphrase did not unlock\n%s", appErr.String())
	}
	traced := func(event string) {
		t.Helper()
		if !waitTrace(t, trace, event, exited) {
			data, _ := os.ReadFile(trace)
			t.Fatalf("no %q in the app's trace:\n%s\napp:\n%s", event, data, appErr.String())
		}
	}
	traced("first-screen")

	// Find the contact: its details are on screen now.
	xdo("key", "ctrl+f")
	traced("screen records")
	xdo("type", "--delay", "30", "Quartermaine")
	xdo("key", "Return")
	time.Sleep(500 * time.Millisecond)

	// Incident mode: the title field has the keyboard; Enter opens the
	// incident, and the log field has it then.
	xdo("key", "ctrl+i")
	traced("screen incident")
	xdo("type", "--delay", "20", "Flood in the basement 5521")
	xdo("key", "Return")
	traced("incident-shown")
	xdo("type", "--delay", "20", "Pumps started MARKER-LOG-4411")
	xdo("key", "Return")

	// The CLI, while the app is open, reads the entry in the incident's
	// signed timeline.
	var timeline string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		var list []struct{ ID, Title string }
		if err := json.Unmarshal([]byte(cli("", "list", "incident", "--json")), &list); err != nil {
			t.Fatal(err)
		}
		for _, inc := range list {
			if inc.Title == "Flood in the basement 5521" {
				timeline = cli("", "timeline", inc.ID)
			}
		}
		if strings.Contains(timeline, "Pumps started MARKER-LOG-4411") {
			break
		}
	}
	if !strings.Contains(timeline, "Pumps started MARKER-LOG-4411") || !strings.Contains(timeline, "manager") {
		tree, _ := xwininfo(display)
		t.Fatalf("the CLI does not see the entry logged in incident mode; timeline:\n%s\nwindows:\n%s\napp:\n%s", timeline, tree, appErr.String())
	}
	select {
	case err := <-exited:
		t.Fatalf("the app exited: %v\n%s", err, appErr.String())
	default:
	}

	// The app ends as a logout ends it.
	app.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		exited <- nil
	case <-time.After(20 * time.Second):
		// Its goroutines say where it is stuck.
		app.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
			exited <- nil
		case <-time.After(5 * time.Second):
		}
		t.Fatalf("the app did not end on SIGTERM\n%s", appErr.String())
	}
	if out := cli("", "verify"); !strings.Contains(out, "OK") {
		t.Fatalf("verify after the session:\n%s", out)
	}
	// The markers are in the binder, to be found by whoever holds a key.
	if out := cli("", "search", "Quartermaine"); !strings.Contains(out, "Zebulon Quartermaine") {
		t.Fatalf("search for the marked contact:\n%s", out)
	}
	scanned := 0
	for _, root := range []string{dir, dirs["home"], dirs["config"], dirs["cache"], dirs["data"], dirs["tmp"]} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read %s: %v", path, err)
				return nil
			}
			scanned++
			for _, m := range markers {
				if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(m))) {
					t.Errorf("%q is on disk in plaintext in %s", m, path)
				}
			}
			return nil
		})
	}
	if scanned < 10 {
		t.Fatalf("scanned %d files; the binder alone has more", scanned)
	}
	t.Logf("%d files scanned", scanned)
}

// waitTrace waits, up to 30 s, for a line of the app's trace file whose
// event (after the time) starts with event; false if the app exits first or it never comes.
func waitTrace(t *testing.T, path, event string, exited chan error) bool {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			return false
		default:
		}
		data, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(data), "\n") {
			// A line is the time, the event and what it concerns.
			if _, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(rest, event) {
				return true
			}
		}
	}
	return false
}
