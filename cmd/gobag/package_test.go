package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Linux package make package builds (GOBAG_PACKAGE names it) installs
// with its own Makefile, its .desktop entry is valid and names the
// installed binary and icon, the binary reports FyneApp.toml's version, and
// it starts: its window opens on a display with nothing set up.
func TestPackageInstallsAndStarts(t *testing.T) {
	pkg := os.Getenv("GOBAG_PACKAGE")
	if pkg == "" {
		t.Skip("GOBAG_PACKAGE is not set: make test builds the package and sets it")
	}
	for _, tool := range []string{"tar", "make", "xwininfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to test the package", tool)
		}
	}
	work := t.TempDir()
	run := func(dir string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(work, "tar", "-xJf", pkg)
	root := filepath.Join(work, "root")
	run(filepath.Join(work, "gobag"), "make", "install", "DESTDIR="+root, "PREFIX=/usr")

	entry, err := os.ReadFile(filepath.Join(root, "usr/share/applications/org.gobag.desktop.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=Application\n", "Name=gobag\n", "Exec=gobag\n", "Icon=org.gobag.desktop\n", "Categories=Office;Utility;\n"} {
		if !strings.Contains(string(entry), want) {
			t.Errorf(".desktop entry lacks %q:\n%s", strings.TrimSpace(want), entry)
		}
	}
	if v, err := exec.LookPath("desktop-file-validate"); err == nil {
		run(work, v, filepath.Join(root, "usr/share/applications/org.gobag.desktop.desktop"))
	}
	if fi, err := os.Stat(filepath.Join(root, "usr/share/pixmaps/org.gobag.desktop.png")); err != nil || fi.Size() == 0 {
		t.Fatalf("icon not installed: %v", err)
	}
	bin := filepath.Join(root, "usr/bin/gobag")
	toml, err := os.ReadFile(filepath.Join("..", "..", "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if out := run(work, bin, "version"); !strings.HasPrefix(out, "gobag "+fyneAppVersion(string(toml))+"\n") {
		t.Fatalf("installed gobag version:\n%s\nwant FyneApp.toml's version %q", out, fyneAppVersion(string(toml)))
	}

	// Started as the .desktop entry starts it: no arguments, a fresh home.
	display := startXvfb(t)
	app := exec.Command(bin)
	app.Env = []string{"DISPLAY=" + display, "HOME=" + work, "LANG=en_US.UTF-8", "PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(work, "config"), "XDG_DATA_HOME=" + filepath.Join(work, "data"), "XDG_CACHE_HOME=" + filepath.Join(work, "cache")}
	var stderr strings.Builder
	app.Stderr = &stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	t.Cleanup(func() {
		app.Process.Kill()
		<-exited
	})
	if !waitTitle(t, display, `"gobag"`, exited, &stderr) {
		t.Fatalf("the installed app opened no window\n%s", stderr.String())
	}
}

// fyneAppVersion is the Version line of FyneApp.toml's [Details].
func fyneAppVersion(toml string) string {
	for _, line := range strings.Split(toml, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "Version" {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}
