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

func newDemoCommand() *Command {
	cmd := newCommand("gobag demo", "create the demo binder and its identity", `
Demo creates the demo binder in the directory --binder names: a national
statistics office's continuity binder, far from ready, for trying gobag
out. Its manager's identity is left in the binder's local state, under
gobag/demo-identities, with the passphrase "demo".`)
	cmd.Run = runDemo
	return cmd
}

func runDemo(ctx context.Context, c *cli, _ []string) error {
	dir, err := c.needBinder()
	if err != nil {
		return err
	}
	idPath, n, err := createDemo(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "demo binder %s: %s\nidentity %s (passphrase %q)\n", dir, count(n, "record", "records"), idPath, demoIdentities[0].passphrase)
	return nil
}

// createDemo creates the demo binder in dir and its identity, and returns
// the identity's path and how many records the binder holds.
func createDemo(ctx context.Context, dir string) (string, int, error) {
	id, err := bcrypto.NewIdentity(demoIdentities[0].handle)
	if err != nil {
		return "", 0, err
	}
	b, err := binder.Create(ctx, dir, id, "National Statistics Office (demo)")
	if err != nil {
		return "", 0, err
	}
	defer b.Close()
	sealed, err := bcrypto.SealIdentity(id, []byte(demoIdentities[0].passphrase), scryptWorkFactor())
	if err != nil {
		return "", 0, err
	}
	idPath := demoIdentityPath(dir, id.Handle)
	if err := os.MkdirAll(filepath.Dir(idPath), 0o700); err != nil {
		return "", 0, err
	}
	if err := os.WriteFile(idPath, sealed, 0o600); err != nil {
		return "", 0, err
	}
	recs, err := binder.DemoRecords(time.Now())
	if err != nil {
		return "", 0, err
	}
	if _, err := b.Import(ctx, recs); err != nil {
		return "", 0, err
	}
	return idPath, len(recs), nil
}

// openDemo is the desktop app's demo: the binder in dir, made the first
// time; it returns the path of the demo identity.
func openDemo(ctx context.Context, dir string) (string, error) {
	idPath := demoIdentityPath(dir, demoIdentities[0].handle)
	if _, err := os.Stat(idPath); err == nil {
		return idPath, nil
	}
	idPath, _, err := createDemo(ctx, dir)
	return idPath, err
}
