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

	"gobag/binder"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (c *cli) readRecordFile(name string) (*binder.Record, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(c.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, &binder.Error{Kind: binder.NotExist, Err: err, Hint: "check the --file path"}
	}
	r, err := binder.ParseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// kindNames lists the kinds of record, for completion; with hidden, the
// kinds that are only listed when asked for by name too.
func kindNames(hidden bool) []string {
	var names []string
	for _, k := range binder.Kinds {
		if hidden || !k.Hidden {
			names = append(names, k.Name)
		}
	}
	return names
}

type addOptions struct {
	file, title, template, audience string
	sets                            multiFlag
}

func newAddCommand() *Command {
	var opts addOptions
	cmd := newCommand("gobag add KIND [--title TITLE] [--set FIELD=VALUE]… | --file FILE", "add a record; prints its id", `
Add adds a record of KIND (gobag kinds lists them) and prints its id.

The record comes from a file (--file FILE, or - for standard input: a TOML
header between +++ lines, then a Markdown body), or from --title and --set.
--set takes a field's value as the file would: --set rto=3h,
--set 'alternates=["ukq7xq"]'. gobag kinds KIND lists a kind's fields.

gobag add plan --template TYPE [--title TITLE] starts a plan from the
template of its type, with every section the type requires and guidance
in each. gobag add exercise --template after-action starts a held
exercise's after-action report: what went well, what did not, and the
improvements, each an action with an owner and a due date.

--audience restricts who can read the record: managers, custodians,
responders or auditors (the members holding that role), or members'
handles, comma-separated (--audience ana,ben). The managers are in every
audience. The others see that the record exists, its kind and id, but
not its title or content. The default is all: every member.

--title and --set are visible to other users of this machine while gobag
runs (ps, /proc): give names, numbers and anything confidential in the
file, or on standard input with --file -.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.ArgWords = func() []string { return kindNames(false) }
	cmd.Flag.StringVar(&opts.audience, "audience", "", "who may read it: `all` (default), a role (managers, custodians, …) or handles, comma-separated")
	cmd.Flag.StringVar(&opts.file, "file", "", "read the record from `FILE` (- for standard input)")
	cmd.Flag.StringVar(&opts.title, "title", "", "the record's `TITLE` (visible to other local users while gobag runs)")
	cmd.Flag.Var(&opts.sets, "set", "set a field: `FIELD=VALUE` (repeatable; visible to other local users while gobag runs)")
	cmd.Flag.StringVar(&opts.template, "template", "", "start from `TEMPLATE`: a plan type ("+strings.Join(binder.TemplateNames("plan"), ", ")+"), or after-action for an exercise")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error { return runAdd(ctx, c, &opts, args[0]) }
	return cmd
}

func runAdd(ctx context.Context, c *cli, opts *addOptions, kind string) error {
	if _, ok := binder.KindByName(kind); !ok {
		return unknownKind(kind)
	}
	r := &binder.Record{Kind: kind, Fields: map[string]any{}}
	var err error
	switch {
	case opts.template != "" && opts.file != "":
		return usagef("gobag add plan --template bcp [--title T]", "add: --template takes no --file")
	case opts.template != "":
		if r, err = binder.FromTemplate(opts.template, time.Now()); err != nil {
			return err
		}
		if r.Kind != kind {
			names := binder.TemplateNames(kind)
			hint := "the templates of " + withArticle(kind) + " are: " + strings.Join(names, ", ")
			if len(names) == 0 {
				hint = withArticle(kind) + " has no template; the templates are: " + strings.Join(binder.TemplateNames(""), ", ")
			}
			return usagef(hint, "add: template %q makes %s, not %s", opts.template, withArticle(r.Kind), withArticle(kind))
		}
	case opts.file != "":
		if r, err = c.readRecordFile(opts.file); err != nil {
			return err
		}
		if r.Kind == "" {
			r.Kind = kind
		}
		if r.Kind != kind {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("the file is a %s, not a %s", r.Kind, kind), Hint: "gobag add " + r.Kind + " --file " + opts.file}
		}
	case opts.title == "":
		return usagef("gobag add "+kind+" --file F, or --title T [--set key=value]…", "add: give --file or --title")
	}
	if opts.title != "" {
		r.Title = opts.title
	}
	for _, s := range opts.sets {
		if err := r.SetField(s); err != nil {
			return err
		}
	}
	r.Audience = opts.audience
	return c.withBinder(ctx, func(b *binder.Binder) error {
		saved, err := b.Add(ctx, r)
		if saved == nil {
			return err
		}
		// Saved, even when the index is behind (err says so): the id
		// is printed either way, so that nobody saves it twice.
		if c.asJSON {
			return errors.Join(c.printJSON(recordJSON(saved)), err)
		}
		fmt.Fprintln(c.stdout, saved.ID)
		return err
	})
}

type editOptions struct {
	file, audience string
	sets           multiFlag
}

func newEditCommand() *Command {
	var opts editOptions
	cmd := newCommand("gobag edit ID --file FILE | --set FIELD=VALUE…", "save a new revision of a record", `
Edit saves a new revision of record ID: the record in --file FILE, as
gobag show printed it and you changed it, or the record with the fields
that --set changes (FIELD= removes a field, title=… renames the record).

A file whose rev is older than the record's is refused (exit 7) rather
than overwriting the newer revision. The file is read before the binder
is opened, so a pipe works: gobag show ID | sed … | gobag edit ID --file -

--audience changes who can read it (see gobag add); without it the record
keeps its audience.

--set is visible to other users of this machine while gobag runs (ps,
/proc): change confidential values in the file instead.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&opts.audience, "audience", "", "change who may read it: `all`, a role or handles, comma-separated")
	cmd.Flag.StringVar(&opts.file, "file", "", "read the record from `FILE` (- for standard input)")
	cmd.Flag.Var(&opts.sets, "set", "set a field: `FIELD=VALUE`; FIELD= removes it (repeatable; visible to other local users while gobag runs)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error { return runEdit(ctx, c, &opts, args[0]) }
	return cmd
}

func runEdit(ctx context.Context, c *cli, opts *editOptions, id string) error {
	if opts.file == "" && len(opts.sets) == 0 && opts.audience == "" {
		return usagef("gobag edit ID --file F, or --set key=value", "edit: nothing to change")
	}
	var fromFile *binder.Record
	if opts.file != "" {
		var err error
		if fromFile, err = c.readRecordFile(opts.file); err != nil {
			return err
		}
	}
	return c.withBinder(ctx, func(b *binder.Binder) error {
		cur, err := b.Get(ctx, id)
		if err != nil {
			return err
		}
		r := cur
		if fromFile != nil {
			r = fromFile
			if r.ID != "" && r.ID != cur.ID {
				return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("the file is record %s, not %s", r.ID, cur.ID), Hint: "gobag edit " + r.ID + " --file " + opts.file}
			}
			r.ID = cur.ID
		}
		for _, s := range opts.sets {
			if err := r.SetField(s); err != nil {
				return err
			}
		}
		r.Audience = opts.audience
		saved, err := b.Update(ctx, r)
		if saved == nil {
			return err
		}
		if c.asJSON {
			return errors.Join(c.printJSON(recordJSON(saved)), err)
		}
		fmt.Fprintf(c.stdout, "%s rev %d\n", saved.ID, saved.Rev)
		return err
	})
}

func newRmCommand() *Command {
	cmd := newCommand("gobag rm ID", "delete a record (a signed tombstone)", `
Rm deletes record ID with a signed tombstone, which sync carries to the
other copies. Its history stays: gobag log ID shows it.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.RunBinder = runRm
	return cmd
}

func runRm(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
	id, err := b.Resolve(ctx, args[0])
	if err != nil {
		return err
	}
	if err := b.Delete(ctx, id); err != nil {
		return err
	}
	if !c.asJSON {
		fmt.Fprintf(c.stdout, "deleted %s\n", id)
		return nil
	}
	return c.printJSON(map[string]string{"id": id, "deleted": "true"})
}

func newListCommand() *Command {
	cmd := newCommand("gobag list [KIND]", "list records", `
List lists the records, or those of KIND: the start of each id, the kind,
the title, the revision and the day of the last change.`)
	cmd.MaxArgs = 1
	cmd.ArgWords = func() []string { return kindNames(true) }
	cmd.RunBinder = runList
	return cmd
}

func runList(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
	kind := ""
	if len(args) == 1 {
		kind = args[0]
	}
	list, err := b.List(ctx, kind)
	if err != nil {
		return err
	}
	if c.asJSON {
		if list == nil {
			list = []binder.Summary{}
		}
		return c.printJSON(list)
	}
	out := bufio.NewWriter(c.stdout)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, s := range list {
		title := s.Title
		if s.Unreadable {
			title = "(for " + audienceWords(s.Audience) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\trev %d\t%s\n", s.ID[:10], s.Kind, title, s.Rev, s.Updated.Format("2006-01-02"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return out.Flush()
}

// showJSON is the stable JSON form of a record (documented in README.md).
type showJSON struct {
	ID         string         `json:"id"`
	Kind       string         `json:"kind"`
	Title      string         `json:"title"`
	Rev        int            `json:"rev"`
	Author     string         `json:"author"`
	Updated    time.Time      `json:"updated"`
	Path       string         `json:"path"`
	Audience   string         `json:"audience"`
	Fields     map[string]any `json:"fields"`
	Body       string         `json:"body"`
	Links      []binder.Link  `json:"links,omitempty"`
	LinkedFrom []binder.Link  `json:"linked_from,omitempty"`
	// Conflicts are the values two copies gave the same field, kept
	// until gobag resolve settles them.
	Conflicts []binder.FieldConflict `json:"conflicts,omitempty"`
}

func recordJSON(r *binder.Record) showJSON {
	f := r.Fields
	if f == nil {
		f = map[string]any{}
	}
	return showJSON{ID: r.ID, Kind: r.Kind, Title: r.Title, Rev: r.Rev, Author: r.Author, Updated: r.Updated, Path: r.Path, Audience: r.Audience, Fields: f, Body: r.Body, Conflicts: r.Conflicts}
}

func newShowCommand() *Command {
	var text bool
	cmd := newCommand("gobag show ID [--text]", "show a record", `
Show prints record ID as a file that gobag edit ID --file takes back: a
TOML header between +++ lines, then the body. ID is a record's id or a
unique prefix of 4 or more characters.

What the record links to, and what links to it, follow the header as TOML
comments. A record that two copies changed differently shows its
[[conflicts]] until gobag resolve settles them.

With --text it prints the record for reading instead: each field as the
desktop app shows it (dates, durations, yes or no, links by the titles of
the records they name, table rows one a line), then the body.`)
	cmd.Flag.BoolVar(&text, "text", false, "print the record for reading, not as a file to edit")
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		if text && !c.asJSON {
			return runShowText(ctx, c, b, args[0])
		}
		return runShow(ctx, c, b, args)
	}
	return cmd
}

// runShowText prints a record for reading, its values formatted by their
// field types as every front end formats them.
func runShowText(ctx context.Context, c *cli, b *binder.Binder, id string) error {
	r, err := b.Get(ctx, id)
	if err != nil {
		return err
	}
	to, from, err := b.Links(ctx, r.ID)
	if err != nil {
		return err
	}
	titles := map[string]string{}
	for _, l := range to {
		if l.Missing {
			titles[l.ID] = "(missing record " + shortID(l.ID) + ")"
		} else {
			titles[l.ID] = l.Title
		}
	}
	lookup := func(id string) (string, bool) { t, ok := titles[id]; return t, ok }
	out := bufio.NewWriter(c.stdout)
	fmt.Fprintf(out, "%s\n%s · %s · rev %d · %s · updated %s\n\n", r.Title, r.Kind, shortID(r.ID), r.Rev, r.Author, r.Updated.Local().Format("2006-01-02 15:04"))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, name := range binder.FieldOrder(r) {
		lines := strings.Split(binder.FormatField(r, name, lookup), "\n")
		label := strings.ReplaceAll(name, "_", " ")
		for i, line := range lines {
			fmt.Fprintf(tw, "%s\t%s\n", label, line)
			if i == 0 {
				label = ""
			}
		}
	}
	for _, l := range from {
		fmt.Fprintf(tw, "linked from\t%s %q (as %s)\n", l.Kind, l.Title, strings.ReplaceAll(l.Field, "_", " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if body := strings.TrimSpace(r.Body); body != "" {
		fmt.Fprintf(out, "\n%s\n", body)
	}
	return out.Flush()
}

func runShow(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
	r, err := b.Get(ctx, args[0])
	if err != nil {
		return err
	}
	to, from, err := b.Links(ctx, r.ID)
	if err != nil {
		return err
	}
	if c.asJSON {
		j := recordJSON(r)
		j.Links, j.LinkedFrom = orEmpty(to), orEmpty(from)
		return c.printJSON(j)
	}
	text, err := r.Marshal()
	if err != nil {
		return err
	}
	// The links go in as TOML comments at the end of the header, so that
	// what show prints can still be edited and fed back with --file.
	head, body, _ := strings.Cut(string(text), "\n+++\n")
	var out strings.Builder
	out.WriteString(head + "\n")
	if r.Audience != "" && r.Audience != "all" {
		who := "the managers"
		if r.Audience != "manager" {
			who = audienceWords(r.Audience) + " and the managers"
		}
		fmt.Fprintf(&out, "# for: %s (gobag edit --audience changes it)\n", who)
	}
	writeLinks(&out, "links to", to)
	writeLinks(&out, "linked from", from)
	out.WriteString("+++\n" + body)
	// The record file goes out as it is to a file or a pipe (edit takes
	// it back); to a terminal, escaped like all else.
	w := c.stdout
	if !isTerminal(c.rawStdout) {
		w = c.rawStdout
	}
	_, err = io.WriteString(w, out.String())
	return err
}

func orEmpty(ls []binder.Link) []binder.Link {
	if ls == nil {
		return []binder.Link{}
	}
	return ls
}

func writeLinks(w io.Writer, what string, ls []binder.Link) {
	if len(ls) == 0 {
		return
	}
	fmt.Fprintf(w, "\n# %s:\n", what)
	for _, l := range ls {
		if l.Missing {
			fmt.Fprintf(w, "#   %s: %s (missing: deleted or not synced yet)\n", l.Field, l.ID[:10])
			continue
		}
		fmt.Fprintf(w, "#   %s: %s %s %q\n", l.Field, l.ID[:10], l.Kind, l.Title)
	}
}

func newLogCommand() *Command {
	var n int
	cmd := newCommand("gobag log [ID] [-n N]", "history: who changed what, when", `
Log lists the binder's history, newest first: each commit's time, author
and what it did. With ID, only the history of that record.`)
	cmd.MaxArgs = 1
	cmd.Flag.IntVar(&n, "n", 0, "show at most `N` entries (0: all)")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		return runLog(ctx, c, b, n, args)
	}
	return cmd
}

func runLog(ctx context.Context, c *cli, b *binder.Binder, n int, args []string) error {
	id := ""
	if len(args) == 1 {
		id = args[0]
	}
	entries, err := b.Log(ctx, id, n)
	if err != nil {
		return err
	}
	if c.asJSON {
		if entries == nil {
			entries = []binder.LogEntry{}
		}
		return c.printJSON(entries)
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, e := range entries {
		what := e.Action
		if e.ID != "" {
			what = fmt.Sprintf("%s %s rev %d\t%s %s", e.Action, e.ID[:10], e.Rev, e.Kind, e.Title)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04"), e.Commit[:10], e.Author, what)
	}
	return tw.Flush()
}

func newVerifyCommand() *Command {
	cmd := newCommand("gobag verify", "check every commit, envelope and roster", `
Verify checks the binder's whole history: every commit's SSH signature,
every record version's signed envelope, every roster change, each by a
member allowed to make it at that point. It exits 0 only if all hold, and
6 otherwise. It needs no identity: it reads no record's content.

It also fails (exit 6) if this copy's local index was found changed on
disk by someone without its key: gobag rebuilt it from git and showed
nothing of the change, but someone had the disk. It says so until the
index is rebuilt with gobag reindex.`)
	cmd.Run = runVerify
	return cmd
}

func runVerify(ctx context.Context, c *cli, _ []string) error {
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	rep, err := binder.Verify(ctx, dir, c.progress())
	if err != nil {
		return err
	}
	if c.asJSON {
		if rep.Problems == nil {
			rep.Problems = []binder.Problem{}
		}
		if rep.IndexAlarms == nil {
			rep.IndexAlarms = []string{}
		}
		if err := c.printJSON(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintf(c.stdout, "FAIL %s\n", p)
		}
		for _, w := range rep.Warnings {
			fmt.Fprintf(c.stderr, "gobag: warning: %s\n", w)
		}
		for _, a := range rep.IndexAlarms {
			fmt.Fprintf(c.stdout, "FAIL local index: %s\n", a)
		}
		fmt.Fprintf(c.stdout, "%s, %s checked; binder %s\n", count(rep.Commits, "commit", "commits"), count(rep.Versions, "record version", "record versions"), rep.Fingerprint)
	}
	if !rep.OK() {
		return &binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("verify: %s; first: %s", count(len(rep.Problems), "problem", "problems"), rep.Problems[0]),
			Hint: "do not trust this copy; compare with another responder's copy or the off-site remote"}
	}
	if len(rep.IndexAlarms) > 0 {
		return &binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("verify: the history holds, but this copy's local index was changed on disk by someone without its key (%s)", count(len(rep.IndexAlarms), "time", "times")),
			Hint: "gobag rebuilt it from git and showed nothing of what was changed; find out who had this disk, then rebuild the index on purpose to clear this", Fix: &binder.Fix{Action: binder.ActionReindex}}
	}
	if !c.asJSON {
		fmt.Fprintln(c.stdout, "OK")
	}
	return nil
}

func newReindexCommand() *Command {
	var accept bool
	cmd := newCommand("gobag reindex [--accept-history]", "rebuild the local index from git", `
Reindex rebuilds the binder's local index (the cache that list and search
read) from its git history, which it verifies first. Nothing is lost by
it: the index is only a cache, rebuilt by itself whenever it is missing or
out of date.

A branch that does not continue the history this copy last verified
(rewound, or another binder's history put in its place) is refused when
the binder is opened (exit 6). If you restored the copy on purpose, from a
backup, --accept-history takes the branch as it now is; it must still
verify.`)
	cmd.Flag.BoolVar(&accept, "accept-history", false, "take a branch that does not continue the history this copy verified (it must still verify)")
	cmd.Run = func(ctx context.Context, c *cli, _ []string) error {
		c.acceptHistory = accept
		return c.withBinder(ctx, func(b *binder.Binder) error {
			if err := b.Reindex(ctx, c.progress()); err != nil {
				return err
			}
			list, _ := b.List(ctx, "")
			fmt.Fprintf(c.stdout, "index rebuilt: %s\n", count(len(list), "record", "records"))
			return nil
		})
	}
	return cmd
}

func newGCCommand() *Command {
	cmd := newCommand("gobag gc", "pack the repository's objects (as git gc)", `
Gc packs all of the repository's loose objects, as git gc does. Commands
that save already pack when loose objects pile up. A copy that borrows
objects from another repository (objects/info/alternates, as git clone
--shared leaves it) is made whole: what it borrows is copied in and the
file removed.`)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		if _, err := b.Pack(ctx, false, c.progress()); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "packed")
		return nil
	}
	return cmd
}

// audienceWords says who an audience is for, as list shows it.
func audienceWords(audience string) string {
	var words []string
	for _, n := range strings.Split(audience, ",") {
		if isRole(n) {
			n += "s"
		}
		words = append(words, n)
	}
	return strings.Join(words, ", ")
}
