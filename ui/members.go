package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"gobag/binder"
	"gobag/binder/qr"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

// membersScreen lists the binder's members and, for a manager, adds one
// from a pasted card or a QR image, changes roles and removes members,
// each after saying what the change will do.
type membersScreen struct {
	u    *App
	root fyne.CanvasObject

	rows    *fyne.Container // one row per member
	summary *widget.Label
	addBox  *fyne.Container // the add form, shown to managers

	handle    *escEntry
	card      *widget.Entry
	imagePath *escEntry
	roles     *widget.CheckGroup
	add       *widget.Button
	addErr    *fieldError

	// confirm is the dialog asking to confirm a change, once its account
	// is shown (tests confirm it).
	confirm *dialog.ConfirmDialog
	// account is the text of the pending change's account.
	account *widget.Label
	// roleChoice is the roles dialog's choice, while it is open.
	roleChoice *widget.CheckGroup
}

func newMembersScreen(u *App) *membersScreen {
	s := &membersScreen{u: u, rows: container.NewVBox(), summary: wrapped(""), handle: newEntry(), card: widget.NewMultiLineEntry(),
		imagePath: newEntry(), roles: widget.NewCheckGroup(roster.Roles, nil), addErr: errorLabel()}
	s.card.SetPlaceHolder("gobag-card1 handle age1… AAAA… 1a2b3c4d")
	s.card.Wrapping = fyne.TextWrapBreak
	s.card.SetMinRowsVisible(3)
	s.handle.SetPlaceHolder("from the card")
	s.imagePath.SetPlaceHolder("a photo or screenshot of their card's QR code")
	s.roles.Horizontal = true
	s.add = widget.NewButtonWithIcon("Add member…", theme.ContentAddIcon(), s.addMember)
	s.add.Importance = widget.HighImportance
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				s.imagePath.SetText(r.URI().Path())
				r.Close()
				s.readCard()
			}
		}, u.win)
		d.Show()
	})
	read := widget.NewButtonWithIcon("Read the QR code", theme.VisibilityIcon(), s.readCard)
	s.imagePath.OnSubmitted = func(string) { s.readCard() }
	form := widget.NewForm(
		widget.NewFormItem("Card", s.card),
		widget.NewFormItem("or its QR code", container.NewBorder(nil, nil, nil, container.NewHBox(browse, read), s.imagePath)),
		widget.NewFormItem("Handle", s.handle),
		widget.NewFormItem("Roles", s.roles),
	)
	s.addBox = container.NewVBox(
		wrapped("The new member runs gobag id card (or opens Settings in the app) and sends you the line it prints, or shows you its QR code. Check the fingerprint shown before you confirm with them, out of band: by phone, or in person."),
		form, s.addErr, container.NewHBox(s.add))
	s.root = container.NewVScroll(container.NewPadded(container.NewVBox(
		widget.NewCard("Members", "", container.NewVBox(s.summary, s.rows)),
		widget.NewCard("Add a member", "", s.addBox),
	)))
	return s
}

func (s *membersScreen) content() fyne.CanvasObject { return s.root }

func (s *membersScreen) shown(fyne.Canvas) {}

// manager reports whether this identity is a manager of the binder.
func (s *membersScreen) manager(ros *roster.Roster) bool {
	me := ros.Member(s.u.session.id.Handle)
	return me != nil && me.Has(roster.RoleManager)
}

// refresh lists the members again.
func (s *membersScreen) refresh() {
	b := s.u.Binder()
	if b == nil {
		return
	}
	ros := b.Roster()
	manager := s.manager(ros)
	s.rows.RemoveAll()
	for _, m := range ros.Members {
		s.rows.Add(s.memberRow(ros, m, manager))
	}
	line := fmt.Sprintf("%s; roster serial %d.", count(len(ros.Members), "member", "members"), ros.Serial)
	if ros.Recovery != "" {
		line += " The binder has a recovery key (in a safe): every record is encrypted to it too."
	}
	if !manager {
		line += " Only a manager changes the roster."
	}
	s.summary.SetText(line)
	if manager {
		s.addBox.Show()
	} else {
		s.addBox.Hide()
	}
}

