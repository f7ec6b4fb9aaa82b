package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/recovery"
)

// incTelURL is the tel: URL that dials number.
func incTelURL(number string) (*url.URL, error) {
	n := strings.Map(func(r rune) rune {
		if r == '+' || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, number)
	if n == "" || n == "+" {
		return nil, fmt.Errorf("%q is not a number to dial", number)
	}
	return &url.URL{Scheme: "tel", Opaque: n}, nil
}

// loadRecovery computes the recovery order of the systems involved, off
// the UI goroutine (a big binder has many systems), and shows it.
func (v *incidentScreen) loadRecovery() {
	d, id := v.d, v.id
	runbooks := map[string]bool{}
	for _, rb := range d.runbooks {
		runbooks[rb.ID] = true
	}
	involved := map[string]bool{}
	for _, id := range d.systems {
		involved[id] = true
	}
	v.recoveryMsg.SetText("Working out the recovery order…")
	runRefreshTask(v.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]recovery.Step, error) {
		var recs []*binder.Record
		for _, kind := range []string{"system", "runbook"} {
			list, err := b.List(ctx, kind)
			if err != nil {
				return nil, err
			}
			for _, s := range list {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				r, err := b.Get(ctx, s.ID)
				if err != nil {
					return nil, err
				}
				recs = append(recs, r)
				// A system is involved when a runbook activated recovers it.
				if kind == "system" {
					for _, rb := range r.Links("runbooks") {
						if runbooks[rb] {
							involved[r.ID] = true
						}
					}
				}
			}
		}
		return incidentOrder(recovery.Order(recs).Steps, involved), nil
	}, nil, func(steps []recovery.Step, err error) {
		if v.d == nil || v.d.inc.ID != id {
			return // another incident is shown now
		}
		if err != nil {
			v.recoveryMsg.SetText("Cannot work out the recovery order: " + err.Error())
			return
		}
		v.buildRecovery(steps, len(involved) == 0)
	})
}

// incidentOrder keeps the steps of the systems involved and of the
// systems they depend on, in recovery order; all of them if none is
// involved.
func incidentOrder(steps []recovery.Step, involved map[string]bool) []recovery.Step {
	if len(involved) == 0 {
		return steps
	}
	byID := map[string]recovery.Step{}
	for _, s := range steps {
		byID[s.ID] = s
	}
	keep := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if keep[id] {
			return
		}
		keep[id] = true
		for _, dep := range byID[id].DependsOn {
			visit(dep)
		}
	}
	for id := range involved {
		visit(id)
	}
	var out []recovery.Step
	for _, s := range steps {
		if keep[s.ID] {
			out = append(out, s)
		}
	}
	return out
}

