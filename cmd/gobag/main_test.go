package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// removingAfter runs the tests, then removes dir.
type removingAfter struct {
	testscript.TestingM
	dir string
}

func (r removingAfter) Run() int {
	code := r.TestingM.Run()
	os.RemoveAll(r.dir)
	return code
}

func TestMain(tm *testing.M) {
	var m testscript.TestingM = tm
	testOnlyScryptWorkFactor = 10
	if os.Getenv("GOBAG_TEST_RUN_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	if os.Getenv("GOBAG_TEST_HOLD") == "1" {
		os.Exit(holdBinder())
	}
	if os.Getenv("GOBAG_TEST_CONFIG") == "" {
		// What the tests' binders leave in the user's config directory
		// (each copy's verified tip) stays out of the real one; the
		// processes the tests start inherit it.
		dir, err := os.MkdirTemp("", "gobag-config-")
		if err != nil {
			panic(err)
		}
		os.Setenv("GOBAG_TEST_CONFIG", dir)
		os.Setenv("XDG_CONFIG_HOME", dir)
		m = removingAfter{m, dir}
	}
	testscript.Main(m, map[string]func(){
		"gobag": func() {
			testOnlyScryptWorkFactor = 10
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir+"/home")
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/home/.config")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"hold":     cmdHold,
			"setenv-stdout": func(ts *testscript.TestScript, neg bool, args []string) {
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
			},
		},
		Condition: func(cond string) (bool, error) {
			_, err := exec.LookPath(cond)
			return err == nil, nil
		},
	})
}

// exitcode N PROG ARGS… runs PROG and checks that it exits with code N.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog args...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("exit code %d; want %d", got, want)
	}
}

// hold BINDER IDENTITY PASSFILE keeps the binder open in the test process until the
// script ends, as a running desktop app would.
func cmdHold(ts *testscript.TestScript, neg bool, args []string) {
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	id, err := bcrypto.OpenIdentity(data, func() ([]byte, error) {
		return []byte(strings.TrimSpace(ts.ReadFile(args[2]))), nil
	})
	ts.Check(err)
	b, err := binder.Open(context.Background(), ts.MkAbs(args[0]), id)
	ts.Check(err)
	ts.Defer(func() { b.Close() })
}