func (s *membersScreen) memberRow(ros *roster.Roster, m roster.Member, manager bool) fyne.CanvasObject {
	name := widget.NewLabelWithStyle(m.Handle, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	fp := ""
	if k, ok := ros.Key(m.Handle); ok {
		fp = k.Fingerprint()
	}
	key := widget.NewLabelWithStyle(fp, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	info := widget.NewLabel(strings.Join(m.Roles, ", ") + " · since " + m.Since.Format("2 Jan 2006"))
	text := container.NewVBox(container.NewHBox(name, info), key)
	if !manager {
		return text
	}
	roles := widget.NewButtonWithIcon("Roles…", theme.DocumentCreateIcon(), func() { s.editRoles(m.Handle) })
	remove := widget.NewButtonWithIcon("Remove…", theme.DeleteIcon(), func() { s.remove(m.Handle) })
	return container.NewBorder(nil, widget.NewSeparator(), nil, container.NewHBox(roles, remove), text)
}

// readCard reads a card from the QR code in the image file named.
func (s *membersScreen) readCard() {
	path := strings.TrimSpace(s.imagePath.Text)
	if path == "" {
		s.addErr.SetText("Name the image file of the QR code first.")
		return
	}
	data, err := readFileLimited(path, qr.MaxImageBytes)
	if err != nil {
		s.addErr.SetText(sentence(err))
		return
	}
	text, err := qr.Read(data)
	if err != nil {
		s.addErr.SetText(sentence(err) + ": photograph or save the code again, whole and sharp.")
		return
	}
	s.card.SetText(string(text))
	s.addErr.SetText("")
	if c, err := bcrypto.ParseCard(string(text)); err == nil && s.handle.Text == "" {
		s.handle.SetText(c.Handle)
	}
}

// addMember checks the card and roles, then shows what adding does and
// asks to confirm.
func (s *membersScreen) addMember() {
	card, err := bcrypto.ParseCard(s.card.Text)
	if err != nil {
		s.addErr.SetText(sentence(err) + ": ask for the card again.")
		return
	}
	if h := strings.TrimSpace(s.handle.Text); h != "" {
		if !bcrypto.ValidHandle(h) {
			s.addErr.SetText("A handle is 1 to 32 lower-case letters, digits, '.', '-' or '_': not a real name.")
			return
		}
		card.Handle = h
	}
	if len(s.roles.Selected) == 0 {
		s.addErr.SetText("Give the new member at least one role.")
		return
	}
	s.addErr.SetText("")
	ch := binder.MemberChange{Op: binder.MemberAdd, Card: card, Roles: slices.Clone(s.roles.Selected)}
	title := "Add " + card.Handle + "?"
	intro := fmt.Sprintf("%s joins as %s. Their signing key's fingerprint is\n\n%s\n\nCheck it with them, by phone or in person, before you add them.",
		card.Handle, strings.Join(ch.Roles, " and "), card.SigningKey.Fingerprint())
	s.preview(ch, title, "Add", intro, func() {
		s.card.SetText("")
		s.handle.SetText("")
		s.imagePath.SetText("")
		s.roles.SetSelected(nil)
	})
}

// editRoles asks for a member's roles.
func (s *membersScreen) editRoles(handle string) {
	b := s.u.Binder()
	if b == nil {
		return
	}
	m := b.Roster().Member(handle)
	if m == nil {
		return
	}
	s.roleChoice = widget.NewCheckGroup(roster.Roles, nil)
	s.roleChoice.SetSelected(slices.Clone(m.Roles))
	s.confirm = dialog.NewCustomConfirm(handle+"'s roles", "Change", "Cancel", s.roleChoice, func(ok bool) {
		choice := s.roleChoice.Selected
		s.confirm, s.roleChoice = nil, nil
		if !ok {
			return
		}
		var add, drop []string
		for _, r := range roster.Roles {
			switch has, want := m.Has(r), slices.Contains(choice, r); {
			case want && !has:
				add = append(add, r)
			case has && !want:
				drop = append(drop, r)
			}
		}
		if len(add)+len(drop) == 0 {
			return
		}
		s.apply(binder.MemberChange{Op: binder.MemberRoles, Handle: handle, Roles: add, Drop: drop}, handle+"'s roles changed", nil)
	}, s.u.win)
	s.confirm.Show()
}

// remove shows what removing a member does and asks to confirm.
func (s *membersScreen) remove(handle string) {
	intro := fmt.Sprintf("From this change on, anything signed with %s's key is refused, also when it comes later from a copy that had not heard of it. What they read before, they may have kept.", handle)
	s.preview(binder.MemberChange{Op: binder.MemberRemove, Handle: handle}, "Remove "+handle+"?", "Remove", intro, nil)
}

// preview works out what ch does (without changing anything), shows it
// with intro, and applies ch once confirmed.
func (s *membersScreen) preview(ch binder.MemberChange, title, verb, intro string, after func()) {
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*binder.RosterChange, error) {
		return b.ChangeMembers(ctx, ch, false)
	}, nil, func(res *binder.RosterChange, err error) {
		if err != nil {
			s.addErr.SetText(sentence(err))
			s.u.notify("Not changed: " + sentence(err))
			return
		}
		s.account = wrapped(intro + "\n\n" + accountOf(res))
		s.confirm = dialog.NewCustomConfirm(title, verb, "Cancel", container.NewVScroll(s.account), func(ok bool) {
			s.confirm = nil
			if ok {
				s.apply(ch, strings.TrimSuffix(title, "?")+": done", after)
			}
		}, s.u.win)
		s.confirm.Resize(fyne.NewSize(640, 520))
		s.confirm.Show()
	})
}

