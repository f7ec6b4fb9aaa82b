package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
)

// upkeep is the settings card that checks this copy of the binder and
// rebuilds its index: long work on a large binder, run off the UI
// goroutine with a progress line and a Cancel button.
type upkeep struct {
	u                       *App
	root                    fyne.CanvasObject
	verify, reindex, cancel *widget.Button
	progress, result        *widget.Label
	stop                    context.CancelFunc // cancels the work running, if any
}

func newUpkeep(u *App) *upkeep {
	k := &upkeep{u: u, progress: widget.NewLabel(""), result: wrapped("")}
	k.verify = widget.NewButtonWithIcon("Verify the history", theme.ConfirmIcon(), k.runVerify)
	k.reindex = widget.NewButtonWithIcon("Rebuild the index", theme.ViewRefreshIcon(), k.runReindex)
	k.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if k.stop != nil {
			k.stop()
		}
	})
	k.cancel.Hide()
	k.root = container.NewVBox(
		wrapped("Verify checks every commit, signature and record of this copy's history, as anyone can with git and age. Rebuilding the index reads every record again from the history: do it when verify says the local index was changed on disk."),
		container.NewHBox(k.verify, k.reindex, k.cancel), k.progress, k.result)
	return k
}

// start disables the buttons and returns the context of the work, which
// Cancel and the app's closing both end.
func (k *upkeep) start(what string) context.Context {
	ctx, stop := context.WithCancel(k.u.tasks.ctx)
	k.stop = stop
	k.verify.Disable()
	k.reindex.Disable()
	k.cancel.Show()
	k.result.SetText("")
	k.progress.SetText(what)
	return ctx
}

// finish shows the outcome and makes the buttons usable again.
func (k *upkeep) finish(text string) {
	if k.stop != nil {
		k.stop()
		k.stop = nil
	}
	k.verify.Enable()
	k.reindex.Enable()
	k.cancel.Hide()
	k.progress.SetText("")
	k.result.SetText(text)
}

func (k *upkeep) report(stage string, done, total int) {
	k.progress.SetText(progressLine(stage, done, total))
}

func (k *upkeep) runVerify() {
	ctx := k.start("Verifying the history…")
	runBinderTask(k.u, func(_ context.Context, b *binder.Binder, progress binder.Progress) (*binder.Report, error) {
		return binder.Verify(ctx, b.Dir(), progress)
	}, k.report, func(rep *binder.Report, err error) {
		switch {
		case ctx.Err() != nil:
			k.finish("Cancelled: nothing was changed.")
		case err != nil:
			k.finish("Cannot verify: " + sentence(err))
		default:
			k.finish(verifyText(rep))
		}
	})
}

func (k *upkeep) runReindex() {
	ctx := k.start("Rebuilding the index…")
	runBinderTask(k.u, func(_ context.Context, b *binder.Binder, progress binder.Progress) (struct{}, error) {
		return struct{}{}, b.Reindex(ctx, progress)
	}, k.report, func(_ struct{}, err error) {
		switch {
		case ctx.Err() != nil:
			// The index is incomplete: opening the binder again rebuilds
			// it, off the UI goroutine, before anything is shown from it.
			k.finish("Cancelled: the binder is opened again, which rebuilds the index.")
			k.u.session.reload()
		case err != nil:
			k.finish("Cannot rebuild the index: " + sentence(err))
			k.u.session.reload()
		default:
			k.finish("The index is rebuilt from the history.")
			k.u.changed()
		}
	})
}

// verifyText words a verify report for the settings card.
func verifyText(rep *binder.Report) string {
	var b strings.Builder
	if rep.OK() {
		fmt.Fprintf(&b, "The history checks out: %s and %s, all signed by members, binder %s.",
			count(rep.Commits, "commit", "commits"), count(rep.Versions, "record version", "record versions"), rep.Fingerprint)
	} else {
		fmt.Fprintf(&b, "The history does NOT check out: %s.", count(len(rep.Problems), "problem", "problems"))
		for i, p := range rep.Problems {
			if i == 10 {
				fmt.Fprintf(&b, "\n… and %d more.", len(rep.Problems)-i)
				break
			}
			b.WriteString("\n• " + p.String())
		}
	}
	for _, a := range rep.IndexAlarms {
		b.WriteString("\n• The local index was changed on disk by someone without its key (" + a + "); rebuild the index.")
	}
	for _, w := range rep.Warnings {
		b.WriteString("\n• " + w)
	}
	return b.String()
}
