package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Every entry of the Export menu makes its file from the open binder;
// a PDF is previewed first, its first pages drawn as they will print,
// and saved from the preview.
func TestExportMenu(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, demoBinder(t, nil))
	defer u.Close()
	u.tasks.wait()
	s := u.shell
	if s == nil {
		t.Fatal("binder not opened")
	}
	menu := u.Window().MainMenu()
	var labels []string
	for _, m := range menu.Items {
		if m.Label == "Export" {
			for _, it := range m.Items {
				labels = append(labels, it.Label)
			}
		}
	}
	if len(labels) != len(exportFormats()) {
		t.Fatalf("the Export menu holds %q", labels)
	}
	dir := t.TempDir()
	for _, f := range exportFormats() {
		if f.key {
			continue // the demo binder has no recovery key
		}
		path := filepath.Join(dir, f.file)
		s.makeExport(f, exportChoice{team: map[bool]string{true: "Crisis Management Team"}[f.team]}, path)
		u.tasks.wait()
		if f.pdf {
			if s.preview == nil {
				t.Fatalf("%s: no preview", f.label)
			}
			top := u.Window().Canvas().Overlays().Top()
			var pages int
			walk(top, func(o fyne.CanvasObject) {
				if img, ok := o.(*canvas.Image); ok && img.Image != nil && img.Image.Bounds().Dy() > 100 {
					pages++
				}
			})
			if pages == 0 {
				t.Errorf("%s: the preview shows no page", f.label)
			}
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s: saved before the preview was confirmed", f.label)
			}
			test.Tap(button(t, top, "Save as PDF"))
			s.preview = nil
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: %v (status: %s)", f.label, err, s.status.Text)
		}
		if fi.IsDir() != f.dir || !f.dir && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %s has mode %v", f.label, path, fi.Mode())
		}
		if !strings.Contains(s.status.Text, "in plaintext") {
			t.Errorf("%s: status %q", f.label, s.status.Text)
		}
	}
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		if out, err := exec.Command(qpdf, "--check", filepath.Join(dir, "binder.pdf")).CombinedOutput(); err != nil {
			t.Errorf("qpdf --check: %v\n%s", err, out)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "contacts.vcf"))
	if !strings.Contains(string(data), "FN:Helena Mwangi") {
		t.Errorf("the team's vCard lacks its lead:\n%.300s", data)
	}
	// The kit without a key says what to give.
	var kit exportFormat
	for _, f := range exportFormats() {
		if f.key {
			kit = f
		}
	}
	s.makeExport(kit, exportChoice{}, filepath.Join(dir, "kit.pdf"))
	u.tasks.wait()
	if _, err := os.Stat(filepath.Join(dir, "kit.pdf")); err == nil {
		t.Error("a kit was written without a key")
	}
}

// An import shows its dry run as a list (what is added, what is already
// there and why), saves nothing until confirmed, then saves it all.
func TestImportDryRunThenConfirm(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, demoBinder(t, nil))
	defer u.Close()
	u.tasks.wait()
	s := u.shell
	path := filepath.Join(t.TempDir(), "phone.vcf")
	os.WriteFile(path, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Newcomer\r\nTEL;TYPE=CELL:+44 7700 900999\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Helena Mwangi — Director General\r\nTEL;TYPE=HOME:+44 1632 960 555\r\nEND:VCARD\r\n"), 0o600)
	s.checkImport("vcard", path, "", "")
	u.tasks.wait()
	if s.importPreview == nil {
		t.Fatal("no dry run shown")
	}
	top := u.Window().Canvas().Overlays().Top()
	var lines []string
	walk(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			lines = append(lines, l.Text)
		}
	})
	text := strings.Join(lines, "\n")
	for _, want := range []string{"1 contact to add", "1 duplicate skipped", "Add: Zoë Newcomer", "Line 6: Helena Mwangi — Director General is there already (the same name): skipped"} {
		if !strings.Contains(text, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, text)
		}
	}
	if hits, _ := u.Binder().Search(t.Context(), "Newcomer", "", 5); len(hits) != 0 {
		t.Fatal("saved before it was confirmed")
	}
	test.Tap(button(t, top, "Import 1 record"))
	u.tasks.wait()
	if hits, _ := u.Binder().Search(t.Context(), "Newcomer", "", 5); len(hits) != 1 {
		t.Fatalf("after confirming: %d hits; status %q", len(hits), s.status.Text)
	}
	// A bad file: every problem by line, nothing imported.
	bad := filepath.Join(t.TempDir(), "bad.vcf")
	os.WriteFile(bad, []byte("BEGIN:VCARD\nVERSION:3.0\nbroken line\nFN:X\n"), 0o600)
	s.importPreview = nil
	s.checkImport("vcard", bad, "", "")
	u.tasks.wait()
	top = u.Window().Canvas().Overlays().Top()
	lines = nil
	walk(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			lines = append(lines, l.Text)
		}
	})
	if text := strings.Join(lines, "\n"); !strings.Contains(text, "line 3: no colon") || !strings.Contains(text, "Nothing was imported") {
		t.Errorf("a bad file:\n%s", text)
	}
}

// walk calls fn on every visible object under o.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	find(o, func(c fyne.CanvasObject) bool {
		fn(c)
		return false
	})
}
