package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/programme"
)

// actionsScreen is the action register: every action item of the binder,
// whichever record holds it (an exercise, an incident, an audit, a risk),
// with filters, and buttons that open its record or mark it done.
type actionsScreen struct {
	u         *App
	root      fyne.CanvasObject
	summary   *widget.Label
	open      *widget.Check
	owner     *widget.Select
	dueBefore *widget.Entry
	dueErr    *widget.Label
	table     *widget.Table
	selected  *widget.Label
	openBtn   *widget.Button
	doneBtn   *widget.Button
	status    *widget.Label

	all  []programme.Action
	list []programme.Action
	pick int // the selected row of shown, -1 if none
	now  time.Time
	gen  int
}

// anyone is the owner filter that keeps every owner.
const anyone = "Anyone"

var actionColumns = []column{
	{"Due", 100}, {"Status", 140}, {"Owner", 190}, {"Action", 330}, {"From", 200},
}

func newActionsScreen(u *App) *actionsScreen {
	s := &actionsScreen{u: u, summary: widget.NewLabel(""), selected: widget.NewLabel("Choose an action item to open its record or mark it done."),
		status: widget.NewLabel(""), dueErr: widget.NewLabel(""), pick: -1}
	s.summary.Wrapping = fyne.TextWrapWord
	s.selected.Wrapping = fyne.TextWrapWord
	s.status.Wrapping = fyne.TextWrapWord
	s.dueErr.Importance = widget.DangerImportance
	s.dueErr.Hide()
	s.open = widget.NewCheck("Only those still to be done", func(bool) { s.apply() })
	s.open.SetChecked(true)
	s.owner = widget.NewSelect([]string{anyone}, func(string) { s.apply() })
	s.owner.SetSelected(anyone)
	s.dueBefore = widget.NewEntry()
	s.dueBefore.SetPlaceHolder("2026-12-31")
	s.dueBefore.OnChanged = func(string) { s.apply() }
	s.table = newColumnTable(actionColumns, func() int { return len(s.list) }, func(row, col int, l *widget.Label) {
		a := s.list[row]
		l.SetText(s.cell(a, col))
		switch {
		case a.Overdue(s.now) && (col == 0 || col == 1):
			l.Importance = widget.DangerImportance
		case !a.Open():
			l.Importance = widget.LowImportance
		case (col == 0 && a.Due == "") || (col == 2 && a.Owner == ""):
			l.Importance = widget.WarningImportance
		}
		l.TextStyle.Bold = col == 3 && a.Open()
	}, nil)
	// A chosen row stays selected: the buttons below act on it.
	s.table.OnSelected = func(id widget.TableCellID) { s.choose(id.Row) }
	s.openBtn = widget.NewButtonWithIcon("Open its record", theme.DocumentIcon(), func() {
		if a, ok := s.chosen(); ok {
			s.u.editRecord(a.Record, "actions")
		}
	})
	s.doneBtn = widget.NewButtonWithIcon("Mark done", theme.ConfirmIcon(), s.markDone)
	s.openBtn.Disable()
	s.doneBtn.Disable()
	filters := container.NewHBox(s.open, widget.NewLabel("Owner"), s.owner, widget.NewLabel("Due before"), container.NewGridWrap(fyne.NewSize(130, s.dueBefore.MinSize().Height), s.dueBefore), s.dueErr)
	bottom := container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, container.NewHBox(s.openBtn, s.doneBtn), s.selected), s.status)
	s.root = container.NewBorder(container.NewVBox(s.summary, filters), bottom, nil, nil, s.table)
	return s
}

func (s *actionsScreen) content() fyne.CanvasObject { return s.root }

func (s *actionsScreen) shown(fyne.Canvas) {}

func (s *actionsScreen) cell(a programme.Action, col int) string {
	switch col {
	case 0:
		return textOr(a.Due, "no date")
	case 1:
		if a.Overdue(s.now) {
			return a.Status + ", overdue"
		}
		return a.Status
	case 2:
		if a.Owner != "" && a.Name == "" {
			return "(missing contact)"
		}
		return textOr(a.Name, "nobody")
	case 3:
		return strings.Join(strings.Fields(a.Text), " ")
	case 4:
		return fmt.Sprintf("%s: %s", a.Kind, a.Title)
	}
	return ""
}

