package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gobag/binder"
	"gobag/binder/readiness"
	"gobag/binder/recovery"
	gitsync "gobag/sync"
)

type searchOptions struct {
	kind string
	n    int
}

func newSearchCommand() *Command {
	var opts searchOptions
	cmd := newCommand("gobag search QUERY… [--kind KIND] [-n N]", "find records by their words", `
Search finds records by name (accents and case ignored), by phone number
in any format (07700 900123, +44 7700 900123) or by any word, best
first. The last word may be unfinished.`)
	cmd.MinArgs, cmd.MaxArgs = 1, -1
	cmd.Flag.StringVar(&opts.kind, "kind", "", "only records of `KIND`")
	cmd.Flag.IntVar(&opts.n, "n", 20, "show at most `N` hits")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		return runSearch(ctx, c, b, &opts, strings.Join(args, " "))
	}
	return cmd
}

func runSearch(ctx context.Context, c *cli, b *binder.Binder, opts *searchOptions, query string) error {
	hits, err := b.Search(ctx, query, opts.kind, opts.n)
	if err != nil {
		return err
	}
	if c.asJSON {
		if hits == nil {
			hits = []binder.Hit{}
		}
		return c.printJSON(hits)
	}
	if len(hits) == 0 {
		fmt.Fprintln(c.stderr, "gobag: nothing found")
		return nil
	}
	out := bufio.NewWriter(c.stdout)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, h := range hits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.ID[:10], h.Kind, h.Title, h.Snippet)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return out.Flush()
}

func newCheckCommand() *Command {
	var rules bool
	var o checkOptions
	cmd := newCommand("gobag check [--severity S] [--rule R,…] [--fail-on S] [--by-standard] | --rules", "the readiness report: what the plans lack", `
Check reads the binder against the readiness rules drawn from the
standards continuity programmes are audited against: plans and their
required sections, exercises, reviews, contacts and their alternates,
vendors, systems against their RTO and MTD, the impact analysis, runbooks,
off-site copies. Each finding names its rule, its severity (error,
warning, info), the record, and what would fix it. The periods it uses
are in the binder's settings record (gobag list binder).

--severity shows only findings at least that bad (error, warning, info);
--rule only those of the rules named, or of a group (plan, contact, …).
For scripts, --fail-on exits 11 when a finding it shows is at least that
bad: gobag check --fail-on error fails a binder with any error.

--by-standard lays the findings out by the clauses of the standards and
policies the rules come from (the state policy's numbered paragraphs,
NIST SP 800-34's sections, ISO 22301's clauses, the assessment's
recommendations): each clause with its findings, the clauses clear, and
the clauses no rule checks. gobag check --rules lists each rule's source.`)
	cmd.Flag.BoolVar(&rules, "rules", false, "list the rules instead of checking")
	cmd.Flag.StringVar(&o.severity, "severity", "", "show only findings at least as bad as `SEVERITY`: error, warning or info")
	cmd.Flag.StringVar(&o.rules, "rule", "", "show only findings of the `RULES` or groups given, comma-separated (plan.not-exercised,contact)")
	cmd.Flag.StringVar(&o.failOn, "fail-on", "", "exit 11 if a finding shown is at least as bad as `SEVERITY`: error, warning or info")
	cmd.Flag.BoolVar(&o.byStandard, "by-standard", false, "lay the findings out by the clauses of the standards they come from")
	cmd.Run = func(ctx context.Context, c *cli, _ []string) error {
		if rules {
			return printRules(c)
		}
		if err := o.check(); err != nil {
			return err
		}
		return c.withBinder(ctx, func(b *binder.Binder) error { return runCheck(ctx, c, b, o) })
	}
	return cmd
}

// checkOptions filter a readiness report and say when it fails.
type checkOptions struct {
	severity, rules, failOn string
	byStandard              bool
}

func (o checkOptions) check() error {
	for _, s := range []string{o.severity, o.failOn} {
		if s != "" && !slices.Contains(readiness.Severities, s) {
			return usagef("severities are error, warning and info", "unknown severity %q", s)
		}
	}
	for _, r := range o.ruleList() {
		if !knownRule(r) {
			return usagef("gobag check --rules lists the rules", "unknown rule %q", r)
		}
	}
	return nil
}

