package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// desktopHeading starts the report's section on the desktop app.
const desktopHeading = "## Desktop app"

// desktopRun is what one run of the desktop app on a binder measured.
type desktopRun struct {
	binder     string        // which binder
	scrypt     time.Duration // unlocking the identity (the passphrase's scrypt)
	firstFrame time.Duration // identity unlocked → the first screen in the window
	complete   time.Duration // identity unlocked → the dashboard's readiness figures filled
	searches   []time.Duration
	rssKB      int64 // resident after unlocking, browsing and searching
	peakKB     int64 // the most resident at any time (unlock's scrypt included)
	cliIdle    figure
	cliOpen    figure
	note       string
}

// measureDesktop runs the desktop app under a virtual X server on the demo
// binder and on a binder of n records, as a user would: unlock with a
// passphrase, wait for the first screen, search by typing, open a result.
// The app's own trace (GOBAG_TRACE) gives the moments; /proc the memory.
func (r *report) measureDesktop(ctx context.Context, n int) error {
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			r.desktopNote = tool + " is not installed: the desktop app was not measured"
			return nil
		}
	}
	demo := filepath.Join(r.work, "desktop-demo")
	if err := proc(nil, nil, r.gobag, "demo", "--binder", demo); err != nil {
		return err
	}
	run, err := r.desktopRun(demo, filepath.Join(demo, "gobag", "demo-identities", "manager.age"), "demo", "backup")
	if err != nil {
		return fmt.Errorf("demo binder: %w", err)
	}
	run.binder = "the demo binder (52 records)"
	r.desktopRuns = append(r.desktopRuns, run)

	dir := filepath.Join(r.work, fmt.Sprintf("desktop-%d", n))
	id, err := bcrypto.NewIdentity("desk")
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, "Bench Office")
	if err != nil {
		return err
	}
	if err := importFixtures(ctx, b, n); err != nil {
		return err
	}
	b.Close()
	// A sealed identity, at age's own work factor, as a user has one.
	sealed, err := bcrypto.SealIdentity(id, []byte("bench passphrase"), 18)
	if err != nil {
		return err
	}
	idPath := filepath.Join(r.work, "desk.age")
	if err := os.WriteFile(idPath, sealed, 0o600); err != nil {
		return err
	}
	run, err = r.desktopRun(dir, idPath, "bench passphrase", "continuity")
	if err != nil {
		return fmt.Errorf("%d records: %w", n, err)
	}
	run.binder = fmt.Sprintf("%d records", n)
	r.desktopRuns = append(r.desktopRuns, run)
	return nil
}

// importFixtures adds n fixture records to b, in batches.
func importFixtures(ctx context.Context, b *binder.Binder, n int) error {
	rng := rand.New(rand.NewPCG(uint64(n), 8))
	for i := 0; i < n; i += 500 {
		var recs []*binder.Record
		for j := i; j < min(n, i+500); j++ {
			recs = append(recs, fixtureRecord(rng, j))
		}
		if _, err := b.Import(ctx, recs); err != nil {
			return err
		}
		if _, err := b.Pack(ctx, true, nil); err != nil {
			return err
		}
	}
	return nil
}

// startXvfb starts a virtual X server and returns its display and a
// function that stops it.
func startXvfb() (string, func(), error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{pw}
	if err := x.Start(); err != nil {
		return "", nil, err
	}
	pw.Close()
	stop := func() { x.Process.Kill(); x.Wait() }
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("Xvfb: %v", err)
	}
	return ":" + strings.TrimSpace(line), stop, nil
}

