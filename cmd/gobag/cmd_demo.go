package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gobag/binder"
	bcrypto "gobag/crypto"
)

// Demo identities: their passphrases are documented in README.md.
var demoIdentities = []struct{ handle, passphrase string }{
	{"manager", "demo"},
}

// demoIdentityPath is where gobag demo leaves an identity: in the binder's
// local state, which git never copies.
func demoIdentityPath(dir, handle string) string {
	return filepath.Join(dir, "gobag", "demo-identities", handle+".age")
}

func cmdDemo(ctx context.Context, c *cli, args []string) error {
	if _, err := parse(c.flags("demo"), args, 0, 0); err != nil {
		return err
	}
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	id, err := bcrypto.NewIdentity(demoIdentities[0].handle)
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, "National Statistics Office (demo)")
	if err != nil {
		return err
	}
	defer b.Close()
	sealed, err := bcrypto.SealIdentity(id, []byte(demoIdentities[0].passphrase), scryptWorkFactor())
	if err != nil {
		return err
	}
	idPath := demoIdentityPath(dir, id.Handle)
	if err := os.MkdirAll(filepath.Dir(idPath), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(idPath, sealed, 0o600); err != nil {
		return err
	}
	recs, err := binder.DemoRecords(time.Now())
	if err != nil {
		return err
	}
	if _, err := b.Import(ctx, recs); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "demo binder %s: %s\nidentity %s (passphrase %q)\n", dir, count(len(recs), "record", "records"), idPath, demoIdentities[0].passphrase)
	return nil
}
