package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"gobag/binder"
	"gobag/binder/interchange"
	"gobag/binder/readiness"
	"gobag/binder/roster"
)

func newExportCommand() *Command {
	cmd := newCommand("gobag export vcard|csv|ical|pdf|markdown", "write the binder for phones, spreadsheets, calendars or paper", `
Export writes what the binder holds in a format other tools read: vCard
for phones and mail clients, CSV for spreadsheets and mass-notification
services, iCalendar for what falls due, PDF for paper, Markdown for a
one-off hand-over.

An export is plaintext: whoever reads the file reads what it holds. It is
written readable by you alone (mode 0600), replacing the file if it is
there; FILE - writes to standard output. Records restricted to an
audience (gobag add --audience) are left out unless --audience names it.`)
	cmd.Commands = []*Command{newExportVCardCommand(), newExportCSVCommand(), newExportICalCommand(), newExportPDFCommand(), newExportMarkdownCommand()}
	return cmd
}

func newImportCommand() *Command {
	cmd := newCommand("gobag import vcard|csv", "bring contacts (or other records) in from an address book or a spreadsheet", `
Import reads a file other tools wrote and adds its records in one signed
commit. A file with any problem imports nothing: every problem is named
with its line. A record that is already in the binder (the same card
exported from it, the same name, or for a contact a mobile, home,
satellite or pager number written another way: office numbers are often
shared) is reported and skipped, or with --merge what it adds is merged
into the record there. --dry-run shows what would be done and saves
nothing. One import saves at most 20,000 records: split a larger file.`)
	cmd.Commands = []*Command{newImportVCardCommand(), newImportCSVCommand()}
	return cmd
}

// exportOptions are the flags every export shares.
type exportOptions struct {
	audience string
}

func (o *exportOptions) flags(cmd *Command) {
	cmd.Flag.StringVar(&o.audience, "audience", "", "also export the records restricted to `AUDIENCE` (a role, or handles as gobag add --audience names them)")
}

// records reads the binder's records an export may hold (readable).
func (o *exportOptions) records(ctx context.Context, b *binder.Binder) ([]*binder.Record, int, error) {
	all, err := b.Records(ctx)
	if err != nil {
		return nil, 0, err
	}
	return o.readable(all, b.Roster())
}

// readable is what an export may hold of recs (binder.ForExport).
func (o *exportOptions) readable(recs []*binder.Record, members *roster.Roster) ([]*binder.Record, int, error) {
	return binder.ForExport(recs, o.audience, members)
}

// sayLeftOut tells, on standard error, how many restricted records an
// export left out and how to have them.
func (c *cli) sayLeftOut(left int) {
	if left > 0 {
		fmt.Fprintf(c.stderr, "gobag: %s restricted to an audience left out (--audience AUDIENCE includes those of that audience)\n", count(left, "record", "records"))
	}
}

// writeExport writes an export to path ("-": standard output) through
// write (interchange.WriteFile: a new file of mode 0600 renamed into
// place once whole).
func (c *cli) writeExport(path string, write func(w io.Writer) error) error {
	if path == "-" {
		return write(c.rawStdout)
	}
	if err := interchange.WriteFile(path, write); err != nil {
		return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "name a file in a directory you can write to"}
	}
	return nil
}

