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

func cmdID(ctx context.Context, c *cli, args []string) error {
	if len(args) == 0 {
		return usagef("gobag id new | gobag id export --plain | gobag id show", "id: which action?")
	}
	switch args[0] {
	case "new":
		return cmdIDNew(c, args[1:])
	case "export":
		return cmdIDExport(c, args[1:])
	case "show":
		return cmdIDShow(c, args[1:])
	}
	return usagef("gobag id new | gobag id export --plain | gobag id show", "id: unknown action %q", args[0])
}

func cmdIDNew(c *cli, args []string) error {
	fs := c.flags("id new")
	handle := fs.String("handle", "", "member handle (not your real name)")
	plain := fs.Bool("plain", false, "write an unencrypted identity (for automation)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *handle == "" {
		*handle = defaultHandle()
	}
	path, err := c.identityFile()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("%s already exists", path),
			Hint: "keep it, or pass --identity NEWFILE to create another"}
	}
	id, err := bcrypto.NewIdentity(*handle)
	if err != nil {
		return &binder.Error{Kind: binder.Invalid, Err: err, Hint: "choose a handle with --handle"}
	}
	data := id.MarshalText()
	if *plain {
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

func cmdIDExport(c *cli, args []string) error {
	fs := c.flags("id export")
	plain := fs.Bool("plain", false, "print the age identity in plaintext")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if !*plain {
		return usagef("gobag id export --plain > key.txt", "id export prints a secret key: say --plain to confirm")
	}
	id, err := c.loadIdentity()
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(id.ExportAge())
	return err
}

func cmdIDShow(c *cli, args []string) error {
	if _, err := parse(c.flags("id show"), args, 0, 0); err != nil {
		return err
	}
	id, err := c.loadIdentity()
	if err != nil {
		return err
	}
	path, _ := c.identityFile()
	return printIdentity(c, id, path)
}

func cmdInit(ctx context.Context, c *cli, args []string) error {
	fs := c.flags("init")
	name := fs.String("name", "", "organisation or binder name")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	if *name == "" {
		return usagef(`gobag init --binder DIR --name "Organisation"`, "init: --name is required")
	}
	id, err := c.loadIdentity()
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, *name)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return &binder.Error{Kind: binder.Permission, Err: err}
		}
		return err
	}
	defer b.Close()
	if c.asJSON {
		return c.printJSON(map[string]string{"binder": dir, "name": *name, "fingerprint": b.Fingerprint()})
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