// buildRecovery shows the recovery order, each system's RTO counting
// down from the incident's start.
func (v *incidentScreen) buildRecovery(steps []recovery.Step, all bool) {
	v.clocks = nil
	v.recovery.Objects = nil
	switch {
	case len(steps) == 0:
		v.recoveryMsg.SetText("The binder has no systems to recover.")
	case all:
		v.recoveryMsg.SetText("No system is linked to the plans or runbooks activated: every system, in the order to restore them. Each RTO counts from the incident's start.")
	default:
		v.recoveryMsg.SetText("The systems involved and those they need, in the order to restore them. Each RTO counts from the incident's start.")
	}
	for i, s := range steps {
		row := &incidentClockRow{step: s, left: widget.NewLabel("")}
		if d, err := binder.ParseDuration(s.RTO); err == nil && s.RTO != "" {
			row.rto, row.hasRTO = d, true
		}
		row.left.TextStyle.Bold = true
		id := s.ID
		row.open = widget.NewButtonWithIcon("Open", theme.DocumentIcon(), func() { v.u.openRecord(id) })
		name := widget.NewLabelWithStyle(fmt.Sprintf("%d. %s", i+1, s.Title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Wrapping = fyne.TextWrapWord
		var facts []string
		if s.Tier > 0 {
			facts = append(facts, fmt.Sprintf("tier %d", s.Tier))
		}
		if row.hasRTO {
			facts = append(facts, "RTO "+s.RTO)
		} else {
			facts = append(facts, "no RTO set")
		}
		cp := "critical path " + s.CriticalPath
		if s.Unknown {
			cp += " or more"
		}
		facts = append(facts, cp)
		fact := widget.NewLabel(strings.Join(facts, " · "))
		fact.Wrapping = fyne.TextWrapWord
		if s.RTOMet != nil && !*s.RTOMet {
			fact.SetText(fact.Text + " — longer than the RTO")
			fact.Importance = widget.DangerImportance
		}
		v.recovery.Add(container.NewBorder(nil, nil, nil, row.open, container.NewVBox(name, fact, row.left)))
		v.recovery.Add(widget.NewSeparator())
		v.clocks = append(v.clocks, row)
	}
	v.tick(time.Now())
	v.recovery.Refresh()
	v.restyle()
}

// tick updates what counts: how long the incident has run, and each
// system's time left until its RTO.
func (v *incidentScreen) tick(now time.Time) {
	if v.d == nil {
		return
	}
	start := v.d.start
	meta := fmt.Sprintf("Started %s", start.Local().Format("Jan 2 15:04"))
	if end, ok := v.d.inc.Date("closed"); ok {
		meta += fmt.Sprintf(" · closed %s", end.Local().Format("Jan 2 15:04"))
	} else {
		meta += fmt.Sprintf(" · running for %s", strings.TrimSuffix(incFormatLeft(now.Sub(start)), " left"))
	}
	if s := v.d.inc.Text("status"); s != "" {
		meta += " · " + s
	}
	if v.meta.Text != meta {
		v.meta.SetText(meta)
	}
	_, closed := v.d.inc.Date("closed")
	for _, c := range v.clocks {
		text, imp := "No RTO: no countdown", widget.LowImportance
		if c.hasRTO {
			deadline := start.Add(c.rto)
			left := deadline.Sub(now)
			due := deadline.Local().Format("15:04")
			if deadline.Local().YearDay() != now.Local().YearDay() || deadline.Year() != now.Year() {
				due = deadline.Local().Format("Jan 2 15:04")
			}
			text = fmt.Sprintf("Due %s: %s", due, incFormatLeft(left))
			imp = widget.MediumImportance
			switch {
			case closed:
				text = fmt.Sprintf("Was due %s", deadline.Local().Format("Jan 2 15:04"))
			case left < 0:
				imp = widget.DangerImportance
			case left < c.rto/4:
				imp = widget.WarningImportance
			}
		}
		if c.left.Text != text || c.left.Importance != imp {
			c.left.Text, c.left.Importance = text, imp
			c.left.Refresh()
		}
	}
}

// startClock ticks once a second while the incident page is shown; it
// stops when the screen is left, another page is shown, or the app
// closes.
func (v *incidentScreen) startClock() {
	if v.clockStop != nil {
		return
	}
	ctx, cancel := context.WithCancel(v.u.tasks.ctx)
	v.clockStop = cancel
	ticks, stop := incidentClock()
	ticked, ended := testOnlyIncidentTicked, testOnlyIncidentClockEnded
	go func() {
		defer func() {
			stop()
			if ended != nil {
				ended <- struct{}{}
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-ticks:
				fyne.Do(func() {
					if ctx.Err() != nil {
						return
					}
					if v.u.closed || v.u.shell.current != "incident" || v.d == nil {
						v.stopClock()
						return
					}
					v.tick(now)
				})
				if ticked != nil {
					ticked <- struct{}{}
				}
			}
		}
	}()
}

// stopClock stops the clock, if it runs.
func (v *incidentScreen) stopClock() {
	if v.clockStop != nil {
		v.clockStop()
		v.clockStop = nil
	}
}

// askClose asks for the lessons learned, and closes the incident with
// them.
func (v *incidentScreen) askClose() {
	if v.d == nil || incidentClosed(v.d.inc) {
		return
	}
	v.lessons = widget.NewMultiLineEntry()
	v.lessons.SetPlaceHolder("What went well, what did not, what to change in the plans")
	v.lessons.SetMinRowsVisible(6)
	v.lessons.Wrapping = fyne.TextWrapWord
	v.lessons.SetText(v.d.inc.Text("lessons"))
	v.lessonsMsg = widget.NewLabel("")
	v.lessonsMsg.Importance = widget.DangerImportance
	v.lessonsMsg.Wrapping = fyne.TextWrapWord
	v.lessonsMsg.Hide()
	intro := widget.NewLabel("Closing the incident records when it was over. Write down the lessons learned while they are fresh: the readiness report asks for them.")
	intro.Wrapping = fyne.TextWrapWord
	cancel := widget.NewButton("Keep it open", func() { v.closeDialog.Hide() })
	v.closeOK = widget.NewButtonWithIcon("Close incident", theme.ConfirmIcon(), v.closeIncident)
	v.closeOK.Importance = widget.DangerImportance
	body := container.NewBorder(intro, container.NewVBox(v.lessonsMsg, container.NewHBox(cancel, v.closeOK)), nil, nil, v.lessons)
	content := container.NewGridWrap(fyne.NewSize(620, 420), container.NewThemeOverride(body, incidentTheme{}))
	v.closeDialog = dialog.NewCustomWithoutButtons("Close “"+incOneLine(v.d.inc.Title, 50)+"”", content, v.u.win)
	v.closeDialog.Show()
	v.u.win.Canvas().Focus(v.lessons)
}

// closeIncident saves the lessons learned, the time it was over and the
// closed status, and logs that it closed.
func (v *incidentScreen) closeIncident() {
	lessons := strings.TrimSpace(v.lessons.Text)
	if lessons == "" {
		v.lessonsMsg.SetText("Write the lessons learned first: what should be done differently next time.")
		v.lessonsMsg.Show()
		v.u.win.Canvas().Focus(v.lessons)
		return
	}
	b := v.u.Binder()
	if b == nil {
		v.lessonsMsg.SetText(errIncidentBusy.Error())
		v.lessonsMsg.Show()
		return
	}
	ctx := context.Background()
	r := v.d.inc.Clone()
	now := time.Now().Format(time.RFC3339)
	r.Fields["status"] = "closed"
	r.Fields["closed"] = now
	r.Fields["lessons"] = lessons
	if saved, err := b.Update(ctx, r); saved == nil {
		msg := "Not closed: " + err.Error()
		if binder.KindOf(err) == binder.Conflict {
			msg = "Not closed: someone else changed the incident meanwhile. It has been read again; close it again."
			v.rev = 0
			v.loadPage()
		}
		v.lessonsMsg.SetText(msg)
		v.lessonsMsg.Show()
		return
	}
	if _, err := logIncident(v.u, v.id, "Incident closed; lessons learned recorded", nil, time.Now()); err != nil {
		v.say("The incident is closed, but its closing was not logged: " + err.Error())
	}
	v.closeDialog.Hide()
	title := v.d.inc.Title
	v.showStart()
	v.u.changed()
	v.say("Closed “" + title + "” with its lessons learned.")
}
