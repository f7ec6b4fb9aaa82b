// Command benchreport runs gobag's performance measurements beside the
// peers it is compared with (the git CLI, pass, age) on binders of several
// sizes, and writes the figures to a Markdown report. It is what
// `make bench` runs.
//
// Whole-process timings run the built gobag binary like a user would;
// in-process timings call the binder package directly. Each figure is the
// median of several runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", "docs/PERFORMANCE.md", "report to write")
	bin := flag.String("gobag", "bin/gobag", "gobag binary to measure")
	sizes := flag.String("sizes", "1000,10000,50000", "binder sizes (records)")
	history := flag.Int("history", 10000, "records saved one commit each, for the full-history verify")
	syncN := flag.Int("sync", 10000, "records of the binder the sync figures are measured on (0: none)")
	copies := flag.Int("copies", 20, "copies syncing at once, for the time until all converge (0: none)")
	copyN := flag.Int("copy-records", 1000, "records of the binder those copies share")
	procs := flag.Int("processes", 2000, "separate gobag add processes that build one binder (0: none)")
	only := flag.String("only", "", "measure only these parts, comma-separated: "+strings.Join(parts, ", ")+
		" (default: all); -only processes, -only desktop, -only paper or -only programme updates its section of an existing report, other parts write a report of their own")
	work := flag.String("work", "", "scratch directory (default: a new temporary one, removed afterwards)")
	flag.Parse()
	want, err := selectParts(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(2)
	}
	if !want["sizes"] {
		*sizes = ""
	}
	if !want["sync"] {
		*syncN = 0
	}
	if !want["history"] {
		*history = 0
	}
	if !want["converge"] {
		*copies = 0
	}
	if !want["processes"] {
		*procs = 0
	}
	if err := run(context.Background(), *out, *bin, *sizes, *history, *syncN, *copies, *copyN, *procs, want, *only, *work); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// parts are what the report measures, each of which -only can pick.
var parts = []string{"sizes", "sync", "converge", "history", "processes", "desktop", "paper", "programme", "peers", "gobench"}

// selectParts reads -only: every part if it is empty.
func selectParts(only string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, p := range parts {
		want[p] = only == ""
	}
	if only == "" {
		return want, nil
	}
	for _, p := range strings.Split(only, ",") {
		p = strings.TrimSpace(p)
		if _, ok := want[p]; !ok {
			return nil, fmt.Errorf("-only: no part %q; the parts are %s", p, strings.Join(parts, ", "))
		}
		want[p] = true
	}
	return want, nil
}

// run measures the parts wanted and writes the report to out; with only
// "processes" or "desktop", it measures that part alone and updates its
// section of the report already in out.
func run(ctx context.Context, out, bin, sizesFlag string, history, syncN, copies, copyN, procs int, want map[string]bool, only string, work string) error {
	gobag, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(gobag); err != nil {
		return fmt.Errorf("%s: build it first (make build)", bin)
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "gobag-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	// What the measured binders leave in the user's config directory (the
	// memory of each copy's verified tip) stays in the scratch directory.
	if err := os.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "config")); err != nil {
		return err
	}
	r := &report{started: time.Now(), gobag: gobag, work: work}
	switch only {
	case "processes":
		return runProcesses(ctx, r, out, procs)
	case "desktop":
		return runDesktop(ctx, r, out)
	case "paper":
		return runPaper(ctx, r, out)
	case "programme":
		return runProgramme(ctx, r, out)
	}
	var sizes []int
	for _, s := range strings.Split(sizesFlag, ",") {
		if sizesFlag == "" {
			break
		}
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	if err := r.machine(); err != nil {
		return err
	}
	for _, n := range sizes {
		fmt.Fprintf(os.Stderr, "== %d records\n", n)
		if err := r.measureSize(ctx, n); err != nil {
			return fmt.Errorf("%d records: %w", n, err)
		}
	}
	if syncN > 0 {
		fmt.Fprintf(os.Stderr, "== sync on %d records\n", syncN)
		r.syncN = syncN
		if err := r.measureSync(ctx, syncN); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
	}
	if copies > 0 {
		fmt.Fprintf(os.Stderr, "== %d copies syncing at once, %d records\n", copies, copyN)
		if err := r.measureConverge(ctx, copyN, copies); err != nil {
			return fmt.Errorf("copies syncing at once: %w", err)
		}
	}
	if history > 0 {
		fmt.Fprintf(os.Stderr, "== history of %d single-record commits\n", history)
		if err := r.measureHistory(ctx, history); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	if procs > 0 {
		fmt.Fprintf(os.Stderr, "== %d gobag add processes\n", procs)
		if err := r.measureProcesses(ctx, procs); err != nil {
			return fmt.Errorf("processes: %w", err)
		}
	}
	if want["desktop"] {
		fmt.Fprintln(os.Stderr, "== the desktop app")
		if err := r.measureDesktop(ctx, desktopRecords); err != nil {
			return fmt.Errorf("desktop: %w", err)
		}
	}
	if want["paper"] {
		fmt.Fprintln(os.Stderr, "== paper and interchange")
		if err := r.measurePaper(ctx); err != nil {
			return fmt.Errorf("paper: %w", err)
		}
	}
	if want["programme"] {
		if err := r.measureProgramme(ctx); err != nil {
			return fmt.Errorf("programme: %w", err)
		}
	}
	if want["peers"] {
		if err := r.measurePeers(ctx); err != nil {
			return fmt.Errorf("peers: %w", err)
		}
	}
	if want["gobench"] {
		fmt.Fprintln(os.Stderr, "== Go benchmarks")
		if err := r.goBenchmarks(); err != nil {
			return fmt.Errorf("go test -bench: %w", err)
		}
	}
	text := r.markdown()
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s in %s (GOMAXPROCS %d)\n", out, time.Since(r.started).Round(time.Second), runtime.GOMAXPROCS(0))
	return nil
}

// runProcesses measures only the many-processes part and puts its section
// into the report at out, leaving the rest of the report as it is.
func runProcesses(ctx context.Context, r *report, out string, n int) error {
	old, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("%s: the processes part updates an existing report: %w", out, err)
	}
	fmt.Fprintf(os.Stderr, "== %d gobag add processes\n", n)
	if err := r.measureProcesses(ctx, n); err != nil {
		return fmt.Errorf("processes: %w", err)
	}
	r.procs.alone = r.started
	text := spliceSection(string(old), processesHeading, r.procs.markdown())
	text = spliceBudgetRow(text, budgetRowStart, r.procs.budgetRow())
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "updated %s in %s\n", out, time.Since(r.started).Round(time.Second))
	return nil
}

// desktopRecords is the size of the large binder the desktop app is
// measured on, the budget's.
const desktopRecords = 10000

// runDesktop measures only the desktop app and puts its section and budget
// rows into the report at out, leaving the rest as it is.
func runDesktop(ctx context.Context, r *report, out string) error {
	old, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("%s: the desktop part updates an existing report: %w", out, err)
	}
	fmt.Fprintln(os.Stderr, "== the desktop app")
	if err := r.measureDesktop(ctx, desktopRecords); err != nil {
		return fmt.Errorf("desktop: %w", err)
	}
	text := spliceSection(string(old), desktopHeading, r.desktopMarkdown())
	for _, row := range r.desktopBudgetRows() {
		text = spliceBudgetRow(text, row[0], row[1])
	}
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "updated %s in %s\n", out, time.Since(r.started).Round(time.Second))
	return nil
}
