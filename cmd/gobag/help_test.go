package main

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// runCLI runs one command line in this process and returns its exit code
// and output.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	getenv := func(k string) string { return env[k] }
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// allCommands returns the long name of every command and sub-command.
func allCommands() []string {
	var names []string
	var walk func(cmd *Command)
	walk = func(cmd *Command) {
		if n := cmd.LongName(); n != "" {
			names = append(names, n)
		}
		for _, sub := range cmd.Commands {
			walk(sub)
		}
	}
	walk(newCLI(nil, nil, nil, os.Getenv).commands())
	return names
}

// Help is asked for in any of the usual ways, goes to standard output and
// exits 0.
func TestHelpOnStdout(t *testing.T) {
	_, want, _ := runCLI(t, nil, "help")
	if !strings.Contains(want, "commands:") || !strings.Contains(want, "recovery-order") {
		t.Fatalf("gobag help lists no commands:\n%s", want)
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}, {"--binder", "x", "--help"}} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != 0 || errOut != "" || out != want {
			t.Errorf("gobag %s: exit %d, stderr %q, stdout differs: %v; want exit 0, gobag help's text on stdout",
				strings.Join(args, " "), code, errOut, out != want)
		}
	}
}

// gobag help CMD and gobag CMD -h print the same: the usage line, the long
// help, every flag of the command with its doc, and the global flags.
func TestCommandHelp(t *testing.T) {
	for _, name := range allCommands() {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			words := strings.Fields(name)
			code, want, errOut := runCLI(t, nil, append([]string{"help"}, words...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("gobag help %s: exit %d, stderr %q; want 0 and nothing", name, code, errOut)
			}
			for _, h := range []string{"-h", "--help"} {
				code, out, errOut := runCLI(t, nil, append(words, h)...)
				if code != 0 || errOut != "" || out != want {
					t.Errorf("gobag %s %s: exit %d, stderr %q, same text as gobag help %s: %v; want exit 0 and the same text",
						name, h, code, errOut, name, out == want)
				}
			}
			cmd := lookupCommand(t, words)
			usages := []string{cmd.UsageLine}
			if !cmd.runnable() {
				usages = nil // a group of sub-commands has their usages
			}
			for _, sub := range cmd.Commands {
				usages = append(usages, sub.UsageLine)
			}
			for i, u := range usages {
				line := "       " + u + "\n"
				if i == 0 {
					line = "usage: " + u + "\n"
				}
				if !strings.Contains(want, line) {
					t.Errorf("help lacks the usage line %q:\n%s", u, want)
				}
			}
			if !strings.Contains(want, cmd.Long) || cmd.Long == "" || cmd.Short == "" {
				t.Errorf("help lacks the long text, or the command has none:\n%s", want)
			}
			for _, flag := range []string{"--binder DIR", "--identity FILE", "--json", "--wait DURATION"} {
				if !strings.Contains(want, flag) {
					t.Errorf("help lacks the global flag %s", flag)
				}
			}
			for _, f := range helpFlags(want) {
				if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `\b.*\S+`).MatchString(want) {
					t.Errorf("flag %s has no doc", f)
				}
			}
		})
	}
}

func lookupCommand(t *testing.T, words []string) *Command {
	cmd := newCLI(nil, nil, nil, os.Getenv).commands()
	for _, w := range words {
		if cmd = cmd.lookup(w); cmd == nil {
			t.Fatalf("no command %v", words)
		}
	}
	return cmd
}

// helpFlags returns the flags a help text lists, as --name or -n.
func helpFlags(help string) []string {
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(--?[a-z][a-z0-9-]*)`).FindAllStringSubmatch(help, -1) {
		if !slices.Contains(flags, m[1]) {
			flags = append(flags, m[1])
		}
	}
	return flags
}

// Every flag README.md documents is in the help of some command, and every
// flag in the help is in README.md.
func TestReadmeFlagsMatchHelp(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, all, _ := runCLI(t, nil, "help")
	for _, name := range allCommands() {
		_, out, _ := runCLI(t, nil, append([]string{"help"}, strings.Fields(name)...)...)
		all += out
	}
	inHelp := helpFlags(all)
	// Flags of other programs that README.md shows (git init --bare).
	others := []string{"--bare"}
	for _, m := range regexp.MustCompile(`(?:^|[\s\[(`+"`"+`])(--[a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(readme), -1) {
		if f := m[1]; !slices.Contains(inHelp, f) && !slices.Contains(others, f) {
			t.Errorf("README.md documents %s, which no command's help lists", f)
		}
	}
	for _, f := range inHelp {
		if f == "-h" {
			continue
		}
		if !regexp.MustCompile(`(^|[\s\[(` + "`" + `])` + regexp.QuoteMeta(f) + `\b`).Match(readme) {
			t.Errorf("help lists %s, which README.md does not document", f)
		}
	}
}

// The summaries in gobag help start in one column.
func TestHelpColumns(t *testing.T) {
	_, out, _ := runCLI(t, nil, "help")
	_, list, ok := strings.Cut(out, "\ncommands:\n")
	if !ok {
		t.Fatalf("no commands: section:\n%s", out)
	}
	list, _, _ = strings.Cut(list, "\n\n")
	lines := strings.Split(list, "\n")
	if len(lines) != len(newCLI(nil, nil, nil, os.Getenv).commands().Commands) {
		t.Fatalf("got %d command lines; want one per command:\n%s", len(lines), list)
	}
	re := regexp.MustCompile(`^  [a-z-]+ +()\S`)
	col := -1
	for _, l := range lines {
		m := re.FindStringSubmatchIndex(l)
		if m == nil {
			t.Fatalf("line %q is not a command and its summary", l)
		}
		if col == -1 {
			col = m[2]
		}
		if m[2] != col {
			t.Errorf("summary of %q starts at column %d; want %d", l, m[2], col)
		}
	}
}

// A command line gobag cannot parse exits 2 with an error and a hint.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"lsit"}, `unknown command "lsit"`},
		{[]string{"list", "--frob"}, "list: flag provided but not defined: -frob"},
		{[]string{"remote", "frob"}, `unknown command "remote frob"`},
		{[]string{"id"}, "id: which one? new, export, show, card"},
		{[]string{"help", "frob"}, `unknown command "frob"`},
		{[]string{"show"}, "show: wrong number of arguments"},
		{[]string{"--frob"}, "flag provided but not defined: -frob"},
	} {
		code, out, errOut := runCLI(t, nil, tc.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "gobag: error: "+tc.want+"\ngobag: hint: ") {
			t.Errorf("gobag %s: exit %d, stdout %q, stderr %q; want exit 2, gobag: error: %s and a hint",
				strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
	if _, _, errOut := runCLI(t, nil, "lsit"); !strings.Contains(errOut, "did you mean list?") {
		t.Errorf("gobag lsit: %q; want a suggestion of list", errOut)
	}
}

// Global flags may come before the command.
func TestGlobalFlagsBeforeCommand(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "--json", "kinds")
	if code != 0 || !strings.HasPrefix(out, "[") {
		t.Fatalf("gobag --json kinds: exit %d, %q, %q; want a JSON array", code, out, errOut)
	}
}
