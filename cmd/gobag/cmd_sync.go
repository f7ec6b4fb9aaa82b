package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
	gitsync "gobag/sync"
)

// syncOptions are the transport options every sync command takes.
func (c *cli) syncOptions(id *bcrypto.Identity, timeout time.Duration) gitsync.Options {
	return gitsync.Options{
		Identity:       id,
		Token:          c.remoteToken,
		ConnectTimeout: timeout,
		Progress:       c.progress(),
	}
}

// remoteToken reads an HTTPS remote's password or token from
// GOBAG_REMOTE_TOKEN_FILE or the terminal.
func (c *cli) remoteToken(r *gitsync.Remote) ([]byte, error) {
	if f := c.getenv("GOBAG_REMOTE_TOKEN_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("token file: %w", err), Hint: "check GOBAG_REMOTE_TOKEN_FILE"}
		}
		line, _, _ := strings.Cut(string(data), "\n")
		return []byte(strings.TrimSpace(line)), nil
	}
	token, err := c.secret(fmt.Sprintf("Password or token for %s at %s: ", r.User, r.URL))
	if errors.Is(err, errNoTerminal) {
		return nil, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "set GOBAG_REMOTE_TOKEN_FILE to a file holding the token"}
	}
	return token, err
}

func cmdRemote(ctx context.Context, c *cli, args []string) error {
	action := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	switch action {
	case "add":
		return cmdRemoteAdd(ctx, c, args)
	case "rm", "remove":
		pos, err := parse(c.flags("remote rm"), args, 1, 1)
		if err != nil {
			return err
		}
		dir, err := c.needBinder()
		if err != nil {
			return err
		}
		if err := gitsync.RemoveRemote(dir, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed remote %s (the remote itself is untouched)\n", pos[0])
		return nil
	case "list":
		if _, err := parse(c.flags("remote"), args, 0, 0); err != nil {
			return err
		}
		dir, err := c.needBinder()
		if err != nil {
			return err
		}
		rs, err := gitsync.Remotes(dir)
		if err != nil {
			return err
		}
		if c.asJSON {
			return c.printJSON(rs)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.URL, lastSync(r))
		}
		return tw.Flush()
	}
	return usagef("gobag remote [list] | add NAME URL | rm NAME", "remote: unknown action %q", action)
}

func lastSync(r *gitsync.Remote) string {
	s := "never synced"
	if !r.LastSync.IsZero() {
		s = "synced " + r.LastSync.Local().Format("2006-01-02 15:04")
	}
	if r.LastError != "" {
		s += "; last attempt failed: " + r.LastError
	}
	return s
}

// remoteFlags are the options that say how to reach a remote.
type remoteFlags struct {
	accept, user, ca, sshKey *string
	timeout                  *time.Duration
}

func addRemoteFlags(fs *flag.FlagSet) remoteFlags {
	return remoteFlags{
		accept:  fs.String("accept-host-key", "", "SSH: the server's host key fingerprint (SHA256:…), checked out of band"),
		user:    fs.String("user", "", "HTTPS: the user name (the token is asked for, or read from GOBAG_REMOTE_TOKEN_FILE)"),
		ca:      fs.String("ca-cert", "", "HTTPS: a PEM file of the CA that signed the server's certificate"),
		sshKey:  fs.String("ssh-key", "", "SSH: an unencrypted private key file to log in with (default: your identity's key)"),
		timeout: fs.Duration("timeout", gitsync.DefaultConnectTimeout, "how long to wait to connect"),
	}
}

// remote makes the remote the flags describe, with local paths made
// absolute.
func (f remoteFlags) remote(name, url string) (*gitsync.Remote, error) {
	r := &gitsync.Remote{Name: name, URL: url, User: *f.user, CACert: *f.ca, SSHKey: *f.sshKey}
	paths := []*string{&r.CACert, &r.SSHKey}
	if r.Kind() == "local" && !strings.HasPrefix(r.URL, "file://") {
		paths = append(paths, &r.URL)
	}
	for _, p := range paths {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return nil, err
			}
			*p = abs
		}
	}
	return r, nil
}

