package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/interchange"
)

// importFile is a file to import: read and checked whole, before
// anything is planned.
type importFile struct {
	name     string
	kind     string
	incoming []interchange.Incoming
	notes    []string
}

// maxImportFile bounds a file an import reads.
const maxImportFile = 64 << 20

// readImport reads and checks a vCard file (format "vcard") or a CSV file
// of records of kind, its columns mapped by mapping ("Column=field, …").
func readImport(path, format, kind, mapping string) (*importFile, error) {
	data, err := readFileLimited(path, maxImportFile)
	if err != nil {
		return nil, err
	}
	f := &importFile{name: path, kind: kind}
	switch format {
	case "vcard":
		cards, err := interchange.ParseVCards(data, path)
		if err != nil {
			return nil, err
		}
		f.kind = "contact"
		if f.incoming, err = interchange.IncomingCards(cards, path); err != nil {
			return nil, err
		}
	default:
		m := map[string]string{}
		for _, pair := range strings.Split(mapping, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			col, field, ok := strings.Cut(pair, "=")
			if !ok {
				return nil, fmt.Errorf("the mapping %q: write COLUMN=FIELD, separated by commas", pair)
			}
			m[strings.TrimSpace(col)] = strings.TrimSpace(field)
		}
		imp, err := interchange.ParseCSV(data, path, interchange.CSVOptions{Kind: kind, Map: m})
		if err != nil {
			return nil, err
		}
		f.incoming = imp.Records
		if len(imp.Unused) > 0 {
			f.notes = append(f.notes, "Not imported, the columns "+strings.Join(imp.Unused, ", ")+": map them to fields to import them.")
		}
	}
	return f, nil
}

// planImport plans f's import into b (interchange.PlanImport).
func planImport(ctx context.Context, b *binder.Binder, f *importFile, merge bool) (*interchange.Import, error) {
	existing, err := b.Records(ctx)
	if err != nil {
		return nil, err
	}
	plan := interchange.PlanImport(existing, f.incoming, f.kind, merge)
	if len(plan.Problems) > 0 {
		return nil, &interchange.ParseError{Name: f.name, Problems: plan.Problems}
	}
	return plan, nil
}

// importDialog asks for the file to import (and for a CSV, its kind and
// mapping), then shows what importing it would do.
func (s *shell) importDialog(format string) {
	u := s.u
	path, pathRow := s.fileField("the file to import")
	items := []*widget.FormItem{widget.NewFormItem("File", pathRow)}
	kind := widget.NewSelect(spreadsheetKinds(), nil)
	kind.SetSelected("contact")
	mapping := newEntry()
	mapping.SetPlaceHolder("Cell=mobile_phone, Dept=organisation")
	title := "Import contacts from vCard"
	if format == "csv" {
		title = "Import records from CSV"
		items = append(items, widget.NewFormItem("Each row is a", kind), widget.NewFormItem("Columns", mapping),
			widget.NewFormItem("", wrapped("A column is the field its header names (name, given_name, mobile_phone, email, organisation …). Map the others: Column=field, separated by commas; Column=skip leaves one out.")))
	}
	items = append(items, widget.NewFormItem("", wrapped("Nothing is saved yet: you see what would be added, and what is already there, first.")))
	d := dialog.NewForm(title, "Check the file", "Cancel", items, func(ok bool) {
		if ok {
			s.checkImport(format, path.Text, kind.Selected, mapping.Text)
		}
	}, u.win)
	d.Resize(fyne.NewSize(620, 0))
	d.Show()
}

// fileField is an entry for a file's path with a button that chooses it
// in a file dialog.
func (s *shell) fileField(placeholder string) (*escEntry, fyne.CanvasObject) {
	path := newEntry()
	path.SetPlaceHolder(placeholder)
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				path.SetText(r.URI().Path())
				r.Close()
			}
		}, s.u.win)
	})
	return path, container.NewBorder(nil, nil, nil, browse, path)
}

// checkImport reads the file and shows its dry run.
func (s *shell) checkImport(format, path, kind, mapping string) {
	if strings.TrimSpace(path) == "" {
		dialog.ShowError(errors.New("choose the file to import"), s.u.win)
		return
	}
	// Reading a large file takes a while: off the UI goroutine.
	s.u.notify("Reading " + path + "…")
	runTask(s.u.tasks, func(context.Context, binder.Progress) (*importFile, error) {
		return readImport(path, format, kind, mapping)
	}, nil, func(f *importFile, err error) {
		s.u.notify("")
		if err != nil {
			s.showImportError(err)
			return
		}
		s.dryRun(f, false)
	})
}

