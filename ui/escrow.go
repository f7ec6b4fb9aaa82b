package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/qr"
	"gobag/binder/roster"
)

// escrowScreen lists the escrowed secrets, their custodians, threshold
// and rotation state, and runs the break-glass flow: request, approvals
// arriving, opening with the value shown only while a button is pressed,
// copying it (cleared from the clipboard after 30 s), and handing
// requests and approvals over as QR codes both ways.
type escrowScreen struct {
	u    *App
	root fyne.CanvasObject

	list    *fyne.Container // a button per secret
	summary *widget.Label
	detail  *fyne.Container
	status  *fieldError

	secrets  []*binder.Secret
	selected string // the secret shown

	// The break-glass flow's widgets, rebuilt with the detail.
	reason   *widget.Entry
	progress *widget.Label // approvals so far
	openBtn  *widget.Button

	// The value opened: shown masked, revealed while reveal is pressed.
	value    []byte
	shownVal *widget.Label
	reveal   *revealButton

	// Hand-over: what the last dialog showed, and what to take in.
	handover   []byte
	takeText   *widget.Entry
	takePath   *escEntry
	rotateNew  *escEntry
	rotateRep  *escEntry
	approveTxt *widget.Entry

	confirm *dialog.ConfirmDialog // the dialog open, for tests to confirm
}

func newEscrowScreen(u *App) *escrowScreen {
	s := &escrowScreen{u: u, list: container.NewVBox(), summary: wrapped(""), detail: container.NewVBox(), status: errorLabel()}
	s.root = container.NewBorder(nil, nil,
		container.NewPadded(container.NewVBox(widget.NewCard("Escrowed secrets", "", container.NewVBox(s.summary, s.list)))), nil,
		container.NewVScroll(container.NewPadded(container.NewVBox(s.status, s.detail))))
	return s
}

func (s *escrowScreen) content() fyne.CanvasObject { return s.root }

func (s *escrowScreen) shown(fyne.Canvas) {}

// refresh reads the secrets again: approvals that arrived by sync or from
// a terminal show here.
func (s *escrowScreen) refresh() {
	runRefreshTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]*binder.Secret, error) {
		return b.Secrets(ctx)
	}, nil, func(list []*binder.Secret, err error) {
		if err != nil {
			s.status.SetText(sentence(err))
			return
		}
		s.secrets = list
		if s.secret() == nil {
			s.selected = ""
			if len(list) > 0 {
				s.selected = list[0].ID
			}
		}
		s.list.RemoveAll()
		for _, sec := range list {
			label := fmt.Sprintf("%s · %d of %d", sec.Name, sec.Threshold, len(sec.Custodians))
			btn := &widget.Button{Text: label, Alignment: widget.ButtonAlignLeading, OnTapped: func() { s.show(sec.ID) }}
			if len(sec.Rotate) > 0 {
				btn.Icon = theme.WarningIcon()
			}
			if sec.ID == s.selected {
				btn.Importance = widget.HighImportance
			}
			btn.ExtendBaseWidget(btn)
			s.list.Add(btn)
		}
		switch {
		case len(list) == 0:
			s.summary.SetText("No secret is escrowed. A manager escrows one with gobag secret put, naming its custodians and how many must agree to open it.")
		default:
			due := 0
			for _, sec := range list {
				if len(sec.Rotate) > 0 {
					due++
				}
			}
			s.summary.SetText(fmt.Sprintf("%s; %d due for rotation.", count(len(list), "secret", "secrets"), due))
		}
		s.showDetail()
	})
}

// show selects a secret.
func (s *escrowScreen) show(id string) {
	if id != s.selected {
		s.forget()
	}
	s.selected = id
	s.refresh()
}

func (s *escrowScreen) secret() *binder.Secret {
	for _, sec := range s.secrets {
		if sec.ID == s.selected {
			return sec
		}
	}
	return nil
}

