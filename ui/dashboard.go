package ui

import (
	"context"
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

// dashboard is the screen shown after unlock: readiness at a glance, what
// falls due, the state of each remote, the open incidents, and which
// binder this is. What is cheap (the name, the remotes' last syncs, the
// open incidents) shows at once; the readiness check and what falls due
// are filled in when a background task has read every record.
type dashboard struct {
	u    *App
	root fyne.CanvasObject
	now  func() time.Time // the clock; tests move it

	name, fingerprint *widget.Label
	offsite           *fyne.Container // the off-site warning, hidden when a copy is current
	offsiteText       *widget.Label
	offsiteButton     *widget.Button

	counts    [3]*widget.Button // errors, warnings, information
	checkLine *widget.Label
	findings  []readiness.Finding
	findList  *widget.List

	window   *widget.RadioGroup // the next 30 or 90 days
	due      []readiness.Due    // the next 90 days
	shownDue []readiness.Due    // those within the window chosen
	dueLine  *widget.Label
	dueList  *widget.List

	remotes    []gitsync.RemoteStatus
	remoteLine *widget.Label
	remoteList *widget.List

	incidents    []openIncident
	incidentLine *widget.Label
	incidentList *widget.List

	// gen counts refreshes, so that a check started before the latest
	// one does not overwrite what it shows.
	gen int
}

// openIncident is an incident that is not closed, as the dashboard lists it.
type openIncident struct {
	id, title, status string
	opened            time.Time
}

const (
	dueSoon = "Next 30 days"
	dueLate = "Next 90 days"
)

func newDashboard(u *App) *dashboard {
	d := &dashboard{u: u, now: time.Now,
		name:         widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		fingerprint:  widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true}),
		offsiteText:  widget.NewLabel(""),
		checkLine:    widget.NewLabel(""),
		dueLine:      widget.NewLabel(""),
		remoteLine:   widget.NewLabel(""),
		incidentLine: widget.NewLabel(""),
	}
	d.name.SizeName = theme.SizeNameSubHeadingText
	d.name.Truncation = fyne.TextTruncateEllipsis
	d.fingerprint.Selectable = true
	d.fingerprint.Truncation = fyne.TextTruncateEllipsis
	for _, l := range []*widget.Label{d.checkLine, d.dueLine, d.remoteLine, d.incidentLine} {
		l.Wrapping = fyne.TextWrapWord
	}

	d.offsiteText.Wrapping = fyne.TextWrapWord
	d.offsiteText.Importance = widget.WarningImportance
	d.offsiteButton = widget.NewButtonWithIcon("Sync", theme.ViewRefreshIcon(), func() { d.u.shell.goTo("sync") })
	d.offsiteButton.Importance = widget.WarningImportance
	if _, ok := specOf("sync"); !ok {
		d.offsiteButton.Hide()
	}
	d.offsite = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), d.offsiteButton, d.offsiteText)
	d.offsite.Hide()

	lower := container.NewVSplit(d.incidentCard(), d.syncCard())
	right := container.NewVSplit(d.dueCard(), lower)
	right.Offset = 0.48
	d.root = container.NewBorder(
		container.NewVBox(container.New(&tightRows{}, d.name, d.fingerprint), d.offsite),
		nil, nil, nil,
		container.NewGridWithColumns(2, d.readinessCard(), right))
	return d
}

func (d *dashboard) content() fyne.CanvasObject { return d.root }

func (d *dashboard) shown(fyne.Canvas) {}

// card is a titled box around body, with head above it.
func card(title string, head, body fyne.CanvasObject) fyne.CanvasObject {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewPadded(container.NewBorder(container.NewVBox(t, head, widget.NewSeparator()), nil, nil, nil, body))
}

