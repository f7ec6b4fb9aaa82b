// Package ui is gobag's desktop app, built with Fyne. It talks to the
// binder only through the binder package's public API, and updates widgets
// from background work only inside fyne.Do. It builds and tests without
// cgo, using fyne.io/fyne/v2/test; only cmd/gobag links a real driver.
package ui