// showDetail shows the selected secret and what this member can do with
// it.
func (s *escrowScreen) showDetail() {
	s.detail.RemoveAll()
	sec := s.secret()
	if sec == nil {
		return
	}
	me := s.u.session.id.Handle
	head := widget.NewLabelWithStyle(sec.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	facts := widget.NewForm(
		widget.NewFormItem("Custodians", widget.NewLabel(strings.Join(sec.Custodians, ", "))),
		widget.NewFormItem("To open", widget.NewLabel(fmt.Sprintf("%d of them must approve", sec.Threshold))),
		widget.NewFormItem("Generation", widget.NewLabel(fmt.Sprintf("%d, escrowed %s by %s", sec.Generation, sec.Since.Local().Format("2 Jan 2006"), sec.By))),
	)
	s.detail.Add(widget.NewCard("", "", container.NewVBox(head, facts)))
	if len(sec.Rotate) > 0 {
		warn := widget.NewLabelWithStyle("Due for rotation: "+strings.Join(sec.Rotate, "; ")+".", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		warn.Wrapping = fyne.TextWrapWord
		warn.Importance = widget.DangerImportance
		s.detail.Add(warn)
	}
	// Requests: mine, and those a custodian may approve.
	var mine *binder.SecretRequest
	reqBox := container.NewVBox()
	for i := range sec.Requests {
		r := &sec.Requests[i]
		if r.By == me && mine == nil {
			mine = r
		}
		line := fmt.Sprintf("Request %s by %s, %s: approved by %s", shortID(r.ID), r.By, r.Time.Local().Format("2 Jan 15:04"), orNoneYet(r.Approvals))
		if r.Opened {
			line += " (opened)"
		}
		row := container.NewHBox(widget.NewLabel(line))
		if slices.Contains(sec.Custodians, me) && !slices.Contains(r.Approvals, me) && !r.Opened {
			id := r.ID
			approve := widget.NewButtonWithIcon("Approve…", theme.ConfirmIcon(), func() { s.approve(id) })
			approve.Importance = widget.HighImportance
			row.Add(approve)
		}
		id := r.ID
		row.Add(widget.NewButtonWithIcon("Hand over", theme.MailSendIcon(), func() { s.showHandover(id) }))
		reqBox.Add(row)
	}
	if len(sec.Requests) == 0 {
		reqBox.Add(widget.NewLabel("No request to open this generation."))
	}
	s.detail.Add(widget.NewCard("Requests", "", reqBox))
	s.detail.Add(s.breakGlass(sec, mine))
	s.detail.Add(s.handoverBox())
	if me := s.u.Binder(); me != nil {
		if m := me.Roster().Member(s.u.session.id.Handle); m != nil && (m.Has(roster.RoleManager) || slices.Contains(sec.Custodians, m.Handle)) {
			s.detail.Add(s.rotateBox(sec))
		}
	}
}

func orNoneYet(s []string) string {
	if len(s) == 0 {
		return "none yet"
	}
	return strings.Join(s, ", ")
}

// breakGlass is the card to request, follow approvals and open.
func (s *escrowScreen) breakGlass(sec *binder.Secret, mine *binder.SecretRequest) fyne.CanvasObject {
	box := container.NewVBox()
	if s.value != nil {
		s.shownVal = widget.NewLabelWithStyle(mask(s.value), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		shownVal := s.shownVal
		s.reveal = newRevealButton(func(on bool) {
			if on && s.value != nil {
				shownVal.SetText(string(s.value))
			} else {
				shownVal.SetText(mask(s.value))
			}
		}, s.afterReveal)
		cp := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { s.u.copySecret(string(s.value), sec.Name) })
		forget := widget.NewButtonWithIcon("Forget", theme.CancelIcon(), func() { s.forget(); s.showDetail() })
		box.Add(wrapped("Opened: the opening is in the audit, and the secret is due for rotation. Hold the eye button to see the value; Forget when done."))
		box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(s.reveal, cp, forget), s.shownVal))
		return widget.NewCard("Break glass", "", box)
	}
	if mine == nil || mine.Opened {
		s.reason = widget.NewMultiLineEntry()
		s.reason.SetPlaceHolder("Why you need it: its custodians decide on this, and the audit keeps it.")
		s.reason.SetMinRowsVisible(2)
		req := widget.NewButtonWithIcon("Request to open", theme.MailSendIcon(), s.request)
		req.Importance = widget.HighImportance
		box.Add(wrapped(fmt.Sprintf("To open %s, ask: %d of its custodians must approve. Each approval reaches you by sync, or by hand as a QR code.", sec.Name, sec.Threshold)))
		box.Add(s.reason)
		box.Add(container.NewHBox(req))
		return widget.NewCard("Break glass", "", box)
	}
	n := len(mine.Approvals)
	s.progress = widget.NewLabel(fmt.Sprintf("Your request %s: %d of %d approvals (%s). This updates as approvals arrive: sync, or take in a hand-over below.",
		shortID(mine.ID), n, sec.Threshold, orNoneYet(mine.Approvals)))
	s.progress.Wrapping = fyne.TextWrapWord
	box.Add(s.progress)
	s.openBtn = widget.NewButtonWithIcon("Open", theme.VisibilityIcon(), s.open)
	s.openBtn.Importance = widget.DangerImportance
	if n < sec.Threshold {
		s.openBtn.Disable()
	}
	box.Add(container.NewHBox(s.openBtn))
	return widget.NewCard("Break glass", "", box)
}