// accountOf words what a roster change re-encrypts and flags.
func accountOf(res *binder.RosterChange) string {
	var b strings.Builder
	if len(res.Rotate) > 0 {
		fmt.Fprintf(&b, "These escrowed credentials must be rotated afterwards, since they could reach them: %s.\n\n", strings.Join(res.Rotate, ", "))
	}
	fmt.Fprintf(&b, "%s will be re-encrypted in the same signed commit", count(len(res.Reencrypt), "record", "records"))
	if len(res.Reencrypt) > 0 {
		b.WriteString(":")
		for i, r := range res.Reencrypt {
			if i == 12 {
				fmt.Fprintf(&b, "\n  … and %d more", len(res.Reencrypt)-i)
				break
			}
			title := r.Title
			if title == "" {
				title = shortID(r.ID)
			}
			fmt.Fprintf(&b, "\n  %s: %s", r.Kind, title)
		}
	}
	b.WriteString(".")
	return b.String()
}

// apply makes the change and says so.
func (s *membersScreen) apply(ch binder.MemberChange, done string, after func()) {
	s.u.notify("Changing the roster and re-encrypting…")
	runBinderTask(s.u, func(ctx context.Context, b *binder.Binder, _ binder.Progress) (*binder.RosterChange, error) {
		return b.ChangeMembers(ctx, ch, true)
	}, nil, func(res *binder.RosterChange, err error) {
		if err != nil {
			s.addErr.SetText(sentence(err))
			s.u.notify("Not changed: " + sentence(err))
			return
		}
		msg := fmt.Sprintf("%s (roster serial %d, %s re-encrypted).", done, res.Serial, count(len(res.Reencrypt), "record", "records"))
		if len(res.Rotate) > 0 {
			msg += " Rotate " + strings.Join(res.Rotate, ", ") + "."
		}
		s.u.notify(msg)
		if after != nil {
			after()
		}
		s.u.changed()
	})
}

// readFileLimited reads a file of at most limit bytes; a longer one (a
// pipe or device too, whatever its size says) is refused.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", path, limit)
	}
	return data, nil
}

// shortID is the start of an id, as lists show it.
func shortID(id string) string { return id[:min(len(id), 10)] }
