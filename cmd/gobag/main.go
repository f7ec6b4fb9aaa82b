// Command gobag is the offline-first continuity binder: with no command it
// opens the desktop app; with one it runs the command-line interface.
package main

import (
	"context"
	"os"
	"os/signal"

	_ "gobag/cmd/gobag/internal/locale" // before Fyne reads the locale
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