func (d *dashboard) readinessCard() fyne.CanvasObject {
	for i, sev := range readiness.Severities {
		d.counts[i] = widget.NewButtonWithIcon("", severityIcon(sev), func() { d.showReport(sev) })
	}
	d.counts[0].Importance = widget.DangerImportance
	d.counts[1].Importance = widget.WarningImportance
	d.findList = widget.NewList(func() int { return len(d.findings) },
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("finding", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			title.Truncation = fyne.TextTruncateEllipsis
			msg := widget.NewLabel("message")
			msg.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, container.New(&tightRows{}, title, msg))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			f := d.findings[i]
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container)
			lines.Objects[0].(*widget.Label).SetText(textOr(f.Title, "The binder"))
			lines.Objects[1].(*widget.Label).SetText(capitalFirst(f.Message))
			row.Objects[1].(*widget.Icon).SetResource(severityIcon(f.Severity))
		})
	d.findList.OnSelected = func(i widget.ListItemID) {
		d.findList.UnselectAll()
		f := d.findings[i]
		if f.Record != "" {
			d.u.openRecord(f.Record)
			return
		}
		// A finding about the binder as a whole: its fix is in the report.
		d.showReport(f.Severity)
	}
	return card("Readiness", container.NewVBox(container.NewGridWithColumns(3, d.counts[0], d.counts[1], d.counts[2]), d.checkLine), d.findList)
}

// showReport shows the readiness report, with only the findings of
// severity.
func (d *dashboard) showReport(severity string) {
	if r, ok := d.u.shell.goTo("readiness").(*readinessReport); ok {
		r.showSeverity(severity)
	}
}

func (d *dashboard) dueCard() fyne.CanvasObject {
	d.window = widget.NewRadioGroup([]string{dueSoon, dueLate}, func(string) { d.showDue() })
	d.window.Horizontal = true
	d.window.Required = true
	d.window.Selected = dueSoon
	d.dueList = widget.NewList(func() int { return len(d.shownDue) },
		func() fyne.CanvasObject {
			when := widget.NewLabel("Wed 30 Dec")
			what := widget.NewLabel("what")
			what.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(110, when.MinSize().Height), when), nil, what)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := d.shownDue[i]
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(dueLine(it))
			row.Objects[1].(*fyne.Container).Objects[0].(*widget.Label).SetText(it.Date.Format("Mon 2 Jan"))
		})
	d.dueList.OnSelected = func(i widget.ListItemID) {
		d.dueList.UnselectAll()
		it := d.shownDue[i]
		if it.Record != "" {
			d.u.openRecord(it.Record)
			return
		}
		if _, do := fixButton(d.u, it.Fix); do != nil {
			do()
		}
	}
	return card("Falls due", container.NewVBox(d.window, d.dueLine), d.dueList)
}

// dueLine words what falls due: "Review: Business continuity plan".
func dueLine(it readiness.Due) string {
	s := capitalFirst(it.What)
	switch {
	case it.Detail != "":
		s += ": " + it.Detail + " (" + it.Title + ")"
	case it.Title != "":
		s += ": " + it.Title
	default:
		s += " on the plans"
	}
	return s
}

// showDue lists what falls due within the window chosen.
func (d *dashboard) showDue() {
	days := 30
	if d.window.Selected == dueLate {
		days = 90
	}
	until := localDay(d.now()).AddDate(0, 0, days+1)
	d.shownDue = d.shownDue[:0]
	for _, it := range d.due {
		if it.Date.Before(until) {
			d.shownDue = append(d.shownDue, it)
		}
	}
	if d.dueLine.Text == "" || !strings.HasPrefix(d.dueLine.Text, "Checking") {
		switch n := len(d.shownDue); n {
		case 0:
			d.dueLine.SetText(fmt.Sprintf("Nothing falls due in the next %d days.", days))
		default:
			d.dueLine.SetText(fmt.Sprintf("%s in the next %d days.", countWords(n, "item falls due", "items fall due"), days))
		}
	}
	d.dueList.UnselectAll()
	d.dueList.Refresh()
}

