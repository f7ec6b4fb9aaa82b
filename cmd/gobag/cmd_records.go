package main

import (
	"bufio"
	"context"
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

func cmdAdd(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("add")
	file := fs.String("file", "", "record file (- for standard input)")
	title := fs.String("title", "", "title")
	template := fs.String("template", "", "for a plan: start from the template of a plan type (bcp, drp, coop, iscp)")
	var sets multiFlag
	fs.Var(&sets, "set", "key=value (repeatable)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	kind := pos[0]
	if _, ok := binder.KindByName(kind); !ok {
		return unknownKind(kind)
	}
	r := &binder.Record{Kind: kind, Fields: map[string]any{}}
	switch {
	case *template != "" && (kind != "plan" || *file != ""):
		return usagef("gobag add plan --template bcp [--title T]", "add: --template makes a plan, and takes no --file")
	case *template != "":
		if r, err = binder.Template(*template); err != nil {
			return err
		}
	case *file != "":
		if r, err = c.readRecordFile(*file); err != nil {
			return err
		}
		if r.Kind == "" {
			r.Kind = kind
		}
		if r.Kind != kind {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("the file is a %s, not a %s", r.Kind, kind), Hint: "gobag add " + r.Kind + " --file " + *file}
		}
	case *title == "":
		return usagef("gobag add "+kind+" --file F, or --title T [--set key=value]…", "add: give --file or --title")
	}
	if *title != "" {
		r.Title = *title
	}
	for _, s := range sets {
		if err := r.SetField(s); err != nil {
			return err
		}
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	saved, err := b.Add(ctx, r)
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

func cmdEdit(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("edit")
	file := fs.String("file", "", "record file (- for standard input)")
	var sets multiFlag
	fs.Var(&sets, "set", "key=value (repeatable; empty value removes the field)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *file == "" && len(sets) == 0 {
		return usagef("gobag edit ID --file F, or --set key=value", "edit: nothing to change")
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	cur, err := b.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	r := cur
	if *file != "" {
		if r, err = c.readRecordFile(*file); err != nil {
			return err
		}
		if r.ID != "" && r.ID != cur.ID {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("the file is record %s, not %s", r.ID, cur.ID), Hint: "gobag edit " + r.ID + " --file " + *file}
		}
		r.ID = cur.ID
	}
	for _, s := range sets {
		if err := r.SetField(s); err != nil {
			return err
		}
	}
	saved, err := b.Update(ctx, r)
	if err != nil {
		return err
	}
	c.autoPack(ctx, b)
	if c.asJSON {
		return c.printJSON(recordJSON(saved))
	}
	fmt.Fprintf(c.stdout, "%s rev %d\n", saved.ID, saved.Rev)
	return nil
}

func cmdRm(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("rm"), args, 1, 1)
	if err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	id, err := b.Resolve(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := b.Delete(ctx, id); err != nil {
		return err
	}
	c.autoPack(ctx, b)
	if !c.asJSON {
		fmt.Fprintf(c.stdout, "deleted %s\n", id)
		return nil
	}
	return c.printJSON(map[string]string{"id": id, "deleted": "true"})
}

func cmdList(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("list"), args, 0, 1)
	if err != nil {
		return err
	}
	kind := ""
	if len(pos) == 1 {
		kind = pos[0]
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
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
		fmt.Fprintf(tw, "%s\t%s\t%s\trev %d\t%s\n", s.ID[:10], s.Kind, s.Title, s.Rev, s.Updated.Format("2006-01-02"))
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
	return showJSON{ID: r.ID, Kind: r.Kind, Title: r.Title, Rev: r.Rev, Author: r.Author, Updated: r.Updated, Path: r.Path, Fields: f, Body: r.Body, Conflicts: r.Conflicts}
}

func cmdShow(ctx context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("show"), args, 1, 1)
	if err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	r, err := b.Get(ctx, pos[0])
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
	writeLinks(&out, "links to", to)
	writeLinks(&out, "linked from", from)
	out.WriteString("+++\n" + body)
	_, err = io.WriteString(c.stdout, out.String())
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

func cmdLog(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("log")
	n := fs.Int("n", 0, "show at most N entries")
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	id := ""
	if len(pos) == 1 {
		id = pos[0]
	}
	entries, err := b.Log(ctx, id, *n)
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

func cmdVerify(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("verify"), args, 0, 0); err != nil {
		return err
	}
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
		if err := c.printJSON(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintf(c.stdout, "FAIL %s\n", p)
		}
		fmt.Fprintf(c.stdout, "%s, %s checked; binder %s\n", count(rep.Commits, "commit", "commits"), count(rep.Versions, "record version", "record versions"), rep.Fingerprint)
	}
	if !rep.OK() {
		return &binder.Error{Kind: binder.BadSignature, Err: fmt.Errorf("verify: %s; first: %s", count(len(rep.Problems), "problem", "problems"), rep.Problems[0]),
			Hint: "do not trust this copy; compare with another responder's copy or the off-site remote"}
	}
	if !c.asJSON {
		fmt.Fprintln(c.stdout, "OK")
	}
	return nil
}

func cmdReindex(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("reindex"), args, 0, 0); err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Reindex(ctx, c.progress()); err != nil {
		return err
	}
	list, _ := b.List(ctx, "")
	fmt.Fprintf(c.stdout, "index rebuilt: %s\n", count(len(list), "record", "records"))
	return nil
}

func cmdGC(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("gc"), args, 0, 0); err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := b.Pack(ctx, false, c.progress()); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "packed")
	return nil
}

// autoPack packs the binder's loose objects when there are many, as git's
// automatic gc does after a commit. Its failure is reported, not fatal:
// the save it follows stands.
func (c *cli) autoPack(ctx context.Context, b *binder.Binder) {
	packed, err := b.Pack(ctx, true, c.progress())
	if err != nil {
		fmt.Fprintf(c.stderr, "gobag: warning: packing the binder's objects failed: %v\n", err)
	} else if packed {
		fmt.Fprintln(c.stderr, "gobag: packed the binder's objects")
	}
}
