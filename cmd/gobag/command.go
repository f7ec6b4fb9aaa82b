package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"gobag/binder"
)

// A Command is one gobag command, in the shape of cmd/go's: its usage
// line, its help, its own flags (each declared with its doc before the
// command line is parsed) and what it runs.
type Command struct {
	// UsageLine is the shape of the command line, "gobag add KIND …".
	// Its leading lower-case words are the command's name.
	UsageLine string
	// Short is the one-line summary that gobag help lists.
	Short string
	// Long is the help that gobag help COMMAND and gobag COMMAND -h print.
	Long string
	// Flag holds the command's own flags; the global ones are added when
	// the command line is parsed.
	Flag *flag.FlagSet
	// MinArgs and MaxArgs bound the positional arguments; MaxArgs < 0
	// means any number.
	MinArgs, MaxArgs int
	// ArgWords are the words the first argument may be, for completion.
	ArgWords func() []string

	// Run runs the command with its positional arguments.
	Run func(ctx context.Context, c *cli, args []string) error
	// RunBinder, set instead of Run, runs the command on the binder,
	// opened for it by cli.withBinder.
	RunBinder func(ctx context.Context, c *cli, b *binder.Binder, args []string) error

	// Commands are the sub-commands. Run, if set, runs when none is
	// named.
	Commands []*Command
}

// newCommand returns a command with an empty flag set.
func newCommand(usage, short, long string) *Command {
	cmd := &Command{UsageLine: usage, Short: short, Long: strings.TrimSpace(long)}
	cmd.Flag = flag.NewFlagSet(cmd.LongName(), flag.ContinueOnError)
	cmd.Flag.SetOutput(io.Discard)
	return cmd
}

// LongName is the command's name with its parents': "remote add".
func (cmd *Command) LongName() string {
	var name []string
	for i, w := range strings.Fields(cmd.UsageLine) {
		if i == 0 {
			continue // gobag
		}
		if w[0] < 'a' || w[0] > 'z' || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz-") != "" {
			break
		}
		name = append(name, w)
	}
	return strings.Join(name, " ")
}

// Name is the word that names the command on the command line: "add".
func (cmd *Command) Name() string {
	n := cmd.LongName()
	return n[strings.LastIndex(n, " ")+1:]
}

// lookup returns the sub-command named name, or nil.
func (cmd *Command) lookup(name string) *Command {
	for _, sub := range cmd.Commands {
		if sub.Name() == name {
			return sub
		}
	}
	return nil
}

// runnable reports whether the command runs itself, rather than only
// grouping sub-commands.
func (cmd *Command) runnable() bool { return cmd.Run != nil || cmd.RunBinder != nil }

// errHelp is returned by parse when the command line asks for help.
var errHelp = flag.ErrHelp

// dispatch runs the command (or the sub-command args name) with args.
func (c *cli) dispatch(ctx context.Context, cmd *Command, args []string) error {
	if len(cmd.Commands) > 0 {
		// Flags may come before a sub-command: gobag --binder DIR list.
		rest := args
		if len(rest) > 0 && strings.HasPrefix(rest[0], "-") && rest[0] != "-" {
			fs := c.flagSet(cmd)
			if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
				c.help(c.stdout, cmd)
				return nil
			} else if err != nil {
				return c.flagError(cmd, err)
			}
			rest = fs.Args()
		}
		if len(rest) > 0 {
			if sub := cmd.lookup(rest[0]); sub != nil {
				return c.dispatch(ctx, sub, rest[1:])
			}
			if !strings.HasPrefix(rest[0], "-") && cmd.MaxArgs == 0 {
				return c.unknownCommand(cmd, rest[0])
			}
		}
	}
	pos, err := c.parse(cmd, args)
	if errors.Is(err, errHelp) {
		c.help(c.stdout, cmd)
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case cmd.RunBinder != nil:
		return c.withBinder(ctx, func(b *binder.Binder) error { return cmd.RunBinder(ctx, c, b, pos) })
	case cmd.Run != nil:
		return cmd.Run(ctx, c, pos)
	}
	var names []string
	for _, sub := range cmd.Commands {
		names = append(names, sub.Name())
	}
	return usagef("gobag help "+cmd.LongName()+" describes them",
		"%s: which one? %s", cmd.LongName(), strings.Join(names, ", "))
}

func (c *cli) unknownCommand(parent *Command, name string) error {
	hint := "gobag help lists the commands"
	if parent.LongName() != "" {
		hint = "gobag help " + parent.LongName() + " lists them"
	}
	best, bestDist := "", 3
	for _, sub := range parent.Commands {
		if d := editDistance(name, sub.Name()); d < bestDist {
			best, bestDist = sub.Name(), d
		}
	}
	if best != "" {
		hint = "did you mean " + strings.TrimSpace(parent.LongName()+" "+best) + "? " + hint
	}
	return usagef(hint, "unknown command %q", strings.TrimSpace(parent.LongName()+" "+name))
}

