package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"gobag/binder"
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
)

// figure is one measured operation: the median (and slowest) of its runs,
// or a measured quantity given as text.
type figure struct {
	what   string
	text   string
	median time.Duration
	max    time.Duration
	runs   int
	note   string
	rssKB  int64 // largest resident set of the measured processes, if whole-process
}

type sizeResult struct {
	n       int
	commits int
	figs    []figure
}

type report struct {
	started time.Time
	gobag   string
	work    string
	host    []string
	sizes   []sizeResult
	history []figure
	histN   int
	peers   []figure
	gobench []string
	// desktopRuns: the desktop app on the demo binder and a large one;
	// desktopNote says why it was not measured.
	desktopRuns []desktopRun
	desktopNote string
	sync        []figure
	syncN       int
	// converge: many copies syncing at once, on binders of convergeN
	// records, convergeK copies.
	converge             []figure
	convergeN, convergeK int
	procs                *processes
	programme            *programmeResult
	paper                *paperResult
}

func (r *report) machine() error {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(strings.SplitN(string(data), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf("%.0f GiB RAM", float64(kb)/1024/1024)
	}
	r.host = []string{
		fmt.Sprintf("%s, %d cores, %s, %s/%s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH),
		"Go " + strings.TrimPrefix(runtime.Version(), "go"),
		version("git", "--version"),
		version("age", "--version"),
		version("pass", "version"),
	}
	return nil
}

func version(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return name + ": not installed"
	}
	// The first line that carries a digit: "git version 2.39.5", "1.1.1",
	// pass's banner "=  v1.7.4  =".
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(strings.Trim(l, "= "))
		if strings.ContainsAny(l, "0123456789") {
			return name + " " + strings.TrimPrefix(strings.TrimPrefix(l, name+" "), "version ")
		}
	}
	return name
}

