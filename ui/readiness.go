package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/readiness"
	gitsync "gobag/sync"
)

// readinessReport is every readiness finding, grouped by severity and
// rule, filtered by severity, rule and text, each with its fix as a
// button.
type readinessReport struct {
	u    *App
	root fyne.CanvasObject
	now  func() time.Time
	// cancel stops the check running (stop), shown meanwhile.
	cancel *widget.Button
	stop   func()

	severity *widget.Select
	rule     *widget.Select
	group    *widget.Select // by rule, or by the standards' clauses
	filter   *escEntry
	summary  *widget.Label
	list     *widget.List

	report *readiness.Report
	rows   []reportRow // the groups and findings shown
	ruleOf map[string]string
	gen    int
}

// reportRow is one row of the report: a group's heading (finding nil) or
// a finding.
type reportRow struct {
	severity, rule string
	n              int // findings in the group
	finding        *readiness.Finding
	// clause is the group's clause when the report is by standard.
	clause *readiness.ClauseReport
}

const (
	everySeverity = "Every severity"
	everyRule     = "Every rule"
	byRule        = "By rule"
	byStandard    = "By standard"
)

// severityWords are the severities as the report's select shows them.
var severityWords = map[string]string{
	readiness.SeverityError:   "Errors",
	readiness.SeverityWarning: "Warnings",
	readiness.SeverityInfo:    "For information",
}

func newReadinessReport(u *App) *readinessReport {
	r := &readinessReport{u: u, now: time.Now, summary: widget.NewLabel(""), ruleOf: map[string]string{}}
	r.summary.Wrapping = fyne.TextWrapWord
	sevs := []string{everySeverity}
	for _, s := range readiness.Severities {
		sevs = append(sevs, severityWords[s])
	}
	r.severity = widget.NewSelect(sevs, func(string) { r.show() })
	r.severity.Selected = everySeverity
	r.rule = widget.NewSelect([]string{everyRule}, func(string) { r.show() })
	r.rule.Selected = everyRule
	r.group = widget.NewSelect([]string{byRule, byStandard}, func(string) { r.show() })
	r.group.Selected = byRule
	r.filter = newEntry()
	r.filter.SetPlaceHolder("Filter by record, rule or words")
	r.filter.OnChanged = func(string) { r.show() }
	again := widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), r.refresh)
	r.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if r.stop != nil {
			r.stop()
		}
	})
	r.cancel.Hide()

	r.list = widget.NewList(func() int { return len(r.rows) }, r.newRow, r.updateRow)
	r.list.OnSelected = func(i widget.ListItemID) {
		r.list.UnselectAll()
		if f := r.rows[i].finding; f != nil {
			if _, do := fixButton(r.u, f.Fix); do != nil {
				do()
			} else if f.Record != "" {
				r.u.openRecord(f.Record)
			}
		}
	}
	filters := container.NewBorder(nil, nil, container.NewHBox(container.NewGridWrap(fyne.NewSize(140, r.group.MinSize().Height), r.group),
		container.NewGridWrap(fyne.NewSize(170, r.severity.MinSize().Height), r.severity),
		container.NewGridWrap(fyne.NewSize(260, r.rule.MinSize().Height), r.rule)), container.NewHBox(again, r.cancel), r.filter)
	r.root = container.NewBorder(container.NewVBox(filters, r.summary), nil, nil, nil, r.list)
	return r
}

func (r *readinessReport) content() fyne.CanvasObject { return r.root }

func (r *readinessReport) shown(fyne.Canvas) {}

