package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"gobag/binder"
	"gobag/binder/qr"
	bcrypto "gobag/crypto"
)

func newSecretCommand() *Command {
	cmd := newCommand("gobag secret put|list|show|request|approve|open|rotate|share", "escrowed secrets: M of N custodians open them", `
A secret (a root password, a backup key, a licence code) is escrowed: its
value is sealed under a key split among its custodians, so that no one
opens it alone. Opening it takes a signed request, approvals from enough
custodians (each re-encrypts their share to the requester, through sync
or by hand with gobag secret share), and leaves an entry in the audit
(gobag audit). After an opening, the secret is due for rotation until it
is rotated. A secret's value is read from standard input or asked for on
the terminal, never taken from the command line.`)
	cmd.Commands = []*Command{newSecretPutCommand(), newSecretListCommand(), newSecretShowCommand(), newSecretRequestCommand(),
		newSecretApproveCommand(), newSecretOpenCommand(), newSecretRotateCommand(), newSecretShareCommand()}
	return cmd
}

// readValue reads a secret's value from standard input, or asks for it
// twice on the terminal when standard input is one.
func (c *cli) readValue(what string) ([]byte, error) {
	if f, ok := c.stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		data, err := io.ReadAll(io.LimitReader(c.stdin, 1<<20))
		if err != nil {
			return nil, err
		}
		// One trailing newline, as echo or a here-string leaves it, is
		// not part of the value.
		data = bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r"))
		if len(data) == 0 {
			return nil, usagef("give the value on standard input, or run it on a terminal to be asked", "no value on standard input")
		}
		return data, nil
	}
	v, err := c.secret(what + ": ")
	if err != nil {
		return nil, err
	}
	again, err := c.secret("Again: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(v, again) {
		clear(v)
		clear(again)
		return nil, &binder.Error{Kind: binder.Invalid, Err: errors.New("the two values differ"), Fix: &binder.Fix{Action: binder.ActionRetry}}
	}
	clear(again)
	return v, nil
}

func newSecretPutCommand() *Command {
	var custodians, credential string
	var threshold int
	cmd := newCommand("gobag secret put NAME --custodians A,B,C --threshold M [--credential ID]", "escrow a secret", `
Secret put escrows a new secret named NAME: its value (from standard
input, or asked for twice on the terminal) is sealed, and the key split
so that M of the custodians named must approve to open it. M is at least
2 unless the binder's settings allow 1 (allow_threshold_one). Only a
manager escrows; each custodian must hold the custodian role. --credential
links the credential record the secret belongs to.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&custodians, "custodians", "", "the custodians' `HANDLES`, comma-separated")
	cmd.Flag.IntVar(&threshold, "threshold", 0, "how many custodians must approve: `M`")
	cmd.Flag.StringVar(&credential, "credential", "", "the credential record's `ID` (or a prefix)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		if custodians == "" || threshold == 0 {
			return usagef("gobag secret put NAME --custodians ana,ben,chen --threshold 2 < value.txt", "secret put: give --custodians and --threshold")
		}
		value, err := c.readValue("Value of " + args[0])
		if err != nil {
			return err
		}
		defer clear(value)
		return c.withBinder(ctx, func(b *binder.Binder) error {
			s, err := b.PutSecret(ctx, binder.SecretSpec{Name: args[0], Credential: credential, Custodians: strings.Split(custodians, ","), Threshold: threshold}, value)
			if err != nil {
				return err
			}
			return printSecret(c, s)
		})
	}
	return cmd
}

func printSecret(c *cli, s *binder.Secret) error {
	if c.asJSON {
		return c.printJSON(s)
	}
	fmt.Fprintf(c.stdout, "%s (%s): generation %d, %d of %s, since %s by %s\n", s.Name, shortID(s.ID), s.Generation, s.Threshold, strings.Join(s.Custodians, ", "), s.Since.Format("2006-01-02"), s.By)
	for _, why := range s.Rotate {
		fmt.Fprintf(c.stdout, "rotate: %s\n", why)
	}
	for _, r := range s.Requests {
		state := "open"
		if r.Opened {
			state = "opened"
		}
		fmt.Fprintf(c.stdout, "request %s by %s, %s: approved by %s (%s)\n", shortID(r.ID), r.By, r.Time.Local().Format("2006-01-02 15:04"), orNone(r.Approvals), state)
	}
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none yet"
	}
	return strings.Join(s, ", ")
}

func newSecretListCommand() *Command {
	cmd := newCommand("gobag secret list", "list the escrowed secrets", `
Secret list prints each escrowed secret: its name, generation, custodians
and threshold, and whether it is due for rotation.`)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		list, err := b.Secrets(ctx)
		if err != nil {
			return err
		}
		if c.asJSON {
			if list == nil {
				list = []*binder.Secret{}
			}
			return c.printJSON(list)
		}
		out := bufio.NewWriter(c.stdout)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, s := range list {
			rot := ""
			if len(s.Rotate) > 0 {
				rot = "ROTATE: " + s.Rotate[0]
			}
			fmt.Fprintf(tw, "%s\t%s\tgen %d\t%d of %s\t%s\n", shortID(s.ID), s.Name, s.Generation, s.Threshold, strings.Join(s.Custodians, ","), rot)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		return out.Flush()
	}
	return cmd
}

func newSecretShowCommand() *Command {
	cmd := newCommand("gobag secret show NAME", "a secret's custodians, rotation and requests", `
Secret show prints a secret's generation, custodians and threshold, why
it must be rotated if it must, and the requests to open it with the
custodians who approved each.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		s, err := b.SecretByName(ctx, args[0])
		if err != nil {
			return err
		}
		return printSecret(c, s)
	}
	return cmd
}

