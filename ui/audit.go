package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// auditScreen lists the audit chain: every secret escrowed, requested,
// approved, opened and rotated, every member change and plan approval,
// who did it, when, and whether its signature holds.
type auditScreen struct {
	u       *App
	root    fyne.CanvasObject
	summary *widget.Label
	list    *widget.List
	items   []binder.AuditItem
}

func newAuditScreen(u *App) *auditScreen {
	s := &auditScreen{u: u, summary: wrapped("")}
	s.list = widget.NewList(func() int { return len(s.items) },
		func() fyne.CanvasObject {
			when := widget.NewLabel("2026-12-05 14:00")
			who := widget.NewLabelWithStyle("handle", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			what := widget.NewLabel("what")
			what.Truncation = fyne.TextTruncateEllipsis
			ok := widget.NewLabel("verified")
			return container.NewBorder(nil, nil, container.NewHBox(when, who), ok, what)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := s.items[i]
			c := o.(*fyne.Container)
			left := c.Objects[1].(*fyne.Container)
			left.Objects[0].(*widget.Label).SetText(it.Time.Local().Format("2006-01-02 15:04"))
			left.Objects[1].(*widget.Label).SetText(it.Actor)
			c.Objects[0].(*widget.Label).SetText(auditWords(it))
			ok := c.Objects[2].(*widget.Label)
			ok.SetText(it.Verified)
			ok.Importance = widget.SuccessImportance
			if it.Verified != "verified" {
				ok.Importance = widget.WarningImportance
			}
			ok.Refresh()
		})
	s.root = container.NewBorder(container.NewPadded(s.summary), nil, nil, nil, s.list)
	return s
}

func (s *auditScreen) content() fyne.CanvasObject { return s.root }

func (s *auditScreen) shown(fyne.Canvas) {}

func (s *auditScreen) refresh() {
	runRefreshTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]binder.AuditItem, error) {
		return b.Audit(ctx)
	}, nil, func(items []binder.AuditItem, err error) {
		if err != nil {
			s.summary.SetText("The audit could not be read: " + sentence(err))
			return
		}
		// Newest first: what happened last is what is looked for.
		s.items = make([]binder.AuditItem, 0, len(items))
		for i := len(items) - 1; i >= 0; i-- {
			s.items = append(s.items, items[i])
		}
		s.summary.SetText(fmt.Sprintf("%s, newest first. Each is signed by who made it and names the entries before it: verify finds one removed, changed or reordered.", count(len(items), "entry", "entries")))
		s.list.Refresh()
	})
}

// auditWords says what an entry records.
func auditWords(it binder.AuditItem) string {
	switch it.Action {
	case "put":
		return fmt.Sprintf("escrowed %s: %d of %s", it.Secret, it.Threshold, strings.Join(it.Custodians, ", "))
	case "rotate":
		return fmt.Sprintf("rotated %s (generation %d): %d of %s", it.Secret, it.Generation, it.Threshold, strings.Join(it.Custodians, ", "))
	case "request":
		return fmt.Sprintf("asked to open %s (request %s)", it.Secret, shortID(it.ID))
	case "approve":
		return fmt.Sprintf("approved %s's request %s for %s", it.For, shortID(it.Request), it.Secret)
	case "open":
		return fmt.Sprintf("opened %s", it.Secret)
	case "member":
		return it.Subject
	case "approve-plan":
		return "approved a plan (" + shortID(it.Subject) + ")"
	}
	return it.Action
}