// mask hides a value, keeping only its length's order of magnitude.
func mask(v []byte) string { return strings.Repeat("•", min(len(v), 24)) }

// afterReveal runs f once revealFor has passed.
func (s *escrowScreen) afterReveal(f func()) {
	wait := revealFor
	runTask(s.u.tasks, func(ctx context.Context, _ binder.Progress) (struct{}, error) {
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		return struct{}{}, nil
	}, nil, func(struct{}, error) { f() })
}

// forget drops the value opened.
func (s *escrowScreen) forget() {
	clear(s.value)
	s.value = nil
}

// request asks to open the selected secret.
func (s *escrowScreen) request() {
	reason := strings.TrimSpace(s.reason.Text)
	if reason == "" {
		s.status.SetText("Say why you need it: its custodians decide on that.")
		return
	}
	name := s.secret().Name
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (string, error) {
		e, err := b.RequestSecret(ctx, name, reason)
		if err != nil {
			return "", err
		}
		return e.ID, nil
	}, nil, func(id string, err error) {
		if err != nil {
			s.status.SetText(sentence(err))
			return
		}
		s.status.SetText("")
		s.u.notify("Requested " + name + " (request " + shortID(id) + "): sync, or hand the request to its custodians.")
		s.u.changed()
	})
}

// approve shows a request's reason and approves it once confirmed.
func (s *escrowScreen) approve(requestID string) {
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (string, error) {
		return b.RequestReason(ctx, requestID)
	}, nil, func(reason string, err error) {
		if err != nil {
			s.status.SetText(sentence(err))
			return
		}
		msg := wrapped("The reason given:\n\n" + reason + "\n\nApproving gives the requester your share of the secret, encrypted to them alone and signed by you. Approve only if you agree.")
		s.confirm = dialog.NewCustomConfirm("Approve this request?", "Approve", "Cancel", msg, func(ok bool) {
			s.confirm = nil
			if !ok {
				return
			}
			runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (struct{}, error) {
				_, err := b.ApproveRequest(ctx, requestID)
				return struct{}{}, err
			}, nil, func(_ struct{}, err error) {
				if err != nil {
					s.status.SetText(sentence(err))
					return
				}
				s.u.notify("Approved: it reaches the requester when you sync, or hand it over as a QR code.")
				s.u.changed()
			})
		}, s.u.win)
		s.confirm.Resize(fyne.NewSize(520, 360))
		s.confirm.Show()
	})
}

// open opens the selected secret with the approvals gathered.
func (s *escrowScreen) open() {
	name := s.secret().Name
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]byte, error) {
		return b.OpenSecret(ctx, name)
	}, nil, func(v []byte, err error) {
		if err != nil {
			s.status.SetText(sentence(err))
			return
		}
		s.status.SetText("")
		s.forget()
		s.value = v
		s.u.notify("Opened " + name + ": the opening is in the audit; rotate it when the emergency is over.")
		s.u.changed()
	})
}