func (d *dashboard) incidentCard() fyne.CanvasObject {
	d.incidentList = widget.NewList(func() int { return len(d.incidents) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("incident")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			in := d.incidents[i]
			s := in.title + " — " + textOr(in.status, "open")
			if !in.opened.IsZero() {
				s += ", since " + in.opened.Local().Format("Mon 2 Jan 15:04")
			}
			o.(*fyne.Container).Objects[0].(*widget.Label).SetText(s)
		})
	d.incidentList.OnSelected = func(i widget.ListItemID) {
		d.incidentList.UnselectAll()
		d.openIncident(d.incidents[i].id)
	}
	return card("Open incidents", d.incidentLine, d.incidentList)
}

// openIncident shows the incident id in incident mode, or as a record
// where the app has no incident mode.
func (d *dashboard) openIncident(id string) {
	if _, ok := specOf("incident"); ok {
		if sc, ok := d.u.shell.goTo("incident").(interface{ openIncident(id string) }); ok {
			sc.openIncident(id)
			return
		}
	}
	d.u.openRecord(id)
}

func (d *dashboard) syncCard() fyne.CanvasObject {
	d.remoteList = widget.NewList(func() int { return len(d.remotes) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("name", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			state := widget.NewLabel("state")
			state.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(120, name.MinSize().Height), name), nil, state)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := d.remotes[i]
			row := o.(*fyne.Container)
			name := row.Objects[1].(*fyne.Container).Objects[0].(*widget.Label)
			name.SetText(r.Name)
			state := row.Objects[0].(*widget.Label)
			state.SetText(remoteState(r, d.now()))
			state.Importance = widget.MediumImportance
			if r.LastError != "" || r.Stale {
				state.Importance = widget.WarningImportance
			}
			state.Refresh()
		})
	d.remoteList.OnSelected = func(widget.ListItemID) {
		d.remoteList.UnselectAll()
		d.u.shell.goTo("sync")
	}
	return card("Off-site copies", d.remoteLine, d.remoteList)
}

// remoteState words a remote's state: its kind, when it last synced, what
// each side lacks, and its last error.
func remoteState(r gitsync.RemoteStatus, now time.Time) string {
	parts := []string{r.Kind}
	if r.LastSync.IsZero() {
		parts = append(parts, "never synced")
	} else {
		parts = append(parts, "synced "+sinceWords(r.LastSync, now))
	}
	switch {
	case r.Ahead > 0 && r.Behind > 0:
		parts = append(parts, fmt.Sprintf("%d changes to send, %d to take in", r.Ahead, r.Behind))
	case r.Ahead > 0:
		parts = append(parts, countWords(r.Ahead, "change", "changes")+" to send")
	case r.Behind > 0:
		parts = append(parts, countWords(r.Behind, "change", "changes")+" to take in")
	case !r.LastSync.IsZero():
		parts = append(parts, "in step")
	}
	if r.LastError != "" {
		parts = append(parts, "last try failed: "+r.LastError)
	}
	return strings.Join(parts, " · ")
}

// refresh shows at once what is cheap to read, and starts the readiness
// check in the background.
func (d *dashboard) refresh() {
	d.gen++
	b := d.u.Binder()
	if b == nil {
		d.checkLine.SetText("The binder is in use by a command from a terminal; the check runs again when it is back.")
		return
	}
	ctx := context.Background()
	d.name.SetText(b.Name(ctx))
	d.fingerprint.SetText("Fingerprint " + b.Fingerprint())
	periods, err := readiness.SettingsOf(ctx, b)
	if err != nil {
		d.u.notify("Cannot read the binder's settings: " + err.Error())
	}
	d.showOffsite(b.Dir(), periods.OffsiteDays)
	d.showRemotes(b.Dir(), periods.OffsiteDays)
	d.readIncidents(ctx, b)
	d.check(periods.OffsiteDays)
}