// timeRuns runs f k times and returns the median and the slowest.
func timeRuns(k int, f func(i int) error) (figure, error) {
	var ds []time.Duration
	for i := range k {
		t0 := time.Now()
		if err := f(i); err != nil {
			return figure{}, err
		}
		ds = append(ds, time.Since(t0))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return figure{median: ds[len(ds)/2], max: ds[len(ds)-1], runs: k}, nil
}

// proc runs a whole process and fails on a non-zero exit.
func proc(env []string, stdin []byte, name string, args ...string) error {
	_, err := procRSS(env, stdin, name, args...)
	return err
}

// procRSS is proc that also returns the process's peak resident set
// (KiB). It is read by GNU time: the rusage of a child of this process
// would count this process's own memory, which the child shares until it
// starts its program.
func procRSS(env []string, stdin []byte, name string, args ...string) (int64, error) {
	out, err := os.CreateTemp("", "rss-")
	if err != nil {
		return 0, err
	}
	out.Close()
	defer os.Remove(out.Name())
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", out.Name(), name}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	data, err := os.ReadFile(out.Name())
	if err != nil {
		return 0, err
	}
	var kb int64
	fmt.Sscan(strings.TrimSpace(string(data)), &kb)
	return kb, nil
}

func (r *report) procFigure(what string, k int, env []string, name string, args ...string) (figure, error) {
	var peak int64
	f, err := timeRuns(k, func(int) error {
		rss, err := procRSS(env, nil, name, args...)
		peak = max(peak, rss)
		return err
	})
	f.what, f.rssKB = what, peak
	return f, err
}

var words = strings.Fields("plan contact alternate recovery restore backup network power storage vendor runbook escalation " +
	"generator database application platform dissemination statistics office continuity exercise tabletop")

// fixtureRecord makes a realistic record of about 600 bytes of plaintext,
// with the typed fields of its kind.
func fixtureRecord(rng *rand.Rand, i int) *binder.Record {
	kinds := []string{"contact", "system", "runbook", "vendor", "plan", "function"}
	var body strings.Builder
	for j := range 60 {
		body.WriteString(words[rng.IntN(len(words))])
		if j%12 == 11 {
			body.WriteString(".\n")
		} else {
			body.WriteByte(' ')
		}
	}
	w := func() string { return words[rng.IntN(len(words))] }
	r := &binder.Record{
		Kind:  kinds[i%len(kinds)],
		Title: fmt.Sprintf("%s %s %d", w(), w(), i),
		Body:  body.String(),
	}
	switch r.Kind {
	case "contact":
		r.Fields = map[string]any{"roles": []any{"responder", w()}, "location": "floor " + w(),
			"phones": []map[string]any{{"label": "office", "number": fmt.Sprintf("+44 20 7946 %04d", i%10000)}}}
	case "system":
		r.Fields = map[string]any{"tier": int64(1 + i%4), "rto": fmt.Sprintf("%dh", 1+i%24), "description": w() + " " + w()}
	case "runbook":
		r.Fields = map[string]any{"scenarios": []any{"hardware-failure"},
			"steps": []map[string]any{{"role": w(), "do": w() + " the " + w(), "duration": "30m"}}}
	case "vendor":
		r.Fields = map[string]any{"services": []any{w(), w()}, "contract": fmt.Sprintf("C-%d", i)}
	case "plan":
		r.Fields = map[string]any{"type": "drp", "status": "draft", "version": "0.1"}
	case "function":
		r.Fields = map[string]any{"rto": "4h", "mtd": "1d", "assessed": "2026-01-15"}
	}
	return r
}

func newIdentity(dir, handle string) (*bcrypto.Identity, string, error) {
	id, err := bcrypto.NewIdentity(handle)
	if err != nil {
		return nil, "", err
	}
	p := filepath.Join(dir, handle+".id")
	return id, p, os.WriteFile(p, id.MarshalText(), 0o600)
}

func (r *report) measureSize(ctx context.Context, n int) error {
	dir := filepath.Join(r.work, fmt.Sprintf("binder-%d", n))
	id, idPath, err := newIdentity(r.work, fmt.Sprintf("bench%d", n))
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, "Bench Office")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	const batch = 500
	commits := 2
	for i := 0; i < n; i += batch {
		var recs []*binder.Record
		for j := i; j < min(n, i+batch); j++ {
			recs = append(recs, fixtureRecord(rng, j))
		}
		if _, err := b.Import(ctx, recs); err != nil {
			return err
		}
		// As the CLI does after each save.
		if _, err := b.Pack(ctx, true, nil); err != nil {
			return err
		}
		commits++
	}
	res := sizeResult{n: n, commits: commits}
	// In-process save: the operation itself, on a warm binder.
	f, err := timeRuns(200, func(i int) error {
		_, err := b.Add(ctx, fixtureRecord(rng, n+i))
		return err
	})
	if err != nil {
		return err
	}
	f.what, f.note = "save one record (in process)", "encrypt, sign, commit, index"
	res.figs = append(res.figs, f)
	var someID string
	list, err := b.List(ctx, "")
	if err != nil {
		return err
	}
	someID = list[len(list)/2].ID
	f, err = timeRuns(200, func(int) error { _, err := b.List(ctx, ""); return err })
	if err != nil {
		return err
	}
	f.what, f.note = "list all (in process)", fmt.Sprintf("%d records", len(list))
	res.figs = append(res.figs, f)
	// Search: a word in one record's title, a phone number, a word in
	// most records (the fixture's body words are few and common), two
	// words, and the start of a word as it is typed.
	for _, q := range []struct{ what, query string }{
		{"search: a rare word (in process)", fmt.Sprint(n / 2)},
		{"search: a phone number (in process)", fmt.Sprintf("020 7946 %04d", (n/2)%10000)},
		{"search: a word in most records (in process)", "continuity"},
		{"search: two common words (in process)", "backup restore"},
		{"search: the start of a word, as typed (in process)", "generat"},
	} {
		f, err = timeRuns(200, func(int) error { _, err := b.Search(ctx, q.query, "", 20); return err })
		if err != nil {
			return err
		}
		f.what = q.what
		res.figs = append(res.figs, f)
	}
	f, err = timeRuns(5, func(int) error { _, err := readiness.Run(ctx, b, nil, time.Now()); return err })
	if err != nil {
		return err
	}
	f.what = "readiness check of the whole binder (in process)"
	res.figs = append(res.figs, f)
	b.Close()

	env := []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath}
	for _, m := range []struct {
		what string
		k    int
		args []string
	}{
		{"`gobag add` (whole process)", 15, []string{"add", "note", "--title", "bench note", "--set", "owner=ops"}},
		{"`gobag list --json` (whole process)", 10, []string{"list", "--json"}},
		{"`gobag show ID --json` (whole process)", 15, []string{"show", someID, "--json"}},
		{"`gobag search` (whole process)", 10, []string{"search", "--json", fmt.Sprint(n / 2)}},
		{"`gobag check --json` (whole process)", 3, []string{"check", "--json"}},
		{"`gobag recovery-order --json` (whole process)", 3, []string{"recovery-order", "--json"}},
		{"`gobag verify` (whole process)", 3, []string{"verify"}},
		{"`gobag reindex` (whole process)", 3, []string{"reindex"}},
		{memberAddFigure, 1, []string{"member", "add", "sam", "--card", benchCard, "--role", "responder"}},
		{memberRmFigure, 1, []string{"member", "rm", "sam"}},
		{"`gobag gc`: pack every object into one pack (whole process)", 1, []string{"gc"}},
		{"`gobag verify` after `gobag gc` (whole process)", 3, []string{"verify"}},
	} {
		f, err := r.procFigure(m.what, m.k, env, r.gobag, m.args...)
		if err != nil {
			return err
		}
		res.figs = append(res.figs, f)
		fmt.Fprintf(os.Stderr, "  %-42s %v\n", m.what, f.median)
	}
	res.figs = append(res.figs, figure{what: "repository on disk, after `gobag gc`", text: diskUsage(dir)})
	g, err := gitPeer(filepath.Join(r.work, fmt.Sprintf("git-%d", n)), n, rng)
	if err != nil {
		return err
	}
	res.figs = append(res.figs, g)
	r.sizes = append(r.sizes, res)
	return nil
}