// showHandover shows a request's hand-over (with this member's approval,
// if any) as a QR code and as text.
func (s *escrowScreen) showHandover(requestID string) {
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]byte, error) {
		return b.Handover(ctx, requestID, false)
	}, nil, func(text []byte, err error) {
		if err != nil {
			s.status.SetText(sentence(err))
			return
		}
		s.showHandoverText(text, "Hand over request "+shortID(requestID))
	})
}

func (s *escrowScreen) showHandoverText(text []byte, title string) {
	s.handover = text
	img, err := qr.Image(text, 3)
	var code fyne.CanvasObject = wrapped("Too long for one QR code: hand it over as text.")
	if err == nil {
		ci := canvas.NewImageFromImage(img)
		ci.FillMode = canvas.ImageFillContain
		ci.ScaleMode = canvas.ImageScalePixels
		ci.SetMinSize(fyne.NewSize(360, 360))
		code = ci
	}
	txt := widget.NewMultiLineEntry()
	txt.SetText(string(text))
	txt.Wrapping = fyne.TextWrapBreak
	txt.SetMinRowsVisible(4)
	copyTxt := widget.NewButtonWithIcon("Copy the text", theme.ContentCopyIcon(), func() {
		s.u.win.Clipboard().SetContent(string(text))
		s.u.notify("The hand-over is on the clipboard (it holds no secret in the clear).")
	})
	save := widget.NewButtonWithIcon("Save the QR code…", theme.DocumentSaveIcon(), func() {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			defer w.Close()
			if png, err := qr.PNG(text, 6); err == nil {
				w.Write(png)
			}
		}, s.u.win)
		d.SetFileName("handover.png")
		d.Show()
	})
	body := container.NewVBox(wrapped("Show this code to the other member's phone or app, or give them the text. It holds no secret in the clear: a share inside is encrypted to the requester alone."),
		container.NewCenter(code), txt, container.NewHBox(copyTxt, save))
	d := dialog.NewCustom(title, "Close", container.NewVScroll(body), s.u.win)
	d.Resize(fyne.NewSize(560, 640))
	d.Show()
}

// handoverBox takes in a hand-over (pasted text or an image of its QR
// code), or approves the request a hand-over carries without keeping it.
func (s *escrowScreen) handoverBox() fyne.CanvasObject {
	s.takeText = widget.NewMultiLineEntry()
	s.takeText.SetPlaceHolder("gobag-handover 1 …")
	s.takeText.SetMinRowsVisible(3)
	s.takePath = newEntry()
	s.takePath.SetPlaceHolder("or an image of its QR code")
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				s.takePath.SetText(r.URI().Path())
				r.Close()
			}
		}, s.u.win)
		d.Show()
	})
	take := widget.NewButtonWithIcon("Take in", theme.DownloadIcon(), s.takeIn)
	approve := widget.NewButtonWithIcon("Approve it without syncing…", theme.ConfirmIcon(), s.approveHandover)
	return widget.NewCard("Hand-over", "", container.NewVBox(
		wrapped("With no network: paste what another member handed you, or read the QR code from a photo or screenshot. A request handed to you as a custodian can be approved from here; hand back the approval it makes."),
		s.takeText, container.NewBorder(nil, nil, nil, browse, s.takePath), container.NewHBox(take, approve)))
}

// handoverInput is the hand-over given: the text pasted, or the QR code
// read from the image named.
func (s *escrowScreen) handoverInput() ([]byte, error) {
	if p := strings.TrimSpace(s.takePath.Text); p != "" {
		data, err := readFileLimited(p, qr.MaxImageBytes)
		if err != nil {
			return nil, err
		}
		return qr.Read(data)
	}
	if strings.TrimSpace(s.takeText.Text) == "" {
		return nil, fmt.Errorf("paste a hand-over, or name an image of its QR code")
	}
	return []byte(s.takeText.Text), nil
}