func newExportVCardCommand() *Command {
	var opts exportOptions
	var team string
	cmd := newCommand("gobag export vcard FILE [--team TEAM] [--audience AUDIENCE]", "write contacts as vCard 4.0 for phones and mail clients", `
Export vcard writes the contacts as vCard 4.0 (RFC 6350), one card each:
name, organisation, roles, every number typed by its label (mobile as
cell, office as work), e-mail addresses, location, notes, and the teams
each is in as categories. Numbers are written in international form
where the binder knows it, so a phone dials them from anywhere; the
number as written, alternates, the place in the call tree and the date
the details were checked travel in gobag's own properties, so gobag
import vcard reads the file back without loss.

--team TEAM writes that team's people and their alternates only.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.Flag.StringVar(&team, "team", "", "only the people of `TEAM` (its name or id) and their alternates")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		recs, left, err := opts.records(ctx, b)
		if err != nil {
			return err
		}
		cards, err := interchange.Cards(recs, team)
		if err != nil {
			return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "gobag list team shows the teams"}
		}
		if err := c.writeExport(args[0], func(w io.Writer) error { return interchange.WriteVCards(w, cards) }); err != nil {
			return err
		}
		c.sayLeftOut(left)
		c.saidExport(args[0], count(len(cards), "contact", "contacts"))
		return nil
	}
	return cmd
}

// saidExport says on standard error what an export wrote, and that it is
// plaintext.
func (c *cli) saidExport(path, what string) {
	if path == "-" {
		return
	}
	fmt.Fprintf(c.stderr, "gobag: wrote %s to %s, in plaintext: keep the file as you would keep what it holds\n", what, path)
}

func newExportCSVCommand() *Command {
	var opts exportOptions
	var kind, columns, team string
	cmd := newCommand("gobag export csv FILE [--kind KIND] [--columns COLUMN,…] [--team TEAM] [--audience AUDIENCE]", "write records as CSV for spreadsheets and mass-notification services", `
Export csv writes the records of one kind (--kind, contact by default)
as CSV with a header row. Contacts come in the shape mass-notification
services take: external_id (the record's id), given_name, family_name,
organisation, roles, a column per phone label (mobile_phone,
office_phone, home_phone, satellite_phone, pager_phone, other_phone;
numbered _2, _3 … where someone has more), email (email_2 …), groups
(their teams), escalation, location and last_verified. Numbers are in
international form where known. Other kinds have external_id, name and
their fields. Lists are separated by "; ".

--columns picks the columns and their order, by those names or the
kind's field names. --team TEAM writes that team's people and their
alternates only.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.Flag.StringVar(&kind, "kind", "contact", "the `KIND` of record to write")
	cmd.Flag.StringVar(&columns, "columns", "", "the `COLUMNS` to write, comma-separated, in order")
	cmd.Flag.StringVar(&team, "team", "", "for contacts: only the people of `TEAM` and their alternates")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		spec, ok := binder.KindByName(kind)
		if !ok || spec.Hidden {
			return unknownKind(kind)
		}
		if team != "" && kind != "contact" {
			return usagef("gobag export csv FILE --team TEAM", "export csv: --team picks contacts; it goes with --kind contact")
		}
		recs, left, err := opts.records(ctx, b)
		if err != nil {
			return err
		}
		rows, cols, err := interchange.Rows(recs, kind, team)
		if err != nil {
			return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "gobag list team shows the teams"}
		}
		if columns != "" {
			cols = nil
			for _, col := range strings.Split(columns, ",") {
				if col = strings.TrimSpace(col); col != "" {
					cols = append(cols, col)
				}
			}
		}
		if err := interchange.CheckColumns(spec, cols); err != nil {
			return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "--columns takes the names in the header gobag export csv writes without it"}
		}
		teams := interchange.TeamsOf(recs)
		if err := c.writeExport(args[0], func(w io.Writer) error {
			return interchange.WriteCSV(w, spec, rows, cols, func(id string) []string { return teams[id] })
		}); err != nil {
			return err
		}
		c.sayLeftOut(left)
		c.saidExport(args[0], count(len(rows), "row", "rows"))
		return nil
	}
	return cmd
}