// The row template: a heading line, and a finding's three lines with its
// fix's button.
func (r *readinessReport) newRow() fyne.CanvasObject {
	head := widget.NewLabelWithStyle("heading", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Truncation = fyne.TextTruncateEllipsis
	heading := container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, head)
	title := widget.NewLabelWithStyle("title", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	msg := widget.NewLabel("message")
	msg.Truncation = fyne.TextTruncateEllipsis
	note := widget.NewLabelWithStyle("note", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	note.Truncation = fyne.TextTruncateEllipsis
	button := widget.NewButton("Fix", nil)
	lines := container.New(&tightRows{}, title, msg, note)
	finding := container.NewBorder(nil, nil, widget.NewLabel("  "), container.NewCenter(button), lines)
	return container.NewStack(heading, finding)
}

func (r *readinessReport) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	row := r.rows[i]
	stack := o.(*fyne.Container)
	heading, finding := stack.Objects[0].(*fyne.Container), stack.Objects[1].(*fyne.Container)
	if row.finding == nil {
		heading.Show()
		finding.Hide()
		heading.Objects[0].(*widget.Label).SetText(groupHeading(row))
		icon := severityIcon(row.severity)
		switch {
		case row.clause != nil && len(row.clause.Rules) == 0:
			icon = theme.QuestionIcon()
		case row.clause != nil && row.clause.Clear():
			icon = theme.ConfirmIcon()
		case row.clause != nil && row.n == 0:
			icon = theme.VisibilityOffIcon()
		}
		heading.Objects[1].(*widget.Icon).SetResource(icon)
		r.list.SetItemHeight(i, heading.MinSize().Height)
		return
	}
	heading.Hide()
	finding.Show()
	f := row.finding
	lines := finding.Objects[0].(*fyne.Container)
	where := "The binder"
	if f.Title != "" {
		where = f.Title + " (" + f.Kind + ")"
	}
	lines.Objects[0].(*widget.Label).SetText(where)
	lines.Objects[1].(*widget.Label).SetText(capitalFirst(f.Message) + ".")
	lines.Objects[2].(*widget.Label).SetText(fixSentence(f.Fix))
	button := finding.Objects[2].(*fyne.Container).Objects[0].(*widget.Button)
	label, do := fixButton(r.u, f.Fix)
	if do == nil && f.Record != "" {
		label, do = "Open", func() { r.u.openRecord(f.Record) }
	}
	button.SetText(label)
	button.OnTapped = do
	if do == nil {
		button.Hide()
	} else {
		button.Show()
	}
	r.list.SetItemHeight(i, finding.MinSize().Height)
}

// groupHeading words a group: its severity, its rule and how many; or,
// by standard, its clause and what checks it.
func groupHeading(row reportRow) string {
	if c := row.clause; c != nil {
		switch {
		case len(c.Rules) == 0:
			return fmt.Sprintf("%s · %s: no rule checks it", c.Clause.ID, c.Clause.Title)
		case c.Clear():
			return fmt.Sprintf("%s · %s: clear (%s)", c.Clause.ID, c.Clause.Title, strings.Join(c.Rules, ", "))
		case row.n == 0:
			return fmt.Sprintf("%s · %s: %s not shown (filtered out)", c.Clause.ID, c.Clause.Title, countWords(c.Hidden, "finding", "findings"))
		}
		return fmt.Sprintf("%s · %s (%d)", c.Clause.ID, c.Clause.Title, row.n)
	}
	doc := row.rule
	if rule, ok := readiness.RuleByID(row.rule); ok {
		doc = capitalFirst(rule.Doc)
	}
	return fmt.Sprintf("%s · %s (%d)", strings.TrimSuffix(severityWords[row.severity], "s"), doc, row.n)
}

// showSeverity shows only the findings of severity.
func (r *readinessReport) showSeverity(severity string) {
	r.severity.SetSelected(severityWords[severity])
}

// refresh runs the check again, off the UI goroutine.
func (r *readinessReport) refresh() {
	r.gen++
	gen := r.gen
	if r.u.Binder() == nil {
		r.summary.SetText("The binder is in use by a command from a terminal; the report is checked again when it is back.")
		return
	}
	r.summary.SetText("Checking the binder's readiness…")
	now := r.now()
	r.cancel.Show()
	r.stop = runRefreshTask(r.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*readiness.Report, error) {
		copies, err := gitsync.OffsiteCopies(b.Dir())
		if err != nil {
			return nil, err
		}
		return readiness.Run(ctx, b, copies, now)
	}, nil, func(rep *readiness.Report, err error) {
		if gen != r.gen {
			return
		}
		r.cancel.Hide()
		r.stop = nil
		if errors.Is(err, context.Canceled) {
			if r.report != nil {
				r.show()
			}
			r.summary.SetText("Check cancelled. " + r.summary.Text)
			return
		}
		if err != nil {
			r.summary.SetText("Cannot check readiness: " + err.Error())
			return
		}
		r.report = rep
		r.setRules()
		r.show()
	})
}

