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
	procs := flag.Int("processes", 2000, "separate gobag add processes that build one binder (0: none)")
	only := flag.String("only", "", "measure only this part (processes) and update its section of the report")
	work := flag.String("work", "", "scratch directory (default: a new temporary one, removed afterwards)")
	flag.Parse()
	parts := parts{history: *history, sync: *syncN, processes: *procs}
	switch *only {
	case "":
	case "processes":
		parts = parts.onlyProcesses()
	default:
		fmt.Fprintf(os.Stderr, "benchreport: -only %s: the part that runs alone is processes\n", *only)
		os.Exit(2)
	}
	if err := run(context.Background(), *out, *bin, *sizes, parts, *work); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// parts says what run measures: everything, or (alone) one part.
type parts struct {
	history, sync, processes int
	alone                    bool // only the processes, spliced into the report
}

func (p parts) onlyProcesses() parts { return parts{processes: p.processes, alone: true} }

func run(ctx context.Context, out, bin, sizesFlag string, p parts, work string) error {
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
	r := &report{started: time.Now(), gobag: gobag, work: work}
	if p.alone {
		return runProcesses(ctx, r, out, p.processes)
	}
	var sizes []int
	for _, s := range strings.Split(sizesFlag, ",") {
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
	if p.sync > 0 {
		fmt.Fprintf(os.Stderr, "== sync on %d records\n", p.sync)
		r.syncN = p.sync
		if err := r.measureSync(ctx, p.sync); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
	}
	if p.history > 0 {
		fmt.Fprintf(os.Stderr, "== history of %d single-record commits\n", p.history)
		if err := r.measureHistory(ctx, p.history); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	if p.processes > 0 {
		fmt.Fprintf(os.Stderr, "== %d gobag add processes\n", p.processes)
		if err := r.measureProcesses(ctx, p.processes); err != nil {
			return fmt.Errorf("processes: %w", err)
		}
	}
	if err := r.measurePeers(ctx); err != nil {
		return fmt.Errorf("peers: %w", err)
	}
	fmt.Fprintln(os.Stderr, "== Go benchmarks")
	if err := r.goBenchmarks(); err != nil {
		return fmt.Errorf("go test -bench: %w", err)
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
	text = spliceBudgetRow(text, r.procs.budgetRow())
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "updated %s in %s\n", out, time.Since(r.started).Round(time.Second))
	return nil
}