// showImportError shows what is wrong with a file, every line named.
func (s *shell) showImportError(err error) {
	text := widget.NewLabel(err.Error())
	text.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(wrapped("Nothing was imported. Correct the lines named, or map the columns, and import the file again."), nil, nil, nil, container.NewVScroll(text))
	d := dialog.NewCustom("The file cannot be imported", "Close", body, s.u.win)
	d.Resize(fyne.NewSize(640, 420))
	d.Show()
}

// dryRun plans the import and shows it as a list to confirm.
func (s *shell) dryRun(f *importFile, merge bool) {
	u := s.u
	runBinderTask(u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*interchange.Import, error) {
		return planImport(ctx, b, f, merge)
	}, nil, func(plan *interchange.Import, err error) {
		var perr *interchange.ParseError
		if errors.As(err, &perr) {
			s.showImportError(err)
			return
		}
		if err != nil {
			dialog.ShowError(err, u.win)
			return
		}
		lines := importLines(f, plan)
		list := widget.NewList(func() int { return len(lines) }, func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		}, func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lines[i]) })
		mergeCheck := widget.NewCheck("Merge duplicates into what is there (new numbers, e-mails, empty fields)", nil)
		mergeCheck.SetChecked(merge)
		skipped := 0
		for _, d := range plan.Duplicates {
			if !d.Merged {
				skipped++
			}
		}
		summary := fmt.Sprintf("%s: %s to add, %s merged, %s skipped.", f.name, plural(len(plan.Add), f.kind), plural(len(plan.Merge), "record"), plural(skipped, "duplicate"))
		top := container.NewVBox(wrapped(summary), mergeCheck)
		var d *dialog.CustomDialog
		importBtn := widget.NewButtonWithIcon(fmt.Sprintf("Import %s", plural(len(plan.Add)+len(plan.Merge), "record")), theme.ConfirmIcon(), func() {
			d.Hide()
			s.applyImport(f, plan)
		})
		importBtn.Importance = widget.HighImportance
		if len(plan.Add)+len(plan.Merge) == 0 {
			importBtn.Disable()
		}
		cancel := widget.NewButton("Cancel", func() { d.Hide() })
		mergeCheck.OnChanged = func(on bool) {
			d.Hide()
			s.dryRun(f, on)
		}
		d = dialog.NewCustomWithoutButtons("What importing would do", container.NewBorder(top, nil, nil, nil, list), u.win)
		d.SetButtons([]fyne.CanvasObject{cancel, importBtn})
		d.Resize(fyne.NewSize(760, 520))
		s.importPreview = d
		d.Show()
	})
}

// importLines are the dry run's lines: what is added, what duplicates
// what and why, and the notes.
func importLines(f *importFile, plan *interchange.Import) []string {
	var out []string
	for _, r := range plan.Add {
		out = append(out, "Add: "+r.Title)
	}
	for _, d := range plan.Duplicates {
		of := d.OfName
		if d.Of == "" {
			of += fmt.Sprintf(" (line %d of the file)", d.OfLine)
		}
		what := "skipped"
		if d.Merged {
			what = "merged"
			if d.Adds != "" {
				what += ", adding " + d.Adds
			}
		}
		if d.Name == d.OfName && d.Of != "" {
			out = append(out, fmt.Sprintf("Line %d: %s is there already (%s): %s", d.Line, d.Name, d.Reason, what))
			continue
		}
		out = append(out, fmt.Sprintf("Line %d: %s is %s, %s: %s", d.Line, d.Name, of, d.Reason, what))
	}
	for _, n := range append(f.notes, plan.Notes...) {
		out = append(out, "Note: "+n)
	}
	return out
}

// applyImport saves a planned import in one commit.
func (s *shell) applyImport(f *importFile, plan *interchange.Import) {
	u := s.u
	runBinderTask(u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]*binder.Record, error) {
		saved, err := b.Save(ctx, plan.Add, plan.Merge)
		if errors.Is(err, binder.ErrIndexBehind) {
			err = nil
		}
		return saved, err
	}, nil, func(saved []*binder.Record, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("nothing was imported: %w", err), u.win)
			return
		}
		u.notify(fmt.Sprintf("Imported from %s: %s added, %s merged, in one signed change.", f.name, plural(len(plan.Add), f.kind), plural(len(plan.Merge), "record")))
		u.changed()
	})
}