// showOffsite shows the warning when no remote has received this copy's
// history within the binder's off-site period.
func (d *dashboard) showOffsite(dir string, days int) {
	copies, err := gitsync.OffsiteCopies(dir)
	if err != nil {
		d.offsiteText.SetText("Cannot read the remotes: " + err.Error())
		d.offsite.Show()
		return
	}
	var last time.Time
	for _, c := range copies {
		if c.LastCopy.After(last) {
			last = c.LastCopy
		}
	}
	now := d.now()
	switch {
	case len(copies) == 0:
		d.offsiteText.SetText("This binder has no off-site copy: if this computer is lost, so is the binder. Add a remote and sync with it.")
		d.offsiteButton.SetText("Add a remote")
	case last.IsZero():
		d.offsiteText.SetText("No remote has received this copy's history yet: sync to keep a copy off-site.")
		d.offsiteButton.SetText("Sync")
	case now.Sub(last) > time.Duration(days)*24*time.Hour:
		d.offsiteText.SetText(fmt.Sprintf("No off-site copy has received this copy's history for %s (since %s); the binder asks for one at least every %s.",
			countWords(int(now.Sub(last).Hours()/24), "day", "days"), last.Local().Format("Mon 2 Jan 2006"), countWords(days, "day", "days")))
		d.offsiteButton.SetText("Sync")
	default:
		d.offsite.Hide()
		return
	}
	d.offsite.Show()
}

// showRemotes lists the remotes as last known, at once; the check fills
// in what each side lacks.
func (d *dashboard) showRemotes(dir string, days int) {
	rs, err := gitsync.Remotes(dir)
	if err != nil {
		d.remoteLine.SetText("Cannot read the remotes: " + err.Error())
		return
	}
	d.remotes = d.remotes[:0]
	for _, r := range rs {
		st := gitsync.RemoteStatus{Remote: r, Kind: r.Kind()}
		st.Stale = r.LastSync.IsZero() || d.now().Sub(r.LastSync) > time.Duration(days)*24*time.Hour
		d.remotes = append(d.remotes, st)
	}
	if len(rs) == 0 {
		d.remoteLine.SetText("No remote: this binder is kept on this computer only.")
	} else {
		d.remoteLine.SetText(countWords(len(rs), "remote", "remotes") + ".")
	}
	d.remoteList.Refresh()
}

// readIncidents lists the incidents not closed, most recent first.
func (d *dashboard) readIncidents(ctx context.Context, b *binder.Binder) {
	list, err := b.List(ctx, "incident")
	if err != nil {
		d.incidentLine.SetText("Cannot list the incidents: " + err.Error())
		return
	}
	d.incidents = d.incidents[:0]
	for _, s := range list {
		r, err := b.Get(ctx, s.ID)
		if err != nil || r.Text("status") == "closed" {
			continue
		}
		opened, _ := r.Date("opened")
		d.incidents = append(d.incidents, openIncident{id: r.ID, title: r.Title, status: r.Text("status"), opened: opened})
	}
	for i := 1; i < len(d.incidents); i++ {
		for j := i; j > 0 && d.incidents[j].opened.After(d.incidents[j-1].opened); j-- {
			d.incidents[j], d.incidents[j-1] = d.incidents[j-1], d.incidents[j]
		}
	}
	if len(d.incidents) == 0 {
		d.incidentLine.SetText("No open incident.")
	} else {
		d.incidentLine.SetText(countWords(len(d.incidents), "incident is", "incidents are") + " open.")
	}
	d.incidentList.UnselectAll()
	d.incidentList.Refresh()
}

// dashboardCheck is what the background check finds.
type dashboardCheck struct {
	report  *readiness.Report
	due     []readiness.Due
	remotes []gitsync.RemoteStatus
}

