package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// desktopMemory opens the desktop app on a binder under a virtual X server
// and reads its resident memory once the window shows the binder.
func (r *report) desktopMemory(binderDir, idPath string, n int) (figure, error) {
	f := figure{what: fmt.Sprintf("desktop app open on %d records: resident memory", n)}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		f.note = "Xvfb not installed"
		return f, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return f, err
	}
	x := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{pw}
	if err := x.Start(); err != nil {
		return f, err
	}
	pw.Close()
	defer func() { x.Process.Kill(); x.Wait() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		return f, fmt.Errorf("Xvfb: %v", err)
	}
	display := ":" + strings.TrimSpace(line)
	app := exec.Command(r.gobag, "--binder", binderDir, "--identity", idPath)
	app.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8")
	if err := app.Start(); err != nil {
		return f, err
	}
	defer func() { app.Process.Kill(); app.Wait() }()
	t0 := time.Now()
	for time.Since(t0) < 60*time.Second {
		out, _ := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
		if strings.Contains(string(out), "gobag — ") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.median = time.Since(t0)
	time.Sleep(2 * time.Second) // let it render and settle
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", app.Process.Pid))
	if err != nil {
		return f, err
	}
	var hwm int64
	for _, l := range strings.Split(string(status), "\n") {
		fields := strings.Fields(l)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			f.rssKB = kb
		case "VmHWM:":
			hwm = kb
		}
	}
	f.runs = 1
	f.note = fmt.Sprintf("resident once shown; peak while opening %d MB", hwm/1024)
	return f, nil
}
