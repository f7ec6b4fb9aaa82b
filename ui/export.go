package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/interchange"
	"gobag/binder/print"
	"gobag/binder/readiness"
	gitsync "gobag/sync"
)

// exportFormat is one entry of the Export menu: what it writes and which
// choices it takes.
type exportFormat struct {
	label, file string // the menu's words, the file name offered
	pdf         bool   // previewed before it is saved
	// The choices it takes besides the file.
	team, kind, key, dir bool
	make                 func(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error)
}

// exportChoice is what the user chose for an export.
type exportChoice struct {
	paper    print.Paper
	audience string // "" for records for everyone only
	team     string // a team's title, "" for everyone
	kind     string // for CSV
	key      string // the recovery key file, for the kit
}

// exported is an export made, ready to be saved.
type exported struct {
	doc   *print.Document // a PDF's pages, for the preview
	write func(io.Writer) error
	what  string // what it holds, in words
	left  int    // restricted records left out
	// tree, for a Markdown tree, writes it at a directory.
	tree func(dir string) error
}

// exportFormats are the Export menu's entries, in order.
func exportFormats() []exportFormat {
	return []exportFormat{
		{label: "Printed binder (PDF)…", file: "binder.pdf", pdf: true, make: exportBinder},
		{label: "Call card (PDF)…", file: "call-card.pdf", pdf: true, team: true, make: exportCallCard},
		{label: "Readiness report for an auditor (PDF)…", file: "readiness-report.pdf", pdf: true, make: exportReport},
		{label: "Recovery kit (PDF)…", file: "recovery-kit.pdf", pdf: true, key: true, make: exportKit},
		{label: "Contacts for phones (vCard)…", file: "contacts.vcf", team: true, make: exportVCard},
		{label: "Records for a spreadsheet (CSV)…", file: "contacts.csv", team: true, kind: true, make: exportCSV},
		{label: "Due dates for a calendar (iCalendar)…", file: "due.ics", make: exportICal},
		{label: "Plaintext Markdown tree…", file: "binder-plaintext", dir: true, make: exportMarkdown},
	}
}

// printSource reads what a printout shows, with the binder's remotes.
func printSource(ctx context.Context, b *binder.Binder, audience string) (*print.Source, error) {
	var remotes []print.Remote
	if rs, err := gitsync.Remotes(b.Dir()); err == nil {
		for _, r := range rs {
			remotes = append(remotes, print.Remote{Name: r.Name, URL: r.URL})
		}
	}
	return print.Read(ctx, b, audience, remotes)
}

func pdfExport(doc *print.Document, what string, left int) *exported {
	return &exported{doc: doc, write: doc.WritePDF, what: what + " (" + plural(doc.Pages(), "page") + ")", left: left}
}

