package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/readiness"
	gitsync "gobag/sync"
)

// syncScreen lists the binder's remotes with their state, adds and
// removes them, and syncs with one or all, off the UI goroutine, with
// progress and a Cancel button.
type syncScreen struct {
	u         *App
	root      fyne.CanvasObject
	remotes   *fyne.Container // a card per remote: few, so no list
	statuses  []gitsync.RemoteStatus
	empty     *widget.Label
	syncAll   *widget.Button
	cancel    *widget.Button
	progress  *widget.Label
	result    *widget.Label
	conflicts *fyne.Container // a button per conflicting record of the last sync

	name, url *escEntry
	addErr    *fieldError
	add       *widget.Button

	stop    context.CancelFunc    // cancels the sync running
	hostKey *dialog.ConfirmDialog // the SSH host key to accept, while asked
	confirm *dialog.ConfirmDialog // removing a remote, while asked
	busy    bool                  // a sync or an add is running
}

func newSyncScreen(u *App) *syncScreen {
	s := &syncScreen{u: u, remotes: container.NewVBox(), progress: widget.NewLabel(""), result: wrapped(""),
		conflicts: container.NewVBox(), addErr: errorLabel(), name: newEntry(), url: newEntry()}
	s.empty = wrapped("No remote yet: this is the only copy of the binder. Add a USB drive, a second disk or a server below, so that a copy survives losing this computer.")
	s.syncAll = widget.NewButtonWithIcon("Sync all", theme.ViewRefreshIcon(), func() { s.sync(nil) })
	s.syncAll.Importance = widget.HighImportance
	s.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if s.stop != nil {
			s.stop()
			s.progress.SetText("Cancelling…")
		}
	})
	s.cancel.Hide()
	s.name.SetPlaceHolder("usb")
	s.url.SetPlaceHolder("/media/usb/binder.git, ssh://user@host/srv/binder.git or https://host/binder.git")
	s.add = widget.NewButtonWithIcon("Add remote", theme.ContentAddIcon(), func() { s.addRemote("") })
	s.url.OnSubmitted = func(string) { s.addRemote("") }
	title := widget.NewLabelWithStyle("Sync", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(title, container.NewHBox(s.syncAll, s.cancel), s.progress)
	addForm := widget.NewForm(
		widget.NewFormItem("Name", s.name),
		widget.NewFormItem("Address", s.url),
	)
	addBox := container.NewVBox(widget.NewLabelWithStyle("Add a remote", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), addForm, s.addErr, container.NewHBox(s.add))
	body := container.NewVBox(s.empty, s.remotes, s.result, s.conflicts, widget.NewSeparator(), addBox)
	s.root = container.NewBorder(container.NewPadded(top), nil, nil, nil, container.NewVScroll(container.NewPadded(body)))
	return s
}

func (s *syncScreen) content() fyne.CanvasObject { return s.root }

func (s *syncScreen) shown(fyne.Canvas) {}

// refresh reads the remotes' state again, off the UI goroutine (counting
// ahead and behind walks the history).
func (s *syncScreen) refresh() {
	if s.u.Binder() == nil {
		s.progress.SetText("The binder is busy with a command from a terminal; the remotes show again when it is done.")
		return
	}
	runRefreshTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]gitsync.RemoteStatus, error) {
		set, err := readiness.SettingsOf(ctx, b)
		if err != nil {
			return nil, err
		}
		return gitsync.Status(ctx, b, false, time.Duration(set.OffsiteDays)*24*time.Hour, gitsync.Options{Identity: b.Identity()})
	}, nil, func(sts []gitsync.RemoteStatus, err error) {
		if err != nil {
			if !s.busy {
				s.progress.SetText("The remotes could not be read: " + sentence(err))
			}
			return
		}
		s.statuses = sts
		s.show()
	})
}

// show builds a card per remote.
func (s *syncScreen) show() {
	s.remotes.Objects = nil
	for _, st := range s.statuses {
		s.remotes.Add(s.card(st))
	}
	s.remotes.Refresh()
	if len(s.statuses) == 0 {
		s.empty.Show()
		s.syncAll.Disable()
	} else {
		s.empty.Hide()
		s.syncAll.Enable()
	}
	if s.busy {
		s.syncAll.Disable()
	}
}

