package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gobag/binder"
)

// Exit codes, one per error kind. This table is documented in README.md and
// is never renumbered; new kinds get new numbers.
var exitCodes = map[binder.Kind]int{
	binder.Other:         1,
	binder.NotExist:      3,
	binder.Permission:    4,
	binder.CannotDecrypt: 5,
	binder.BadSignature:  6,
	binder.Conflict:      7,
	binder.Offline:       8,
	binder.Locked:        9,
	binder.Invalid:       10,
	binder.Contended:     12,
	binder.NoSpace:       13,
}

// exitUsage is the exit code for a command line gobag cannot parse.
const exitUsage = 2

// exitFindings is the exit code of gobag check --fail-on when it finds
// what it was told to fail on.
const exitFindings = 11

// usageError is a mistake in the command line itself.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// report prints err as gobag: error: …, then what would help as
// gobag: hint: …, and returns the exit code for it. An error's hint (prose)
// and its structured fix (rendered as a command line) share one line,
// "check the passphrase: set GOBAG_PASSPHRASE_FILE …", as hints that name
// their command always have.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "gobag: error: %v\n", err)
	var fe *findingsError
	if errors.As(err, &fe) {
		return exitFindings
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.hint != "" {
			fmt.Fprintf(stderr, "gobag: hint: %s\n", ue.hint)
		}
		return exitUsage
	}
	if h := hintLine(binder.HintOf(err), fixCommand(binder.FixOf(err))); h != "" {
		fmt.Fprintf(stderr, "gobag: hint: %s\n", h)
	}
	return exitCodes[binder.KindOf(err)]
}

// hintLine joins a hint's prose and the command that carries it out.
func hintLine(prose, command string) string {
	prose = strings.TrimRight(strings.TrimSpace(prose), ":.")
	switch {
	case command == "" || strings.Contains(prose, command):
		return prose
	case prose == "":
		return command
	}
	return prose + ": " + command
}
