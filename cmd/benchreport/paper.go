package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gobag/binder"
)

// The paper and interchange part: printing the demo binder and a large
// one to PDF, and a vCard import of thousands of contacts, each a whole
// gobag process, as a user runs them.

const (
	paperHeading = "## Paper and interchange"
	// paperRecords is the size of the generated binder whose printout is
	// about 500 pages.
	paperRecords = 3600
	vcardCards   = 5000
)

type paperResult struct {
	figs  []figure
	pages map[string]int
}

// measurePaper measures gobag export pdf on the demo binder and on one of
// paperRecords records, and gobag import vcard of vcardCards contacts.
func (r *report) measurePaper(ctx context.Context) error {
	res := &paperResult{pages: map[string]int{}}
	r.paper = res
	dir := filepath.Join(r.work, "paper")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The demo binder's records, made as gobag demo makes them, with an
	// unsealed identity as the other figures': scrypt is not counted.
	demoIdentity, demoID, err := newIdentity(r.work, "manager")
	if err != nil {
		return err
	}
	demo := filepath.Join(dir, "demo")
	db, err := binder.Create(ctx, demo, demoIdentity, "National Statistics Office (demo)")
	if err != nil {
		return err
	}
	demoRecs, err := binder.DemoRecords(time.Now())
	if err == nil {
		_, err = db.Import(ctx, demoRecs)
	}
	db.Close()
	if err != nil {
		return err
	}
	demoEnv := []string{"GOBAG_IDENTITY=" + demoID}
	if err := r.printFigure(res, "demo", demoEnv, demo, "`gobag export pdf` of the demo binder"); err != nil {
		return err
	}

	// A large binder.
	id, idPath, err := newIdentity(r.work, "paper")
	if err != nil {
		return err
	}
	large := filepath.Join(dir, "large")
	b, err := binder.Create(ctx, large, id, "Bench Office")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(3, 5))
	var recs []*binder.Record
	for i := range paperRecords {
		recs = append(recs, fixtureRecord(rng, i))
	}
	if _, err := b.Import(ctx, recs); err != nil {
		b.Close()
		return err
	}
	b.Close()
	env := []string{"GOBAG_IDENTITY=" + idPath}
	if err := r.printFigure(res, "large", env, large, fmt.Sprintf("`gobag export pdf` of a binder of %d records", paperRecords)); err != nil {
		return err
	}

	// vCard import: a fresh binder for each run.
	vcf := filepath.Join(dir, "contacts.vcf")
	if err := os.WriteFile(vcf, []byte(vcards(vcardCards)), 0o600); err != nil {
		return err
	}
	var binders []string
	for i := range 3 {
		d := filepath.Join(dir, fmt.Sprintf("import-%d", i))
		if err := proc(env, nil, r.gobag, "init", "--binder", d, "--name", "Import"); err != nil {
			return err
		}
		binders = append(binders, d)
	}
	var peak int64
	f, err := timeRuns(len(binders), func(i int) error {
		rss, err := procRSS(env, nil, r.gobag, "import", "vcard", vcf, "--binder", binders[i])
		peak = max(peak, rss)
		return err
	})
	if err != nil {
		return err
	}
	f.what, f.rssKB = fmt.Sprintf("`gobag import vcard` of %d contacts into a new binder", vcardCards), peak
	res.figs = append(res.figs, f)
	f, err = r.procFigure(fmt.Sprintf("`gobag export vcard` of those %d contacts", vcardCards), 5, env, r.gobag, "export", "vcard", filepath.Join(dir, "out.vcf"), "--binder", binders[0])
	if err != nil {
		return err
	}
	res.figs = append(res.figs, f)
	f, err = r.procFigure(fmt.Sprintf("`gobag import vcard --dry-run` of them again (%d duplicates)", vcardCards), 3, env, r.gobag, "import", "vcard", vcf, "--dry-run", "--binder", binders[0])
	if err != nil {
		return err
	}
	res.figs = append(res.figs, f)
	return nil
}