func newExportICalCommand() *Command {
	var opts exportOptions
	cmd := newCommand("gobag export ical FILE [--audience AUDIENCE]", "write what falls due as an iCalendar file", `
Export ical writes every date the binder says something falls due (plan
reviews and exercises, contact checks, restore tests, open action items,
credential rotations, impact analyses, training; overdue ones too) as an
all-day event with an alarm a week before, in an iCalendar file (RFC
5545) that calendar programs import or subscribe to. Each event keeps its
UID from one export to the next, so importing the file again updates the
events rather than adding them twice.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		recs, left, err := opts.records(ctx, b)
		if err != nil {
			return err
		}
		now := time.Now()
		due := readiness.Schedule(recs, now)
		cal := interchange.Calendar{Name: b.Name(ctx), Fingerprint: b.Fingerprint(), Now: now}
		if err := c.writeExport(args[0], func(w io.Writer) error { return interchange.WriteICal(w, cal, due) }); err != nil {
			return err
		}
		c.sayLeftOut(left)
		c.saidExport(args[0], count(len(due), "date", "dates"))
		return nil
	}
	return cmd
}

// importOptions are the flags both imports share.
type importOptions struct {
	dryRun, merge bool
}

func (o *importOptions) flags(cmd *Command) {
	cmd.Flag.BoolVar(&o.dryRun, "dry-run", false, "show what would be imported, and save nothing")
	cmd.Flag.BoolVar(&o.merge, "merge", false, "merge a duplicate into the record it matches instead of skipping it")
}

// readImportFile reads the file an import names (- for standard input).
func (c *cli) readImportFile(name string) ([]byte, error) {
	in := c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "name the file to import"}
		}
		defer f.Close()
		in = f
	}
	// Whatever the source, a file cut at the bound is refused, never
	// imported cut short.
	data, err := io.ReadAll(io.LimitReader(in, maxImportFile+1))
	if err == nil && len(data) > maxImportFile {
		err = &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s is larger than %d MB", name, maxImportFile>>20), Hint: "split it into smaller files"}
	}
	return data, err
}

// maxImportFile bounds a file an import reads into memory.
const maxImportFile = 64 << 20

// importReport is what an import did or, dry, would do.
type importReport struct {
	DryRun     bool                    `json:"dry_run"`
	Added      []importedRecord        `json:"added"`
	Merged     []importedRecord        `json:"merged"`
	Duplicates []interchange.Duplicate `json:"duplicates"`
	Notes      []string                `json:"notes"`
}

type importedRecord struct {
	ID    string `json:"id,omitempty"`
	Title string `json:"title"`
}

// runImport plans the import of incoming records of kind, shows it, and
// unless dry saves it in one commit.
func (c *cli) runImport(ctx context.Context, b *binder.Binder, name, kind string, incoming []interchange.Incoming, notes []string, opts importOptions) error {
	existing, err := b.Records(ctx)
	if err != nil {
		return err
	}
	plan := interchange.PlanImport(existing, incoming, kind, opts.merge)
	if len(plan.Problems) > 0 {
		return importError(&interchange.ParseError{Name: name, Problems: plan.Problems})
	}
	rep := importReport{DryRun: opts.dryRun, Duplicates: plan.Duplicates, Notes: append(notes, plan.Notes...)}
	if rep.Duplicates == nil {
		rep.Duplicates = []interchange.Duplicate{}
	}
	if !opts.dryRun && (len(plan.Add) > 0 || len(plan.Merge) > 0) {
		saved, err := b.Save(ctx, plan.Add, plan.Merge)
		if err != nil && !errors.Is(err, binder.ErrIndexBehind) {
			return err
		}
		for i, r := range saved {
			item := importedRecord{ID: r.ID, Title: r.Title}
			if i < len(plan.Add) {
				rep.Added = append(rep.Added, item)
			} else {
				rep.Merged = append(rep.Merged, item)
			}
		}
	} else {
		for _, r := range plan.Add {
			rep.Added = append(rep.Added, importedRecord{Title: r.Title})
		}
		for _, r := range plan.Merge {
			rep.Merged = append(rep.Merged, importedRecord{ID: r.ID, Title: r.Title})
		}
	}
	if c.asJSON {
		return c.printJSON(rep)
	}
	c.printImport(rep, kind)
	return nil
}

func (c *cli) printImport(rep importReport, kind string) {
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	verb := map[bool]string{true: "would add", false: "added"}[rep.DryRun]
	for _, r := range rep.Added {
		fmt.Fprintf(w, "%s\t%s\t%s\n", verb, r.ID, r.Title)
	}
	for _, d := range rep.Duplicates {
		of := d.OfName
		if d.Of != "" {
			of += " (" + d.Of + ")"
		} else {
			of += fmt.Sprintf(" (line %d of the file)", d.OfLine)
		}
		what := "skipped"
		if d.Merged {
			what = "merged"
			if d.Adds == "" {
				what += ", adding nothing"
			} else {
				what += ", adding " + d.Adds
			}
		}
		fmt.Fprintf(w, "duplicate\tline %d\t%s is %s: %s, %s\n", d.Line, d.Name, of, d.Reason, what)
	}
	w.Flush()
	for _, n := range rep.Notes {
		fmt.Fprintf(c.stdout, "note: %s\n", n)
	}
	merged := ""
	if len(rep.Merged) > 0 {
		merged = fmt.Sprintf(", merged into %s", count(len(rep.Merged), "record", "records"))
	}
	skipped := 0
	for _, d := range rep.Duplicates {
		if !d.Merged {
			skipped++
		}
	}
	if rep.DryRun {
		fmt.Fprintf(c.stdout, "dry run: would add %s%s, skip %s; nothing saved\n", count(len(rep.Added), kind, kind+"s"), strings.Replace(merged, "merged", "merge", 1), count(skipped, "duplicate", "duplicates"))
		return
	}
	fmt.Fprintf(c.stdout, "added %s%s, skipped %s\n", count(len(rep.Added), kind, kind+"s"), merged, count(skipped, "duplicate", "duplicates"))
}

func newImportVCardCommand() *Command {
	var opts importOptions
	cmd := newCommand("gobag import vcard FILE [--dry-run] [--merge]", "add the contacts of a vCard file", `
Import vcard reads vCards (versions 2.1, 3.0 and 4.0, as phones and mail
clients export them: folded lines, escaped characters, TYPE parameters
in either style, quoted-printable, UTF-8 or a declared charset) and adds
a contact for each: its name, organisation, titles and roles, every
number with its label (cell is mobile, work is office), e-mail
addresses, address as location and notes. Photos are skipped. A card
gobag exported comes back whole, alternates and call-tree place with it.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		data, err := c.readImportFile(args[0])
		if err != nil {
			return err
		}
		cards, err := interchange.ParseVCards(data, args[0])
		if err != nil {
			return importError(err)
		}
		incoming, err := interchange.IncomingCards(cards, args[0])
		if err != nil {
			return importError(err)
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			return c.runImport(ctx, b, args[0], "contact", incoming, nil, opts)
		})
	}
	return cmd
}

