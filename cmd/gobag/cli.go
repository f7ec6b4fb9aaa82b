package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// testOnlyScryptWorkFactor, when set by tests, replaces the scrypt work
// factor for new identities so that tests do not spend a second each.
var testOnlyScryptWorkFactor int

// cli is one invocation's environment.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	binderDir    string
	identityPath string
	asJSON       bool
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"id", "new|export|show", "create, export or show your identity", cmdID},
		{"init", "--name NAME", "create a new binder", cmdInit},
		{"demo", "", "create the demo binder and its identities", cmdDemo},
		{"add", "KIND --file F | --title T [--set k=v]… | plan --template TYPE", "add a record; prints its id", cmdAdd},
		{"list", "[KIND]", "list records", cmdList},
		{"show", "ID", "show a record", cmdShow},
		{"edit", "ID --file F | --set k=v…", "save a new revision of a record", cmdEdit},
		{"rm", "ID", "delete a record (a signed tombstone)", cmdRm},
		{"log", "[ID] [-n N]", "history: who changed what, when", cmdLog},
		{"search", "QUERY [--kind K] [-n N]", "find records by their words", cmdSearch},
		{"check", "[--rules]", "the readiness report: what the plans lack", cmdCheck},
		{"recovery-order", "", "systems in the order they must be restored", cmdRecoveryOrder},
		{"timeline", "INCIDENT [TEXT] [--at TIME]", "an incident's timeline; with TEXT, log an entry", cmdTimeline},
		{"remote", "[add NAME URL | rm NAME]", "the places this binder syncs with", cmdRemote},
		{"sync", "[NAME | --all]", "fetch, verify, merge and push with remotes", cmdSync},
		{"status", "[--fetch]", "each remote: ahead, behind, last sync", cmdStatus},
		{"clone", "URL --expect-fingerprint FP", "make a copy of a binder (into --binder DIR)", cmdClone},
		{"conflicts", "", "records two copies changed differently", cmdConflicts},
		{"resolve", "ID --take ours|theirs | --file F", "settle a record's conflicts", cmdResolve},
		{"verify", "", "check every commit, envelope and roster", cmdVerify},
		{"reindex", "", "rebuild the local index from git", cmdReindex},
		{"gc", "", "pack the repository's objects (as git gc)", cmdGC},
		{"kinds", "[KIND]", "list the kinds of record, or a kind's fields", cmdKinds},
	}
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return report(stderr, c.desktop(args))
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "--help" {
		c.usage(stdout)
		return 0
	}
	for _, cmd := range commands {
		if cmd.name == name {
			return report(stderr, cmd.run(ctx, c, rest))
		}
	}
	c.usage(stderr)
	return report(stderr, usagef("gobag help lists the commands", "unknown command %q", name))
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gobag [--binder DIR] [--identity FILE]          open the desktop app")
	fmt.Fprintln(w, "       gobag COMMAND [ARGS] [--binder DIR] [--identity FILE] [--json]")
	fmt.Fprintln(w)
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-8s %-40s %s\n", cmd.name, cmd.args, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "environment: GOBAG_BINDER, GOBAG_IDENTITY, GOBAG_PASSPHRASE_FILE")
}

// flags returns a flag set with the global options bound.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.binderDir, "binder", c.getenv("GOBAG_BINDER"), "binder directory")
	fs.StringVar(&c.identityPath, "identity", c.getenv("GOBAG_IDENTITY"), "identity file")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON")
	return fs
}

// parse parses flags anywhere among the arguments and returns the rest.
func parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("gobag help lists the options", "%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minPos || (maxPos >= 0 && len(pos) > maxPos) {
		return nil, usagef("gobag help lists the commands and their arguments", "%s: wrong number of arguments", fs.Name())
	}
	return pos, nil
}

func (c *cli) needBinder() (string, error) {
	if c.binderDir == "" {
		return "", usagef("pass --binder DIR or set GOBAG_BINDER", "no binder given")
	}
	return filepath.Clean(c.binderDir), nil
}