var pagesWritten = regexp.MustCompile(`\((\d+) pages\)`)

// printFigure times gobag export pdf of the binder in dir, five runs, and
// notes its page count.
func (r *report) printFigure(res *paperResult, key string, env []string, dir, what string) error {
	out := filepath.Join(r.work, "paper", key+".pdf")
	cmd := exec.Command(r.gobag, "export", "pdf", out, "--binder", dir)
	cmd.Env = append(os.Environ(), env...)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("gobag export pdf: %v: %s", err, msg)
	}
	if m := pagesWritten.FindSubmatch(msg); m != nil {
		var n int
		fmt.Sscan(string(m[1]), &n)
		res.pages[key] = n
	}
	f, err := r.procFigure(fmt.Sprintf("%s (%d pages)", what, res.pages[key]), 5, env, r.gobag, "export", "pdf", out, "--binder", dir)
	if err != nil {
		return err
	}
	res.figs = append(res.figs, f)
	return nil
}

// vcards is n contacts as a phone exports them: vCard 3.0, two numbers,
// an address, a note with an escaped comma.
func vcards(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Family%d;Given%d;;;\r\nFN:Given%d Family%d\r\nORG:Organisation %d\r\nTITLE:Role %d\r\n", i, i, i, i, i%50, i%20)
		fmt.Fprintf(&b, "TEL;TYPE=CELL:+44 7700 %06d\r\nTEL;TYPE=WORK,VOICE:+44 20 7946 %04d\r\nEMAIL;TYPE=INTERNET:person%d@example.org\r\n", i, i%10000, i)
		fmt.Fprintf(&b, "ADR;TYPE=WORK:;;%d High Street;Port Louis;;;Mauritius\r\nNOTE:Call after 08:00\\, not on Sundays\r\nEND:VCARD\r\n", i)
	}
	return b.String()
}

// paperMarkdown is the report's section on paper and interchange.
func (r *report) paperMarkdown() string {
	var b strings.Builder
	b.WriteString(paperHeading + "\n\n")
	b.WriteString("Whole processes: the binder opened, read, verified (the cover says whether every\n")
	b.WriteString("signature verified), laid out and written as PDF; a phone's vCard export read,\n")
	b.WriteString("checked for duplicates and saved in one signed commit. The large binder has\n")
	fmt.Fprintf(&b, "%d generated records of every kind.\n\n", paperRecords)
	runsTable(&b, r.paper.figs)
	return b.String()
}

// paperBudgetRows are the budget's rows for paper and interchange.
func (r *report) paperBudgetRows() [][2]string {
	if r.paper == nil {
		return nil
	}
	large := find(r.paper.figs, "`gobag export pdf` of a binder")
	demo := find(r.paper.figs, "`gobag export pdf` of the demo")
	imp := find(r.paper.figs, "`gobag import vcard` of")
	return [][2]string{
		{"| print a 500-page binder to PDF", fmt.Sprintf("| print a 500-page binder to PDF | ≤ 2 s | %s for %d pages (the demo's %d pages: %s), whole process |", ms(large.median), r.paper.pages["large"], r.paper.pages["demo"], ms(demo.median))},
		{"| import 5,000 contacts from vCard", fmt.Sprintf("| import 5,000 contacts from vCard | ≤ 5 s | %s, whole process |", ms(imp.median))},
	}
}

// runPaper measures only paper and interchange and puts its section and
// budget rows into the report at out, leaving the rest as it is.
func runPaper(ctx context.Context, r *report, out string) error {
	old, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("%s: the paper part updates an existing report: %w", out, err)
	}
	fmt.Fprintln(os.Stderr, "== paper and interchange")
	if err := r.measurePaper(ctx); err != nil {
		return fmt.Errorf("paper: %w", err)
	}
	text := spliceSection(string(old), paperHeading, r.paperMarkdown())
	for _, row := range r.paperBudgetRows() {
		text = spliceBudgetRow(text, row[0], row[1])
	}
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "updated %s in %s\n", out, time.Since(r.started).Round(time.Second))
	return nil
}