// importError is a file that could not be read, as the user should see
// it.
func importError(err error) error {
	var perr *interchange.ParseError
	if errors.As(err, &perr) {
		return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "correct the lines named and import the file again"}
	}
	return &binder.Error{Kind: binder.Invalid, Err: err}
}

// mapFlag collects --map column=field pairs.
type mapFlag map[string]string

func (m mapFlag) String() string { return "" }
func (m mapFlag) Set(v string) error {
	for _, pair := range strings.Split(v, ",") {
		col, field, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(col) == "" || strings.TrimSpace(field) == "" {
			return fmt.Errorf("%q: want COLUMN=FIELD", pair)
		}
		m[strings.TrimSpace(col)] = strings.TrimSpace(field)
	}
	return nil
}

func newImportCSVCommand() *Command {
	var opts importOptions
	var kind string
	mapping := mapFlag{}
	cmd := newCommand("gobag import csv FILE --kind KIND [--map COLUMN=FIELD,…] [--dry-run] [--merge]", "add records from a CSV file", `
Import csv reads a CSV file with a header row (comma, semicolon or tab
separated, UTF-8) and adds a record of --kind for each row. A column is
the field its header names: a field of the kind, name (or given_name and
family_name), notes, external_id, and for contacts mobile_phone,
office_phone … , email, as gobag export csv writes them; the headers of
common address books and spreadsheets (First Name, Mobile Phone, E-mail
Address, Company …) are known too. --map COLUMN=FIELD says what a column
is where its header does not (--map "Cell=mobile_phone,Dept=organisation"),
and COLUMN=skip leaves one out. Lists in a cell are separated by ";".
Every row is checked as a save checks it; any problem imports nothing.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.Flag.StringVar(&kind, "kind", "", "the `KIND` of record each row is (contact, system, vendor, …)")
	cmd.Flag.Var(mapping, "map", "what columns are: `COLUMN=FIELD`, comma-separated or repeated")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		if kind == "" {
			return usagef("gobag import csv FILE --kind contact", "import csv: say what each row is with --kind")
		}
		if _, ok := binder.KindByName(kind); !ok {
			return unknownKind(kind)
		}
		data, err := c.readImportFile(args[0])
		if err != nil {
			return err
		}
		imp, err := interchange.ParseCSV(data, args[0], interchange.CSVOptions{Kind: kind, Map: mapping})
		if err != nil {
			e := importError(err).(*binder.Error)
			e.Hint = "correct the rows named, or say what a column is with --map COLUMN=FIELD, and import the file again"
			return e
		}
		var notes []string
		if len(imp.Unused) > 0 {
			notes = append(notes, fmt.Sprintf("not imported, the columns %s: map them with --map COLUMN=FIELD", strings.Join(imp.Unused, ", ")))
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			return c.runImport(ctx, b, args[0], kind, imp.Records, notes, opts)
		})
	}
	return cmd
}

func newExportMarkdownCommand() *Command {
	var opts exportOptions
	var yes bool
	cmd := newCommand("gobag export markdown DIR [--yes] [--audience AUDIENCE]", "write every record as a plaintext Markdown tree, for a one-off hand-over", `
Export markdown writes every record you read as a Markdown file under
DIR, a new or empty directory: DIR/README.md lists them by kind, and
each record is DIR/KIND/TITLE-ID.md with its fields (links as links to
the other files) and its text. Escrowed secrets are never written.

It is the whole binder in plaintext, unsigned: whoever reads DIR reads
everything in it, and nothing shows if it is changed. Use it for a
one-off hand-over (to a tool that reads Markdown, an auditor without
gobag), then delete it. gobag asks you to confirm on a terminal;
elsewhere --yes confirms.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	opts.flags(cmd)
	cmd.Flag.BoolVar(&yes, "yes", false, "confirm writing the binder in plaintext without being asked")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		recs, left, err := opts.records(ctx, b)
		if err != nil {
			return err
		}
		recs = interchange.TreeRecords(recs)
		fmt.Fprintf(c.stderr, "gobag: WARNING: this writes %s of %s to %s in PLAINTEXT, unencrypted and unsigned: anyone who can read that directory reads them all.\n", count(len(recs), "record", "records"), b.Name(ctx), args[0])
		if !yes {
			if in, ok := c.stdin.(*os.File); !ok || !term.IsTerminal(int(in.Fd())) || !isTerminal(c.rawStderr) {
				return usagef("gobag export markdown DIR --yes", "export markdown: confirm with --yes (or run it on a terminal, which asks)")
			}
			fmt.Fprint(c.stderr, "Type yes to write it: ")
			line, _ := bufio.NewReader(c.stdin).ReadString('\n')
			if strings.TrimSpace(line) != "yes" {
				return &binder.Error{Kind: binder.Invalid, Err: errors.New("not confirmed: nothing written"), Hint: "type yes to write the plaintext tree"}
			}
		}
		t := interchange.Tree{Name: b.Name(ctx), Fingerprint: b.Fingerprint(), Commit: b.Tip(), Now: time.Now(), By: b.Identity().Handle}
		n, err := interchange.WriteMarkdownTree(args[0], t, recs)
		if err != nil {
			return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "name a new directory"}
		}
		c.sayLeftOut(left)
		fmt.Fprintf(c.stderr, "gobag: wrote %s to %s in plaintext; delete it when the hand-over is done\n", count(n, "record", "records"), args[0])
		return nil
	}
	return cmd
}
