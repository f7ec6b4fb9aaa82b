package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// gobag version and gobag --version print the version, the commit and the
// Go version.
func TestVersion(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "version")
	if code != 0 || errOut != "" {
		t.Fatalf("gobag version: exit %d, %s", code, errOut)
	}
	for _, want := range []string{"gobag ", "\ncommit ", runtime.Version()} {
		if !strings.Contains(out, want) {
			t.Errorf("gobag version: %q; want %q in it", out, want)
		}
	}
	if _, again, _ := runCLI(t, nil, "--version"); again != out {
		t.Errorf("gobag --version: %q; want the same as gobag version: %q", again, out)
	}
	if _, j, _ := runCLI(t, nil, "version", "--json"); !strings.Contains(j, `"go": "`+runtime.Version()+`"`) {
		t.Errorf("gobag version --json: %s", j)
	}
}

// A build with -ldflags "-X main.version=…", as make build does it, prints
// that version.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("links the whole program")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "gobag")
	build := exec.Command(goTool, "build", "-ldflags", "-X main.version=v1.2.3-4-gabcdef0-dirty", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "gobag v1.2.3-4-gabcdef0-dirty\n") {
		t.Fatalf("gobag version: %v, %q; want the version given to the linker", err, out)
	}
}