// refresh reads the action items again, off the UI goroutine.
func (s *actionsScreen) refresh() {
	s.gen++
	gen := s.gen
	if s.u.Binder() == nil {
		s.summary.SetText("The binder is in use by a command from a terminal; the action items are read again when it is back.")
		return
	}
	runRefreshTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]programme.Action, error) {
		recs, err := b.RecordsOf(ctx, programme.ActionKinds()...)
		if err != nil {
			return nil, err
		}
		// The owners are named by title: their summaries are enough.
		contacts, err := b.Titled(ctx, "contact")
		if err != nil {
			return nil, err
		}
		return programme.Actions(binder.CanonicalAll(append(recs, contacts...))), nil
	}, nil, func(all []programme.Action, err error) {
		if gen != s.gen {
			return
		}
		if err != nil {
			s.summary.SetText("Cannot read the action items: " + err.Error())
			return
		}
		s.all, s.now = all, time.Now()
		owners := []string{anyone}
		for _, a := range all {
			if a.Name != "" && !slices.Contains(owners, a.Name) {
				owners = append(owners, a.Name)
			}
		}
		slices.Sort(owners[1:])
		s.owner.SetOptions(owners)
		if !slices.Contains(owners, s.owner.Selected) {
			s.owner.SetSelected(anyone)
		}
		s.apply()
	})
}

// apply shows the action items the filters keep.
func (s *actionsScreen) apply() {
	if s.table == nil {
		return
	}
	f := programme.Filter{Open: s.open.Checked}
	if o := s.owner.Selected; o != "" && o != anyone {
		f.Owner = o
	}
	s.dueErr.Hide()
	if d := strings.TrimSpace(s.dueBefore.Text); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			s.dueErr.SetText("write the date as 2026-12-31")
			s.dueErr.Show()
		} else {
			f.DueBefore = t
		}
	}
	s.list = f.Apply(s.all)
	if f.Owner != "" {
		// The select names an owner exactly: keep theirs only, not those
		// of someone whose name holds the same words.
		s.list = slices.DeleteFunc(s.list, func(a programme.Action) bool { return a.Name != f.Owner })
	}
	open, overdue := 0, 0
	for _, a := range s.all {
		if a.Open() {
			open++
		}
		if a.Overdue(s.now) {
			overdue++
		}
	}
	switch {
	case len(s.all) == 0:
		s.summary.SetText("No action items yet. They are the rows of the actions tables of exercises (the improvement plan), incidents, audits and risks (the treatment plan).")
	default:
		s.summary.SetText(fmt.Sprintf("%s in the binder: %d still to be done, %d overdue. Showing %d. They sit in exercises, incidents, audits and risks; each is changed in its record.",
			countWords(len(s.all), "action item", "action items"), open, overdue, len(s.list)))
	}
	s.pick = -1
	s.table.UnselectAll()
	s.table.Refresh()
	s.choose(-1)
}

// chosen is the selected action item.
func (s *actionsScreen) chosen() (programme.Action, bool) {
	if s.pick < 0 || s.pick >= len(s.list) {
		return programme.Action{}, false
	}
	return s.list[s.pick], true
}

func (s *actionsScreen) choose(row int) {
	s.pick = row
	a, ok := s.chosen()
	if !ok {
		s.selected.SetText("Choose an action item to open its record or mark it done.")
		s.openBtn.Disable()
		s.doneBtn.Disable()
		return
	}
	s.selected.SetText(fmt.Sprintf("Action %d of %s %q: %s", a.Row, a.Kind, a.Title, strings.Join(strings.Fields(a.Text), " ")))
	s.openBtn.Enable()
	if a.Open() {
		s.doneBtn.Enable()
	} else {
		s.doneBtn.Disable()
	}
}

// markDone sets the chosen action item's status to done in its record.
func (s *actionsScreen) markDone() {
	a, ok := s.chosen()
	if !ok {
		return
	}
	s.doneBtn.Disable()
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*binder.Record, error) {
		r, err := b.Get(ctx, a.Record)
		if err != nil {
			return nil, err
		}
		out, err := programme.SetStatus(r, a, "done")
		if err != nil {
			return nil, err
		}
		return b.Update(ctx, out)
	}, nil, func(_ *binder.Record, err error) {
		switch {
		case errors.Is(err, errLent):
			s.status.SetText("A gobag command from a terminal is using the binder: try again in a moment. Nothing was changed.")
		case err != nil:
			s.status.SetText("Not marked done: " + err.Error())
		default:
			s.status.SetText(fmt.Sprintf("Marked done: %q, in %s %q.", strings.Join(strings.Fields(a.Text), " "), a.Kind, a.Title))
			// The list is read again; until then nothing is chosen, so
			// that the item cannot be marked twice.
			s.pick = -1
			s.table.UnselectAll()
			s.choose(-1)
			s.u.changed()
			return
		}
		s.choose(s.pick)
	})
}
