package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gobag/binder"
)

// procWindow is how many processes at the start and at the end of the
// run the figures are taken over.
const procWindow = 100

// processes is the result of measureProcesses: one binder built by many
// separate gobag add processes, as a script or a user saving one record
// at a time builds it.
type processes struct {
	n     int
	figs  []figure
	files figure    // the index's files at the end
	alone time.Time // when measured on its own (-only), else zero
}

// measureProcesses builds a binder with n separate `gobag add` processes,
// each saving one realistic record, and times every add and, after each
// of the first and last procWindow adds, a `gobag list --json`. A cost
// that each process leaves behind (a table file in the index, say) shows
// as the last figures drifting from the first.
func (r *report) measureProcesses(ctx context.Context, n int) error {
	if n < 2*procWindow {
		return fmt.Errorf("%d processes: at least %d are needed", n, 2*procWindow)
	}
	dir := filepath.Join(r.work, "processes")
	id, idPath, err := newIdentity(r.work, "processes")
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, "Process Office")
	if err != nil {
		return err
	}
	if err := b.Close(); err != nil {
		return err
	}
	env := []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath}
	rng := rand.New(rand.NewPCG(5, 6))
	var addFirst, addLast, listFirst, listLast []time.Duration
	for i := range n {
		rec := fixtureRecord(rng, i)
		text, err := rec.Marshal()
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := proc(env, text, r.gobag, "add", rec.Kind, "--file", "-"); err != nil {
			return err
		}
		add := time.Since(t0)
		window := i < procWindow || i >= n-procWindow
		if !window {
			if i%500 == 0 {
				fmt.Fprintf(os.Stderr, "  %d/%d adds\n", i, n)
			}
			continue
		}
		t0 = time.Now()
		if err := proc(env, nil, r.gobag, "list", "--json"); err != nil {
			return err
		}
		list := time.Since(t0)
		if i < procWindow {
			addFirst, listFirst = append(addFirst, add), append(listFirst, list)
		} else {
			addLast, listLast = append(addLast, add), append(listLast, list)
		}
	}
	med := func(what string, ds []time.Duration) figure {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return figure{what: what, median: ds[len(ds)/2], max: ds[len(ds)-1], runs: len(ds)}
	}
	p := &processes{n: n}
	p.figs = append(p.figs,
		med(fmt.Sprintf("`gobag add`, processes 1–%d", procWindow), addFirst),
		med(fmt.Sprintf("`gobag add`, processes %d–%d", n-procWindow+1, n), addLast),
		med(fmt.Sprintf("`gobag list --json` after each of the first %d adds", procWindow), listFirst),
		med(fmt.Sprintf("`gobag list --json` after each of the last %d adds", procWindow), listLast),
	)
	tables, files, err := indexFiles(binder.LocalPath(dir, "index"))
	if err != nil {
		return err
	}
	p.files = figure{what: "the index's files at the end", text: fmt.Sprintf("%d table files, %d files in all, %s", tables, files, diskUsage(binder.LocalPath(dir, "index")))}
	// The same binder with its index built afresh: what the last lists
	// would cost if the processes had left nothing behind.
	if err := proc(env, nil, r.gobag, "reindex"); err != nil {
		return err
	}
	fresh, err := r.procFigure("`gobag list --json` on the same binder, index rebuilt afresh", procWindow, env, r.gobag, "list", "--json")
	if err != nil {
		return err
	}
	p.figs = append(p.figs, fresh)
	r.procs = p
	for _, f := range p.figs {
		fmt.Fprintf(os.Stderr, "  %s: %v (max %v)\n", f.what, f.median, f.max)
	}
	fmt.Fprintf(os.Stderr, "  %s\n", p.files.text)
	return nil
}

// indexFiles counts the index's table files (.sst) and all its files.
func indexFiles(dir string) (tables, files int, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range ents {
		if !e.IsDir() {
			files++
			if strings.HasSuffix(e.Name(), ".sst") {
				tables++
			}
		}
	}
	return tables, files, nil
}

// processesMarkdown is the report's section on many CLI processes.
func (p *processes) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Many CLI processes: one binder built by %d `gobag add` processes\n\n", p.n)
	b.WriteString("Each process saves one realistic record, as a script or a user saving one\n")
	b.WriteString("record at a time does; a `gobag list --json` process runs after each of the\n")
	fmt.Fprintf(&b, "first and last %d. Whatever each process leaves behind shows as the last\n", procWindow)
	b.WriteString("figures drifting from the first.")
	if !p.alone.IsZero() {
		fmt.Fprintf(&b, " Measured on its own, %s.", p.alone.UTC().Format("2006-01-02 15:04 MST"))
	}
	b.WriteString("\n\n")
	b.WriteString("| operation | median | slowest | runs |\n| --- | --- | --- | --- |\n")
	for _, f := range p.figs {
		fmt.Fprintf(&b, "| %s | %s | %s | %d |\n", f.what, ms(f.median), ms(f.max), f.runs)
	}
	fmt.Fprintf(&b, "| %s | %s | | |\n", p.files.what, p.files.text)
	return b.String()
}

// processesHeading starts the section processesMarkdown writes.
const processesHeading = "## Many CLI processes"

// spliceSection puts section into the report text in place of the section
// that starts with the same heading, or before the peers if there is none.
func spliceSection(text, heading, section string) string {
	start := strings.Index(text, "\n"+heading)
	if start < 0 {
		at := strings.Index(text, "\n## Peers")
		if at < 0 {
			return strings.TrimRight(text, "\n") + "\n\n" + section
		}
		return text[:at+1] + section + "\n" + text[at+1:]
	}
	end := strings.Index(text[start+1:], "\n## ")
	if end < 0 {
		return text[:start+1] + section
	}
	return text[:start+1] + section + text[start+1+end:]
}

// budgetRowStart starts the budget table's row for saves after many
// processes.
const budgetRowStart = "| `gobag add`, whole process, after"

// budgetRow is the budget table's row for saves after many processes.
func (p *processes) budgetRow() string {
	first, last := p.figs[0].median, p.figs[1].median
	return fmt.Sprintf("%s %d earlier CLI saves | within 1.3× of the first saves | %s, %.2f× the first %d (%s); list %s, %s with the index rebuilt afresh |",
		budgetRowStart, p.n-procWindow, ms(last), float64(last)/float64(first), procWindow, ms(first), ms(p.figs[3].median), ms(p.figs[4].median))
}

// spliceBudgetRow puts row into the report's budget table in place of the
// row that starts with start, or at the table's end.
func spliceBudgetRow(text, start, row string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, start) {
			lines[i] = row
			return strings.Join(lines, "\n")
		}
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, "| operation | budget |") {
			continue
		}
		end := i + 2
		for end < len(lines) && strings.HasPrefix(lines[end], "|") {
			end++
		}
		lines = append(lines[:end], append([]string{row}, lines[end:]...)...)
		break
	}
	return strings.Join(lines, "\n")
}
