package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"gobag/binder"
	"gobag/binder/roster"
	bcrypto "gobag/crypto"
)

func newIDCardCommand() *Command {
	cmd := newCommand("gobag id card", "print your public keys as one line to give a manager", `
Id card prints your handle and public keys as one line, a card, which a
binder's manager pastes into gobag member add to add you. It holds no
secret: send it by mail or chat, and read the fingerprint it prints
aloud to the manager, who checks it against what gobag member add shows.`)
	cmd.Run = func(_ context.Context, c *cli, _ []string) error {
		id, err := c.loadIdentity()
		if err != nil {
			return err
		}
		card := id.Card()
		if c.asJSON {
			return c.printJSON(map[string]string{"card": card.String(), "handle": id.Handle, "signing_fingerprint": card.SigningKey.Fingerprint()})
		}
		fmt.Fprintln(c.stdout, card.String())
		fmt.Fprintf(c.stderr, "gobag: read this fingerprint to the manager who adds you: %s\n", card.SigningKey.Fingerprint())
		return nil
	}
	return cmd
}

func newMemberCommand() *Command {
	cmd := newCommand("gobag member add|list|roles|rm", "the binder's members and their roles", `
Members are listed in the binder's roster by handle, with their public
keys and roles: manager (changes the roster, approves plans), responder,
custodian (holds shares of escrowed credentials) and auditor. Only a
manager changes the roster; each change is one signed commit that also
re-encrypts every record whose audience it changes.`)
	cmd.Commands = []*Command{newMemberAddCommand(), newMemberListCommand(), newMemberRolesCommand(), newMemberRmCommand()}
	return cmd
}

// rolesFlag collects roles given as a repeatable, comma-separated flag.
type rolesFlag []string

func (r *rolesFlag) String() string { return strings.Join(*r, ",") }
func (r *rolesFlag) Set(v string) error {
	for _, role := range strings.Split(v, ",") {
		role = strings.TrimSuffix(strings.TrimSpace(role), "s")
		if !isRole(role) {
			return fmt.Errorf("unknown role %q: %s", role, strings.Join(roster.Roles, ", "))
		}
		*r = append(*r, role)
	}
	return nil
}

func isRole(s string) bool {
	for _, r := range roster.Roles {
		if r == s {
			return true
		}
	}
	return false
}

func newMemberAddCommand() *Command {
	var card, recipient, signingKey string
	var roles rolesFlag
	var dryRun bool
	cmd := newCommand("gobag member add HANDLE --card CARD --role ROLE… | --recipient AGE --signing-key KEY --role ROLE…", "add a member", `
Member add adds HANDLE to the roster with the keys of their card (gobag
id card prints it; --card - reads it from standard input) or the age
recipient and signing key given, and the roles --role names (repeatable,
or comma-separated). Check the signing key's fingerprint it prints with
the new member, out of band, before anything is shared with them.

Every record whose audience now includes them is re-encrypted in the
same commit; --dry-run says how many without changing anything.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&card, "card", "", "the new member's `CARD`, as gobag id card prints it (- for standard input)")
	cmd.Flag.StringVar(&recipient, "recipient", "", "their age recipient, `age1…` (instead of --card)")
	cmd.Flag.StringVar(&signingKey, "signing-key", "", "their signing key, `\"ssh-ed25519 AAAA…\"` (instead of --card)")
	cmd.Flag.Var(&roles, "role", "a `ROLE` to give: manager, responder, custodian or auditor (repeatable)")
	cmd.Flag.BoolVar(&dryRun, "dry-run", false, "say what the change would do, and change nothing")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		ch, err := memberCard(c, args[0], card, recipient, signingKey)
		if err != nil {
			return err
		}
		if len(roles) == 0 {
			return usagef("gobag member add "+args[0]+" --card CARD --role responder", "member add: give at least one --role")
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			return runRosterChange(ctx, c, b, binder.MemberChange{Op: binder.MemberAdd, Card: ch, Roles: roles}, !dryRun)
		})
	}
	return cmd
}

// memberCard reads a new member's keys from a card or from the two flags.
func memberCard(c *cli, handle, card, recipient, signingKey string) (bcrypto.Card, error) {
	if !bcrypto.ValidHandle(handle) {
		return bcrypto.Card{}, usagef("gobag member add ana --card CARD --role responder", "member add: %q is not a handle: 1-32 lower-case letters, digits, '.', '-' or '_' (not a real name)", handle)
	}
	switch {
	case card != "" && (recipient != "" || signingKey != ""):
		return bcrypto.Card{}, usagef("gobag member add HANDLE --card CARD --role ROLE", "member add: give --card, or --recipient and --signing-key, not both")
	case card == "-":
		data, err := io.ReadAll(io.LimitReader(c.stdin, 4096))
		if err != nil {
			return bcrypto.Card{}, err
		}
		card = string(data)
	case card == "" && (recipient == "" || signingKey == ""):
		return bcrypto.Card{}, usagef("gobag member add HANDLE --card CARD --role ROLE", "member add: give the new member's --card (gobag id card prints it), or --recipient and --signing-key")
	}
	var out bcrypto.Card
	if card != "" {
		var err error
		if out, err = bcrypto.ParseCard(card); err != nil {
			return out, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "ask for the card again: gobag id card prints it on one line"}
		}
	} else {
		if _, err := bcrypto.ParseRecipient(recipient); err != nil {
			return out, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "an age recipient starts with age1"}
		}
		k, err := bcrypto.ParsePublicKey(signingKey)
		if err != nil {
			return out, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "the signing key is the line gobag id show prints: ssh-ed25519 AAAA…"}
		}
		out = bcrypto.Card{Recipient: recipient, SigningKey: k}
	}
	out.Handle = handle
	return out, nil
}

