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
	"time"

	"golang.org/x/term"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// testOnlyScryptWorkFactor, when set by tests, replaces the scrypt work
// factor for new identities so that tests do not spend a second each.
var testOnlyScryptWorkFactor int

// defaultWait is how long a command waits for a binder that another gobag
// process has open, unless --wait or GOBAG_WAIT says otherwise.
const defaultWait = 30 * time.Second

// cli is one invocation's environment and global flags.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// rawStdout and rawStderr are the outputs as they are: for JSON, the
	// record file show writes, and progress lines; stdout and stderr
	// escape control characters (safeWriter).
	rawStdout, rawStderr io.Writer
	// acceptHistory opens a binder whose branch does not continue the
	// history this copy verified (reindex --accept-history).
	acceptHistory bool
	getenv        func(string) string

	// globals are the flags every command accepts, bound to the fields
	// below.
	globals      *flag.FlagSet
	binderDir    string
	identityPath string
	asJSON       bool
	wait         time.Duration
	// endAsks end the asks this invocation made for busy binders (see
	// waitFor), once it is done with them.
	endAsks []func()
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *cli {
	c := &cli{stdin: stdin, stdout: &safeWriter{w: stdout}, stderr: &safeWriter{w: stderr}, rawStdout: stdout, rawStderr: stderr, getenv: getenv}
	fs := flag.NewFlagSet("gobag", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.binderDir, "binder", "", "open the binder in `DIR` (or GOBAG_BINDER)")
	fs.StringVar(&c.identityPath, "identity", "", "read your identity from `FILE` (or GOBAG_IDENTITY; default ~/.config/gobag/identity.age)")
	fs.BoolVar(&c.asJSON, "json", false, "print the result as JSON")
	fs.DurationVar(&c.wait, "wait", defaultWait, "wait up to `DURATION` while another gobag process has the binder open; 0 fails at once (or GOBAG_WAIT)")
	c.globals = fs
	// The environment gives the defaults after the flags are declared, so
	// that help shows none of its values.
	c.binderDir = getenv("GOBAG_BINDER")
	c.identityPath = getenv("GOBAG_IDENTITY")
	return c
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := newCLI(stdin, stdout, stderr, getenv)
	if w := getenv("GOBAG_WAIT"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil || d < 0 {
			return report(stderr, usagef("set it to a duration such as 30s or 2m, or 0 to fail at once", "GOBAG_WAIT=%q is not a duration", w))
		}
		c.wait = d
	}
	err := c.dispatch(ctx, c.commands(), args)
	for _, end := range c.endAsks {
		end()
	}
	return report(stderr, err)
}

