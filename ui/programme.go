package ui

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/calltree"
	"gobag/binder/programme"
)

// programmeScreen is the continuity programme around the plans: the
// exercise programme of a year (which plans are exercised when, by which
// type, held or planned), the risk register, and each team's call tree.
type programmeScreen struct {
	u     *App
	root  fyne.CanvasObject
	tabs  *container.AppTabs
	recs  []*binder.Record
	byID  map[string]*binder.Record
	now   time.Time
	gen   int
	year  int
	state *widget.Label

	// The exercise programme.
	yearLabel *widget.Label
	grid      *widget.Table
	prog      programme.Year
	sessions  *widget.Label

	// The risk register.
	riskTable *widget.Table
	risks     []*binder.Record
	high      int64

	// The call trees.
	teamPick *widget.Select
	teams    []*binder.Record
	tree     *fyne.Container
}

var monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func newProgrammeScreen(u *App) *programmeScreen {
	s := &programmeScreen{u: u, state: widget.NewLabel(""), year: time.Now().Year(), byID: map[string]*binder.Record{}}
	s.state.Wrapping = fyne.TextWrapWord
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Exercise programme", theme.GridIcon(), s.buildExercises()),
		container.NewTabItemWithIcon("Risk register", theme.WarningIcon(), s.buildRisks()),
		container.NewTabItemWithIcon("Call trees", theme.AccountIcon(), s.buildTrees()),
	)
	s.root = container.NewBorder(s.state, nil, nil, nil, s.tabs)
	return s
}

func (s *programmeScreen) content() fyne.CanvasObject { return s.root }

func (s *programmeScreen) shown(fyne.Canvas) {}

// showTab shows the tab called title ("Call trees").
func (s *programmeScreen) showTab(title string) {
	for _, t := range s.tabs.Items {
		if t.Text == title {
			s.tabs.Select(t)
		}
	}
}

func (s *programmeScreen) buildExercises() fyne.CanvasObject {
	s.yearLabel = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { s.year--; s.showProgramme() })
	next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { s.year++; s.showProgramme() })
	plan := widget.NewButtonWithIcon("Plan an exercise", theme.ContentAddIcon(), func() {
		s.u.newRecord("exercise", "", []binder.FieldValue{{Field: "status", Value: programme.Planned}, {Field: "type", Value: "tabletop"}})
	})
	report := widget.NewButtonWithIcon("Record one held (after-action report)", theme.DocumentCreateIcon(), func() {
		s.u.newRecord("exercise", binder.AfterActionTemplate, nil)
	})
	cols := []column{{"Plan", 270}}
	for _, m := range monthNames {
		cols = append(cols, column{m, 48})
	}
	cols = append(cols, column{"Held", 56})
	s.grid = newColumnTable(cols, func() int { return len(s.prog.Plans) }, func(row, col int, l *widget.Label) {
		r := s.prog.Plans[row]
		switch {
		case col == 0:
			l.SetText(r.Plan.Title)
			l.TextStyle.Bold = true
		case col == 13:
			l.SetText(strconv.Itoa(r.Held))
			if r.Held == 0 {
				l.Importance = widget.DangerImportance
			}
		default:
			cell := r.Months[col-1]
			l.SetText(programme.Cell(cell))
			for _, c := range cell {
				switch {
				case c.Overdue:
					l.Importance = widget.DangerImportance
				case c.State == programme.Held:
					l.Importance = widget.SuccessImportance
				case c.State == programme.Planned && l.Importance != widget.SuccessImportance:
					l.Importance = widget.HighImportance
				}
			}
		}
	}, func(row, col int) {
		r := s.prog.Plans[row]
		switch {
		case col == 0:
			s.u.openRecord(r.Plan.ID)
		case col >= 1 && col <= 12 && len(r.Months[col-1]) > 0:
			s.u.openRecord(r.Months[col-1][0].Exercise.ID)
		case col >= 1 && col <= 12:
			day := time.Date(s.year, time.Month(col), 15, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			s.u.newRecord("exercise", "", []binder.FieldValue{{Field: "status", Value: programme.Planned}, {Field: "type", Value: "tabletop"},
				{Field: "date", Value: day}, {Field: "plans", Value: r.Plan.ID}})
		}
	})
	legend := widget.NewLabel("Upper case: held; lower case: planned; !: planned, its day passed and it is not recorded as held; -: cancelled. W walkthrough, T tabletop, S seminar, K workshop, G game, D drill, F functional, X full-scale. Choose a month to open its exercise, or to plan one there.")
	legend.Wrapping = fyne.TextWrapWord
	s.sessions = widget.NewLabel("")
	s.sessions.Wrapping = fyne.TextWrapWord
	top := container.NewBorder(nil, nil, container.NewHBox(prev, s.yearLabel, next), container.NewHBox(plan, report))
	split := container.NewVSplit(s.grid, container.NewVScroll(container.NewVBox(legend, s.sessions)))
	split.Offset = 0.55
	return container.NewBorder(top, nil, nil, nil, split)
}