// setRules offers the rules that have findings in the rule select.
func (r *readinessReport) setRules() {
	counts := map[string]int{}
	for _, f := range r.report.Findings {
		counts[f.Rule]++
	}
	options := []string{everyRule}
	r.ruleOf = map[string]string{}
	for _, rule := range readiness.Rules {
		if n := counts[rule.ID]; n > 0 {
			o := fmt.Sprintf("%s (%d)", rule.ID, n)
			options = append(options, o)
			r.ruleOf[o] = rule.ID
		}
	}
	selected := r.ruleOf[r.rule.Selected]
	r.rule.Options = options
	r.rule.Selected = everyRule
	for o, id := range r.ruleOf {
		if id == selected {
			r.rule.Selected = o
		}
	}
	r.rule.Refresh()
}

// show lists the findings the filters let through, under a heading for
// each severity and rule.
func (r *readinessReport) show() {
	if r.report == nil {
		return
	}
	sev := ""
	for s, w := range severityWords {
		if w == r.severity.Selected {
			sev = s
		}
	}
	rule := r.ruleOf[r.rule.Selected]
	words := strings.Fields(strings.ToLower(r.filter.Text))
	r.rows = r.rows[:0]
	shown, head := 0, -1
	if r.group.Selected == byStandard {
		shown = r.showByStandard(sev, rule, words)
	}
	for i := range r.report.Findings {
		f := &r.report.Findings[i]
		if r.group.Selected == byStandard || sev != "" && f.Severity != sev || rule != "" && f.Rule != rule || !matchesWords(f, words) {
			continue
		}
		// The findings come worst first and by rule: a group starts
		// where either changes.
		if head < 0 || r.rows[head].rule != f.Rule || r.rows[head].severity != f.Severity {
			r.rows = append(r.rows, reportRow{severity: f.Severity, rule: f.Rule})
			head = len(r.rows) - 1
		}
		r.rows[head].n++
		r.rows = append(r.rows, reportRow{severity: f.Severity, rule: f.Rule, finding: f})
		shown++
	}
	total := len(r.report.Findings)
	switch {
	case total == 0:
		r.summary.SetText(fmt.Sprintf("%s checked at %s: nothing to put right.", countWords(r.report.Records, "record", "records"), r.report.Checked.Local().Format("15:04")))
	case shown == total:
		r.summary.SetText(fmt.Sprintf("%s checked at %s: %s, %s, %d for information.", countWords(r.report.Records, "record", "records"), r.report.Checked.Local().Format("15:04"),
			countWords(r.report.Count(readiness.SeverityError), "error", "errors"), countWords(r.report.Count(readiness.SeverityWarning), "warning", "warnings"), r.report.Count(readiness.SeverityInfo)))
	default:
		r.summary.SetText(fmt.Sprintf("Showing %d of %s.", shown, countWords(total, "finding", "findings")))
	}
	if r.group.Selected == byStandard {
		checked, failing, hidden := 0, 0, 0
		var none []string
		for _, row := range r.rows {
			switch {
			case row.clause == nil:
			case len(row.clause.Rules) == 0:
				none = append(none, row.clause.Clause.ID)
			default:
				checked++
				if row.n > 0 {
					failing++
				} else if row.clause.Hidden > 0 {
					hidden++
				}
			}
		}
		text := fmt.Sprintf("%s By standard: %d of %d clauses are checked by a rule, %d of them with findings shown", r.summary.Text, checked, len(readiness.Clauses), failing)
		if hidden > 0 {
			text += fmt.Sprintf(", %d with findings filtered out", hidden)
		}
		r.summary.SetText(fmt.Sprintf("%s; no rule checks %s.", text, textOr(strings.Join(none, ", "), "none")))
	}
	r.list.UnselectAll()
	r.list.Refresh()
}

