package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
	gitsync "gobag/sync"
)

// recordByRef returns the demo record named ref.
func recordByRef(recs []*binder.Record, ref string) *binder.Record {
	for _, r := range recs {
		if r.Ref == ref {
			return r
		}
	}
	panic("no demo record " + ref)
}

// capture renders the app's window to a PNG in the temp dir, in light and
// dark, to be looked at; GOBAG_UI_SHOTS names a directory to keep them in.
func capture(t *testing.T, u *App, name string) {
	t.Helper()
	dir := os.Getenv("GOBAG_UI_SHOTS")
	if dir == "" {
		return
	}
	u.Window().Resize(fyne.NewSize(1100, 720))
	for _, v := range []struct {
		name string
		th   fyne.Theme
	}{{"light", theme.LightTheme()}, {"dark", theme.DarkTheme()}} {
		fyne.CurrentApp().Settings().SetTheme(v.th)
		img := u.Window().Canvas().Capture()
		f, err := os.Create(filepath.Join(dir, name+"-"+v.name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// The dashboard is the first screen: its counts are the readiness check's,
// and choosing a finding opens its record.
func TestDashboardCountsAndOpensFindings(t *testing.T) {
	spies := spyOn(t, "records")
	u := openApp(t, demoBinder(t, nil))
	if u.shell.current != "dashboard" {
		t.Fatalf("first screen %q; want dashboard", u.shell.current)
	}
	d := u.shell.screens["dashboard"].(*dashboard)
	copies, err := gitsync.OffsiteCopies(u.Binder().Dir())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := readiness.Run(context.Background(), u.Binder(), copies, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, sev := range readiness.Severities {
		if got := d.counts[i].Text; strings.Fields(got)[0] != strconv.Itoa(rep.Count(sev)) {
			t.Errorf("%s count: got %q; want %d", sev, got, rep.Count(sev))
		}
	}
	if len(d.findings) != len(rep.Findings) || len(rep.Findings) == 0 {
		t.Fatalf("findings listed: got %d; want %d", len(d.findings), len(rep.Findings))
	}
	if d.name.Text != "Example Statistics Office" || !strings.Contains(d.fingerprint.Text, u.Binder().Fingerprint()) {
		t.Errorf("header: got %q, %q; want the binder's name and fingerprint", d.name.Text, d.fingerprint.Text)
	}
	// The demo's one incident is closed.
	if len(d.incidents) != 0 || d.incidentLine.Text != "No open incident." {
		t.Errorf("incidents: got %+v, %q; want none open", d.incidents, d.incidentLine.Text)
	}
	capture(t, u, "dashboard")

	i := 0
	for d.findings[i].Record == "" {
		i++
	}
	want := d.findings[i]
	d.findList.Select(i)
	if u.shell.current != "records" || len(spies["records"].opened) != 1 || spies["records"].opened[0] != want.Record {
		t.Fatalf("after choosing a finding: shell shows %q, records opened %v; want records showing %s", u.shell.current, spies["records"].opened, want.Record)
	}
}

// spy is a screen standing in for another in a test: it records how the
// other screens reach it.
type spy struct {
	opened, incidents []string
	edited            [][2]string // record, field
	added             []spyAdd
	root              fyne.CanvasObject
}

type spyAdd struct {
	kind, template string
	set            []binder.FieldValue
}

func (s *spy) content() fyne.CanvasObject { return s.root }
func (s *spy) shown(fyne.Canvas)          {}
func (s *spy) refresh()                   {}
func (s *spy) showRecord(id string)       { s.opened = append(s.opened, id) }
func (s *spy) openIncident(id string)     { s.incidents = append(s.incidents, id) }
func (s *spy) editRecord(id, field string) {
	s.edited = append(s.edited, [2]string{id, field})
}
func (s *spy) newRecord(kind, template string, set []binder.FieldValue) {
	s.added = append(s.added, spyAdd{kind, template, set})
}

// spyOn puts spies in place of the screens called names (adding those the
// app lacks, out of the navigation) until the test ends.
func spyOn(t *testing.T, names ...string) map[string]*spy {
	saved := screenSpecs
	t.Cleanup(func() { screenSpecs = saved })
	screenSpecs = append([]screenSpec(nil), screenSpecs...)
	out := map[string]*spy{}
	for _, name := range names {
		s := &spy{root: widget.NewLabel("spy " + name)}
		out[name] = s
		sp := screenSpec{name: name, title: name, icon: theme.ListIcon, hidden: true, build: func(*App) screen { return s }}
		found := false
		for i := range screenSpecs {
			if screenSpecs[i].name == name {
				sp.hidden, sp.title, sp.icon = screenSpecs[i].hidden, screenSpecs[i].title, screenSpecs[i].icon
				screenSpecs[i], found = sp, true
			}
		}
		if !found {
			screenSpecs = append(screenSpecs, sp)
		}
	}
	return out
}

// What falls due within 30 days is listed under the next 30 days, and
// choosing it opens its record; the next 90 days list more.
func TestDashboardListsWhatFallsDue(t *testing.T) {
	spies := spyOn(t, "records")
	var title string
	u := openApp(t, demoBinder(t, func(recs []*binder.Record) {
		// Verified 80 days ago, every 90 days: due in 10 days.
		c := recordByRef(recs, "contact-dba")
		c.Fields["last_verified"] = localDay(time.Now()).AddDate(0, 0, -80)
		title = c.Title
	}))
	d := u.shell.screens["dashboard"].(*dashboard)
	if d.window.Selected != dueSoon {
		t.Fatalf("window %q; want %q", d.window.Selected, dueSoon)
	}
	at := -1
	for i, it := range d.shownDue {
		if it.Title == title && it.What == readiness.DueVerify {
			at = i
			if want := localDay(time.Now()).AddDate(0, 0, 10); !it.Date.Equal(want) {
				t.Errorf("due on %s; want %s", it.Date, want)
			}
		}
		if it.Date.After(localDay(time.Now()).AddDate(0, 0, 30)) {
			t.Errorf("%s on %s listed in the next 30 days", it.What, it.Date)
		}
	}
	if at < 0 {
		t.Fatalf("next 30 days: got %+v; want the verification of %q", d.shownDue, title)
	}
	soon := len(d.shownDue)
	d.window.SetSelected(dueLate)
	if len(d.shownDue) <= soon || !strings.Contains(d.dueLine.Text, "90 days") {
		t.Fatalf("next 90 days: got %d items (%q); want more than the %d of the next 30", len(d.shownDue), d.dueLine.Text, soon)
	}
	d.window.SetSelected(dueSoon)
	d.dueList.Select(at)
	if u.shell.current != "records" || len(spies["records"].opened) != 1 || spies["records"].opened[0] != d.shownDue[at].Record {
		t.Fatalf("after choosing it: shell shows %q, opened %v; want its record", u.shell.current, spies["records"].opened)
	}
}

// The off-site warning shows when no remote has received this copy's
// history within the binder's period, and not while one has.
func TestDashboardWarnsOfAStaleOffsiteCopy(t *testing.T) {
	opts := demoBinder(t, nil)
	ctx := context.Background()
	if _, err := gitsync.AddRemote(ctx, opts.BinderDir, &gitsync.Remote{Name: "usb", URL: filepath.Join(t.TempDir(), "usb.git")}, gitsync.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(opts.IdentityPath)
	if err != nil {
		t.Fatal(err)
	}
	id, err := bcrypto.OpenIdentity(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := binder.Open(ctx, opts.BinderDir, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gitsync.Sync(ctx, b, "usb", gitsync.Options{Identity: id}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	u := openApp(t, opts)
	d := u.shell.screens["dashboard"].(*dashboard)
	if d.offsite.Visible() {
		t.Fatalf("just synced: warning %q shown; want none", d.offsiteText.Text)
	}
	if len(d.remotes) != 1 || d.remotes[0].Name != "usb" || d.remotes[0].Kind == "" {
		t.Fatalf("remotes: got %+v; want usb", d.remotes)
	}
	if got := remoteState(d.remotes[0], d.now()); !strings.Contains(got, "synced today") || !strings.Contains(got, "in step") {
		t.Errorf("remote state: got %q; want synced today and in step", got)
	}

	// Eight days on, past the demo's 7-day period.
	d.now = func() time.Time { return time.Now().AddDate(0, 0, 8) }
	d.refresh()
	u.tasks.wait()
	if !d.offsite.Visible() || !strings.Contains(d.offsiteText.Text, "for 8 days") || !strings.Contains(d.offsiteText.Text, "every 7 days") {
		t.Fatalf("eight days after the last sync: warning shown %v, %q; want it, naming 8 days and the 7-day period", d.offsite.Visible(), d.offsiteText.Text)
	}
	capture(t, u, "dashboard-offsite")
}

// An open incident is listed, and choosing it opens incident mode on it.
func TestDashboardOpensAnOpenIncident(t *testing.T) {
	spies := spyOn(t, "incident")
	u := openApp(t, demoBinder(t, func(recs []*binder.Record) {
		in := recordByRef(recs, "incident-storage")
		in.Fields["status"] = "recovering"
		delete(in.Fields, "closed")
	}))
	d := u.shell.screens["dashboard"].(*dashboard)
	if len(d.incidents) != 1 || d.incidents[0].status != "recovering" {
		t.Fatalf("open incidents: got %+v; want the storage incident", d.incidents)
	}
	d.incidentList.Select(0)
	if u.shell.current != "incident" || len(spies["incident"].incidents) != 1 || spies["incident"].incidents[0] != d.incidents[0].id {
		t.Fatalf("after choosing it: shell shows %q, incidents opened %v; want incident mode on %s", u.shell.current, spies["incident"].incidents, d.incidents[0].id)
	}
}