// gitPeer measures the git CLI committing one new file in a repository
// holding n files of the same size, in the same sharded layout.
func gitPeer(dir string, n int, rng *rand.Rand) (figure, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return figure{}, err
	}
	buf := make([]byte, 900)
	for i := range n {
		name := binder.NewID()
		p := filepath.Join(dir, "records", name[:2], name+".age")
		os.MkdirAll(filepath.Dir(p), 0o755)
		for j := range buf {
			buf[j] = byte(rng.IntN(256))
		}
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return figure{}, err
		}
		_ = i
	}
	env := []string{"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=b@x", "GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=b@x"}
	if err := proc(env, nil, "git", "-C", dir, "init", "-q"); err != nil {
		return figure{}, err
	}
	if err := proc(env, nil, "sh", "-c", "cd "+dir+" && git add -A && git commit -q -m fixture"); err != nil {
		return figure{}, err
	}
	f, err := timeRuns(10, func(i int) error {
		name := fmt.Sprintf("records/zz/new%03d.age", i)
		os.MkdirAll(filepath.Join(dir, "records/zz"), 0o755)
		os.WriteFile(filepath.Join(dir, name), buf, 0o644)
		return proc(env, nil, "sh", "-c", "cd "+dir+" && git add "+name+" && git commit -q -m one")
	})
	f.what, f.note = "git CLI: `git add` + `git commit` of one file (two processes)", fmt.Sprintf("work tree of %d files", n)
	return f, err
}

// measureHistory saves records one commit each, then verifies the whole
// history: the worst case for verify.
func (r *report) measureHistory(ctx context.Context, h int) error {
	dir := filepath.Join(r.work, "history")
	id, idPath, err := newIdentity(r.work, "history")
	if err != nil {
		return err
	}
	b, err := binder.Create(ctx, dir, id, "History Office")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var first, last []time.Duration
	for i := range h {
		t0 := time.Now()
		if _, err := b.Add(ctx, fixtureRecord(rng, i)); err != nil {
			return err
		}
		d := time.Since(t0)
		// As the CLI does after each save (not timed: it packs now and
		// then, taking seconds, after the save has returned).
		if _, err := b.Pack(ctx, true, nil); err != nil {
			return err
		}
		if i < 200 {
			first = append(first, d)
		}
		if i >= h-200 {
			last = append(last, d)
		}
	}
	b.Close()
	med := func(ds []time.Duration) figure {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return figure{median: ds[len(ds)/2], max: ds[len(ds)-1], runs: len(ds)}
	}
	f1, f2 := med(first), med(last)
	f1.what, f2.what = "save, first 200 of the history", fmt.Sprintf("save, last 200 (binder of %d records)", h)
	r.history = append(r.history, f1, f2)
	r.histN = h
	env := []string{"GOBAG_BINDER=" + dir, "GOBAG_IDENTITY=" + idPath}
	v, err := r.procFigure(fmt.Sprintf("`gobag verify`: %d commits (whole process)", h+2), 3, env, r.gobag, "verify")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  verify %d commits: %v\n", h+2, v.median)
	ri, err := r.procFigure("`gobag reindex` (whole process)", 3, env, r.gobag, "reindex")
	if err != nil {
		return err
	}
	r.history = append(r.history, v, ri, figure{what: "repository on disk, as left by automatic packing", text: diskUsage(dir)})
	gc, err := r.procFigure("`gobag gc` (whole process)", 1, env, r.gobag, "gc")
	if err != nil {
		return err
	}
	v2, err := r.procFigure("`gobag verify` after `gobag gc` (whole process)", 3, env, r.gobag, "verify")
	if err != nil {
		return err
	}
	r.history = append(r.history, gc, v2, figure{what: "repository on disk, after `gobag gc`", text: diskUsage(dir)})
	return nil
}

