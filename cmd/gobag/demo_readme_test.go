package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// makeDemo makes the demo binder with gobag demo in a new directory, work,
// as dir, and writes its identity's passphrase to the file pass.
func makeDemo(t *testing.T) (work, dir, pass string) {
	t.Helper()
	work = t.TempDir()
	dir = filepath.Join(work, "binder")
	if out, err := gobagProcess(t, nil, "demo", "--binder", dir).CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	pass = filepath.Join(work, "pass")
	if err := os.WriteFile(pass, []byte(demoIdentities[0].passphrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return work, dir, pass
}

// The README describes the demo binder's size and its readiness report in
// numbers; they are the demo's.
func TestReadmeDescribesTheDemo(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	holds := regexp.MustCompile(`It holds\s+(\d+) records`).FindSubmatch(readme)
	gives := regexp.MustCompile(`gives\s+(\d+)\s+findings\s+\((\d+)\s+errors,\s+(\d+)\s+warnings\s+and\s+(\d+)\s+for\s+information\)`).FindSubmatch(readme)
	if holds == nil || gives == nil {
		t.Fatal(`README.md does not say "It holds N records" and "gives N findings (E errors, W warnings and I for information)" of the demo`)
	}
	work, dir, pass := makeDemo(t)
	env := []string{"HOME=" + work, "GOBAG_PASSPHRASE_FILE=" + pass, "GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + demoIdentityPath(dir, demoIdentities[0].handle)}
	out, err := gobagProcess(t, env, "check", "--json").Output()
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	var rep struct {
		Records  int
		Findings []struct{ Severity string }
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	bySeverity := map[string]int{}
	for _, f := range rep.Findings {
		bySeverity[f.Severity]++
	}
	// The report counts the settings record, which the README leaves out.
	got := []int{rep.Records - 1, len(rep.Findings), bySeverity["error"], bySeverity["warning"], bySeverity["info"]}
	var want []int
	for _, m := range append(holds[1:], gives[1:]...) {
		n, _ := strconv.Atoi(string(m))
		want = append(want, n)
	}
	for i, name := range []string{"records", "findings", "errors", "warnings", "for information"} {
		if got[i] != want[i] {
			t.Errorf("README says %d %s; the demo has %d", want[i], name, got[i])
		}
	}
}