// kindNames word a remote's kind.
var kindNames = map[string]string{"local": "Directory", "ssh": "SSH", "https": "HTTPS", "git": "git (read-only)"}

func (s *syncScreen) card(st gitsync.RemoteStatus) fyne.CanvasObject {
	name := widget.NewLabelWithStyle(st.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	kind := kindNames[st.Kind]
	if kind == "" {
		kind = "Unknown kind"
	}
	url := widget.NewLabel(kind + " · " + st.URL)
	url.Truncation = fyne.TextTruncateEllipsis
	last := "Never synced"
	if !st.LastSync.IsZero() {
		last = "Last synced " + st.LastSync.Local().Format("2 Jan 2006 15:04")
	}
	state := widget.NewLabel(fmt.Sprintf("%s · %s · %s", last, count(st.Ahead, "commit", "commits")+" to send", count(st.Behind, "commit", "commits")+" to receive"))
	lines := []fyne.CanvasObject{name, url, state}
	if st.Stale {
		stale := wrapped("No sync within the binder's off-site period: this remote's copy is out of date.")
		stale.Importance = widget.WarningImportance
		lines = append(lines, stale)
	}
	if st.LastError != "" {
		e := wrapped("Last attempt failed: " + st.LastError)
		e.Importance = widget.DangerImportance
		lines = append(lines, e)
	}
	remote := st.Name
	syncOne := widget.NewButtonWithIcon("Sync", theme.ViewRefreshIcon(), func() { s.sync([]string{remote}) })
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { s.remove(remote) })
	if s.busy {
		syncOne.Disable()
		remove.Disable()
	}
	buttons := container.NewHBox(syncOne, remove)
	return widget.NewCard("", "", container.NewBorder(nil, nil, nil, container.NewVBox(buttons), container.NewVBox(lines...)))
}

// syncDone is what syncing with some remotes did.
type syncDone struct {
	reports []*gitsync.Report
	failed  []string // "remote: error", for each that failed
}

