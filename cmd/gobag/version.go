package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is gobag's version. A release build sets it with
// -ldflags "-X main.version=…" (make build passes git describe); otherwise
// it is the main module's version from the build information.
var version string

// versionInfo is what gobag version prints.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Time     string `json:"time,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if v.Version == "" {
			v.Version = "unknown"
		}
		return v
	}
	if v.Version == "" {
		v.Version = info.Main.Version
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "vcs.time":
			v.Time = s.Value
		}
	}
	return v
}

// String is the version in one line, as the desktop app's About box
// shows it: the version and, where known, the commit.
func (v versionInfo) String() string {
	s := v.Version
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if v.Modified {
			c += ", modified"
		}
		s += " (commit " + c + ")"
	}
	return s
}

func newVersionCommand() *Command {
	cmd := newCommand("gobag version", "print gobag's version", `
Version prints gobag's version, the commit it was built from (with its
time, and whether the source had uncommitted changes) and the Go version
and platform it was built with. gobag --version prints the same.`)
	cmd.Run = func(_ context.Context, c *cli, _ []string) error { return printVersion(c) }
	return cmd
}

func printVersion(c *cli) error {
	v := buildVersion()
	if c.asJSON {
		return c.printJSON(v)
	}
	fmt.Fprintf(c.stdout, "gobag %s\n", v.Version)
	if v.Commit != "" {
		commit := v.Commit
		if v.Modified {
			commit += " (modified)"
		}
		if v.Time != "" {
			commit += " " + v.Time
		}
		fmt.Fprintf(c.stdout, "commit %s\n", commit)
	} else {
		fmt.Fprintln(c.stdout, "commit unknown")
	}
	fmt.Fprintf(c.stdout, "built with %s %s\n", v.Go, v.Platform)
	return nil
}