// desktopRun measures one run of the app on dir with the identity at
// idPath, unlocked with pass, typing query into the search.
func (r *report) desktopRun(dir, idPath, pass, query string) (desktopRun, error) {
	var run desktopRun
	display, stop, err := startXvfb()
	if err != nil {
		return run, err
	}
	defer stop()
	passFile := filepath.Join(r.work, "desktop-pass")
	if err := os.WriteFile(passFile, []byte(pass+"\n"), 0o600); err != nil {
		return run, err
	}
	trace := filepath.Join(r.work, "desktop-trace")
	os.Remove(trace)
	env := []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath, "GOBAG_PASSPHRASE_FILE=" + passFile}

	// The CLI on the binder, before the app has it, with the identity
	// unsealed (as a script has it) so that the passphrase's scrypt does
	// not hide the hand-over.
	sealed, err := os.ReadFile(idPath)
	if err != nil {
		return run, err
	}
	id, err := bcrypto.OpenIdentity(sealed, func() ([]byte, error) { return []byte(pass), nil })
	if err != nil {
		return run, err
	}
	plainPath := filepath.Join(r.work, "desktop-cli.id")
	if err := os.WriteFile(plainPath, id.MarshalText(), 0o600); err != nil {
		return run, err
	}
	cliEnv := []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + plainPath}
	if run.cliIdle, err = r.procFigure("`gobag list --json`, no app open", 10, cliEnv, r.gobag, "list", "--json"); err != nil {
		return run, err
	}

	app := exec.Command(r.gobag)
	app.Env = append(os.Environ(), append(env, "DISPLAY="+display, "LANG=en_US.UTF-8", "GOBAG_TRACE="+trace)...)
	var stderr strings.Builder
	app.Stderr = &stderr
	if err := app.Start(); err != nil {
		return run, err
	}
	defer func() { app.Process.Kill(); app.Wait() }()
	events, err := waitTrace(trace, "first-screen", 120*time.Second)
	if err != nil {
		return run, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	unlocked := events["identity"][0]
	run.scrypt = unlocked - events["unlock"][0]
	run.firstFrame = events["first-screen"][0] - unlocked
	if events, err = waitTrace(trace, "dashboard-complete", 60*time.Second); err == nil {
		run.complete = events["dashboard-complete"][0] - unlocked
	}

	xdo := func(args ...string) error {
		// Bounded: a search that never matches would wait for ever.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := xdo("search", "--sync", "--onlyvisible", "--name", "^gobag", "windowfocus", "--sync"); err != nil {
		return run, err
	}
	time.Sleep(500 * time.Millisecond)
	if err := xdo("key", "ctrl+f"); err != nil {
		return run, err
	}
	time.Sleep(300 * time.Millisecond)
	// A keystroke at a time, slower than the list updates, so that each
	// one is a search of its own.
	if err := xdo("type", "--delay", "250", query); err != nil {
		return run, err
	}
	if err := xdo("key", "Return"); err != nil {
		return run, err
	}
	for range 5 {
		time.Sleep(200 * time.Millisecond)
		xdo("key", "Down")
	}
	time.Sleep(2 * time.Second)
	if events, err = readTrace(trace); err != nil {
		return run, err
	}
	run.searches = events["search"]
	if run.rssKB, run.peakKB, err = residentKB(app.Process.Pid); err != nil {
		return run, err
	}

	// The CLI on the binder while the app has it open: it asks, the app
	// lends it.
	if run.cliOpen, err = r.procFigure("`gobag list --json`, the app open", 10, cliEnv, r.gobag, "list", "--json"); err != nil {
		return run, err
	}
	if run.rssKB == 0 {
		run.note = "no memory figure"
	}
	return run, nil
}

// waitTrace waits until the trace file holds event, and returns every
// event so far: name → the times it happened, since the app started.
func waitTrace(path, event string, limit time.Duration) (map[string][]time.Duration, error) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		events, err := readTrace(path)
		if err == nil && len(events[event]) > 0 {
			return events, nil
		}
	}
	return nil, fmt.Errorf("the app's trace has no %q after %s", event, limit)
}

// readTrace reads the app's trace: lines of "MILLISECONDS EVENT DETAIL".
// An event with a detail "ms=N" (a search) is given its duration instead.
func readTrace(path string) (map[string][]time.Duration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	events := map[string][]time.Duration{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		at, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		d := time.Duration(at * float64(time.Millisecond))
		for _, kv := range f[2:] {
			if v, ok := strings.CutPrefix(kv, "ms="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					d = time.Duration(x * float64(time.Millisecond))
				}
			}
		}
		events[f[1]] = append(events[f[1]], d)
	}
	return events, nil
}

// residentKB reads a process's resident set now and at its peak.
func residentKB(pid int) (now, peak int64, err error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(status), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			now = kb
		case "VmHWM:":
			peak = kb
		}
	}
	return now, peak, nil
}