func exportBinder(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	src, err := printSource(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	doc, err := print.Binder(src, print.Options{Paper: o.paper})
	if err != nil {
		return nil, err
	}
	return pdfExport(doc, "the printed binder", src.LeftOut), nil
}

func exportCallCard(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	src, err := printSource(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	doc, err := print.CallCard(src, o.team)
	if err != nil {
		return nil, err
	}
	return pdfExport(doc, "the call card", src.LeftOut), nil
}

func exportReport(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	src, err := printSource(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	copies, err := gitsync.OffsiteCopies(b.Dir())
	if err != nil {
		return nil, err
	}
	rep, err := readiness.Run(ctx, b, copies, time.Now())
	if err != nil {
		return nil, err
	}
	doc, err := print.Report(src, rep, o.paper)
	if err != nil {
		return nil, err
	}
	return pdfExport(doc, "the readiness report", src.LeftOut), nil
}

func exportKit(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	if strings.TrimSpace(o.key) == "" {
		return nil, errors.New("choose the recovery key file (the one written when the recovery key was made)")
	}
	data, err := readFileLimited(o.key, 1<<16)
	if err != nil {
		return nil, err
	}
	key := ""
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "AGE-SECRET-KEY-") {
			key = line
		}
	}
	if key == "" {
		return nil, fmt.Errorf("%s holds no recovery key (an AGE-SECRET-KEY- line)", o.key)
	}
	src, err := printSource(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	doc, err := print.RecoveryKit(src, key, b.Roster().Recovery, o.paper)
	if err != nil {
		return nil, err
	}
	return pdfExport(doc, "the recovery kit", src.LeftOut), nil
}

// exportRecords are the records an export holds, and how many restricted
// ones it leaves out.
func exportRecords(ctx context.Context, b *binder.Binder, audience string) ([]*binder.Record, int, error) {
	all, err := b.Records(ctx)
	if err != nil {
		return nil, 0, err
	}
	return binder.ForExport(all, audience, b.Roster())
}

func exportVCard(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	recs, left, err := exportRecords(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	cards, err := interchange.Cards(recs, o.team)
	if err != nil {
		return nil, err
	}
	return &exported{write: func(w io.Writer) error { return interchange.WriteVCards(w, cards) }, what: plural(len(cards), "contact"), left: left}, nil
}

func exportCSV(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	recs, left, err := exportRecords(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	kind := o.kind
	if kind == "" {
		kind = "contact"
	}
	spec, _ := binder.KindByName(kind)
	rows, cols, err := interchange.Rows(recs, kind, o.team)
	if err != nil {
		return nil, err
	}
	teams := interchange.TeamsOf(recs)
	return &exported{write: func(w io.Writer) error {
		return interchange.WriteCSV(w, spec, rows, cols, func(id string) []string { return teams[id] })
	}, what: plural(len(rows), kind), left: left}, nil
}

func exportICal(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	recs, left, err := exportRecords(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	due := readiness.Schedule(recs, now)
	cal := interchange.Calendar{Name: b.Name(ctx), Fingerprint: b.Fingerprint(), Now: now}
	return &exported{write: func(w io.Writer) error { return interchange.WriteICal(w, cal, due) }, what: plural(len(due), "date"), left: left}, nil
}

// exportMarkdown makes a tree, not a file: its write is never called;
// saveExport writes the tree at the directory named.
func exportMarkdown(ctx context.Context, b *binder.Binder, o exportChoice) (*exported, error) {
	recs, left, err := exportRecords(ctx, b, o.audience)
	if err != nil {
		return nil, err
	}
	recs = interchange.TreeRecords(recs)
	t := interchange.Tree{Name: b.Name(ctx), Fingerprint: b.Fingerprint(), Commit: b.Tip(), Now: time.Now(), By: b.Identity().Handle}
	return &exported{what: plural(len(recs), "record") + " in plaintext", left: left, write: func(io.Writer) error {
		return errors.New("a tree is written to a directory")
	}, doc: nil, tree: func(dir string) error {
		_, err := interchange.WriteMarkdownTree(dir, t, recs)
		return err
	}}, nil
}

// saveExport writes a made export to path: a file written whole or not
// at all, of mode 0600, or for a tree a new directory.
func saveExport(e *exported, path string) error {
	if e.tree != nil {
		return e.tree(path)
	}
	return interchange.WriteFile(path, e.write)
}

// previewPages is how many first pages the preview shows.
const previewPages = 3

// exportDialog asks for an export's choices and the file, then makes it:
// a PDF is shown first (its first pages), then saved; the others are
// saved at once.
func (s *shell) exportDialog(f exportFormat) {
	u := s.u
	path := newEntry()
	path.SetText(filepath.Join(exportDir(), f.file))
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		if f.dir {
			dialog.ShowFolderOpen(func(l fyne.ListableURI, err error) {
				if err == nil && l != nil {
					path.SetText(filepath.Join(l.Path(), f.file))
				}
			}, u.win)
			return
		}
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err == nil && w != nil {
				// The dialog made the file; the export replaces it whole.
				w.Close()
				path.SetText(w.URI().Path())
			}
		}, u.win)
		d.SetFileName(filepath.Base(path.Text))
		d.Show()
	})
	items := []*widget.FormItem{widget.NewFormItem("Save to", container.NewBorder(nil, nil, nil, browse, path))}
	paper := widget.NewSelect([]string{"A4", "Letter"}, nil)
	paper.SetSelected("A4")
	if f.pdf {
		items = append(items, widget.NewFormItem("Paper", paper))
	}
	audience := widget.NewSelect([]string{"everyone", "managers", "custodians", "responders", "auditors"}, nil)
	audience.SetSelected("everyone")
	items = append(items, widget.NewFormItem("Records for", audience))
	team := widget.NewSelect(nil, nil)
	if f.team {
		team.Options = append([]string{"everyone in the call tree"}, s.teamTitles()...)
		team.SetSelected(team.Options[0])
		items = append(items, widget.NewFormItem("Team", team))
	}
	kind := widget.NewSelect(spreadsheetKinds(), nil)
	if f.kind {
		kind.SetSelected("contact")
		items = append(items, widget.NewFormItem("Kind", kind))
	}
	key, keyRow := s.fileField("the recovery key file")
	if f.key {
		items = append(items, widget.NewFormItem("Recovery key", keyRow))
	}
	warn := wrapped("What is exported is plaintext: whoever reads the file reads it. It is written readable by you alone.")
	if f.dir {
		warn = wrapped("This writes every record you can read as plaintext files, unencrypted and unsigned: for a one-off hand-over, to be deleted after.")
		warn.Importance = widget.DangerImportance
	}
	items = append(items, widget.NewFormItem("", warn))
	choice := func() exportChoice {
		o := exportChoice{paper: print.A4, kind: kind.Selected, key: key.Text}
		if paper.Selected == "Letter" {
			o.paper = print.Letter
		}
		if a := audience.Selected; a != "everyone" {
			o.audience = a
		}
		if f.team && team.SelectedIndex() > 0 {
			o.team = team.Selected
		}
		return o
	}
	action := "Save"
	if f.pdf {
		action = "Preview"
	}
	d := dialog.NewForm(strings.TrimSuffix(f.label, "…"), action, "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		s.makeExport(f, choice(), path.Text)
	}, u.win)
	d.Resize(fyne.NewSize(620, 0))
	d.Show()
}

