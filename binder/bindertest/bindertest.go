// Package bindertest helps the tests of packages that open binders.
package bindertest

import (
	"os"
	"testing"
)

// Main runs a package's tests (call it from TestMain) with the user's
// config directory, where an account remembers each binder copy it
// opened, in a temporary directory removed afterwards: tests never write
// to the real one, and the processes they start inherit it.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "gobag-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
