package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// completionScript writes gobag completion SHELL's script to a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	code, script, errOut := runCLI(t, nil, "completion", shell)
	if code != 0 || errOut != "" {
		t.Fatalf("gobag completion %s: exit %d, %s", shell, code, errOut)
	}
	path := filepath.Join(t.TempDir(), "gobag."+shell)
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A completion case: the words typed so far (the last one being
// completed) and words the completions must and must not hold.
type completionCase struct {
	line      []string
	want, not []string
}

func completionCases(dir string) []completionCase {
	return []completionCase{
		{line: []string{"gobag", "ad"}, want: []string{"add"}, not: []string{"list"}},
		{line: []string{"gobag", ""}, want: []string{"add", "recovery-order", "remote", "completion", "version", "help"}},
		{line: []string{"gobag", "add", ""}, want: []string{"contact", "plan", "system", "function"}, not: []string{"add"}},
		{line: []string{"gobag", "list", "sy"}, want: []string{"system"}},
		{line: []string{"gobag", "kinds", "r"}, want: []string{"runbook"}},
		{line: []string{"gobag", "add", "contact", "--t"}, want: []string{"--title"}},
		{line: []string{"gobag", "add", "contact", "--"}, want: []string{"--file", "--set", "--template", "--binder", "--identity", "--json", "--wait"}, not: []string{"--take"}},
		{line: []string{"gobag", "remote", ""}, want: []string{"add", "rm"}},
		{line: []string{"gobag", "remote", "add", "--"}, want: []string{"--accept-host-key", "--ca-cert", "--ssh-key", "--user", "--timeout"}},
		{line: []string{"gobag", "id", ""}, want: []string{"new", "export", "show"}},
		{line: []string{"gobag", "id", "new", "--"}, want: []string{"--handle", "--plain"}},
		{line: []string{"gobag", "resolve", "abcd", "--take", ""}, want: []string{"ours", "theirs"}},
		{line: []string{"gobag", "add", "plan", "--template", ""}, want: []string{"bcp", "drp"}},
		{line: []string{"gobag", "search", "--kind", "ve"}, want: []string{"vendor"}},
		{line: []string{"gobag", "completion", ""}, want: []string{"bash", "zsh", "fish"}},
		{line: []string{"gobag", "show", "--binder", filepath.Join(dir, "bi")}, want: []string{filepath.Join(dir, "binder")}, not: []string{filepath.Join(dir, "bill.md")}},
		{line: []string{"gobag", "edit", "abcd", "--file", filepath.Join(dir, "bi")}, want: []string{filepath.Join(dir, "bill.md")}},
		{line: []string{"gobag", "--identity", filepath.Join(dir, "id")}, want: []string{filepath.Join(dir, "id.age")}},
		// a flag's value is not taken for a command
		{line: []string{"gobag", "--binder", "add", ""}, want: []string{"add", "list"}},
	}
}

// completionDir makes a directory with a binder directory and files for
// the completion of paths.
func completionDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"bill.md", "id.age"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "binder"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checkCompletions(t *testing.T, c completionCase, got []string) {
	t.Helper()
	has := func(w string) bool {
		for _, g := range got {
			if g == w || g == w+"/" {
				return true
			}
		}
		return false
	}
	for _, w := range c.want {
		if !has(w) {
			t.Errorf("%q: got %q; want %s among them", strings.Join(c.line, " "), got, w)
		}
	}
	for _, w := range c.not {
		if has(w) {
			t.Errorf("%q: got %q; want no %s", strings.Join(c.line, " "), got, w)
		}
	}
}

// The bash script, loaded in bash, completes as the cases say.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	script := completionScript(t, "bash")
	dir := completionDir(t)
	for _, c := range completionCases(dir) {
		var words []string
		for _, w := range c.line {
			words = append(words, shellQuote(w))
		}
		prog := "source " + shellQuote(script) + "\nCOMP_WORDS=(" + strings.Join(words, " ") + ")\n" +
			"COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_gobag\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "--norc", "--noprofile", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		checkCompletions(t, c, strings.Split(strings.TrimSpace(string(out)), "\n"))
	}
}

// The zsh script parses, and its completion function, run with zsh's
// completion builtins replaced by ones that print what they are given,
// offers what the cases say (paths aside: zsh's _files does those).
func TestCompletionZsh(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh not installed")
	}
	script := completionScript(t, "zsh")
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	stubs := `compdef() { : }
_describe() { local w; for w in "${(@P)${@[-1]}}"; do print -r -- "${w%%:*}"; done }
compadd() { shift $(( ${@[(i)--]} )); print -rl -- "$@" }
_files() { print -r -- "_files $*" }
`
	for _, c := range completionCases(t.TempDir()) {
		if strings.HasPrefix(c.line[len(c.line)-1], "/") {
			continue
		}
		var words []string
		for _, w := range c.line {
			words = append(words, shellQuote(w))
		}
		prog := stubs + "source " + shellQuote(script) + "\nwords=(" + strings.Join(words, " ") + ")\n" +
			"CURRENT=$#words\nPREFIX=${words[-1]}\n_gobag\n"
		out, err := exec.Command(zsh, "-f", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("zsh: %v\n%s", err, out)
		}
		// Unlike bash's compgen, the stubs do not filter by the prefix.
		var got []string
		for _, g := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.HasPrefix(g, c.line[len(c.line)-1]) {
				got = append(got, g)
			}
		}
		checkCompletions(t, c, got)
	}
}

// The fish script parses, and fish's own complete -C completes as the
// cases say.
func TestCompletionFish(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish not installed")
	}
	script := completionScript(t, "fish")
	if out, err := exec.Command(fish, "--no-execute", script).CombinedOutput(); err != nil {
		t.Fatalf("fish --no-execute: %v\n%s", err, out)
	}
	home := t.TempDir()
	dir := completionDir(t)
	for _, c := range completionCases(dir) {
		var words []string
		for _, w := range c.line {
			words = append(words, fishQuote(w))
		}
		line := strings.Join(words[:len(words)-1], " ") + " " + words[len(words)-1]
		cmd := exec.Command(fish, "--no-config", "-c", "source "+fishQuote(script)+"; complete -C "+fishQuote(line))
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			w, _, _ := strings.Cut(l, "\t")
			got = append(got, w)
		}
		checkCompletions(t, c, got)
	}
}