func (o checkOptions) ruleList() []string {
	var out []string
	for _, r := range strings.Split(o.rules, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// knownRule reports whether r is a rule, or a group of rules (plan, or
// plan.).
func knownRule(r string) bool {
	r = readiness.CurrentRuleID(r)
	group := strings.TrimSuffix(r, ".") + "."
	for _, rule := range readiness.Rules {
		if rule.ID == r || strings.HasPrefix(rule.ID, group) {
			return true
		}
	}
	return false
}

// findingsError is a check that found what --fail-on fails on.
type findingsError struct{ n int }

func (e *findingsError) Error() string {
	return fmt.Sprintf("%s at or above the --fail-on severity", count(e.n, "finding", "findings"))
}

func printRules(c *cli) error {
	if c.asJSON {
		return c.printJSON(readiness.Rules)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, r := range readiness.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Doc, r.Source)
	}
	return tw.Flush()
}

func runCheck(ctx context.Context, c *cli, b *binder.Binder, o checkOptions) error {
	copies, err := gitsync.OffsiteCopies(b.Dir())
	if err != nil {
		return err
	}
	rep, err := readiness.Run(ctx, b, copies, time.Now())
	if err != nil {
		return err
	}
	if o.byStandard {
		// By standard lays out every finding, so that a clause whose
		// findings the filters leave out is not called clear.
		var failing error
		kept := rep.Filter(o.severity, o.ruleList())
		if o.failOn != "" {
			if n := len((&readiness.Report{Findings: kept}).Filter(o.failOn, nil)); n > 0 {
				failing = &findingsError{n}
			}
		}
		keep := func(f readiness.Finding) bool { return readiness.Keeps(f, o.severity, o.ruleList()) }
		return errors.Join(printByStandard(c, rep, keep), failing)
	}
	rep.Findings = rep.Filter(o.severity, o.ruleList())
	var failing error
	if o.failOn != "" {
		if n := len(rep.Filter(o.failOn, nil)); n > 0 {
			failing = &findingsError{n}
		}
	}
	if c.asJSON {
		if err := c.printJSON(rep); err != nil {
			return err
		}
		return failing
	}
	out := bufio.NewWriter(c.stdout)
	for _, f := range rep.Findings {
		where := "binder"
		if f.Record != "" {
			where = fmt.Sprintf("%s %q (%s)", f.Kind, f.Title, f.Record[:10])
		}
		fmt.Fprintf(out, "%-7s %s  %s\n        %s\n        fix: %s\n", strings.ToUpper(f.Severity), f.Rule, where, f.Message, fixCommand(f.Fix))
	}
	fmt.Fprintf(out, "%s checked: %s, %s, %d for information\n",
		count(rep.Records, "record", "records"), count(rep.Count(readiness.SeverityError), "error", "errors"),
		count(rep.Count(readiness.SeverityWarning), "warning", "warnings"), rep.Count(readiness.SeverityInfo))
	if err := out.Flush(); err != nil {
		return err
	}
	return failing
}

func newRecoveryOrderCommand() *Command {
	cmd := newCommand("gobag recovery-order", "systems in the order they must be restored", `
Recovery-order lists the systems in the order they must be restored:
dependencies first, then the most critical. Each has its tier, its RTO,
its restore time (its longest runbook), its critical path with its
dependencies, and whether that meets the RTO.`)
	cmd.RunBinder = runRecoveryOrder
	return cmd
}

func runRecoveryOrder(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
	recs, err := b.Records(ctx)
	if err != nil {
		return err
	}
	plan := recovery.Order(recs)
	if c.asJSON {
		return c.printJSON(plan)
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tsystem\ttier\tRTO\trestore\tcritical path\tRTO met")
	for i, s := range plan.Steps {
		tier, rto, met := "-", "-", "no RTO"
		if s.Tier > 0 {
			tier = fmt.Sprint(s.Tier)
		}
		if s.RTO != "" {
			rto = s.RTO
		}
		if s.RTOMet != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*s.RTOMet]
		}
		if s.Unknown {
			met += " (durations missing)"
		}
		if s.Cycle {
			met += " (dependency cycle)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, s.Title, tier, rto, s.RestoreTime, s.CriticalPath, met)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, cyc := range plan.Cycles {
		fmt.Fprintf(out, "dependency cycle among %s: gobag check explains\n", count(len(cyc), "system", "systems"))
	}
	return nil
}

func newTimelineCommand() *Command {
	var at string
	cmd := newCommand("gobag timeline INCIDENT [TEXT… | -] [--at TIME]", "an incident's timeline; with TEXT, log an entry", `
Timeline prints the timeline of incident INCIDENT, oldest first. With
TEXT, it logs an entry instead: a record of its own, signed by you, so
that responders logging offline never conflict. With - it reads the
entry's text from standard input: TEXT on the command line is visible to
other users of this machine while gobag runs (ps, /proc), standard input
is not.`)
	cmd.MinArgs, cmd.MaxArgs = 1, -1
	cmd.Flag.StringVar(&at, "at", "", "when it happened, at `TIME`: 2026-11-27T14:30, RFC 3339, or 08:40 for today (default: now)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		text := strings.Join(args[1:], " ")
		if text == "-" {
			data, err := io.ReadAll(io.LimitReader(c.stdin, binder.MaxRecordBytes+1))
			if err != nil {
				return err
			}
			if text = strings.TrimSpace(string(data)); text == "" {
				return usagef("write the entry on standard input, or give it as TEXT", "timeline: standard input held no text")
			}
		}
		return c.withBinder(ctx, func(b *binder.Binder) error { return runTimeline(ctx, c, b, at, args[0], text) })
	}
	return cmd
}

// runTimeline lists an incident's timeline, or adds an entry to it: one
// record per entry, signed by whoever logged it, so that responders
// logging offline never conflict.
func runTimeline(ctx context.Context, c *cli, b *binder.Binder, at, incident, text string) error {
	inc, err := b.Get(ctx, incident)
	if err != nil {
		return err
	}
	if inc.Kind != "incident" {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s is a %s, not an incident", inc.ID, inc.Kind), Hint: "the incidents are listed by", Fix: &binder.Fix{Action: binder.ActionList, Kind: "incident"}}
	}
	if text != "" {
		when := at
		if when == "" {
			when = time.Now().Format(time.RFC3339)
		}
		// x-seq orders the entries of one second as they were logged, as
		// the app's do.
		seq := int64(1)
		if entries, err := b.Timeline(ctx, inc.ID); err == nil {
			seq = int64(len(entries)) + 1
		}
		e := &binder.Record{Kind: "timeline", Title: text, Fields: map[string]any{"incident": inc.ID, "at": when, "x-seq": seq}}
		saved, err := b.Add(ctx, e)
		if saved == nil {
			return err
		}
		if c.asJSON {
			return errors.Join(c.printJSON(recordJSON(saved)), err)
		}
		fmt.Fprintln(c.stdout, saved.ID)
		return err
	}
	entries, err := b.Timeline(ctx, inc.ID)
	if err != nil {
		return err
	}
	if c.asJSON {
		if entries == nil {
			entries = []binder.TimelineEntry{}
		}
		return c.printJSON(entries)
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	fmt.Fprintf(out, "%s\n", inc.Title)
	for _, e := range entries {
		fmt.Fprintf(out, "%s  %-10s %s\n", e.At.Local().Format("2006-01-02 15:04"), e.Author, e.Text)
	}
	return nil
}

func newKindsCommand() *Command {
	cmd := newCommand("gobag kinds [KIND]", "list the kinds of record, or a kind's fields", `
Kinds lists the kinds of record a binder holds. With KIND, it lists that
kind's fields: each one's name, type and meaning, and the values a field
with a fixed set of them takes. A field a kind does not define is refused
unless its name starts with x-.`)
	cmd.MaxArgs = 1
	cmd.ArgWords = func() []string { return kindNames(true) }
	cmd.Run = runKinds
	return cmd
}

func runKinds(_ context.Context, c *cli, args []string) error {
	if len(args) == 1 {
		return c.kindFields(args[0])
	}
	var ks []binder.KindSpec
	for _, k := range binder.Kinds {
		if !k.Hidden {
			ks = append(ks, k)
		}
	}
	if c.asJSON {
		type kind struct{ Name, Doc string }
		var out []kind
		for _, k := range ks {
			out = append(out, kind{k.Name, k.Doc})
		}
		return c.printJSON(out)
	}
	for _, k := range ks {
		fmt.Fprintf(c.stdout, "%-10s %s\n", k.Name, k.Doc)
	}
	fmt.Fprintln(c.stdout, "\ngobag kinds KIND lists a kind's fields.")
	return nil
}

// fieldJSON is a field as gobag kinds KIND --json prints it.
type fieldJSON struct {
	Name    string      `json:"name"`
	Type    string      `json:"type"`
	Doc     string      `json:"doc"`
	Values  []string    `json:"values,omitempty"`
	Links   []string    `json:"links_to,omitempty"`
	Columns []fieldJSON `json:"columns,omitempty"`
}

func fieldsJSON(fs []binder.Field) []fieldJSON {
	var out []fieldJSON
	for _, f := range fs {
		out = append(out, fieldJSON{Name: f.Name, Type: f.Type.String(), Doc: f.Doc, Values: f.Values, Links: f.Targets, Columns: fieldsJSON(f.Columns)})
	}
	return out
}

func (c *cli) kindFields(name string) error {
	k, ok := binder.KindByName(name)
	if !ok {
		return unknownKind(name)
	}
	if c.asJSON {
		return c.printJSON(map[string]any{"name": k.Name, "doc": k.Doc, "title": k.TitleIs, "fields": fieldsJSON(k.Fields)})
	}
	fmt.Fprintf(c.stdout, "%s: %s\ntitle: %s\n", k.Name, k.Doc, k.TitleIs)
	if k.FreeFields {
		fmt.Fprintln(c.stdout, "fields: any")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	var choices []binder.Field
	row := func(indent string, f binder.Field) {
		typ := f.TypeDoc()
		if len(f.Values) > 0 {
			typ = f.Type.String() + " (below)"
			choices = append(choices, f)
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\n", indent, f.Name, typ, f.Doc)
	}
	for _, f := range k.Fields {
		row("  ", f)
		for _, col := range f.Columns {
			row("    ."+f.Name+".", col)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range choices {
		fmt.Fprintf(c.stdout, "\n%s: %s\n", f.Name, strings.Join(f.Values, ", "))
	}
	fmt.Fprintln(c.stdout, "\nFields not listed here must start with x- (custom fields).")
	return nil
}
