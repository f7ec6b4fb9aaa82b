package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"gobag/assets"

	"gobag/ui"
)

// desktop opens the desktop app: gobag with no command.
func (c *cli) desktop(args []string) error {
	if _, err := parse(c.flags("gobag"), args, 0, 0); err != nil {
		return err
	}
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
