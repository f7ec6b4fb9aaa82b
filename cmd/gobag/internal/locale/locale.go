// Package locale gives the process a parseable locale before Fyne's
// language package initialises, so that a CLI run under LANG=C (cron, CI,
// minimal containers) does not print locale parse errors. It depends only
// on the standard library, so Go's initialisation order (dependencies
// first, then import path order) runs it before Fyne's lang package, which
// depends on golang.org/x/text.
package locale

import "os"

func init() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES"} {
		if v := os.Getenv(k); v == "C" || v == "POSIX" || v == "C.UTF-8" {
			os.Unsetenv(k)
		}
	}
	if v := os.Getenv("LANG"); v == "" || v == "C" || v == "POSIX" || v == "C.UTF-8" {
		os.Setenv("LANG", "en_US.UTF-8")
	}
}