func (s *escrowScreen) takeIn() {
	data, err := s.handoverInput()
	if err != nil {
		s.status.SetText(sentence(err))
		return
	}
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]string, error) {
		return b.ImportHandover(ctx, data)
	}, nil, func(ids []string, err error) {
		if err != nil {
			s.status.SetText("Not taken in: " + sentence(err))
			return
		}
		s.status.SetText("")
		s.takeText.SetText("")
		s.takePath.SetText("")
		if len(ids) == 0 {
			s.u.notify("Nothing new: this copy holds it all.")
			return
		}
		s.u.notify(fmt.Sprintf("Took in %s.", count(len(ids), "entry", "entries")))
		s.u.changed()
	})
}

func (s *escrowScreen) approveHandover() {
	data, err := s.handoverInput()
	if err != nil {
		s.status.SetText(sentence(err))
		return
	}
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) ([]byte, error) {
		return b.ApproveHandover(ctx, data)
	}, nil, func(out []byte, err error) {
		if err != nil {
			s.status.SetText("Not approved: " + sentence(err))
			return
		}
		s.status.SetText("")
		s.showHandoverText(out, "Your approval, to hand back")
	})
}

// rotateBox gives the secret a new value.
func (s *escrowScreen) rotateBox(sec *binder.Secret) fyne.CanvasObject {
	s.rotateNew, s.rotateRep = newEntry(), newEntry()
	s.rotateNew.Password, s.rotateRep.Password = true, true
	rotate := widget.NewButtonWithIcon("Rotate", theme.ViewRefreshIcon(), func() { s.rotate(sec.Name) })
	return widget.NewCard("Rotate", "", container.NewVBox(
		wrapped("Change the credential itself first, then escrow its new value here: new shares for the same custodians, and what made it due is cleared."),
		widget.NewForm(widget.NewFormItem("New value", s.rotateNew), widget.NewFormItem("Again", s.rotateRep)),
		container.NewHBox(rotate)))
}

func (s *escrowScreen) rotate(name string) {
	if s.rotateNew.Text == "" || s.rotateNew.Text != s.rotateRep.Text {
		s.status.SetText("Type the new value twice, the same.")
		return
	}
	value := []byte(s.rotateNew.Text)
	s.rotateNew.SetText("")
	s.rotateRep.SetText("")
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*binder.Secret, error) {
		defer clear(value)
		return b.RotateSecret(ctx, name, binder.SecretSpec{}, value)
	}, nil, func(sec *binder.Secret, err error) {
		if err != nil {
			s.status.SetText("Not rotated: " + sentence(err))
			return
		}
		s.status.SetText("")
		s.forget()
		s.u.notify(fmt.Sprintf("Rotated %s: generation %d.", sec.Name, sec.Generation))
		s.u.changed()
	})
}

// revealButton shows something while it is pressed (the mouse button
// held down on it) and hides it again when released; a tap from the
// keyboard shows it for a few seconds.
type revealButton struct {
	widget.Button
	set     func(on bool)
	later   func(f func()) // runs f on the UI goroutine after revealFor
	pressed bool           // the mouse went down on it: the tap that follows is that press's
}

var _ desktop.Mouseable = (*revealButton)(nil)

func newRevealButton(set func(on bool), later func(f func())) *revealButton {
	b := &revealButton{set: set, later: later}
	b.Icon = theme.VisibilityIcon()
	b.Text = "Hold to show"
	b.ExtendBaseWidget(b)
	return b
}

func (b *revealButton) MouseDown(*desktop.MouseEvent) { b.pressed = true; b.set(true) }
func (b *revealButton) MouseUp(*desktop.MouseEvent)   { b.set(false) }

// Tapped (the keyboard's space, or a tap where there is no mouse) shows
// the value for revealFor; the tap a mouse press ends shows nothing more.
func (b *revealButton) Tapped(*fyne.PointEvent) {
	if b.pressed {
		b.pressed = false
		return
	}
	b.set(true)
	b.later(func() { b.set(false) })
}

// revealFor is how long a tap shows a value.
var revealFor = 5 * time.Second

// copySecret puts an opened value on the clipboard, and takes it off
// again after clipboardClearAfter unless something else was copied.
func (u *App) copySecret(value, name string) {
	u.copyForAWhile(value, "the value of "+name, "The copied value was cleared from the clipboard.")
}
