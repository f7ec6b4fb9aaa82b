package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

func newIDCommand() *Command {
	cmd := newCommand("gobag id new|export|show|card", "create, export or show your identity", `
Your identity is an age key pair, to decrypt with, and an Ed25519 key
pair, to sign with, in one file (--identity FILE, GOBAG_IDENTITY, or
~/.config/gobag/identity.age), sealed with your passphrase. The
passphrase is asked for on the terminal, or read from the first line of
the file GOBAG_PASSPHRASE_FILE names.`)
	cmd.Commands = []*Command{newIDNewCommand(), newIDExportCommand(), newIDShowCommand(), newIDCardCommand()}
	return cmd
}

func newIDNewCommand() *Command {
	var handle string
	var plain bool
	cmd := newCommand("gobag id new [--handle NAME] [--plain]", "create your identity", `
Id new creates your identity, sealed with a passphrase it asks for twice,
and prints its public keys: a binder's manager adds them to the roster,
and an SSH server's authorized_keys takes the signing key.`)
	cmd.Flag.StringVar(&handle, "handle", "", "use `NAME` as your member handle, not your real name (default: your user name)")
	cmd.Flag.BoolVar(&plain, "plain", false, "write the identity unencrypted, for automation (gobag warns each time it is used)")
	cmd.Run = func(_ context.Context, c *cli, _ []string) error { return runIDNew(c, handle, plain) }
	return cmd
}

func runIDNew(c *cli, handle string, plain bool) error {
	if handle == "" {
		handle = defaultHandle()
	}
	path, err := c.identityFile()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s already exists", path),
			Hint: "keep it, or pass --identity NEWFILE to create another"}
	}
	id, err := bcrypto.NewIdentity(handle)
	if err != nil {
		return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "choose a handle with --handle"}
	}
	data := id.MarshalText()
	if plain {
		fmt.Fprintf(c.stderr, "gobag: warning: writing an unencrypted identity to %s\n", path)
	} else {
		pass, err := c.passphrase("New passphrase for "+path+": ", true)
		if err != nil {
			return err
		}
		if data, err = bcrypto.SealIdentity(id, pass, scryptWorkFactor()); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return printIdentity(c, id, path)
}

func printIdentity(c *cli, id *bcrypto.Identity, path string) error {
	if c.asJSON {
		return c.printJSON(map[string]string{
			"file": path, "handle": id.Handle, "age_recipient": id.Recipient().String(),
			"signing_key": id.SigningKey().String(), "signing_fingerprint": id.SigningKey().Fingerprint(),
		})
	}
	fmt.Fprintf(c.stdout, "identity:    %s\nhandle:      %s\nrecipient:   %s\nsigning key: %s\nfingerprint: %s\n",
		path, id.Handle, id.Recipient(), id.SigningKey(), id.SigningKey().Fingerprint())
	return nil
}

func defaultHandle() string {
	if u, err := user.Current(); err == nil {
		h := strings.ToLower(u.Username)
		if bcrypto.ValidHandle(h) {
			return h
		}
	}
	return "member"
}

func newIDExportCommand() *Command {
	var plain bool
	cmd := newCommand("gobag id export --plain", "print your identity as an age identity", `
Id export prints your identity as an age identity (AGE-SECRET-KEY-…),
which the stock age CLI accepts: with it and git, a binder can be read
without gobag. It is your secret key in plaintext: --plain confirms that
you mean it.`)
	cmd.Flag.BoolVar(&plain, "plain", false, "confirm that the secret key may be printed in plaintext")
	cmd.Run = func(_ context.Context, c *cli, _ []string) error {
		if !plain {
			return usagef("gobag id export --plain > key.txt", "id export prints a secret key: say --plain to confirm")
		}
		id, err := c.loadIdentity()
		if err != nil {
			return err
		}
		_, err = c.stdout.Write(id.ExportAge())
		return err
	}
	return cmd
}

func newIDShowCommand() *Command {
	cmd := newCommand("gobag id show", "show your identity's public keys", `
Id show prints your identity's handle, age recipient, signing key and its
fingerprint.`)
	cmd.Run = func(_ context.Context, c *cli, _ []string) error {
		id, err := c.loadIdentity()
		if err != nil {
			return err
		}
		path, _ := c.identityFile()
		return printIdentity(c, id, path)
	}
	return cmd
}

func newInitCommand() *Command {
	var name string
	cmd := newCommand("gobag init --name NAME", "create a new binder", `
Init creates a binder in the directory --binder names (which must not
exist, or be empty), with your identity as its first member and manager,
and prints its fingerprint: each member who clones it checks that.`)
	cmd.Flag.StringVar(&name, "name", "", "the organisation's or binder's `NAME` (required)")
	cmd.Run = func(ctx context.Context, c *cli, _ []string) error { return runInit(ctx, c, name) }
	return cmd
}

func runInit(ctx context.Context, c *cli, name string) error {
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	if name == "" {
		return usagef(`gobag init --binder DIR --name "Organisation"`, "init: --name is required")
	}
	id, err := c.loadIdentity()
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, name)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return &binder.Error{Kind: binder.Permission, Err: err}
		}
		return err
	}
	defer b.Close()
	if c.asJSON {
		return c.printJSON(map[string]string{"binder": dir, "name": name, "fingerprint": b.Fingerprint()})
	}
	fmt.Fprintf(c.stdout, "created binder %s\nfingerprint: %s\n", dir, b.Fingerprint())
	return nil
}

// scryptWorkFactor is the work factor for sealing new identities: age's
// default, unless a test lowered it.
func scryptWorkFactor() int {
	if testOnlyScryptWorkFactor > 0 {
		return testOnlyScryptWorkFactor
	}
	return bcrypto.DefaultScryptWorkFactor
}