func newSecretRequestCommand() *Command {
	var reason string
	cmd := newCommand("gobag secret request NAME --reason TEXT", "ask to open a secret; prints the request's id", `
Secret request asks to open NAME, for the reason given (--reason - reads
it from standard input; it is encrypted to the team and kept in the
audit). Its custodians approve it with gobag secret approve; it prints
the request's id to give them.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&reason, "reason", "", "why: `TEXT` (- for standard input)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		if reason == "-" {
			data, err := io.ReadAll(io.LimitReader(c.stdin, 8192))
			if err != nil {
				return err
			}
			reason = strings.TrimSpace(string(data))
		}
		if reason == "" {
			return usagef(`gobag secret request NAME --reason "restore after the storage failure"`, "secret request: give --reason")
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			e, err := b.RequestSecret(ctx, args[0], reason)
			if err != nil {
				return err
			}
			if c.asJSON {
				return c.printJSON(map[string]string{"request": e.ID})
			}
			fmt.Fprintln(c.stdout, e.ID)
			return nil
		})
	}
	return cmd
}

func newSecretApproveCommand() *Command {
	var from string
	cmd := newCommand("gobag secret approve REQUEST | --from FILE", "approve a request as a custodian", `
Secret approve approves REQUEST (its id, or 4 or more of its first
characters) as one of the secret's custodians: your share is re-encrypted
to the requester alone and signed, and reaches them when you sync, or by
hand: gobag secret share export REQUEST.

With no network and a request this copy does not hold, --from FILE takes
the request from the hand-over its requester gave you (text, or an image
of its QR code) and prints the hand-over of your approval to give back;
this copy keeps neither until it syncs. Read the request's reason first:
gobag secret show and gobag audit list it.`)
	cmd.MaxArgs = 1
	cmd.Flag.StringVar(&from, "from", "", "approve the request in the hand-over `FILE` (- for standard input)")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		if (from == "") == (len(args) == 0) {
			return usagef("gobag secret approve REQUEST, or --from FILE", "secret approve: give a request or --from")
		}
		var handover []byte
		if from != "" {
			var err error
			if handover, err = c.readHandover(from); err != nil {
				return err
			}
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			if handover != nil {
				out, err := b.ApproveHandover(ctx, handover)
				if err != nil {
					return err
				}
				_, err = c.rawStdout.Write(out)
				return err
			}
			e, err := b.ApproveRequest(ctx, args[0])
			if err != nil {
				return err
			}
			if c.asJSON {
				return c.printJSON(map[string]string{"approval": e.ID, "request": e.Request, "for": e.For})
			}
			fmt.Fprintf(c.stdout, "approved %s for %s (approval %s)\n", shortID(e.Request), e.For, shortID(e.ID))
			return nil
		})
	}
	return cmd
}

// readHandover reads a hand-over from a file (or standard input): its
// text, or an image of its QR code.
func (c *cli) readHandover(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(c.stdin, qr.MaxImageBytes))
	} else {
		data, err = readLimited(name, qr.MaxImageBytes)
	}
	if err != nil {
		return nil, &binder.Error{Kind: binder.NotExist, Err: err, Hint: "check the file's path"}
	}
	if qr.IsImage(data) {
		text, err := qr.Read(data)
		if err != nil {
			return nil, &binder.Error{Kind: binder.Invalid, Err: err, Hint: "photograph or save the code again, whole and sharp"}
		}
		return text, nil
	}
	return data, nil
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s is over %d bytes", name, limit)
	}
	return data, err
}

func newSecretOpenCommand() *Command {
	var out string
	cmd := newCommand("gobag secret open NAME [--out FILE]", "open a secret with enough approvals", `
Secret open opens NAME with the approvals of your latest request: each
approval's share is checked (a corrupted or forged one is named), the
shares are combined and the value unsealed. The opening is written to the
audit before the value is shown, and the secret is due for rotation from
then on. The value goes to the terminal only, or with --out to a new file
readable by you alone (mode 0600); gobag keeps no copy.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&out, "out", "", "write the value to the new `FILE` (mode 0600) instead of the terminal")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		var f *os.File
		if out == "" {
			if !isTerminal(c.rawStdout) {
				return usagef("gobag secret open NAME --out FILE", "secret open: the value goes to a terminal, or to a file with --out; standard output is neither")
			}
		} else {
			var err error
			if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
				return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "name a file that does not exist yet"}
			}
		}
		err := c.withBinder(ctx, func(b *binder.Binder) error {
			value, err := b.OpenSecret(ctx, args[0])
			if err != nil {
				return err
			}
			defer clear(value)
			if f != nil {
				if _, err := f.Write(value); err != nil {
					return err
				}
				if err := f.Sync(); err != nil {
					return err
				}
				fmt.Fprintf(c.stderr, "gobag: the value of %s is in %s; the secret is now due for rotation\n", args[0], out)
				return nil
			}
			_, err = c.rawStdout.Write(append(value, '\n'))
			fmt.Fprintf(c.stderr, "gobag: the secret is now due for rotation (gobag secret rotate %s)\n", args[0])
			return err
		})
		if f != nil {
			f.Close()
			if err != nil {
				os.Remove(out)
			}
		}
		return err
	}
	return cmd
}