// runRosterChange makes (or with apply false, previews) a change of the
// roster and says what it did.
func runRosterChange(ctx context.Context, c *cli, b *binder.Binder, ch binder.MemberChange, apply bool) error {
	res, err := b.ChangeMembers(ctx, ch, apply)
	if err != nil && res != nil && len(res.Unreadable) > 0 && !c.asJSON {
		for _, s := range res.Unreadable {
			fmt.Fprintf(c.stderr, "gobag: cannot re-encrypt %s (a %s for %s)\n", shortID(s.ID), s.Kind, s.Audience)
		}
	}
	if err != nil {
		return err
	}
	if c.asJSON {
		return c.printJSON(res)
	}
	verb := "re-encrypted"
	if !apply {
		verb = "would re-encrypt"
	}
	switch ch.Op {
	case binder.MemberAdd:
		fmt.Fprintf(c.stdout, "%s %s (%s), signing key %s\n", map[bool]string{true: "added", false: "would add"}[apply], ch.Card.Handle, strings.Join(ch.Roles, ", "), ch.Card.SigningKey.Fingerprint())
	case binder.MemberRemove:
		fmt.Fprintf(c.stdout, "%s %s\n", map[bool]string{true: "removed", false: "would remove"}[apply], ch.Handle)
	case binder.MemberRoles:
		m := b.Roster().Member(ch.Handle)
		if m != nil && apply {
			fmt.Fprintf(c.stdout, "%s: %s\n", ch.Handle, strings.Join(m.Roles, ", "))
		}
	}
	fmt.Fprintf(c.stdout, "roster serial %d; %s %s\n", res.Serial, verb, count(len(res.Reencrypt), "record", "records"))
	for _, name := range res.Rotate {
		fmt.Fprintf(c.stdout, "rotate: %s (the removed member could reach it)\n", name)
	}
	return nil
}

func newMemberListCommand() *Command {
	cmd := newCommand("gobag member list", "list the members, their roles and key fingerprints", `
Member list prints each member's handle, roles, signing key fingerprint
and the day they joined, and the binder's recovery recipient if it has
one.`)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		r := b.Roster()
		type memberJSON struct {
			Handle      string    `json:"handle"`
			Roles       []string  `json:"roles"`
			Recipient   string    `json:"age_recipient"`
			SigningKey  string    `json:"signing_key"`
			Fingerprint string    `json:"signing_fingerprint"`
			Since       time.Time `json:"since"`
		}
		var ms []memberJSON
		for _, m := range r.Members {
			fp := ""
			if k, ok := r.Key(m.Handle); ok {
				fp = k.Fingerprint()
			}
			ms = append(ms, memberJSON{m.Handle, m.Roles, m.Recipient, m.SigningKey, fp, m.Since})
		}
		if c.asJSON {
			return c.printJSON(map[string]any{"serial": r.Serial, "members": ms, "recovery_recipient": r.Recovery})
		}
		out := bufio.NewWriter(c.stdout)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, m := range ms {
			fmt.Fprintf(tw, "%s\t%s\t%s\tsince %s\n", m.Handle, strings.Join(m.Roles, ","), m.Fingerprint, m.Since.Format("2006-01-02"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if r.Recovery != "" {
			fmt.Fprintf(out, "recovery recipient: %s\n", r.Recovery)
		}
		return out.Flush()
	}
	return cmd
}

func newMemberRolesCommand() *Command {
	var add, remove rolesFlag
	cmd := newCommand("gobag member roles HANDLE [--add ROLE]… [--remove ROLE]…", "change a member's roles", `
Member roles gives HANDLE the roles --add names and takes away those
--remove names. A manager cannot give themselves a role: another manager
does. Records restricted to a role are re-encrypted for its new holders.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.Var(&add, "add", "a `ROLE` to give (repeatable)")
	cmd.Flag.Var(&remove, "remove", "a `ROLE` to take away (repeatable)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		if len(add)+len(remove) == 0 {
			return usagef("gobag member roles "+args[0]+" --add custodian", "member roles: give --add or --remove")
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			return runRosterChange(ctx, c, b, binder.MemberChange{Op: binder.MemberRoles, Handle: args[0], Roles: add, Drop: remove}, true)
		})
	}
	return cmd
}

func newMemberRmCommand() *Command {
	var dryRun bool
	cmd := newCommand("gobag member rm HANDLE [--dry-run]", "remove a member", `
Member rm takes HANDLE off the roster. In the same signed commit every
current record they could read is re-encrypted for the others, and from
this roster on anything signed with their key is refused, also when it
arrives later from a copy that had not heard of the removal. Escrowed
credentials they could reach are flagged for rotation (gobag check lists
them). What they read before stays known to them: rotate what matters.
--dry-run says what the removal would re-encrypt and flag, and changes
nothing.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.BoolVar(&dryRun, "dry-run", false, "say what the removal would do, and change nothing")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		return runRosterChange(ctx, c, b, binder.MemberChange{Op: binder.MemberRemove, Handle: args[0]}, !dryRun)
	}
	return cmd
}