// makeExport makes an export in the background, then previews a PDF or
// saves the others to path.
func (s *shell) makeExport(f exportFormat, o exportChoice, path string) {
	u := s.u
	if strings.TrimSpace(path) == "" {
		dialog.ShowError(errors.New("name the file to save to"), u.win)
		return
	}
	u.notify("Making " + strings.ToLower(strings.TrimSuffix(f.label, "…")) + "…")
	runBinderTask(u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*exported, error) {
		return f.make(ctx, b, o)
	}, nil, func(e *exported, err error) {
		if err != nil {
			u.notify("")
			dialog.ShowError(fmt.Errorf("%s: %w", strings.TrimSuffix(f.label, "…"), err), u.win)
			return
		}
		if e.doc != nil {
			s.previewExport(e, path)
			return
		}
		s.saveMade(e, path)
	})
}

// saveMade saves a made export and says what it wrote.
func (s *shell) saveMade(e *exported, path string) {
	if err := saveExport(e, path); err != nil {
		dialog.ShowError(err, s.u.win)
		return
	}
	msg := fmt.Sprintf("Wrote %s to %s, in plaintext.", e.what, path)
	if e.left > 0 {
		msg += fmt.Sprintf(" %s restricted to an audience left out.", plural(e.left, "record"))
	}
	s.u.notify(msg)
}

// previewExport shows a PDF's first pages as they will print, and saves
// it on request.
func (s *shell) previewExport(e *exported, path string) {
	pages := container.NewHBox()
	for i := range min(previewPages, e.doc.Pages()) {
		img, err := e.doc.Preview(i, previewScale(e.doc))
		if err != nil {
			continue
		}
		pages.Add(previewPage(img))
	}
	info := capitalFirst(e.what) + ". It is shown as it will print."
	if n := min(previewPages, e.doc.Pages()); n > 1 {
		info = fmt.Sprintf("%s. The first %d pages are shown as they will print.", capitalFirst(e.what), n)
	}
	if e.doc.Lost > 0 {
		info += fmt.Sprintf(" %d characters are not in the bundled fonts and print as “?”.", e.doc.Lost)
	}
	if e.left > 0 {
		info += fmt.Sprintf(" %s restricted to an audience left out.", plural(e.left, "record"))
	}
	body := container.NewBorder(wrapped(info), nil, nil, nil, container.NewScroll(pages))
	s.u.notify("")
	d := dialog.NewCustomConfirm("Preview", "Save as PDF", "Cancel", body, func(ok bool) {
		if ok {
			s.saveMade(e, path)
		}
	}, s.u.win)
	d.Resize(fyne.NewSize(1080, 640))
	s.preview = d
	d.Show()
}

// previewScale fits a page into about 460 pixels of height and the
// preview's width.
func previewScale(d *print.Document) float64 { return min(460/d.Paper().H, 980/d.Paper().W) }

func previewPage(img image.Image) fyne.CanvasObject {
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillOriginal
	c.ScaleMode = canvas.ImageScaleSmooth
	b := img.Bounds()
	c.SetMinSize(fyne.NewSize(float32(b.Dx()), float32(b.Dy())))
	// A page keeps its size at the top of the preview, outlined.
	border := canvas.NewRectangle(color.Transparent)
	border.StrokeColor = theme.Color(theme.ColorNameSeparator)
	border.StrokeWidth = 1
	return container.NewVBox(container.NewStack(border, c))
}

// teamTitles are the teams' titles, for the team choice.
func (s *shell) teamTitles() []string {
	b := s.u.Binder()
	if b == nil {
		return nil
	}
	list, err := b.List(context.Background(), "team")
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range list {
		if !t.Unreadable {
			out = append(out, t.Title)
		}
	}
	return out
}

// spreadsheetKinds are the kinds a spreadsheet may hold.
func spreadsheetKinds() []string {
	var out []string
	for _, k := range binder.Kinds {
		if !k.Hidden && !k.AppendOnly {
			out = append(out, k.Name)
		}
	}
	return out
}

// exportDir is where exports are offered to go: the user's documents,
// else their home.
func exportDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	if docs := filepath.Join(home, "Documents"); isDir(docs) {
		return docs
	}
	return home
}