// desktopMarkdown is the report's section on the desktop app.
func (r *report) desktopMarkdown() string {
	var b strings.Builder
	b.WriteString(desktopHeading + "\n\n")
	fmt.Fprintf(&b, "Measured %s.\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("The built binary under Xvfb (software OpenGL), driven with xdotool as a user would:\n")
	b.WriteString("unlock with a passphrase (an identity sealed at age's work factor), wait for the\n")
	b.WriteString("first screen, type a query a key at a time into the search (Ctrl+F), open the\n")
	b.WriteString("first result and move down the list. The moments come from the app's own trace\n")
	b.WriteString("(`GOBAG_TRACE`); memory from /proc. \"First screen\" is when the dashboard has\n")
	b.WriteString("been built and handed to the window, which draws it on its next frame; its\n")
	b.WriteString("readiness figures fill in from a background check (\"complete\").\n\n")
	b.WriteString("Where the memory goes: the peak is the passphrase's scrypt (256 MB at age's work\n")
	b.WriteString("factor), handed back as soon as the identity is open. Once open, about 55 MB of\n")
	b.WriteString("the resident set are the software OpenGL renderer's shared libraries (Mesa's\n")
	b.WriteString("llvmpipe, as under any display without a GPU driver) and 30 MB the binary's own\n")
	b.WriteString("code; the Go heap holds the index's caches (12 MB), the fonts and the screens'\n")
	b.WriteString("data. `make build` leaves out Fyne's colour emoji font (`-tags no_emoji`), which\n")
	b.WriteString("Fyne parses once per text style: about 20 MB. Work that reads the whole binder (a\n")
	b.WriteString("readiness check) hands its memory back to the system when it ends.\n\n")
	b.WriteString("The last column is a whole `gobag list --json` process on the same binder (an\n")
	b.WriteString("unsealed identity, so that no scrypt hides it) while the app has the binder open,\n")
	b.WriteString("and with no app: the difference is the hand-over (docs/adr/0002).\n\n")
	if r.desktopNote != "" {
		b.WriteString(r.desktopNote + "\n")
		return b.String()
	}
	b.WriteString("| binder | unlock (scrypt) | unlock → first screen | → dashboard complete | search, per keystroke: median / slowest (n) | resident after browsing | peak (during unlock) | `gobag list` with the app open / without |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, d := range r.desktopRuns {
		s := slices.Clone(d.searches)
		slices.Sort(s)
		search := "—"
		if len(s) > 0 {
			search = fmt.Sprintf("%s / %s (%d)", ms(s[len(s)/2]), ms(s[len(s)-1]), len(s))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d MB | %d MB | %s / %s |\n", d.binder, ms(d.scrypt), ms(d.firstFrame), ms(d.complete),
			search, d.rssKB/1024, d.peakKB/1024, ms(d.cliOpen.median), ms(d.cliIdle.median))
	}
	return b.String()
}

// desktopBudgetRows are the budget table's rows the desktop app answers.
func (r *report) desktopBudgetRows() [][2]string {
	if len(r.desktopRuns) < 2 {
		return nil
	}
	demo, big := r.desktopRuns[0], r.desktopRuns[1]
	s := slices.Clone(big.searches)
	slices.Sort(s)
	slowest := time.Duration(0)
	if len(s) > 0 {
		slowest = s[len(s)-1]
	}
	return [][2]string{
		{"| unlock to the app's dashboard", fmt.Sprintf("| unlock to the app's dashboard, %s | ≤ 2 s (1 s on the demo) | %s (%s on the demo), scrypt not counted |", big.binder, ms(big.firstFrame), ms(demo.firstFrame))},
		{"| search as you type in the app", fmt.Sprintf("| search as you type in the app, %s | ≤ 50 ms per keystroke | slowest %s |", big.binder, ms(slowest))},
		{"| resident memory of the desktop app", fmt.Sprintf("| resident memory of the desktop app, %s, after browsing and searching | ≤ 200 MB | %d MB (peak %d MB, during the passphrase's scrypt) |", big.binder, big.rssKB/1024, big.peakKB/1024)},
	}
}