// sync syncs with the remotes named, or all, one after another, off the
// UI goroutine; Cancel stops it.
func (s *syncScreen) sync(names []string) {
	if s.busy {
		return
	}
	if names == nil {
		for _, st := range s.statuses {
			names = append(names, st.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	ctx, stop := context.WithCancel(s.u.tasks.ctx)
	s.stop = stop
	s.setBusy(true)
	s.result.SetText("")
	s.conflicts.Objects = nil
	s.conflicts.Refresh()
	current := names[0]
	s.progress.SetText("Syncing with " + current + "…")
	runBinderTask(s.u, func(_ context.Context, b *binder.Binder, progress binder.Progress) (syncDone, error) {
		var out syncDone
		for _, name := range names {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			token := func(r *gitsync.Remote) ([]byte, error) { return s.token(ctx, r) }
			opts := gitsync.Options{Identity: b.Identity(), Token: token, Progress: func(stage string, done, total int) {
				if progress != nil {
					progress(name+"\x00"+stage, done, total)
				}
			}}
			rep, err := gitsync.Sync(ctx, b, name, opts)
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return out, context.Canceled
			}
			if err != nil {
				out.failed = append(out.failed, name+": "+sentence(err))
				continue
			}
			out.reports = append(out.reports, rep)
		}
		return out, nil
	}, func(stage string, done, total int) {
		remote, what, _ := strings.Cut(stage, "\x00")
		s.progress.SetText(remote + ": " + syncProgressLine(what, done, total))
	}, func(d syncDone, err error) {
		stop()
		s.stop = nil
		s.setBusy(false)
		s.progress.SetText("")
		var lines []string
		for _, rep := range d.reports {
			lines = append(lines, syncSummary(rep))
		}
		lines = append(lines, d.failed...)
		switch {
		case errors.Is(err, errLent):
			lines = append(lines, "Not synced: a command from a terminal is using the binder. Try again in a moment.")
		case errors.Is(err, context.Canceled):
			lines = append(lines, "Sync cancelled: what this copy has is unchanged by the remote it was syncing with.")
		case err != nil:
			lines = append(lines, sentence(err))
		}
		s.result.SetText(strings.Join(lines, "\n"))
		s.showConflicts(d.reports)
		if len(d.reports) > 0 {
			s.u.notify(fmt.Sprintf("Synced with %s.", count(len(d.reports), "remote", "remotes")))
			s.u.changed()
		} else {
			s.refresh()
		}
	})
}

// showConflicts offers to open each record a sync left conflicting.
func (s *syncScreen) showConflicts(reps []*gitsync.Report) {
	seen := map[string]bool{}
	s.conflicts.Objects = nil
	for _, rep := range reps {
		if rep.Merge == nil {
			continue
		}
		for _, id := range rep.Merge.Conflicts {
			if seen[id] {
				continue
			}
			seen[id] = true
			title := id
			if b := s.u.Binder(); b != nil {
				if r, err := b.Get(context.Background(), id); err == nil {
					title = r.Title
				}
			}
			id := id
			s.conflicts.Add(widget.NewButtonWithIcon("Conflicting values in "+title+": compare and choose", theme.WarningIcon(), func() { s.u.openRecord(id) }))
		}
	}
	s.conflicts.Refresh()
}

func (s *syncScreen) setBusy(busy bool) {
	s.busy = busy
	if busy {
		s.cancel.Show()
		s.add.Disable()
	} else {
		s.cancel.Hide()
		s.add.Enable()
	}
	s.show()
}

// token asks for an HTTPS remote's password or token in a dialog; it
// runs off the UI goroutine and waits for the answer, or for ctx to end
// (Cancel, the app closing), which takes the dialog away. It is never
// kept.
func (s *syncScreen) token(ctx context.Context, r *gitsync.Remote) ([]byte, error) {
	answer := make(chan []byte, 1)
	var d *dialog.FormDialog
	uiDo(func() {
		e := newEntry()
		e.Password = true
		d = dialog.NewForm("Password or token", "Sync", "Cancel",
			[]*widget.FormItem{widget.NewFormItem(fmt.Sprintf("%s at %s", r.User, r.URL), e)},
			func(ok bool) {
				if ok {
					answer <- []byte(e.Text)
				} else {
					answer <- nil
				}
			}, s.u.win)
		d.Show()
		d.Resize(fyne.NewSize(480, 200))
		s.u.win.Canvas().Focus(e)
	})
	select {
	case t := <-answer:
		if t != nil {
			return t, nil
		}
		return nil, context.Canceled
	case <-ctx.Done():
		uiDo(func() {
			if d != nil {
				d.Hide()
			}
		})
		return nil, ctx.Err()
	}
}

// addRemote adds the remote typed, off the UI goroutine (an SSH server is
// contacted for its host key), pinning hostKey if the user accepted it.
func (s *syncScreen) addRemote(hostKey string) {
	if s.busy {
		return
	}
	name, url := strings.TrimSpace(s.name.Text), strings.TrimSpace(s.url.Text)
	s.addErr.SetText("")
	switch {
	case name == "":
		s.addErr.SetText("Name the remote (for example usb, or office-server).")
		return
	case url == "":
		s.addErr.SetText("Give the remote's address: a directory, ssh://… or https://….")
		return
	}
	r := &gitsync.Remote{Name: name, URL: url}
	if r.Kind() == "local" && !strings.HasPrefix(url, "file://") {
		r.URL = absPath(url)
	}
	s.setBusy(true)
	s.progress.SetText("Contacting " + url + "…")
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*gitsync.Remote, error) {
		return gitsync.AddRemote(ctx, b.Dir(), r, gitsync.AddOptions{AcceptHostKey: hostKey})
	}, nil, func(added *gitsync.Remote, err error) {
		s.setBusy(false)
		s.progress.SetText("")
		if fix := binder.FixOf(err); fix != nil && fix.Action == binder.ActionAcceptHostKey && hostKey == "" {
			s.hostKey = askHostKey(s.u.win, url, fix.Value, func(accept bool) {
				s.hostKey = nil
				if accept {
					s.addRemote(fix.Value)
					return
				}
				s.addErr.SetText("Not added: the server's host key was not accepted.")
			})
			return
		}
		if err != nil {
			msg := sentence(err)
			if binder.KindOf(err) == binder.BadSignature {
				msg = "REFUSED. " + msg
			}
			s.addErr.SetText(msg)
			return
		}
		s.name.SetText("")
		s.url.SetText("")
		s.u.notify("Added remote " + added.Name + ": sync with it to send it the binder.")
		s.refresh()
	})
}