// showByStandard lays the findings the filters let through out under the
// clauses of the standards their rules cite: every clause, with the
// clauses clear and those no rule checks. It returns how many findings
// it shows (one under several clauses counts once).
func (r *readinessReport) showByStandard(sev, rule string, words []string) int {
	keep := func(f readiness.Finding) bool {
		return (sev == "" || f.Severity == sev) && (rule == "" || f.Rule == rule) && matchesWords(&f, words)
	}
	shown := 0
	for _, f := range r.report.Findings {
		if keep(f) {
			shown++
		}
	}
	by := readiness.ByStandard(r.report, keep)
	for i := range by {
		c := &by[i]
		worst := ""
		for _, f := range c.Findings {
			if worst == "" || readiness.SeverityRank(f.Severity) < readiness.SeverityRank(worst) {
				worst = f.Severity
			}
		}
		r.rows = append(r.rows, reportRow{severity: worst, clause: c, n: len(c.Findings)})
		for j := range c.Findings {
			r.rows = append(r.rows, reportRow{severity: c.Findings[j].Severity, rule: c.Findings[j].Rule, finding: &c.Findings[j]})
		}
	}
	return shown
}

// matchesWords reports whether every word is in what f says.
func matchesWords(f *readiness.Finding, words []string) bool {
	if len(words) == 0 {
		return true
	}
	text := strings.ToLower(strings.Join([]string{f.Rule, f.Title, f.Kind, f.Message}, " "))
	if f.Fix != nil {
		text += " " + strings.ToLower(f.Fix.Note)
	}
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// fieldWords is a field's name as the app shows it.
func fieldWords(field string) string { return strings.ReplaceAll(field, "_", " ") }

// fixSentence says in words what the fix does and achieves.
func fixSentence(f *binder.Fix) string {
	if f == nil {
		return ""
	}
	var s string
	switch f.Action {
	case binder.ActionEdit:
		switch {
		case f.Field == "":
			s = "Edit the record"
		case f.Field == "body":
			s = "Edit the text"
		case f.Value != "":
			s = fmt.Sprintf("Set %s to %s", fieldWords(f.Field), f.Value)
		default:
			s = "Fill in " + fieldWords(f.Field)
		}
	case binder.ActionAdd:
		s = "Add " + withArticle(kindWords(f))
	case binder.ActionResolve:
		s = "Choose between the two values"
	case binder.ActionSync:
		s = "Sync"
	case binder.ActionAddRemote:
		s = "Add a remote"
	}
	switch {
	case s == "":
		return capitalFirst(f.Note)
	case f.Note == "":
		return s + "."
	}
	return s + ": " + f.Note + "."
}

// kindWords names the record a fix adds: its kind, or a plan's type.
func kindWords(f *binder.Fix) string {
	if name, ok := binder.PlanTypeNames[f.Template]; ok {
		return name
	}
	if f.Kind == "" && f.Template != "" {
		return "plan"
	}
	return f.Kind
}

func withArticle(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// fixButton words fix as a button and returns what the button does: open
// the editor at the field to fill, start the record to add, or go to the
// screen that does it. do is nil where the app has nothing to offer.
func fixButton(u *App, f *binder.Fix) (label string, do func()) {
	if f == nil {
		return "", nil
	}
	switch f.Action {
	case binder.ActionEdit:
		if f.Record == "" {
			return "", nil
		}
		label = "Edit"
		if f.Field != "" && f.Field != "body" {
			label = "Edit " + fieldWords(f.Field)
		}
		return label, func() { u.editRecord(f.Record, f.Field) }
	case binder.ActionAdd:
		kind := f.Kind
		if kind == "" && f.Template != "" {
			kind = "plan"
		}
		var set []binder.FieldValue
		if f.Field != "" {
			set = append(set, binder.FieldValue{Field: f.Field, Value: f.Value})
		}
		set = append(set, f.Set...)
		return "Add " + withArticle(kindWords(f)), func() { u.newRecord(kind, f.Template, set) }
	case binder.ActionShow, binder.ActionResolve:
		if f.Record == "" {
			return "", nil
		}
		label = "Open"
		if f.Action == binder.ActionResolve {
			label = "Compare"
		}
		return label, func() { u.openRecord(f.Record) }
	case binder.ActionSync, binder.ActionAddRemote, binder.ActionListRemotes:
		if _, ok := specOf("sync"); !ok {
			return "", nil
		}
		label = "Sync"
		if f.Action == binder.ActionAddRemote {
			label = "Add a remote"
		}
		return label, func() { u.shell.goTo("sync") }
	}
	return "", nil
}

// tightRows stacks its objects as rows with no padding between them.
type tightRows struct{}

func (tightRows) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - 2*theme.Padding()
	}
	return s.AddWidthHeight(0, 2*theme.Padding())
}

func (tightRows) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objects {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - 2*theme.Padding()
	}
}