// commands returns the command table: gobag itself, whose sub-commands
// are the commands. It is built afresh for each command line, so that no
// flag value outlives it.
func (c *cli) commands() *Command {
	root := newDesktopCommand()
	root.Commands = []*Command{
		newIDCommand(),
		newInitCommand(),
		newDemoCommand(),
		newMemberCommand(),
		newSecretCommand(),
		newAuditCommand(),
		newApproveCommand(),
		newRecoveryKeyCommand(),
		newAddCommand(),
		newImportCommand(),
		newExportCommand(),
		newListCommand(),
		newShowCommand(),
		newEditCommand(),
		newRmCommand(),
		newLogCommand(),
		newSearchCommand(),
		newCheckCommand(),
		newRecoveryOrderCommand(),
		newActionsCommand(),
		newCallTreeCommand(),
		newProgrammeCommand(),
		newRisksCommand(),
		newTimelineCommand(),
		newRemoteCommand(),
		newSyncCommand(),
		newStatusCommand(),
		newCloneCommand(),
		newConflictsCommand(),
		newResolveCommand(),
		newVerifyCommand(),
		newReindexCommand(),
		newGCCommand(),
		newKindsCommand(),
		newCompletionCommand(root),
		newVersionCommand(),
		newHelpCommand(root),
	}
	return root
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
		return nil, &binder.Error{Kind: binder.Invalid, Err: err, Fix: &binder.Fix{Action: binder.ActionPassphraseFile}}
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
			return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("the passphrases differ"), Fix: &binder.Fix{Action: binder.ActionRetry}}
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
		return nil, &binder.Error{Kind: binder.NotExist, Err: fmt.Errorf("no identity at %s", path), Hint: "create one with", Fix: &binder.Fix{Action: binder.ActionNewIdentity}}
	}
	if err != nil {
		return nil, err
	}
	id, err := bcrypto.OpenIdentity(data, func() ([]byte, error) {
		return c.passphrase("Passphrase for "+path+": ", false)
	})
	if errors.Is(err, errNoTerminal) {
		// The identity is sealed and nothing can give its passphrase.
		return nil, &binder.Error{Kind: binder.CannotDecrypt, Err: fmt.Errorf("identity %s is sealed with a passphrase, and there is no terminal to ask for it", path), Fix: &binder.Fix{Action: binder.ActionPassphraseFile}}
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

// open opens the binder the global flags name. The identity is loaded
// (and its passphrase asked for) once; then, while another gobag process
// has the binder open, open tries again until c.wait has passed.
func (c *cli) open(ctx context.Context) (*binder.Binder, error) {
	dir, err := c.needBinder()
	if err != nil {
		return nil, err
	}
	id, err := c.loadIdentity()
	if err != nil {
		return nil, err
	}
	return c.waitFor(ctx, dir, func() (*binder.Binder, error) {
		opts := []binder.Option{binder.WithProgress(c.progress()), binder.WithWarnings(func(msg string) {
			fmt.Fprintf(c.stderr, "gobag: warning: %s\n", msg)
		})}
		if c.acceptHistory {
			opts = append(opts, binder.AcceptHistory())
		}
		return binder.Open(ctx, dir, id, opts...)
	})
}

// waitPoll is how often a command waiting for a busy binder tries again.
const waitPoll = 75 * time.Millisecond

// waitFor calls open until it returns anything but a binder.Locked error,
// for at most c.wait. While it waits it asks for the binder, so that the
// desktop app, which lends it, closes it (docs/adr/0002); the ask lasts
// until the command is done. After a second it says once on standard
// error what it is waiting for.
func (c *cli) waitFor(ctx context.Context, dir string, open func() (*binder.Binder, error)) (*binder.Binder, error) {
	start := time.Now()
	told, asked := false, false
	for {
		b, err := open()
		if binder.KindOf(err) != binder.Locked || c.wait <= 0 {
			return b, err
		}
		if !asked {
			// An ask that cannot be made leaves plain waiting.
			if end, err := binder.Ask(dir); err == nil {
				c.endAsks = append(c.endAsks, end)
			}
			asked = true
		}
		waited := time.Since(start)
		if waited >= c.wait {
			return nil, &binder.Error{Kind: binder.Locked, Err: fmt.Errorf("%w (waited %s)", err, c.wait)}
		}
		if !told && waited >= time.Second {
			fmt.Fprintf(c.stderr, "gobag: waiting for another gobag process to finish with %s…\n", dir)
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(min(waitPoll, c.wait-waited)):
		}
	}
}

// withBinder opens the binder (see open), runs fn on it, packs its loose
// objects if fn saved anything, and closes it.
func (c *cli) withBinder(ctx context.Context, fn func(b *binder.Binder) error) error {
	b, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	tip := b.Tip()
	err = fn(b)
	if b.Tip() != tip {
		c.autoPack(ctx, b)
	}
	return err
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

// progress returns a reporter that shows long work on standard error when
// it is a terminal, and nil otherwise (scripts see no progress lines).
func (c *cli) progress() binder.Progress {
	f, ok := c.rawStderr.(*os.File)
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
	enc := json.NewEncoder(c.rawStdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