func (r *report) measurePeers(ctx context.Context) error {
	dir := filepath.Join(r.work, "peers")
	os.MkdirAll(dir, 0o700)
	plain := bytes.Repeat([]byte("continuity record text, about one kilobyte. "), 23)
	os.WriteFile(filepath.Join(dir, "plain.txt"), plain, 0o600)
	// age: encrypt to three recipients, decrypt.
	var recips []string
	for i := range 3 {
		key := filepath.Join(dir, fmt.Sprintf("k%d.txt", i))
		if err := proc(nil, nil, "age-keygen", "-o", key); err != nil {
			return err
		}
		out, err := exec.Command("age-keygen", "-y", key).Output()
		if err != nil {
			return err
		}
		recips = append(recips, "-r", strings.TrimSpace(string(out)))
	}
	enc := append(append([]string{"-o", filepath.Join(dir, "c.age")}, recips...), filepath.Join(dir, "plain.txt"))
	f, err := r.procFigure("age CLI: encrypt 1 KB to 3 recipients", 20, nil, "age", enc...)
	if err != nil {
		return err
	}
	r.peers = append(r.peers, f)
	f, err = r.procFigure("age CLI: decrypt 1 KB", 20, nil, "age", "-d", "-i", filepath.Join(dir, "k0.txt"), "-o", filepath.Join(dir, "p.txt"), filepath.Join(dir, "c.age"))
	if err != nil {
		return err
	}
	r.peers = append(r.peers, f)
	return r.passPeer(dir, plain)
}

// passPeer measures pass (GnuPG + git) inserting and showing one entry in a
// store of 10,000 entries.
func (r *report) passPeer(dir string, plain []byte) error {
	if _, err := exec.LookPath("pass"); err != nil {
		r.peers = append(r.peers, figure{what: "pass", note: "not installed"})
		return nil
	}
	gnupg := filepath.Join(dir, "gnupg")
	store := filepath.Join(dir, "store")
	os.MkdirAll(gnupg, 0o700)
	env := []string{"GNUPGHOME=" + gnupg, "PASSWORD_STORE_DIR=" + store,
		"GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=b@x", "GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=b@x"}
	if err := proc(env, nil, "gpg", "--batch", "--passphrase", "", "--quick-gen-key", "bench <bench@example.org>", "future-default", "default", "never"); err != nil {
		return err
	}
	if err := proc(env, nil, "pass", "init", "bench@example.org"); err != nil {
		return err
	}
	if err := proc(env, plain, "pass", "insert", "-m", "seed/entry"); err != nil {
		return err
	}
	seed, err := os.ReadFile(filepath.Join(store, "seed", "entry.gpg"))
	if err != nil {
		return err
	}
	const n = 10000
	for i := range n {
		id := binder.NewID()
		p := filepath.Join(store, id[:2], id+".gpg")
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, seed, 0o600); err != nil {
			return err
		}
		_ = i
	}
	if err := proc(env, nil, "pass", "git", "init"); err != nil {
		return err
	}
	f, err := timeRuns(10, func(i int) error {
		return proc(env, plain, "pass", "insert", "-m", fmt.Sprintf("bench/new%03d", i))
	})
	if err != nil {
		return err
	}
	f.what, f.note = "pass: `pass insert -m` (GnuPG encrypt + git commit)", fmt.Sprintf("store of %d entries", n)
	r.peers = append(r.peers, f)
	f, err = timeRuns(10, func(i int) error { return proc(env, nil, "pass", "show", "bench/new000") })
	if err != nil {
		return err
	}
	f.what, f.note = "pass: `pass show`", fmt.Sprintf("store of %d entries", n)
	r.peers = append(r.peers, f)
	return nil
}

// diskUsage is the space a binder's repository takes on disk (blocks
// allocated, so that many small loose objects count as they cost).
func diskUsage(dir string) string {
	var total int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			} else {
				total += fi.Size()
			}
		}
		return nil
	})
	return fmt.Sprintf("%.1f MB", float64(total)/1e6)
}

// goBenchmarks runs the packages' Go benchmarks and keeps their result lines.
func (r *report) goBenchmarks() error {
	out, err := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "./crypto/...", "./binder/...").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			r.gobench = append(r.gobench, strings.Join(strings.Fields(l), " "))
		}
	}
	return nil
}

// The roster changes measured: each re-encrypts every record.
const (
	memberAddFigure = "`gobag member add`: re-encrypts every record (whole process)"
	memberRmFigure  = "`gobag member rm`: re-encrypts every record (whole process)"
)

// benchCard is the card of the member the roster changes add and remove.
var benchCard = func() string {
	id, err := bcrypto.NewIdentity("sam")
	if err != nil {
		panic(err)
	}
	return id.Card().String()
}()