func (s *programmeScreen) showProgramme() {
	s.prog = programme.Programme(s.recs, s.year, s.now)
	s.yearLabel.SetText(strconv.Itoa(s.year))
	s.grid.Refresh()
	var lines []string
	for _, x := range s.prog.Sessions() {
		date := "undated"
		if !x.Date.IsZero() {
			date = x.Date.Format("2 Jan")
		}
		state := x.State
		if x.Overdue {
			state += ", its day passed"
		}
		lines = append(lines, fmt.Sprintf("%s · %s · %s · %s", date, textOr(x.Type, "exercise"), state, x.Exercise.Title))
	}
	if len(lines) == 0 {
		lines = []string{fmt.Sprintf("No exercise in %d.", s.year)}
	}
	s.sessions.SetText(strings.Join(lines, "\n"))
}

var riskColumns = []column{
	{"Risk", 260}, {"Inherent", 100}, {"Residual", 130}, {"Treatment", 95}, {"Owner", 150}, {"Review", 100}, {"Answered by", 200},
}

func (s *programmeScreen) buildRisks() fyne.CanvasObject {
	s.riskTable = newColumnTable(riskColumns, func() int { return len(s.risks) }, func(row, col int, l *widget.Label) {
		r := s.risks[row]
		l.TextStyle.Bold = col == 0
		switch col {
		case 0:
			l.SetText(r.Title)
		case 1:
			l.SetText(programme.Inherent(r).Words(s.high))
		case 2:
			res := programme.Residual(r)
			l.SetText(res.Words(s.high))
			switch res.Band(s.high) {
			case programme.Critical, programme.High:
				l.Importance = widget.DangerImportance
			case programme.Medium:
				l.Importance = widget.WarningImportance
			}
		case 3:
			l.SetText(textOr(r.Text("treatment"), "none"))
			if r.Text("treatment") == "" {
				l.Importance = widget.WarningImportance
			}
		case 4:
			l.SetText(textOr(s.title(r.Link("owner")), "nobody"))
		case 5:
			if d, ok := r.Date("next_review"); ok {
				l.SetText(d.Format("2006-01-02"))
				if d.Before(programme.Today(s.now)) {
					l.Importance = widget.DangerImportance
				}
			} else {
				l.SetText("–")
			}
		case 6:
			var plans []string
			for _, id := range r.Links("plans") {
				plans = append(plans, s.title(id))
			}
			l.SetText(textOr(strings.Join(plans, "; "), "no plan"))
		}
	}, func(row, _ int) { s.u.openRecord(s.risks[row].ID) })
	add := widget.NewButtonWithIcon("Assess a risk", theme.ContentAddIcon(), func() { s.u.newRecord("risk", "", nil) })
	note := widget.NewLabel("Likelihood and impact from 1 to 5; the rating is their product, 1 to 25. Residual: with the controls in place. Worst residual risk first; choose one to open it.")
	note.Wrapping = fyne.TextWrapWord
	return container.NewBorder(container.NewBorder(nil, nil, nil, add, note), nil, nil, nil, s.riskTable)
}

func (s *programmeScreen) title(id string) string {
	if r := s.byID[id]; r != nil {
		return r.Title
	}
	return ""
}

func (s *programmeScreen) buildTrees() fyne.CanvasObject {
	s.teamPick = widget.NewSelect(nil, func(string) { s.showTree() })
	s.tree = container.NewVBox()
	note := widget.NewLabel("Who calls whom when the team is activated, in order: each person's numbers, their alternates, and what to do when nobody answers. A team's call tree is edited on the team (its call_tree rows and if_unreachable); incident mode calls down the same tree.")
	note.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(note, container.NewBorder(nil, nil, widget.NewLabel("Team"), nil, s.teamPick))
	return container.NewBorder(top, nil, nil, nil, container.NewVScroll(container.NewPadded(s.tree)))
}

func (s *programmeScreen) showTree() {
	s.tree.Objects = nil
	var team *binder.Record
	for i, t := range s.teams {
		if i < len(s.teamPick.Options) && s.teamPick.Options[i] == s.teamPick.Selected {
			team = t
		}
	}
	if team == nil {
		if len(s.teams) == 0 {
			s.tree.Add(widget.NewLabel("The binder has no team yet."))
		}
		s.tree.Refresh()
		return
	}
	tree := calltree.ForTeam(team, func(id string) *binder.Record { return s.byID[id] })
	how := "From the team: the activation authority calls the lead, who calls the alternate lead and the members."
	if tree.Explicit {
		how = "From the team's call tree rows."
	}
	edit := widget.NewButtonWithIcon("Edit the call tree", theme.DocumentCreateIcon(), func() { s.u.editRecord(team.ID, "call_tree") })
	s.tree.Add(container.NewBorder(nil, nil, nil, edit, widget.NewLabelWithStyle(how, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})))
	tree.WalkNumbered(func(p *calltree.Person, num string) { s.tree.Add(treePerson(s.u, p, num)) })
	if names := tree.UnreachedNames(); len(names) > 0 {
		l := widget.NewLabel("Not reached by the tree: " + strings.Join(names, ", ") + ". Add a row that calls each of them.")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		s.tree.Add(l)
	}
	s.tree.Refresh()
}