func newSecretRotateCommand() *Command {
	var custodians string
	var threshold int
	cmd := newCommand("gobag secret rotate NAME [--custodians A,B,C] [--threshold M]", "give a secret a new value and new shares", `
Secret rotate escrows a new value for NAME (from standard input, or asked
for twice on the terminal) with new shares, for the same custodians and
threshold unless --custodians and --threshold change them. It clears what
made the secret due for rotation; approvals of earlier requests open
nothing any more. Change the credential itself first: rotation escrows
its new value. A manager or one of its custodians rotates it.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&custodians, "custodians", "", "new custodians' `HANDLES`, comma-separated")
	cmd.Flag.IntVar(&threshold, "threshold", 0, "a new threshold `M`")
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		value, err := c.readValue("New value of " + args[0])
		if err != nil {
			return err
		}
		defer clear(value)
		var cs []string
		if custodians != "" {
			cs = strings.Split(custodians, ",")
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			s, err := b.RotateSecret(ctx, args[0], binder.SecretSpec{Custodians: cs, Threshold: threshold}, value)
			if err != nil {
				return err
			}
			return printSecret(c, s)
		})
	}
	return cmd
}

func newSecretShareCommand() *Command {
	cmd := newCommand("gobag secret share export|import", "hand a request or an approval over with no network", `
With no network, a request and its approvals travel by hand: as text (a
file, a message) or as a QR code to photograph. Export prints a request
(for its custodians) with your approval of it, if you gave one (for its
requester); import takes in what was handed to you, checked as sync
checks it.`)
	cmd.Commands = []*Command{newShareExportCommand(), newShareImportCommand()}
	return cmd
}

func newShareExportCommand() *Command {
	var qrFile string
	var all bool
	cmd := newCommand("gobag secret share export REQUEST [--all] [--qr FILE.png]", "print a request, with your approval of it, as a hand-over", `
Share export prints the hand-over of REQUEST: the request and your
approval of it if you gave one (--all: every approval this copy holds).
It holds no secret in the clear: an approval's share is encrypted to the
requester alone. --qr writes it as a QR code image instead.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&qrFile, "qr", "", "write a QR code image to `FILE` (PNG)")
	cmd.Flag.BoolVar(&all, "all", false, "include every approval this copy holds")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		text, err := b.Handover(ctx, args[0], all)
		if err != nil {
			return err
		}
		if qrFile == "" {
			_, err = c.rawStdout.Write(text)
			return err
		}
		img, err := qr.PNG(text, 6)
		if err != nil {
			return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "hand it over as text instead"}
		}
		if err := os.WriteFile(qrFile, img, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "wrote %s\n", qrFile)
		return nil
	}
	return cmd
}

