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
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
	gitsync "gobag/sync"
)

// syncOptions are the transport options every sync command takes: t's
// timeout bounds connecting and each wait for data, its max time the
// whole operation with one remote.
func (c *cli) syncOptions(id *bcrypto.Identity, t timeFlags) gitsync.Options {
	return gitsync.Options{
		Identity:       id,
		Token:          c.remoteToken,
		ConnectTimeout: t.timeout,
		StallTimeout:   t.timeout,
		MaxTime:        t.maxTime,
		Progress:       c.progress(),
	}
}

// timeFlags are how long a command that reaches remotes waits.
type timeFlags struct {
	timeout, maxTime time.Duration
}

// addTimeoutFlag adds --timeout: how long to wait to connect, and for
// each piece of data.
func addTimeoutFlag(fs *flag.FlagSet, t *timeFlags) {
	fs.DurationVar(&t.timeout, "timeout", gitsync.DefaultTimeout, "give up on a remote that takes longer than `DURATION` to connect, or then to send or take any data")
}

// addTimeFlags adds --timeout and --max-time.
func addTimeFlags(fs *flag.FlagSet, t *timeFlags) {
	addTimeoutFlag(fs, t)
	fs.DurationVar(&t.maxTime, "max-time", gitsync.DefaultMaxTime, "stop working with a remote after `DURATION` in all, however slowly data still comes")
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
		return nil, &binder.Error{Kind: binder.Invalid, Err: err, Fix: &binder.Fix{Action: binder.ActionTokenFile, Remote: r.Name}}
	}
	return token, err
}

func newRemoteCommand() *Command {
	cmd := newCommand("gobag remote", "the places this binder syncs with", `
Remote lists the binder's remotes, each with its URL and its last sync.
A remote is a directory (a USB stick, a second disk), an SSH server
(ssh://user@host[:port]/path to a bare git repository) or an HTTPS git
server (https://host/path).`)
	cmd.Commands = []*Command{newRemoteAddCommand(), newRemoteRmCommand()}
	cmd.Run = runRemoteList
	return cmd
}