// check runs the readiness check, lists what falls due and compares each
// remote with this copy, off the UI goroutine.
func (d *dashboard) check(offsiteDays int) {
	gen := d.gen
	d.checkLine.SetText("Checking the binder's readiness…")
	d.dueLine.SetText("Checking what falls due…")
	now := d.now()
	runRefreshTask(d.u, func(ctx context.Context, b *binder.Binder, progress binder.Progress) (dashboardCheck, error) {
		copies, err := gitsync.OffsiteCopies(b.Dir())
		if err != nil {
			return dashboardCheck{}, err
		}
		recs, err := b.Records(ctx)
		if err != nil {
			return dashboardCheck{}, err
		}
		progress("records", len(recs), len(recs))
		team, err := readiness.TeamOf(ctx, b)
		if err != nil {
			return dashboardCheck{}, err
		}
		out := dashboardCheck{report: readiness.CheckWith(recs, copies, team, now), due: readiness.Upcoming(recs, now, 90)}
		// Ahead and behind as of the last sync: no network.
		out.remotes, err = gitsync.Status(ctx, b, false, time.Duration(offsiteDays)*24*time.Hour, gitsync.Options{})
		return out, err
	}, func(stage string, n, total int) {
		if gen == d.gen {
			d.checkLine.SetText(fmt.Sprintf("Checking the readiness of %s…", countWords(total, "record", "records")))
		}
	}, func(c dashboardCheck, err error) {
		if gen != d.gen {
			return // a later refresh started another check
		}
		if err != nil && c.report == nil {
			d.checkLine.SetText("Cannot check readiness: " + err.Error())
			d.dueLine.SetText("")
			return
		}
		if err != nil {
			d.remoteLine.SetText("Cannot compare with the remotes: " + err.Error())
		} else {
			d.remotes = c.remotes
			d.remoteList.Refresh()
		}
		d.showCheck(c.report)
		d.due = c.due
		d.dueLine.SetText("")
		d.showDue()
		d.u.trace.event("dashboard-complete", "")
	})
}

// showCheck shows a readiness report's counts and findings.
func (d *dashboard) showCheck(rep *readiness.Report) {
	words := [][2]string{{"error", "errors"}, {"warning", "warnings"}, {"for information", "for information"}}
	for i, sev := range readiness.Severities {
		n := rep.Count(sev)
		if i == 2 {
			d.counts[i].SetText(fmt.Sprintf("%d %s", n, words[i][0]))
		} else {
			d.counts[i].SetText(countWords(n, words[i][0], words[i][1]))
		}
		if n == 0 {
			d.counts[i].Importance = widget.LowImportance
		} else {
			d.counts[i].Importance = []widget.Importance{widget.DangerImportance, widget.WarningImportance, widget.MediumImportance}[i]
		}
		d.counts[i].Refresh()
	}
	d.findings = rep.Findings
	if len(rep.Findings) == 0 {
		d.checkLine.SetText(fmt.Sprintf("%s checked at %s: nothing to put right.", countWords(rep.Records, "record", "records"), rep.Checked.Local().Format("15:04")))
	} else {
		d.checkLine.SetText(fmt.Sprintf("%s checked at %s. Choose a finding to open its record.", countWords(rep.Records, "record", "records"), rep.Checked.Local().Format("15:04")))
	}
	d.findList.UnselectAll()
	d.findList.Refresh()
}

// count words n things: "1 error", "3 errors".
func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ago words how long before now t was: "today", "yesterday", "3 days ago".
func sinceWords(t, now time.Time) string {
	days := int(localDay(now).Sub(localDay(t)).Hours() / 24)
	switch {
	case days <= 0:
		return "today at " + t.Local().Format("15:04")
	case days == 1:
		return "yesterday"
	default:
		return fmt.Sprintf("%d days ago", days)
	}
}

func localDay(t time.Time) time.Time {
	t = t.Local()
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

func capitalFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func textOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func severityIcon(sev string) fyne.Resource {
	switch sev {
	case readiness.SeverityError:
		return theme.ErrorIcon()
	case readiness.SeverityWarning:
		return theme.WarningIcon()
	}
	return theme.InfoIcon()
}
