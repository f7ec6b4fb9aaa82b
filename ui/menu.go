package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// mainMenu is the window's menu: every action the shortcuts reach, and
// About. The window gives a menu item's shortcut precedence over a
// focused widget, so Ctrl+F works from inside a text field.
func (u *App) mainMenu() *fyne.MainMenu {
	shortcut := func(key fyne.KeyName, mod fyne.KeyModifier) fyne.Shortcut {
		return &desktop.CustomShortcut{KeyName: key, Modifier: mod}
	}
	// whenOpen runs fn on the shell once the binder is open.
	whenOpen := func(fn func(s *shell)) func() {
		return func() {
			if u.shell != nil && u.view == u.shell {
				fn(u.shell)
			}
		}
	}
	item := func(label string, fn func(s *shell), sc fyne.Shortcut) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, whenOpen(fn))
		it.Shortcut = sc
		return it
	}
	def := fyne.KeyModifierShortcutDefault
	file := fyne.NewMenu("File",
		item("New record", (*shell).create, shortcut(fyne.KeyN, def)),
		item("Save", (*shell).save, shortcut(fyne.KeyS, def)),
	)
	goMenu := fyne.NewMenu("Go",
		item("Search", (*shell).search, shortcut(fyne.KeyF, def)),
		item("Incident mode", func(s *shell) { s.goTo("incident") }, shortcut(fyne.KeyI, def)),
		item("Back", (*shell).back, shortcut(fyne.KeyLeft, fyne.KeyModifierAlt)),
	)
	var exports []*fyne.MenuItem
	for _, f := range exportFormats() {
		exports = append(exports, item(f.label, func(s *shell) { s.exportDialog(f) }, nil))
	}
	export := fyne.NewMenu("Export", exports...)
	imports := fyne.NewMenu("Import",
		item("Contacts from vCard…", func(s *shell) { s.importDialog("vcard") }, nil),
		item("Records from CSV…", func(s *shell) { s.importDialog("csv") }, nil),
	)
	help := fyne.NewMenu("Help", fyne.NewMenuItem("About gobag", u.about))
	return fyne.NewMainMenu(file, goMenu, export, imports, help)
}

// about shows gobag's version, the same as gobag version prints.
func (u *App) about() {
	version := u.opts.Version
	if version == "" {
		version = "unknown"
	}
	name := widget.NewLabelWithStyle("gobag", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(fmt.Sprintf("Version %s\n\nAn offline-first continuity binder: plans, contacts, runbooks,\nsystems and recovery credentials, signed, encrypted and synced\nthrough git, readable with nothing but git and age.", version))
	dialog.ShowCustom("About gobag", "Close", container.NewVBox(name, text), u.win)
}