func (c *cli) identityFile() (string, error) {
	if c.identityPath != "" {
		return c.identityPath, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usagef("pass --identity FILE or set GOBAG_IDENTITY", "no identity file: %v", err)
	}
	return filepath.Join(dir, "gobag", "identity.age"), nil
}

// passphrase reads it from GOBAG_PASSPHRASE_FILE or the terminal.
func (c *cli) passphrase(prompt string, confirm bool) ([]byte, error) {
	if f := c.getenv("GOBAG_PASSPHRASE_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("passphrase file: %w", err), Hint: "check GOBAG_PASSPHRASE_FILE"}
		}
		line, _, _ := strings.Cut(string(data), "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("passphrase file is empty"), Hint: "write the passphrase on the file's first line"}
		}
		return []byte(line), nil
	}
	pass, err := c.secret(prompt)
	if errors.Is(err, errNoTerminal) {
		return nil, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "set GOBAG_PASSPHRASE_FILE to a file holding the passphrase"}
	}
	if err != nil {
		return nil, err
	}
	if confirm {
		again, err := c.secret("Repeat passphrase: ")
		if err != nil {
			return nil, err
		}
		if string(again) != string(pass) {
			return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("the passphrases differ"), Hint: "run the command again"}
		}
	}
	if len(pass) == 0 {
		return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("empty passphrase"), Hint: "use --plain for an unencrypted identity"}
	}
	return pass, nil
}

// errNoTerminal is the error of secret where there is no terminal to ask
// on; each caller says what to do instead.
var errNoTerminal = errors.New("no terminal to ask")

// secret asks for a secret on the terminal, without echo.
func (c *cli) secret(prompt string) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", errNoTerminal, strings.TrimSuffix(prompt, ": "))
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	s, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	return s, err
}

func (c *cli) loadIdentity() (*bcrypto.Identity, error) {
	path, err := c.identityFile()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("no identity at %s", path), Hint: "create one with: gobag id new"}
	}
	if err != nil {
		return nil, err
	}
	id, err := bcrypto.OpenIdentity(data, func() ([]byte, error) {
		return c.passphrase("Passphrase for "+path+": ", false)
	})
	if errors.Is(err, errNoTerminal) {
		// The identity is sealed and nothing can give its passphrase.
		return nil, &binder.Error{Kind: binder.CannotDecrypt, Err: fmt.Errorf("identity %s is sealed with a passphrase, and there is no terminal to ask for it", path), Hint: "set GOBAG_PASSPHRASE_FILE to a file holding the passphrase"}
	}
	if errors.Is(err, bcrypto.ErrWrongPassphrase) {
		return nil, &binder.Error{Kind: binder.CannotDecrypt, Err: fmt.Errorf("identity %s: wrong passphrase", path), Hint: "check the passphrase (GOBAG_PASSPHRASE_FILE, if set)"}
	}
	if err != nil {
		return nil, &binder.Error{Kind: binder.KindOf(err), Err: fmt.Errorf("%s: %w", path, err)}
	}
	if !bcrypto.IsSealed(data) {
		fmt.Fprintf(c.stderr, "gobag: warning: identity %s is not protected by a passphrase\n", path)
	}
	return id, nil
}

func (c *cli) open(ctx context.Context) (*binder.Binder, error) {
	dir, err := c.needBinder()
	if err != nil {
		return nil, err
	}
	id, err := c.loadIdentity()
	if err != nil {
		return nil, err
	}
	return binder.Open(ctx, dir, id, binder.WithProgress(c.progress()))
}

// progress returns a reporter that shows long work on standard error when
// it is a terminal, and nil otherwise (scripts see no progress lines).
func (c *cli) progress() binder.Progress {
	f, ok := c.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var last time.Time
	return func(stage string, done, total int) {
		final := total > 0 && done == total
		if !final && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		if total > 0 {
			fmt.Fprintf(f, "\r\033[K%s: %d/%d", stage, done, total)
		} else {
			fmt.Fprintf(f, "\r\033[K%s: %d", stage, done)
		}
		if final {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdKinds(_ context.Context, c *cli, args []string) error {
	pos, err := parse(c.flags("kinds"), args, 0, 1)
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		return c.kindFields(pos[0])
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