func runRemoteList(_ context.Context, c *cli, _ []string) error {
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

func newRemoteRmCommand() *Command {
	cmd := newCommand("gobag remote rm NAME", "remove a remote", `
Remote rm removes remote NAME from the binder's remotes. The remote itself
is untouched.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Run = func(_ context.Context, c *cli, args []string) error {
		dir, err := c.needBinder()
		if err != nil {
			return err
		}
		if err := gitsync.RemoveRemote(dir, args[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed remote %s (the remote itself is untouched)\n", args[0])
		return nil
	}
	return cmd
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
	accept, user, ca, sshKey string
	timeFlags
}

func addRemoteFlags(fs *flag.FlagSet, f *remoteFlags) {
	fs.StringVar(&f.accept, "accept-host-key", "", "SSH: pin the server's host key, whose `FINGERPRINT` (SHA256:…) you checked out of band")
	fs.StringVar(&f.user, "user", "", "HTTPS: log in as `USER` (the token is asked for, or read from GOBAG_REMOTE_TOKEN_FILE)")
	fs.StringVar(&f.ca, "ca-cert", "", "HTTPS: trust the server's certificate if the CA certificate in PEM `FILE` signed it")
	fs.StringVar(&f.sshKey, "ssh-key", "", "SSH: log in with the unencrypted private key in `FILE` (default: your identity's key)")
}

// remote makes the remote the flags describe, with local paths made
// absolute.
func (f remoteFlags) remote(name, url string) (*gitsync.Remote, error) {
	r := &gitsync.Remote{Name: name, URL: url, User: f.user, CACert: f.ca, SSHKey: f.sshKey}
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

func newRemoteAddCommand() *Command {
	var rf remoteFlags
	cmd := newCommand("gobag remote add NAME URL [--accept-host-key FINGERPRINT] [--user USER] [--ca-cert FILE] [--ssh-key FILE] [--timeout DURATION]", "add a remote", `
Remote add adds remote NAME at URL, in any form git takes:

  /media/usb/binder.git, ./binder.git   a directory (made a bare
                                         repository if it does not exist;
                                         a relative one starts with ./ or
                                         ../ and is made absolute)
  ssh://user@host[:port]/path            SSH
  user@host:path, [user@host:port]:path  SSH in git's scp-like form
  https://host/path                      HTTPS (http:// only to this machine)
  git://host/path                        git daemon: fetch only, read-only

It connects once to check the remote can be reached, within --timeout
(default 30s) for connecting and the first exchange. The first contact
with an SSH server shows its host key's fingerprint and refuses it: check
the fingerprint out of band, then add the remote again with
--accept-host-key to pin it. A changed host key is refused (exit 6).

Adding a remote again at the same URL changes the settings given
(--user, --ca-cert, --ssh-key, a host key accepted) and keeps the rest,
and its sync state.`)
	cmd.MinArgs, cmd.MaxArgs = 2, 2
	addRemoteFlags(cmd.Flag, &rf)
	addTimeoutFlag(cmd.Flag, &rf.timeFlags)
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		return runRemoteAdd(ctx, c, &rf, args[0], args[1])
	}
	return cmd
}

func runRemoteAdd(ctx context.Context, c *cli, rf *remoteFlags, name, url string) error {
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	r, err := rf.remote(name, url)
	if err != nil {
		return err
	}
	existing, err := gitsync.Remotes(dir)
	if err != nil {
		return err
	}
	if r, err = gitsync.AddRemote(ctx, dir, r, gitsync.AddOptions{AcceptHostKey: rf.accept, ConnectTimeout: rf.timeout}); err != nil {
		return err
	}
	for _, old := range existing {
		if old.Name == r.Name {
			fmt.Fprintf(c.stdout, "updated remote %s (%s): its settings changed, its sync state kept\n", r.Name, r.URL)
			return nil
		}
	}
	if r.Kind() == "git" {
		fmt.Fprintf(c.stdout, "added remote %s (%s), read-only: gobag sync %s takes in what it holds and sends nothing\n", r.Name, r.URL, r.Name)
		return nil
	}
	fmt.Fprintf(c.stdout, "added remote %s (%s); gobag sync %s sends it the binder\n", r.Name, r.URL, r.Name)
	return nil
}

type syncOptions struct {
	all bool
	timeFlags
}

func newSyncCommand() *Command {
	var opts syncOptions
	cmd := newCommand("gobag sync [NAME | --all] [--timeout DURATION] [--max-time DURATION]", "fetch, verify, merge and push with remotes", `
Sync brings this copy and remote NAME together: it fetches the remote's
history, verifies everything new (as gobag verify does), merges it record
by record, and sends back what the remote lacks. With one remote, NAME
may be left out; --all syncs with each remote in turn.

The same field changed differently on both sides keeps both values as a
conflict (gobag conflicts).

A remote that cannot be reached, or that stops sending or taking data,
is given up after --timeout (default 30s); a sync with one remote that
has not finished after --max-time (default 10m), however slowly data
still comes, is stopped. Either is exit 8: local changes stay for the
next sync, nothing unverified is taken in, and the binder is free again
for other commands. With --all, each remote has its own --max-time.`)
	cmd.MaxArgs = 1
	cmd.Flag.BoolVar(&opts.all, "all", false, "sync with every remote")
	addTimeFlags(cmd.Flag, &opts.timeFlags)
	cmd.Run = func(ctx context.Context, c *cli, args []string) error { return runSync(ctx, c, &opts, args) }
	return cmd
}

func runSync(ctx context.Context, c *cli, opts *syncOptions, args []string) error {
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
	case len(args) == 1 && !opts.all:
		names = args
	case len(args) == 0 && (opts.all || len(rs) == 1):
		for _, r := range rs {
			names = append(names, r.Name)
		}
	case len(rs) == 0:
		return &binder.Error{Kind: binder.NotExist, Err: errors.New("the binder has no remote"), Hint: "add one with", Fix: &binder.Fix{Action: binder.ActionAddRemote}}
	default:
		return usagef("gobag sync NAME, or gobag sync --all", "sync: which remote? (%d are set up)", len(rs))
	}
	return c.withBinder(ctx, func(b *binder.Binder) error {
		sopts := c.syncOptions(b.Identity(), opts.timeFlags)
		var reports []*gitsync.Report
		var firstErr error
		for _, name := range names {
			rep, err := gitsync.Sync(ctx, b, name, sopts)
			if err != nil {
				// One remote failing does not stop the others; the
				// first error is reported at the end, the others here.
				if firstErr != nil || len(names) > 1 {
					fmt.Fprintf(c.stderr, "gobag: sync %s failed: %v\n", name, err)
				}
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
		if c.asJSON {
			if reports == nil {
				reports = []*gitsync.Report{}
			}
			if err := c.printJSON(reports); err != nil {
				return err
			}
		}
		return firstErr
	})
}

func printSync(c *cli, rep *gitsync.Report) {
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	var said []string
	if m := rep.Merge; m != nil {
		switch {
		case m.FastForward:
			said = append(said, fmt.Sprintf("received %s, %s changed", count(m.Received, "commit", "commits"), count(m.Changed, "record", "records")))
		case m.Merged:
			said = append(said, fmt.Sprintf("merged %s, %s changed", count(m.Received, "commit", "commits"), count(m.Changed, "record", "records")))
		}
	}
	switch {
	case rep.Pushed && rep.Merge == nil:
		said = append(said, "the remote was empty: sent "+count(rep.Sent, "commit", "commits"))
	case rep.Pushed:
		said = append(said, "sent "+count(rep.Sent, "commit", "commits"))
	case rep.ReadOnly && rep.Unsent > 0:
		said = append(said, fmt.Sprintf("read-only remote: nothing sent; %s not on it", count(rep.Unsent, "commit is", "commits are")))
	}
	what := strings.Join(said, "; ")
	if what == "" {
		what = "already in step"
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

func newStatusCommand() *Command {
	var fetch bool
	var times timeFlags
	cmd := newCommand("gobag status [--fetch [--timeout DURATION] [--max-time DURATION]]", "each remote: ahead, behind, last sync", `
Status lists each remote with how many commits this copy is ahead of it
and behind it, as of the last sync (or, with --fetch, as the remote is
now: nothing is taken in), its last sync, and whether it is stale: not
synced within the binder's offsite_days. A remote that cannot be fetched
from within --timeout and --max-time (as for gobag sync) keeps its last
state, with the error.`)
	cmd.Flag.BoolVar(&fetch, "fetch", false, "ask each remote for its branch first (nothing is taken in)")
	addTimeFlags(cmd.Flag, &times)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		return runStatus(ctx, c, b, fetch, times)
	}
	return cmd
}

func runStatus(ctx context.Context, c *cli, b *binder.Binder, fetch bool, times timeFlags) error {
	set, err := readiness.SettingsOf(ctx, b)
	if err != nil {
		return err
	}
	sts, err := gitsync.Status(ctx, b, fetch, time.Duration(set.OffsiteDays)*24*time.Hour, c.syncOptions(b.Identity(), times))
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

func newCloneCommand() *Command {
	var expect string
	var rf remoteFlags
	cmd := newCommand("gobag clone URL --binder DIR --expect-fingerprint FINGERPRINT [--accept-host-key FINGERPRINT] [--user USER] [--ca-cert FILE] [--ssh-key FILE] [--timeout DURATION] [--max-time DURATION]", "make a copy of a binder (into --binder DIR)", `
Clone makes a copy of the binder at URL in the directory --binder names,
verifying its whole history, and checks that it is the binder a member
told you of: --expect-fingerprint takes the fingerprint that gobag init
printed (gobag verify prints it too). The copy's remote is origin. Your
identity must be a member of the binder to read it.

As with gobag sync, a remote that stops answering is given up after
--timeout, and fetching that has not finished after --max-time is
stopped (exit 8); nothing is left behind.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&expect, "expect-fingerprint", "", "expect the binder's fingerprint to be `FINGERPRINT` (SHA256:…), as a member gave it to you")
	addRemoteFlags(cmd.Flag, &rf)
	addTimeFlags(cmd.Flag, &rf.timeFlags)
	cmd.Run = func(ctx context.Context, c *cli, args []string) error { return runClone(ctx, c, expect, &rf, args[0]) }
	return cmd
}

func runClone(ctx context.Context, c *cli, expect string, rf *remoteFlags, url string) error {
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	r, err := rf.remote("origin", url)
	if err != nil {
		return err
	}
	id, err := c.loadIdentity()
	if err != nil {
		return err
	}
	opts := gitsync.CloneOptions{Options: c.syncOptions(id, rf.timeFlags), ExpectFingerprint: expect, AcceptHostKey: rf.accept, Remote: r}
	b, err := gitsync.Clone(ctx, r.URL, dir, id, opts)
	if err != nil {
		return err
	}
	defer b.Close()
	list, _ := b.List(ctx, "")
	fmt.Fprintf(c.stdout, "cloned binder %s into %s: %s, history verified; its remote is origin\n", b.Fingerprint(), dir, count(len(list), "record", "records"))
	return nil
}

func newConflictsCommand() *Command {
	cmd := newCommand("gobag conflicts", "records two copies changed differently", `
Conflicts lists the records in which sync found the same field changed
differently on two copies, with both values, who made each and from
which revision. gobag resolve settles them.`)
	cmd.RunBinder = runConflicts
	return cmd
}

func runConflicts(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
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

type resolveOptions struct{ take, file string }

func newResolveCommand() *Command {
	var opts resolveOptions
	cmd := newCommand("gobag resolve ID --take ours|theirs | --file FILE", "settle a record's conflicts", `
Resolve settles the conflicts of record ID: --take ours or --take theirs
keeps that side's value of every conflicting field; --file FILE saves the
record as it should be (gobag show ID, with each value chosen and the
[[conflicts]] tables removed).`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&opts.take, "take", "", "keep that side's value of every conflicting field: `ours|theirs`")
	cmd.Flag.StringVar(&opts.file, "file", "", "read the record as it should be from `FILE` (- for standard input)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error { return runResolve(ctx, c, &opts, args[0]) }
	return cmd
}

func runResolve(ctx context.Context, c *cli, opts *resolveOptions, id string) error {
	if (opts.take == "") == (opts.file == "") {
		return usagef("gobag resolve ID --take ours|theirs, or gobag resolve ID --file F", "resolve: give --take or --file")
	}
	var fromFile *binder.Record
	if opts.file != "" {
		var err error
		if fromFile, err = c.readRecordFile(opts.file); err != nil {
			return err
		}
		if len(fromFile.Conflicts) > 0 {
			return &binder.Error{Kind: binder.Invalid, Err: errors.New("the file still has [[conflicts]]"), Hint: "choose each value, remove the [[conflicts]] tables, then resolve again"}
		}
	}
	return c.withBinder(ctx, func(b *binder.Binder) error {
		var saved *binder.Record
		if fromFile == nil {
			full, err := b.Resolve(ctx, id)
			if err != nil {
				return err
			}
			if saved, err = b.ResolveConflicts(ctx, full, opts.take); err != nil {
				return err
			}
		} else {
			cur, err := b.Get(ctx, id)
			if err != nil {
				return err
			}
			if len(cur.Conflicts) == 0 {
				return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("record %s has no conflicts", cur.ID), Hint: "gobag edit changes a record"}
			}
			fromFile.ID = cur.ID
			if saved, err = b.Update(ctx, fromFile); err != nil {
				return err
			}
		}
		fmt.Fprintf(c.stdout, "%s rev %d: conflicts resolved\n", saved.ID, saved.Rev)
		return nil
	})
}
