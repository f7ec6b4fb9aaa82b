package main

import (
	"fmt"
	"strings"
	"time"
)

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func (r *report) markdown() string {
	var b strings.Builder
	b.WriteString("# gobag performance\n\n")
	b.WriteString("Written by `make bench` (cmd/benchreport); do not edit by hand. Each figure is the\n")
	b.WriteString("median of the runs shown, with the slowest run beside it. Whole-process figures\n")
	b.WriteString("start the binary each time, as a user or script would; in-process figures call\n")
	b.WriteString("the binder package on an open binder. Identities are unencrypted here: the\n")
	b.WriteString("passphrase's scrypt work is deliberately slow and not counted.\n\n")
	fmt.Fprintf(&b, "Measured %s on:\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	for _, h := range r.host {
		fmt.Fprintf(&b, "- %s\n", h)
	}
	b.WriteString("\n## Budget (DESIGN.md, 10,000 records on a 2-core laptop)\n\n")
	b.WriteString("| operation | budget | measured |\n| --- | --- | --- |\n")
	for _, s := range r.sizes {
		if s.n != 10000 {
			continue
		}
		fmt.Fprintf(&b, "| save one record | ≤ 10 ms, flat | %s in process; %s for a whole `gobag add` |\n", ms(find(s.figs, "save one").median), ms(find(s.figs, "`gobag add`").median))
		fmt.Fprintf(&b, "| open and list (index warm), whole process | ≤ 150 ms | %s |\n", ms(find(s.figs, "`gobag list").median))
		var worst figure
		for _, f := range s.figs {
			if strings.HasPrefix(f.what, "search:") && f.median > worst.median {
				worst = f
			}
		}
		fmt.Fprintf(&b, "| full-text search | ≤ 5 ms | %s (the slowest kind of query: %s) |\n", ms(worst.median), strings.TrimSuffix(strings.TrimPrefix(worst.what, "search: "), " (in process)"))
		fmt.Fprintf(&b, "| rebuild the index from git | ≤ 3 s | %s |\n", ms(find(s.figs, "`gobag reindex").median))
		fmt.Fprintf(&b, "| verify the whole history (%d commits of up to 500 records) | ≤ 1 s | %s |\n", s.commits, ms(find(s.figs, "`gobag verify` (").median))
		fmt.Fprintf(&b, "| re-encrypt 10,000 records after a member leaves | ≤ 10 s | %s for a whole `gobag member rm` (%s to add a member) |\n", ms(find(s.figs, memberRmFigure).median), ms(find(s.figs, memberAddFigure).median))
	}
	if f := find(r.sync, "`gobag sync usb`"); f.runs > 0 {
		fmt.Fprintf(&b, "| sync one change to a local remote | ≤ 150 ms | %s for a whole `gobag sync`; %s in process, save included |\n", ms(f.median), ms(find(r.sync, "save and sync").median))
	}
	for _, row := range r.desktopBudgetRows() {
		b.WriteString(row[1] + "\n")
	}
	for _, row := range r.paperBudgetRows() {
		b.WriteString(row[1] + "\n")
	}
	if len(r.history) > 2 {
		fmt.Fprintf(&b, "| verify the whole history (%d single-record commits) | ≤ 1 s | %s |\n", r.histN, ms(find(r.history, "`gobag verify`: ").median))
	}
	if r.procs != nil {
		b.WriteString(r.procs.budgetRow() + "\n")
	}
	b.WriteString("\n## By binder size\n\n")
	b.WriteString("Binders filled with realistic records (about 600 bytes of plaintext each) in\n")
	b.WriteString("commits of 500, packed automatically as the CLI packs them (once loose objects\n")
	b.WriteString("pass 6,700), then measured. The git row is the stock git CLI adding and\n")
	b.WriteString("committing one file in a work tree of the same number of files.\n\n")
	b.WriteString("| operation |")
	for _, s := range r.sizes {
		fmt.Fprintf(&b, " %d records |", s.n)
	}
	b.WriteString("\n| --- |")
	for range r.sizes {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	if len(r.sizes) > 0 {
		for i, f := range r.sizes[0].figs {
			fmt.Fprintf(&b, "| %s |", f.what)
			for _, s := range r.sizes {
				if i < len(s.figs) {
					fmt.Fprintf(&b, " %s |", cell(s.figs[i]))
				}
			}
			b.WriteString("\n")
		}
	}
	if len(r.history) > 0 {
		fmt.Fprintf(&b, "\n## A long history: %d records saved one commit each\n\n", r.histN)
		b.WriteString("The worst case for verify: every record is its own signed commit, as when\n")
		b.WriteString("records are added one at a time; objects packed automatically as the CLI does.\n\n")
		b.WriteString("| operation | median | slowest | runs |\n| --- | --- | --- | --- |\n")
		for _, f := range r.history {
			if f.text != "" {
				fmt.Fprintf(&b, "| %s | %s | | |\n", f.what, f.text)
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d%s |\n", f.what, ms(f.median), ms(f.max), f.runs, rss(f.rssKB))
		}
	}
	if len(r.sync) > 0 {
		fmt.Fprintf(&b, "\n## Sync, on a binder of %d records\n\n", r.syncN)
		b.WriteString("The git rows push one commit of one small file from a work tree of the same\n")
		b.WriteString("number of files, to a bare remote the same way.\n\n")
		runsTable(&b, r.sync)
	}
	if len(r.converge) > 0 {
		b.WriteString("\n## Many responders at once\n\n")
		fmt.Fprintf(&b, "%d copies of one binder of %d records, as %d responders' laptops would hold it\n", r.convergeK, r.convergeN, r.convergeK)
		b.WriteString("(one identity here). Each copy saves one record; then every copy runs `gobag sync`\n")
		b.WriteString("at the same moment, each its own process, round after round, until all have\n")
		b.WriteString("converged: every copy's branch at the remote's tip, holding every record. A\n")
		b.WriteString("sync that loses the race to push backs off and starts over by itself; one\n")
		b.WriteString("round leaves the copies that finished first without the later ones' records,\n")
		b.WriteString("which the next round brings them. The time is from the first round's start to\n")
		b.WriteString("the last round's end.\n\n")
		runsTable(&b, r.converge)
	}
	if r.procs != nil {
		b.WriteString("\n" + r.procs.markdown())
	}
	if len(r.desktopRuns) > 0 || r.desktopNote != "" {
		b.WriteString("\n" + r.desktopMarkdown())
	}
	if r.paper != nil {
		b.WriteString("\n" + r.paperMarkdown())
	}
	if r.programme != nil {
		b.WriteString("\n" + r.programmeMarkdown())
	}
	b.WriteString("\n## Peers, same run\n\n| operation | median | slowest | runs | note |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range r.peers {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s |\n", f.what, ms(f.median), ms(f.max), f.runs, f.note)
	}
	if len(r.gobench) > 0 {
		b.WriteString("\n## Go benchmarks, same run\n\n`go test -bench . -benchmem ./crypto/... ./binder/...`:\n\n```\n")
		for _, l := range r.gobench {
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n")
	}
	return b.String()
}

// runsTable writes figures as a table of median, slowest and runs; one
// that could not be measured says why.
func runsTable(b *strings.Builder, figs []figure) {
	b.WriteString("| operation | median | slowest | runs |\n| --- | --- | --- | --- |\n")
	for _, f := range figs {
		if f.runs == 0 {
			fmt.Fprintf(b, "| %s | not measured: %s | | |\n", f.what, f.note)
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %s | %d |\n", f.what, ms(f.median), ms(f.max), f.runs)
	}
}

func cell(f figure) string {
	if f.text != "" {
		return f.text
	}
	if f.runs == 1 {
		return fmt.Sprintf("%s (1 run%s)", ms(f.median), rss(f.rssKB))
	}
	return fmt.Sprintf("%s (max %s, %d runs%s)", ms(f.median), ms(f.max), f.runs, rss(f.rssKB))
}

func rss(kb int64) string {
	if kb == 0 {
		return ""
	}
	return fmt.Sprintf("; peak RSS %d MB", kb/1024)
}

func find(fs []figure, prefix string) figure {
	for _, f := range fs {
		if strings.HasPrefix(f.what, prefix) {
			return f
		}
	}
	return figure{}
}
