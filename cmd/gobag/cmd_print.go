package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gobag/binder"
	"gobag/binder/print"
	"gobag/binder/readiness"
	gitsync "gobag/sync"
)

// printSource reads what a printed document shows from b (print.Read),
// with the binder's remotes.
func printSource(ctx context.Context, b *binder.Binder, opts *exportOptions) (*print.Source, error) {
	var remotes []print.Remote
	if rs, err := gitsync.Remotes(b.Dir()); err == nil {
		for _, r := range rs {
			remotes = append(remotes, print.Remote{Name: r.Name, URL: r.URL})
		}
	}
	return print.Read(ctx, b, opts.audience, remotes)
}

func newExportPDFCommand() *Command {
	var opts exportOptions
	var plans, kinds, team, paper, keyFile string
	var callCard, report, kit bool
	cmd := newCommand("gobag export pdf FILE [--plans ID,…] [--kinds KIND,…] | --call-card [--team TEAM] | --report | --recovery-kit --key FILE", "print the binder, a call card, the auditor's report or the recovery kit to PDF", `
Export pdf writes a PDF for paper, which still works when every screen is
dark. Without an option it is the printed binder: a cover with the
binder's fingerprint, the commit and date it shows and whether every
signature verified when it was printed; contents with page numbers; the
call tree of each team (who calls whom, alternates, what to do when
nobody answers) and contacts with their alternates in order; teams and
succession; the plans with their sections; the runbooks as checklists
with boxes to tick; the recovery order with RTO, RPO and critical path;
the sites; the impact analysis; the risk register; vendors; the
escrowed credentials (never their secrets); exercises and the action
register; the policy, requirements and documents kept elsewhere; the
record of changes from the signed history; and the approvals with room
to sign. --plans prints only those plans (and the runbooks they call
on); --kinds only those parts (contact, team, plan, runbook, system,
site, function, risk, vendor, credential, exercise, policy, requirement,
document).

--call-card prints a card the size of a credit card, folded in two: when
to activate, who to call first, their numbers and their alternates
(--team TEAM: that team's). --report prints the readiness report for an
auditor: findings by rule with the standard each comes from, exercise
and approval history, and the verification line. --recovery-kit prints
the paper recovery kit: the fingerprint, the remotes, how to recover a
record with git and age alone, the custodians of each escrowed
credential, and the recovery key (--key FILE, as gobag recovery-key new
wrote it) as text and as a QR code.

--paper a4 (the default) or letter. Records restricted to an audience
are printed only with --audience naming it, and the cover says so.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.Flag.StringVar(&plans, "plans", "", "only these plans (`IDs`, comma-separated) and the runbooks they call on")
	cmd.Flag.StringVar(&kinds, "kinds", "", "only these parts (`KINDS`, comma-separated)")
	cmd.Flag.BoolVar(&callCard, "call-card", false, "print a folded call card")
	cmd.Flag.StringVar(&team, "team", "", "the call card of `TEAM` (its name or id)")
	cmd.Flag.BoolVar(&report, "report", false, "print the readiness report for an auditor")
	cmd.Flag.BoolVar(&kit, "recovery-kit", false, "print the paper recovery kit")
	cmd.Flag.StringVar(&keyFile, "key", "", "the recovery key `FILE` the kit prints (- for standard input)")
	cmd.Flag.StringVar(&paper, "paper", "a4", "the `PAPER`: a4 or letter")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		n := 0
		for _, on := range []bool{callCard, report, kit} {
			if on {
				n++
			}
		}
		if n > 1 {
			return usagef("gobag export pdf FILE --call-card | --report | --recovery-kit", "export pdf: one of --call-card, --report and --recovery-kit at a time")
		}
		if team != "" && !callCard {
			return usagef("gobag export pdf FILE --call-card --team TEAM", "export pdf: --team goes with --call-card")
		}
		if keyFile != "" && !kit {
			return usagef("gobag export pdf FILE --recovery-kit --key FILE", "export pdf: --key goes with --recovery-kit")
		}
		pp, ok := print.PaperByName(paper)
		if !ok {
			return usagef("gobag export pdf FILE --paper a4", "export pdf: --paper is a4 or letter, not %q", paper)
		}
		src, err := printSource(ctx, b, &opts)
		if err != nil {
			return err
		}
		var doc *print.Document
		var what, hint string
		switch {
		case callCard:
			doc, err = print.CallCard(src, team)
			what, hint = "the call card", "gobag list team shows the teams"
		case report:
			copies, cerr := gitsync.OffsiteCopies(b.Dir())
			if cerr != nil {
				return cerr
			}
			rep, rerr := readiness.Run(ctx, b, copies, time.Now())
			if rerr != nil {
				return rerr
			}
			doc, err = print.Report(src, rep, pp)
			what = "the readiness report"
		case kit:
			if keyFile == "" {
				return usagef("gobag export pdf kit.pdf --recovery-kit --key recovery-key.txt", "export pdf: the recovery kit prints the recovery key: give its file with --key")
			}
			key, kerr := c.readKeyFile(keyFile)
			if kerr != nil {
				return kerr
			}
			doc, err = print.RecoveryKit(src, key, b.Roster().Recovery, pp)
			what, hint = "the recovery kit", "give the key gobag recovery-key new wrote for this binder, or make a new one with it"
		default:
			doc, err = print.Binder(src, print.Options{Paper: pp, Plans: splitIDs(ctx, b, plans), Kinds: splitList(kinds)})
			what, hint = "the binder", "--kinds takes "+strings.Join(print.Parts, ", ")+"; --plans the ids gobag list plan shows"
		}
		if err != nil {
			return &binder.Error{Kind: binder.Invalid, Err: err, Hint: hint}
		}
		if err := c.writeExport(args[0], doc.WritePDF); err != nil {
			return err
		}
		c.sayLeftOut(src.LeftOut)
		if doc.Lost > 0 {
			fmt.Fprintf(c.stderr, "gobag: %d characters are not in the bundled fonts and were printed as \"?\"\n", doc.Lost)
		}
		c.saidExport(args[0], fmt.Sprintf("%s (%s)", what, count(doc.Pages(), "page", "pages")))
		return nil
	}
	return cmd
}

// splitList splits a comma-separated flag's value.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitIDs resolves a comma-separated list of ids or prefixes; one that
// resolves to nothing is kept as given, for the printer to name.
func splitIDs(ctx context.Context, b *binder.Binder, s string) []string {
	var out []string
	for _, p := range splitList(s) {
		if id, err := b.Resolve(ctx, p); err == nil {
			p = id
		}
		out = append(out, p)
	}
	return out
}

// readKeyFile reads a recovery key file (- for standard input): its
// AGE-SECRET-KEY line.
func (c *cli) readKeyFile(name string) (string, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(c.stdin, 1<<16))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return "", &binder.Error{Kind: binder.Invalid, Err: err, Hint: "give the file gobag recovery-key new --out wrote"}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "AGE-SECRET-KEY-") {
			return line, nil
		}
	}
	return "", &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s holds no AGE-SECRET-KEY- line", name), Hint: "give the file gobag recovery-key new --out wrote"}
}