// flagSet returns a flag set holding the command's flags and the global
// ones, bound to the same variables.
func (c *cli) flagSet(cmd *Command) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.LongName(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	add := func(f *flag.Flag) {
		if fs.Lookup(f.Name) == nil {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	}
	cmd.Flag.VisitAll(add)
	c.globals.VisitAll(add)
	return fs
}

// parse parses args against the command's flags and the global ones,
// flags being accepted anywhere among the arguments, and returns the
// positional arguments. It returns errHelp for -h or --help.
func (c *cli) parse(cmd *Command, args []string) ([]string, error) {
	fs := c.flagSet(cmd)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, c.flagError(cmd, err)
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
	if len(pos) < cmd.MinArgs || (cmd.MaxArgs >= 0 && len(pos) > cmd.MaxArgs) {
		return nil, usagef("usage: "+cmd.UsageLine, "%s: wrong number of arguments", cmd.LongName())
	}
	return pos, nil
}

func (c *cli) flagError(cmd *Command, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	name := cmd.LongName()
	if name == "" {
		return usagef("gobag help lists the flags", "%v", err)
	}
	return usagef("gobag help "+name+" lists its flags", "%s: %v", name, err)
}

// help prints the help of cmd: its usage, its long text, its flags and
// the global ones; a command's sub-commands are described in full.
func (c *cli) help(w io.Writer, cmd *Command) {
	if cmd.LongName() == "" {
		c.mainHelp(w, cmd)
		return
	}
	prefix := "usage: "
	if cmd.runnable() {
		fmt.Fprintf(w, "%s%s\n", prefix, cmd.UsageLine)
		prefix = "       "
	}
	for _, sub := range cmd.Commands {
		fmt.Fprintf(w, "%s%s\n", prefix, sub.UsageLine)
		prefix = "       "
	}
	fmt.Fprintf(w, "\n%s\n", cmd.Long)
	if hasFlags(cmd.Flag) {
		fmt.Fprintln(w, "\nflags:")
		printFlags(w, cmd.Flag)
	}
	for _, sub := range cmd.Commands {
		fmt.Fprintf(w, "\n%s\n\n%s\n", sub.UsageLine, indent(sub.Long, "    "))
		if hasFlags(sub.Flag) {
			fmt.Fprintf(w, "\n    flags of %s:\n", sub.LongName())
			var b strings.Builder
			printFlags(&b, sub.Flag)
			fmt.Fprint(w, indent(b.String(), "    "))
		}
	}
	fmt.Fprintln(w, "\nglobal flags, accepted anywhere on the line:")
	printFlags(w, c.globals)
}

// mainHelp prints gobag's own help: what it is, the commands, the global
// flags and the environment.
func (c *cli) mainHelp(w io.Writer, root *Command) {
	fmt.Fprintf(w, "%s\n\n", root.Long)
	fmt.Fprintln(w, "usage: gobag [--binder DIR] [--identity FILE]   open the desktop app")
	fmt.Fprintln(w, "       gobag COMMAND [ARGUMENTS] [FLAGS]        run a command")
	fmt.Fprintln(w, "\ncommands:")
	width := 0
	for _, cmd := range root.Commands {
		width = max(width, len(cmd.Name()))
	}
	for _, cmd := range root.Commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, cmd.Name(), cmd.Short)
	}
	fmt.Fprintln(w, "\nglobal flags, accepted anywhere on the line:")
	printFlags(w, c.globals)
	fmt.Fprintln(w, "\nflags of gobag alone:")
	printFlags(w, root.Flag)
	fmt.Fprintf(w, "  %-*s  %s\n", flagColumn-4, "-h, --help", "print this help (after a command: that command's)")
	fmt.Fprint(w, `
environment:
  GOBAG_BINDER             the binder directory, where --binder is not given
  GOBAG_IDENTITY           the identity file, where --identity is not given
  GOBAG_PASSPHRASE_FILE    a file whose first line is the identity's passphrase
  GOBAG_REMOTE_TOKEN_FILE  a file whose first line is an HTTPS remote's token
  GOBAG_WAIT               how long to wait for a busy binder, where --wait is not given

gobag help COMMAND describes a command, its arguments and its flags.
`)
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// flagName is how help writes a flag: -n N, --file FILE.
func flagName(f *flag.Flag) string {
	arg, _ := flag.UnquoteUsage(f)
	name := "--" + f.Name
	if len(f.Name) == 1 {
		name = "-" + f.Name
	}
	if arg != "" {
		name += " " + arg
	}
	return name
}

// flagColumn is where a flag's doc starts in help, so that the docs of a
// command's flags and of the global ones line up.
const flagColumn = 20

// printFlags prints each flag with its doc and default, in two columns; a
// flag too long for the first goes on a line of its own.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	width := flagColumn - 4
	fs.VisitAll(func(f *flag.Flag) {
		_, doc := flag.UnquoteUsage(f)
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "0s" && d != "[]" {
			doc += " (default " + d + ")"
		}
		name := flagName(f)
		if len(name) > width {
			fmt.Fprintf(w, "  %s\n  %*s  %s\n", name, width, "", doc)
			return
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, name, doc)
	})
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

func newHelpCommand(root *Command) *Command {
	cmd := newCommand("gobag help [COMMAND [SUB-COMMAND]…]", "describe a command, its arguments and its flags", `
Help describes a command: its usage, what it does, its flags and the
global ones. gobag COMMAND -h prints the same. With no command, it lists
the commands.`)
	cmd.MaxArgs = 3
	cmd.ArgWords = func() []string {
		var names []string
		for _, sub := range root.Commands {
			names = append(names, sub.Name())
		}
		return names
	}
	cmd.Run = func(_ context.Context, c *cli, args []string) error {
		target := root
		for _, name := range args {
			sub := target.lookup(name)
			if sub == nil {
				return c.unknownCommand(target, name)
			}
			target = sub
		}
		c.help(c.stdout, target)
		return nil
	}
	return cmd
}
