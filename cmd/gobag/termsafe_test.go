package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile is record text a member could plant and sync to every copy:
// OSC 52 writing the clipboard, a screen clear, a carriage return that
// overwrites the line, a bell, and a C1 control.
const hostile = "Payroll\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\rOK\u009b31m"

// No command prints record text raw to people: every control character
// comes out as a visible escape. JSON, and the record file show writes
// to a file or pipe, carry the text as it is (JSON escaped).
func TestControlCharactersNeverReachTheTerminal(t *testing.T) {
	work := t.TempDir()
	env := map[string]string{"GOBAG_BINDER": filepath.Join(work, "binder"), "GOBAG_IDENTITY": filepath.Join(work, "id.txt")}
	getenv := func(k string) string { return env[k] }
	gobag := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errb, getenv); code != 0 {
			t.Fatalf("gobag %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
		}
		return out.String(), errb.String()
	}
	gobag("id", "new", "--plain", "--handle", "priya")
	gobag("init", "--name", "Office")
	id, _ := gobag("add", "note", "--title", hostile, "--set", "x-where="+hostile)
	id = strings.TrimSpace(id)
	inc, _ := gobag("add", "incident", "--title", "Outage "+hostile)
	inc = strings.TrimSpace(inc)
	gobag("timeline", inc, "entry "+hostile)
	gobag("add", "system", "--title", "System "+hostile, "--set", "tier=1", "--set", "rto=1h")
	gobag("add", "incident", "--title", "Closed "+hostile, "--set", "status=closed")
	clean := func(what, s string) {
		t.Helper()
		for _, c := range []string{"\x1b", "\x07", "\r", "\u009b"} {
			if strings.Contains(s, c) {
				t.Errorf("%s printed the control character %q raw:\n%q", what, c, s)
			}
		}
		if !strings.Contains(s, `\x1b]52`) {
			t.Errorf("%s does not show the escape for what it held:\n%q", what, s)
		}
	}
	for _, args := range [][]string{
		{"list"}, {"search", "payroll"}, {"show", id, "--text"}, {"log"}, {"timeline", inc}, {"recovery-order"}, {"check"},
	} {
		out, errOut := gobag(args...)
		clean("gobag "+strings.Join(args, " "), out+errOut)
	}
	// JSON carries the text, escaped as JSON escapes it.
	out, _ := gobag("show", id, "--json")
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `\u001b]52`) {
		t.Errorf("show --json: %q", out)
	}
	// The record file, to a file, is the text as it is: edit takes it back.
	out, _ = gobag("show", id)
	file := filepath.Join(work, "note.md")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	gobag("edit", id, "--file", file)
	back, _ := gobag("show", id, "--json")
	if !strings.Contains(back, `"rev": 2`) || !strings.Contains(back, `\u001b]52`) {
		t.Errorf("the record file did not round-trip: %q", back)
	}
}