// maxTreeIndent is how many levels of a call tree are indented; deeper,
// the number alone says where someone is.
const maxTreeIndent = 8

// treePerson shows one place in a call tree: number, name, role and who
// calls them, their numbers, alternates and what to do when nobody
// answers (in red when nothing is said).
func treePerson(u *App, p *calltree.Person, num string) fyne.CanvasObject {
	head := num + "  " + p.Contact.Title
	var about []string
	if p.Role != "" {
		about = append(about, p.Role)
	}
	if p.Caller != nil {
		about = append(about, "called by "+p.Caller.Title)
	}
	name := widget.NewButton(head, func() { u.openRecord(p.Contact.ID) })
	name.Importance = widget.LowImportance
	name.Alignment = widget.ButtonAlignLeading
	lines := container.New(&tightRows{})
	if len(about) > 0 {
		lines.Add(widget.NewLabelWithStyle(strings.Join(about, " · "), fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	lines.Add(widget.NewLabel(textOr(strings.Join(contactPhones(p.Contact), " · "), "no number")))
	for j, a := range p.Alternates {
		lines.Add(widget.NewLabel(fmt.Sprintf("Instead %d: %s  %s", j+1, a.Title, strings.Join(contactPhones(a), " · "))))
	}
	box := container.NewVBox(container.NewHBox(name), lines)
	switch {
	case p.IfUnreachable != "":
		l := widget.NewLabel("If nobody answers: " + p.IfUnreachable)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	case len(p.Alternates) == 0:
		l := widget.NewLabel("No alternate, and nothing says what to do when they cannot be reached.")
		l.Importance = widget.DangerImportance
		box.Add(l)
	}
	indent := float32(24 * min(p.Depth, maxTreeIndent))
	spacer := container.NewGridWrap(fyne.NewSize(indent, 1))
	return container.NewBorder(nil, widget.NewSeparator(), spacer, nil, box)
}

// contactPhones are a contact's numbers, "mobile +44 7700 900123".
func contactPhones(c *binder.Record) []string {
	var out []string
	for _, row := range c.Rows("phones") {
		out = append(out, strings.TrimSpace(row.Text("label")+" "+row.Text("number")))
	}
	return out
}

// refresh reads the binder again, off the UI goroutine.
func (s *programmeScreen) refresh() {
	s.gen++
	gen := s.gen
	if s.u.Binder() == nil {
		s.state.SetText("The binder is in use by a command from a terminal; the programme is read again when it is back.")
		s.state.Show()
		return
	}
	runRefreshTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]*binder.Record, error) {
		return b.Records(ctx)
	}, nil, func(recs []*binder.Record, err error) {
		if gen != s.gen {
			return
		}
		if err != nil {
			s.state.SetText("Cannot read the binder: " + err.Error())
			s.state.Show()
			return
		}
		s.state.Hide()
		s.load(recs, time.Now())
	})
}

// load shows recs as of now.
func (s *programmeScreen) load(recs []*binder.Record, now time.Time) {
	recs = binder.CanonicalAll(recs)
	s.recs, s.now = recs, now
	s.byID = map[string]*binder.Record{}
	s.risks, s.teams = nil, nil
	var settings *binder.Record
	for _, r := range recs {
		s.byID[r.ID] = r
		switch r.Kind {
		case "risk":
			s.risks = append(s.risks, r)
		case "team":
			s.teams = append(s.teams, r)
		case "binder":
			settings = r
		}
	}
	s.high = programme.HighFrom(settings)
	programme.SortByResidual(s.risks)
	sort.SliceStable(s.teams, func(i, j int) bool { return s.teams[i].Title < s.teams[j].Title })
	s.showProgramme()
	s.riskTable.Refresh()
	// Teams that share a title are told apart by their ids.
	titles := map[string]int{}
	for _, t := range s.teams {
		titles[t.Title]++
	}
	var names []string
	for _, t := range s.teams {
		name := t.Title
		if titles[t.Title] > 1 {
			name += " (" + t.ID[:min(len(t.ID), 10)] + ")"
		}
		names = append(names, name)
	}
	selected := s.teamPick.Selected
	s.teamPick.SetOptions(names)
	if selected == "" && len(names) > 0 {
		selected = names[0]
	}
	s.teamPick.SetSelected(selected)
	s.showTree()
}
