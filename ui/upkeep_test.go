package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// Settings verifies the history and rebuilds the index off the UI
// goroutine; a rebuild cancelled half way leaves no half index in use:
// the binder is opened again, which rebuilds it.
func TestSettingsVerifiesAndRebuildsTheIndex(t *testing.T) {
	u := openApp(t, demoOptions(t))
	s := u.shell.goTo("settings").(*settingsScreen)
	k := s.upkeep
	want := len(mustList(t, u))

	test.Tap(k.verify)
	u.tasks.wait()
	if !strings.HasPrefix(k.result.Text, "The history checks out: ") || !k.reindex.Visible() || k.cancel.Visible() {
		t.Fatalf("after verify: %q (cancel shown %v)", k.result.Text, k.cancel.Visible())
	}

	test.Tap(k.reindex)
	u.tasks.wait()
	if k.result.Text != "The index is rebuilt from the history." || len(mustList(t, u)) != want {
		t.Fatalf("after reindex: %q, %d records; want %d", k.result.Text, len(mustList(t, u)), want)
	}

	// Cancelled before it starts its work: the outcome says so, and the
	// binder comes back whole.
	gate := make(chan struct{})
	u.tasks.testOnlyGate = gate
	test.Tap(k.reindex)
	if !k.reindex.Disabled() || !k.cancel.Visible() || k.progress.Text == "" {
		t.Fatalf("while rebuilding: buttons enabled %v, progress %q", !k.reindex.Disabled(), k.progress.Text)
	}
	test.Tap(k.cancel)
	close(gate)
	u.tasks.testOnlyGate = nil
	u.tasks.wait()
	if !strings.HasPrefix(k.result.Text, "Cancelled") {
		t.Fatalf("after cancel: %q", k.result.Text)
	}
	for deadline := time.Now().Add(20 * time.Second); u.Binder() == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		u.tasks.wait()
	}
	if u.Binder() == nil || len(mustList(t, u)) != want || u.shell.bannerBox.Visible() {
		t.Fatalf("after a cancelled rebuild the binder is not back whole (open %v)", u.Binder() != nil)
	}
}

func mustList(t *testing.T, u *App) []string {
	t.Helper()
	list, err := u.Binder().List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}