// remove forgets a remote, once the user confirms.
func (s *syncScreen) remove(name string) {
	s.confirm = dialog.NewConfirm("Remove remote "+name+"?",
		"This copy stops syncing with "+name+". The remote itself, and the copy it holds, are not touched.",
		func(ok bool) {
			s.confirm = nil
			if !ok {
				return
			}
			b := s.u.Binder()
			if b == nil {
				s.addErr.SetText("Not removed: a command from a terminal is using the binder. Try again in a moment.")
				return
			}
			if err := gitsync.RemoveRemote(b.Dir(), name); err != nil {
				s.addErr.SetText(sentence(err))
				return
			}
			s.u.notify("Removed remote " + name + "; the remote itself is untouched.")
			s.refresh()
		}, s.u.win)
	s.confirm.SetConfirmText("Remove")
	s.confirm.SetConfirmImportance(widget.DangerImportance)
	s.confirm.Show()
}

// askHostKey shows an SSH server's host key fingerprint, to compare with
// the one its administrator gives, and calls answer with the user's
// choice. Nothing is fetched before the user accepts.
func askHostKey(win fyne.Window, url, fp string, answer func(accept bool)) *dialog.ConfirmDialog {
	text := wrapped(fmt.Sprintf("This is the first contact with the server at %s. It presents this host key:", url))
	key := widget.NewLabelWithStyle(fp, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	check := wrapped("Accept it only if it is the same as the fingerprint the server's administrator gives you (ssh-keygen -lf on the server's host key). A different key may be someone impersonating the server.")
	d := dialog.NewCustomConfirm("Accept the server's host key?", "Accept", "Do not accept", container.NewVBox(text, key, check), answer, win)
	d.Show()
	d.Resize(fyne.NewSize(560, 300))
	// NewCustomConfirm returns a ConfirmDialog, which tests confirm.
	return d
}

// syncProgressLine words a stage of a sync or clone.
func syncProgressLine(stage string, done, total int) string {
	what := map[string]string{
		"connect": "Connecting", "fetch": "Fetching", "push": "Sending",
		"history": "Verifying the history", "records": "Checking the records", "index": "Updating the index",
		"verify": "Verifying the history", "merge": "Merging",
	}[stage]
	if what == "" {
		what = strings.ToUpper(stage[:1]) + stage[1:]
	}
	switch {
	case total > 0:
		return fmt.Sprintf("%s: %d of %d", what, done, total)
	case done > 0:
		return fmt.Sprintf("%s: %d", what, done)
	}
	return what + "…"
}

// syncSummary words what one sync did.
func syncSummary(rep *gitsync.Report) string {
	var said []string
	if m := rep.Merge; m != nil && (m.FastForward || m.Merged) {
		said = append(said, fmt.Sprintf("received %s, %s changed", count(m.Received, "commit", "commits"), count(m.Changed, "record", "records")))
	}
	switch {
	case rep.Pushed && rep.Merge == nil:
		said = append(said, "the remote was empty: sent it the whole binder ("+count(rep.Sent, "commit", "commits")+")")
	case rep.Pushed:
		said = append(said, "sent "+count(rep.Sent, "commit", "commits"))
	case rep.ReadOnly && rep.Unsent > 0:
		said = append(said, "read-only remote: nothing sent")
	}
	if len(said) == 0 {
		said = append(said, "already in step")
	}
	out := rep.Remote + ": " + strings.Join(said, "; ") + "."
	if m := rep.Merge; m != nil {
		for _, n := range m.Notices {
			out += "\n  " + n
		}
	}
	return out
}

// count words n things.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
