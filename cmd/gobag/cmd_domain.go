package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"gobag/binder"
	gitsync "gobag/sync"
)

func cmdSearch(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("search")
	kind := fs.String("kind", "", "only records of this kind")
	n := fs.Int("n", 20, "show at most N hits")
	pos, err := parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	hits, err := b.Search(ctx, strings.Join(pos, " "), *kind, *n)
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

func cmdCheck(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("check")
	rules := fs.Bool("rules", false, "list the rules instead")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *rules {
		if c.asJSON {
			return c.printJSON(binder.Rules)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, r := range binder.Rules {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Doc)
		}
		return tw.Flush()
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	copies, err := gitsync.OffsiteCopies(b.Dir())
	if err != nil {
		return err
	}
	rep, err := b.Check(ctx, copies)
	if err != nil {
		return err
	}
	if c.asJSON {
		return c.printJSON(rep)
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	for _, f := range rep.Findings {
		where := "binder"
		if f.Record != "" {
			where = fmt.Sprintf("%s %q (%s)", f.Kind, f.Title, f.Record[:10])
		}
		fmt.Fprintf(out, "%-7s %s  %s\n        %s\n        fix: %s\n", strings.ToUpper(f.Severity), f.Rule, where, f.Message, f.Fix)
	}
	fmt.Fprintf(out, "%s checked: %s, %s, %d for information\n",
		count(rep.Records, "record", "records"), count(rep.Count(binder.SeverityError), "error", "errors"),
		count(rep.Count(binder.SeverityWarning), "warning", "warnings"), rep.Count(binder.SeverityInfo))
	return nil
}

func cmdRecoveryOrder(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("recovery-order"), args, 0, 0); err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	plan, err := b.RecoveryOrder(ctx)
	if err != nil {
		return err
	}
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

// cmdTimeline lists an incident's timeline, or adds an entry to it: one
// record per entry, signed by whoever logged it, so that responders
// logging offline never conflict.
func cmdTimeline(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("timeline")
	at := fs.String("at", "", "when it happened (default: now), 2026-11-27T14:30 or RFC 3339")
	pos, err := parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	inc, err := b.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	if inc.Kind != "incident" {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s is a %s, not an incident", inc.ID, inc.Kind), Hint: "gobag list incident shows the incidents"}
	}
	if text := strings.Join(pos[1:], " "); text != "" {
		when := *at
		if when == "" {
			when = time.Now().Format(time.RFC3339)
		}
		e := &binder.Record{Kind: "timeline", Title: text, Fields: map[string]any{"incident": inc.ID, "at": when}}
		saved, err := b.Add(ctx, e)
		if err != nil {
			return err
		}
		c.autoPack(ctx, b)
		if c.asJSON {
			return c.printJSON(recordJSON(saved))
		}
		fmt.Fprintln(c.stdout, saved.ID)
		return nil
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