func cmdRemoteAdd(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("remote add")
	rf := addRemoteFlags(fs)
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	r, err := rf.remote(pos[0], pos[1])
	if err != nil {
		return err
	}
	if _, err := gitsync.AddRemote(ctx, dir, r, gitsync.AddOptions{AcceptHostKey: *rf.accept, ConnectTimeout: *rf.timeout}); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "added remote %s (%s); gobag sync %s sends it the binder\n", r.Name, r.URL, r.Name)
	return nil
}

func cmdSync(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("sync")
	all := fs.Bool("all", false, "sync with every remote")
	timeout := fs.Duration("timeout", gitsync.DefaultConnectTimeout, "how long to wait to connect to a remote")
	pos, err := parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	rs, err := gitsync.Remotes(dir)
	if err != nil {
		return err
	}
	var names []string
	switch {
	case len(pos) == 1 && !*all:
		names = pos
	case len(pos) == 0 && (*all || len(rs) == 1):
		for _, r := range rs {
			names = append(names, r.Name)
		}
	case len(rs) == 0:
		return &binder.Error{Kind: binder.NotExist, Err: errors.New("the binder has no remote"), Hint: "gobag remote add NAME URL"}
	default:
		return usagef("gobag sync NAME, or gobag sync --all", "sync: which remote? (%d are set up)", len(rs))
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	opts := c.syncOptions(b.Identity(), *timeout)
	var reports []*gitsync.Report
	var firstErr error
	for _, name := range names {
		rep, err := gitsync.Sync(ctx, b, name, opts)
		if err != nil {
			// One remote failing does not stop the others.
			fmt.Fprintf(c.stderr, "gobag: sync %s failed: %v\n", name, err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		reports = append(reports, rep)
		if !c.asJSON {
			printSync(c, rep)
		}
	}
	c.autoPack(ctx, b)
	if c.asJSON {
		if reports == nil {
			reports = []*gitsync.Report{}
		}
		if err := c.printJSON(reports); err != nil {
			return err
		}
	}
	return firstErr
}

func printSync(c *cli, rep *gitsync.Report) {
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	what := "already in step"
	if m := rep.Merge; m != nil {
		switch {
		case m.FastForward:
			what = fmt.Sprintf("received %s, %s changed", count(m.Received, "commit", "commits"), count(m.Changed, "record", "records"))
		case m.Merged:
			what = fmt.Sprintf("merged %s, %s changed", count(m.Received, "commit", "commits"), count(m.Changed, "record", "records"))
		}
	}
	if rep.Pushed {
		what += "; sent this copy's changes"
	}
	fmt.Fprintf(out, "%s: %s (tip %.12s)\n", rep.Remote, what, rep.Tip)
	if m := rep.Merge; m != nil {
		for _, n := range m.Notices {
			fmt.Fprintf(out, "  note: %s\n", n)
		}
		if len(m.Conflicts) > 0 {
			fmt.Fprintf(out, "  %s conflicting values: gobag conflicts shows them\n", count(len(m.Conflicts), "record has", "records have"))
		}
	}
}

func cmdStatus(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("status")
	fetch := fs.Bool("fetch", false, "ask each remote for its branch first (nothing is taken in)")
	timeout := fs.Duration("timeout", gitsync.DefaultConnectTimeout, "how long to wait to connect to a remote")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	set, err := b.Settings(ctx)
	if err != nil {
		return err
	}
	sts, err := gitsync.Status(ctx, b, *fetch, time.Duration(set.OffsiteDays)*24*time.Hour, c.syncOptions(b.Identity(), *timeout))
	if err != nil {
		return err
	}
	if c.asJSON {
		return c.printJSON(map[string]any{"tip": b.Tip(), "remotes": sts})
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	if len(sts) == 0 {
		fmt.Fprintln(out, "no remote: this is the only copy (gobag remote add NAME URL)")
	}
	for _, s := range sts {
		fmt.Fprintf(out, "%s\t%s\n\t%d ahead, %d behind; %s\n", s.Name, s.URL, s.Ahead, s.Behind, lastSync(s.Remote))
		if s.Stale {
			fmt.Fprintf(out, "\tSTALE: not synced in %s\n", count(set.OffsiteDays, "day", "days"))
		}
	}
	return nil
}

func cmdClone(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("clone")
	expect := fs.String("expect-fingerprint", "", "the binder's fingerprint (SHA256:…), from a member")
	rf := addRemoteFlags(fs)
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	r, err := rf.remote("origin", pos[0])
	if err != nil {
		return err
	}
	id, err := c.loadIdentity()
	if err != nil {
		return err
	}
	opts := gitsync.CloneOptions{Options: c.syncOptions(id, *rf.timeout), ExpectFingerprint: *expect, AcceptHostKey: *rf.accept, Remote: r}
	b, err := gitsync.Clone(ctx, r.URL, dir, id, opts)
	if err != nil {
		return err
	}
	defer b.Close()
	list, _ := b.List(ctx, "")
	fmt.Fprintf(c.stdout, "cloned binder %s into %s: %s, history verified; its remote is origin\n", b.Fingerprint(), dir, count(len(list), "record", "records"))
	return nil
}

func cmdConflicts(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("conflicts"), args, 0, 0); err != nil {
		return err
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	cs, err := b.Conflicts(ctx)
	if err != nil {
		return err
	}
	if c.asJSON {
		return c.printJSON(cs)
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	if len(cs) == 0 {
		fmt.Fprintln(out, "no conflicts")
	}
	for _, r := range cs {
		fmt.Fprintf(out, "%s %s %q\n", r.ID[:10], r.Kind, r.Title)
		for _, f := range r.Conflicts {
			fmt.Fprintf(out, "  %s:\n    ours   (%s, rev %d): %s\n    theirs (%s, rev %d): %s\n", f.Field, f.OursBy, f.OursRev, value(f.Ours), f.TheirsBy, f.TheirsRev, value(f.Theirs))
		}
	}
	if len(cs) > 0 {
		fmt.Fprintln(out, "gobag resolve ID --take ours|theirs, or --file F with the record as it should be")
	}
	return nil
}

// value shows a conflicting value; absent means the field was removed.
func value(v any) string {
	if v == nil {
		return "(removed)"
	}
	return fmt.Sprint(v)
}

func cmdResolve(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("resolve")
	take := fs.String("take", "", "ours or theirs: take that side's value for every conflict")
	file := fs.String("file", "", "the record as it should be (without its [[conflicts]])")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if (*take == "") == (*file == "") {
		return usagef("gobag resolve ID --take ours|theirs, or gobag resolve ID --file F", "resolve: give --take or --file")
	}
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	var saved *binder.Record
	if *take != "" {
		id, err := b.Resolve(ctx, pos[0])
		if err != nil {
			return err
		}
		if saved, err = b.ResolveConflicts(ctx, id, *take); err != nil {
			return err
		}
	} else {
		cur, err := b.Get(ctx, pos[0])
		if err != nil {
			return err
		}
		r, err := c.readRecordFile(*file)
		if err != nil {
			return err
		}
		if len(r.Conflicts) > 0 {
			return &binder.Error{Kind: binder.Invalid, Err: errors.New("the file still has [[conflicts]]"), Hint: "choose each value, remove the [[conflicts]] tables, then resolve again"}
		}
		if len(cur.Conflicts) == 0 {
			return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("record %s has no conflicts", cur.ID), Hint: "gobag edit changes a record"}
		}
		r.ID = cur.ID
		if saved, err = b.Update(ctx, r); err != nil {
			return err
		}
	}
	c.autoPack(ctx, b)
	fmt.Fprintf(c.stdout, "%s rev %d: conflicts resolved\n", saved.ID, saved.Rev)
	return nil
}
