package main

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"gobag/assets"
	"gobag/ui"
)

// newDesktopCommand returns gobag itself: with no command it opens the
// desktop app. Its sub-commands are the commands.
func newDesktopCommand() *Command {
	cmd := newCommand("gobag", "open the desktop app", `
gobag is an offline-first continuity binder: a team's plans, contacts,
runbooks, systems and recovery credentials in a signed, encrypted git
repository, synced to other copies. With no command it opens the desktop
app; with one, it runs that command.`)
	var showVersion bool
	cmd.Flag.BoolVar(&showVersion, "version", false, "print gobag's version, commit and Go version, as gobag version does")
	cmd.Run = func(ctx context.Context, c *cli, _ []string) error {
		if showVersion {
			return printVersion(c)
		}
		return c.desktop()
	}
	return cmd
}

// desktop opens the desktop app: gobag with no command.
func (c *cli) desktop() error {
	idPath, err := c.identityFile()
	if err != nil {
		return err
	}
	opts := ui.Options{BinderDir: c.binderDir, IdentityPath: idPath}
	if c.getenv("GOBAG_PASSPHRASE_FILE") != "" {
		opts.Passphrase = func() ([]byte, error) { return c.passphrase("", false) }
	}
	a := app.NewWithID("org.gobag.desktop")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	u := ui.New(a, opts)
	u.Window().ShowAndRun()
	return nil
}