func newShareImportCommand() *Command {
	cmd := newCommand("gobag secret share import FILE", "take in a hand-over (text, or an image of its QR code)", `
Share import takes in the request or approvals in FILE (- for standard
input): the text share export printed, or a PNG or JPEG image of its QR
code. Each entry is checked as sync checks it: signed by a member,
approving as a custodian of the secret, for the request it names. A
forged or corrupted one is refused and nothing is taken.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Run = func(ctx context.Context, c *cli, args []string) error {
		data, err := c.readHandover(args[0])
		if err != nil {
			return err
		}
		return c.withBinder(ctx, func(b *binder.Binder) error {
			ids, err := b.ImportHandover(ctx, data)
			if err != nil {
				return err
			}
			if c.asJSON {
				return c.printJSON(map[string][]string{"added": ids})
			}
			if len(ids) == 0 {
				fmt.Fprintln(c.stdout, "nothing new: this copy holds it all")
			}
			for _, id := range ids {
				fmt.Fprintf(c.stdout, "took in %s\n", shortID(id))
			}
			return nil
		})
	}
	return cmd
}

func newAuditCommand() *Command {
	cmd := newCommand("gobag audit", "every escrow step and member change: who, when, verified", `
Audit lists the audit chain: each secret escrowed, requested, approved,
opened and rotated, each member change and plan approval, with who did
it and when, in order. Every entry is signed and names the entries before
it, so that one removed, altered or reordered is found by gobag verify,
even in a copy rewritten by someone who holds valid keys.`)
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, _ []string) error {
		items, err := b.Audit(ctx)
		if err != nil {
			return err
		}
		if c.asJSON {
			return c.printJSON(items)
		}
		out := bufio.NewWriter(c.stdout)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, it := range items {
			what := it.Subject
			switch {
			case it.Action == "put" || it.Action == "rotate":
				what = fmt.Sprintf("%s gen %d: %d of %s", it.Secret, it.Generation, it.Threshold, strings.Join(it.Custodians, ","))
			case it.Action == "approve":
				what = fmt.Sprintf("%s: request %s for %s", it.Secret, shortID(it.Request), it.For)
			case it.Secret != "":
				what = fmt.Sprintf("%s gen %d", it.Secret, it.Generation)
				if it.Action == "request" {
					what += ": request " + shortID(it.ID)
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", it.Seq, it.Time.Local().Format("2006-01-02 15:04"), it.Actor, it.Action, what, it.Verified)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		return out.Flush()
	}
	return cmd
}

func newRecoveryKeyCommand() *Command {
	cmd := newCommand("gobag recovery-key", "the binder's offline recovery key (recovery-key new)", `
The recovery key is an age identity kept on paper in a safe: every record
and every escrowed secret's generation is encrypted to it too.`)
	cmd.Commands = []*Command{newRecoveryKeyNewCommand()}
	return cmd
}

func newRecoveryKeyNewCommand() *Command {
	var out string
	cmd := newCommand("gobag recovery-key new [--out FILE]", "make the binder's offline recovery key, printed once for a safe", `
Recovery-key new makes a recovery key: an age identity kept on paper in
a safe, whose public half is added to the roster and so to every record's
recipients and every escrowed secret's next generation (rotate the
secrets to include it). It is printed once, to the terminal, or written
with --out to a new file readable by you alone (mode 0600) to print:
put it in the safe and keep no other copy. With it and git, the stock age
CLI reads every record, even with no member's identity left. Only a
manager makes one; a new one replaces the old.`)
	cmd.Flag.StringVar(&out, "out", "", "write the key to the new `FILE` (mode 0600) instead of the terminal")
	cmd.Run = func(ctx context.Context, c *cli, _ []string) error {
		w := c.rawStdout
		if out == "" && !isTerminal(c.rawStdout) {
			return usagef("gobag recovery-key new --out FILE", "recovery-key new prints a secret key: to a terminal, or to a file with --out")
		}
		var f *os.File
		if out != "" {
			var err error
			if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
				return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "name a file that does not exist yet"}
			}
			defer f.Close()
			w = f
		}
		key, err := bcrypto.NewIdentity("recovery")
		if err != nil {
			return err
		}
		if f != nil {
			// On disk before the roster names it: a key the binder
			// encrypts to is never lost to a failed write.
			if _, err := f.Write(key.ExportAge()); err != nil {
				return err
			}
			if err := f.Sync(); err != nil {
				return err
			}
		}
		err = c.withBinder(ctx, func(b *binder.Binder) error {
			res, err := b.ChangeMembers(ctx, binder.MemberChange{Op: binder.MemberRecovery, Recovery: key.Recipient().String()}, true)
			if err != nil {
				return err
			}
			if f == nil {
				if _, err := w.Write(key.ExportAge()); err != nil {
					return err
				}
			}
			fmt.Fprintf(c.stdout, "recovery recipient %s; roster serial %d; re-encrypted %s\n", key.Recipient(), res.Serial, count(len(res.Reencrypt), "record", "records"))
			fmt.Fprintln(c.stdout, "print the key or write it down, put it in the safe, and keep no other copy")
			return nil
		})
		if err != nil && f != nil {
			f.Close()
			os.Remove(out)
		}
		return err
	}
	return cmd
}

func newApproveCommand() *Command {
	var by string
	cmd := newCommand("gobag approve PLAN [--by CONTACT]", "sign a manager's approval of a plan's current version", `
Approve marks plan PLAN approved (status, approved_on today, and
approved_by the contact --by names) and signs, as the manager you are,
an approval of exactly that version into the audit. gobag check reports
a plan marked approved whose current version no manager signed: an
edit after the approval needs a new one.`)
	cmd.MinArgs, cmd.MaxArgs = 1, 1
	cmd.Flag.StringVar(&by, "by", "", "the `CONTACT` record (id or prefix) of the person approving")
	cmd.RunBinder = func(ctx context.Context, c *cli, b *binder.Binder, args []string) error {
		a, err := b.ApprovePlan(ctx, args[0], by)
		if err != nil {
			return err
		}
		if c.asJSON {
			return c.printJSON(a)
		}
		fmt.Fprintf(c.stdout, "approved %s rev %d, signed by %s\n", shortID(a.Plan), a.Rev, a.By)
		return nil
	}
	return cmd
}
