package print

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"gobag/binder"
	"gobag/binder/bindertest"
	"gobag/binder/readiness"
	bcrypto "gobag/crypto"
)

func TestMain(m *testing.M) { bindertest.Main(m) }

// tool is the path of a checker the tests run, or skips the test.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (make test installs qpdf, poppler-utils, zbar-tools, git and age)", name)
	}
	return p
}

// run runs a command and returns its output, failing the test if it
// fails.
func runTool(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// fixture is a demo binder with what printing must handle besides: names
// in several scripts, a restricted record, an escrowed secret, a long
// runbook.
type fixture struct {
	b      *binder.Binder
	dir    string
	secret string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	id, err := bcrypto.NewIdentity("priya")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "binder")
	b, err := binder.Create(ctx, dir, id, "Bureau des statistiques — Île Maurice")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	recs, err := binder.DemoRecords(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var steps []any
	for i := range 90 {
		steps = append(steps, map[string]any{"do": fmt.Sprintf("Step %d of the long restore: check the volume, mount it and copy what is on it back", i+1), "role": "systems administrator", "duration": "5m", "check": "the copy's checksum matches"})
	}
	recs = append(recs,
		&binder.Record{Kind: "contact", Title: "Élodie Grégoire-Duval", Fields: map[string]any{"escalation": int64(7), "roles": []any{"koordinater dan ka dezas"}, "phones": []any{map[string]any{"label": "mobile", "number": "+230 5 251 2345"}}}},
		&binder.Record{Kind: "contact", Title: "Νίκος Παπαδόπουλος", Fields: map[string]any{"escalation": int64(8), "phones": []any{map[string]any{"label": "mobile", "number": "+30 691 234 5678"}}}},
		&binder.Record{Kind: "contact", Title: "Анна Кузнецова", Fields: map[string]any{"escalation": int64(9), "phones": []any{map[string]any{"label": "office", "number": "+7 495 123 4567"}}}},
		&binder.Record{Kind: "runbook", Title: "Restore the archive volume, step by step", Fields: map[string]any{"steps": steps}},
		&binder.Record{Kind: "note", Title: "Salary bands of the board", Audience: "managers", Body: "MARKER-RESTRICTED-8841"},
	)
	if _, err := b.Import(ctx, recs); err != nil {
		t.Fatal(err)
	}
	f := &fixture{b: b, dir: dir, secret: "MARKER-SECRET-VALUE-5512"}
	cred, err := b.Add(ctx, &binder.Record{Kind: "credential", Title: "Root password of the database VM", Fields: map[string]any{"opens": "root on db-prod"}})
	if err != nil {
		t.Fatal(err)
	}
	sam, err := bcrypto.NewIdentity("sam")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ChangeMembers(ctx, binder.MemberChange{Op: binder.MemberAdd, Handle: "sam", Card: sam.Card(), Roles: []string{"custodian"}}, true); err != nil {
		t.Fatal(err)
	}
	// One custodian is enough here: the binder's settings allow it.
	all, err := b.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Kind == "binder" {
			r.Fields["allow_threshold_one"] = true
			if _, err := b.Update(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := b.PutSecret(ctx, binder.SecretSpec{Name: "db-root", Credential: cred.ID, Custodians: []string{"sam"}, Threshold: 1}, []byte(f.secret)); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) source(t *testing.T, audience string) *Source {
	t.Helper()
	src, err := Read(context.Background(), f.b, audience, []Remote{{Name: "usb", URL: "/media/usb/binder.git"}})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// writePDF writes doc to a file and checks it with qpdf.
func writePDF(t *testing.T, doc *Document, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	var buf bytes.Buffer
	if err := doc.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runTool(t, "", tool(t, "qpdf"), "--check", path)
	if !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check:\n%s", out)
	}
	return path
}

// pageText is the text pdftotext reads on page n (from 1), spaces
// normalised.
func pageText(t *testing.T, path string, n int) string {
	t.Helper()
	out := runTool(t, "", tool(t, "pdftotext"), "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-layout", path, "-")
	return strings.ReplaceAll(out, "\u00a0", " ")
}

func allText(t *testing.T, path string) string {
	t.Helper()
	return strings.ReplaceAll(runTool(t, "", tool(t, "pdftotext"), path, "-"), "\u00a0", " ")
}

// The printed binder: a valid PDF whose text is all there, in order; the
// contents' page numbers are the pages each part starts on; names in
// Latin with accents, Greek and Cyrillic come out as they are; a long
// table runs on with its header on every page; nothing is drawn beyond
// the margins.
func TestPrintedBinder(t *testing.T) {
	f := newFixture(t)
	src := f.source(t, "")
	doc, err := Binder(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, doc, "binder.pdf")
	info := runTool(t, "", tool(t, "pdfinfo"), path)
	if !strings.Contains(info, fmt.Sprintf("Pages:           %d", doc.Pages())) {
		t.Fatalf("pdfinfo says\n%s\nwe laid out %d pages", info, doc.Pages())
	}
	cover := pageText(t, path, 1)
	for _, want := range []string{"Bureau des statistiques — Île Maurice", src.Fingerprint, src.Commit, "All signatures verified when this was printed", "by priya", "1 restricted to an audience are left out"} {
		if !strings.Contains(cover, want) {
			t.Errorf("the cover does not say %q:\n%s", want, cover)
		}
	}
	text := allText(t, path)
	order := []string{"Contents", "Call tree", "Crisis Management Team", "Others to call", "Contacts", "Teams and succession", "Plans", "Runbooks", "Recovery order", "Sites",
		"Business impact analysis", "Risk register", "Vendors", "Escrowed credentials", "Exercises", "Action register", "Policy: Business continuity policy",
		"Requirements", "Documents kept elsewhere", "Record of changes", "Approvals"}
	at := 0
	for _, h := range order {
		i := strings.Index(text[at:], "\n"+h+"\n")
		if i < 0 {
			t.Fatalf("%q missing or out of order", h)
		}
		at += i + 1
	}
	// The programme's parts say what matters in them: who calls whom, the
	// dead ends, the worst risk first, the open actions, who meets what.
	for _, want := range []string{"called by Helena Mwangi", "Nothing is said: tell whoever started the tree.", "20 (4×5) critical",
		"no treatment decided", "Name alternates for the database administrator", "open, overdue", "Statistics Act, section 14", "National Statistics Office — Business Continuity Plan",
		"Data platform network diagram", "racks R5-11 and R5-12"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("%q is not in the text", want)
		}
	}
	register := text[strings.LastIndex(text, "\nAction register\n"):]
	register = strings.Join(strings.Fields(register[:strings.Index(register, "\nPolicy: ")]), " ")
	if !strings.Contains(register, "Agree an alternate site with the ministry") || strings.Contains(register, "Test a restore of the document database") ||
		!strings.Contains(register, "Amara Okafor") {
		t.Errorf("the action register holds the wrong actions (an open one or an owner missing, or a done one):\n%s", register)
	}
	for _, name := range []string{"Élodie Grégoire-Duval", "Νίκος Παπαδόπουλος", "Анна Кузнецова", "koordinater dan ka dezas"} {
		if !strings.Contains(text, name) {
			t.Errorf("%q is not in the text", name)
		}
	}
	for _, never := range []string{"MARKER-RESTRICTED-8841", "Salary bands", f.secret} {
		if strings.Contains(text, never) {
			t.Errorf("%q is printed", never)
		}
	}
	if doc.Lost != 0 {
		t.Errorf("%d characters lost", doc.Lost)
	}
	// The contents: each entry's page starts or holds its heading.
	toc := pageText(t, path, 2)
	entry := regexp.MustCompile(`(?m)^\s*(\S.*?)\s+(\d+)\s*$`)
	checked := 0
	for _, m := range entry.FindAllStringSubmatch(toc, -1) {
		title, n := strings.TrimSpace(m[1]), m[2]
		page, _ := strconv.Atoi(n)
		if title == "Contents" || page < 2 || strings.Contains(title, "gobag ·") {
			continue
		}
		if !strings.Contains(strings.Join(strings.Fields(pageText(t, path, page)), " "), strings.Join(strings.Fields(title), " ")) {
			t.Errorf("contents: %q on page %d, which does not show it", title, page)
		}
		checked++
	}
	if checked < 15 {
		t.Fatalf("checked %d contents entries:\n%s", checked, toc)
	}
	// The long runbook's steps run over pages, each with the header.
	pagesWithSteps := 0
	for p := 1; p <= doc.Pages(); p++ {
		pt := pageText(t, path, p)
		if strings.Contains(pt, "of the long restore") {
			pagesWithSteps++
			if !regexp.MustCompile(`Step\s+Do\s+Who\s+Takes\s+Check`).MatchString(pt) {
				t.Errorf("page %d has steps of the long runbook but no header row", p)
			}
		}
	}
	if pagesWithSteps < 2 {
		t.Errorf("the 90-step runbook is on %d pages; want it to run on", pagesWithSteps)
	}
	checkMargins(t, doc)
}

// checkMargins checks that every operation of every page lies on the
// page, and text within the margins.
func checkMargins(t *testing.T, doc *Document) {
	t.Helper()
	for i, p := range doc.pages {
		for _, o := range append(p.ops, doc.decorate(i)...) {
			right := o.x + o.w
			if o.kind == opText {
				right = o.x + width(o.st, o.size, o.text)
			}
			side := marginX
			if doc.margin > 0 || p.plain {
				side = 0
			}
			if o.x < side-0.01 || right > doc.paper.W-side+0.5 || o.y < 0 || o.y > doc.paper.H {
				t.Errorf("page %d: %v %q at x %.1f–%.1f, y %.1f: beyond the margin (%.0f × %.0f)", i+1, o.kind, o.text, o.x, right, o.y, doc.paper.W, doc.paper.H)
				return
			}
		}
	}
}

// A restricted record is printed only with --audience, and the cover says
// so.
func TestPrintedBinderWithAnAudience(t *testing.T) {
	f := newFixture(t)
	doc, err := Binder(f.source(t, "managers"), Options{Kinds: []string{"contact"}})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, doc, "managers.pdf")
	if cover := pageText(t, path, 1); !strings.Contains(cover, "Includes records restricted to managers, printed for priya") {
		t.Errorf("the cover does not say whom it is for:\n%s", cover)
	}
	if _, err := Read(context.Background(), f.b, "nobody-at-all", nil); err == nil || !strings.Contains(err.Error(), "nobody-at-all") {
		t.Errorf("an audience naming no role or member: %v", err)
	}
	if _, err := Binder(f.source(t, ""), Options{Kinds: []string{"salaries"}}); err == nil || !strings.Contains(err.Error(), "salaries") {
		t.Errorf("an unknown part: %v", err)
	}
}

func TestCallCard(t *testing.T) {
	f := newFixture(t)
	doc, err := CallCard(f.source(t, ""), "Crisis Management Team")
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, doc, "card.pdf")
	info := runTool(t, "", tool(t, "pdfinfo"), path)
	if !regexp.MustCompile(`Page size:\s+485\.\d+ x 153\.\d+ pts`).MatchString(info) {
		t.Errorf("not two credit cards side by side:\n%s", info)
	}
	text := strings.Join(strings.Fields(allText(t, path)), " ")
	for _, want := range []string{"Crisis Management Team", "Activate when", "The Director General activates this plan", "1. Helena Mwangi — Director General", "or Rafael Ortiz"} {
		if !strings.Contains(text, want) {
			t.Errorf("the card does not say %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "1. Helena") > strings.Index(text, "2. Rafael") {
		t.Error("the call order is not the team's")
	}
	checkMargins(t, doc)
	if _, err := CallCard(f.source(t, ""), "No such team"); err == nil {
		t.Error("a card for a team that is not there")
	}
}

func TestReport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Restricted records whose titles the report must not print: a plan,
	// and systems that depend on a public one (whose finding names them).
	pub, err := f.b.Add(ctx, &binder.Record{Kind: "system", Title: "Print server", Fields: map[string]any{"tier": int64(3)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Import(ctx, []*binder.Record{
		{Kind: "plan", Title: "Secret merger plan Zeta", Audience: "managers", Fields: map[string]any{"type": "bcp"}},
		{Kind: "system", Title: `Project "Nightjar" vault`, Audience: "managers", Fields: map[string]any{"depends_on": []any{pub.ID}}},
		{Kind: "system", Title: "HR", Audience: "managers", Fields: map[string]any{"depends_on": []any{pub.ID}}},
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := readiness.Run(ctx, f.b, []readiness.OffsiteCopy{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Report(f.source(t, ""), rep, Letter)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, doc, "report.pdf")
	text := strings.Join(strings.Fields(allText(t, path)), " ")
	for _, want := range []string{"Readiness report", "Findings by rule", "remote.none (error): 1", "Source: bcm-policy ¶7.", "Checked and clear", "Exercises", "Approvals", "Sources", "NIST SP 800-34 Rev.1", "All signatures verified", "Print server", "names a record restricted to an audience"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
	for _, never := range []string{"Zeta", "Nightjar", `"HR"`, "Salary bands"} {
		if strings.Contains(text, never) {
			t.Errorf("the report names %q, restricted to the managers", never)
		}
	}
	checkMargins(t, doc)
}

// The recovery kit's QR code reads as exactly the key, and its commands,
// typed as printed on a machine with git and age alone, print every
// record.
func TestRecoveryKitRecoversWithGitAndAge(t *testing.T) {
	zbar := tool(t, "zbarimg")
	tool(t, "age")
	tool(t, "git")
	tool(t, "pdftoppm")
	f := newFixture(t)
	ctx := context.Background()
	key, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.ChangeMembers(ctx, binder.MemberChange{Op: binder.MemberRecovery, Recovery: key.Recipient().String()}, true); err != nil {
		t.Fatal(err)
	}
	// The copy the kit names: a bare clone, as a USB stick holds it.
	remote := filepath.Join(t.TempDir(), "usb", "binder.git")
	runTool(t, "", "git", "clone", "--bare", "--quiet", f.dir, remote)
	src := f.source(t, "")
	src.Remotes = []Remote{{Name: "usb", URL: remote}}
	if _, err := RecoveryKit(src, key.String(), "", A4); err == nil {
		t.Error("a kit for a binder without a recovery key")
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := RecoveryKit(src, other.String(), key.Recipient().String(), A4); err == nil || !strings.Contains(err.Error(), "not the binder's recovery key") {
		t.Errorf("another key: %v", err)
	}
	doc, err := RecoveryKit(src, key.String(), key.Recipient().String(), A4)
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, doc, "kit.pdf")
	checkMargins(t, doc)

	png := filepath.Join(t.TempDir(), "kit")
	runTool(t, "", "pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", path, png)
	if got := strings.TrimSpace(runTool(t, "", zbar, "--quiet", "--raw", png+".png")); got != key.String() {
		t.Fatalf("the QR code reads %q; want the key", got)
	}

	// Type the commands as printed, in an empty directory, with a PATH
	// holding git, age and the shell's tools only.
	var commands []string
	for _, line := range strings.Split(runTool(t, "", "pdftotext", "-layout", path, "-"), "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "$ "); ok {
			commands = append(commands, c)
		}
	}
	if len(commands) < 5 {
		t.Fatalf("the kit prints %d commands", len(commands))
	}
	bin := t.TempDir()
	for _, name := range []string{"git", "age", "sh", "sed", "grep", "cat", "printf"} {
		if p, err := exec.LookPath(name); err == nil {
			os.Symlink(p, filepath.Join(bin, name))
		}
	}
	work := t.TempDir()
	cmd := exec.Command("sh", "-e", "-c", strings.Join(commands, "\n"))
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + bin, "HOME=" + work, "GIT_CONFIG_NOSYSTEM=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the kit's commands failed: %v\n%s\ncommands:\n%s", err, out, strings.Join(commands, "\n"))
	}
	for _, want := range []string{"Helena Mwangi", "Анна Кузнецова", "Salary bands of the board"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the records printed by the kit's commands lack %q:\n%.2000s", want, out)
		}
	}
}

// A character no bundled font has prints as "?", counted, and the
// symbols the text face lacks come from the monospaced one.
func TestCharactersBeyondTheFonts(t *testing.T) {
	r := &binder.Record{ID: "aaaaaaaaaaaaaaaaaaaaaaaaaa", Kind: "contact", Title: "王小明 → Wang", Fields: map[string]any{"escalation": int64(1)}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	src := &Source{Name: "B", Fingerprint: "SHA256:x", Commit: "c", Now: time.Now(), Records: []*binder.Record{r}}
	doc, err := Binder(src, Options{Kinds: []string{"contact"}})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Lost != 2*3 {
		t.Errorf("%d characters lost; want the three Chinese ones in the call tree and in the contacts", doc.Lost)
	}
	text := doc.Text()
	if !strings.Contains(text, "???") || !strings.Contains(text, "→") || strings.Contains(text, "王") {
		t.Errorf("the name printed as:\n%s", text)
	}
}

// A plan's Markdown prints as it reads: headings, lists in order,
// emphasis in its faces, tables as tables, code in the monospaced face.
func TestMarkdownPrints(t *testing.T) {
	body := "# 1. Purpose\n\nRestore **payroll** within *four* hours.\n\n## 1.1 Steps\n\n1. Call the desk\n2. Fail over\n   - check the DNS\n\n| System | RTO |\n| --- | --- |\n| Payroll | 4h |\n| Mail | 1d |\n\n```\nsystemctl start payroll\n```\n\n> Guidance: keep it short.\n"
	p := &binder.Record{ID: "aaaaaaaaaaaaaaaaaaaaaaaaaa", Kind: "plan", Title: "Payroll plan", Body: body, Fields: map[string]any{}}
	src := &Source{Name: "B", Now: time.Now(), Records: []*binder.Record{p}}
	doc, err := Binder(src, Options{Kinds: []string{"plan"}})
	if err != nil {
		t.Fatal(err)
	}
	var styles = map[string]style{}
	for _, pg := range doc.pages {
		for _, o := range pg.ops {
			if o.kind == opText {
				styles[o.text] = o.st
			}
		}
	}
	text := doc.Text()
	order := []string{"1. Purpose", "Restore", "payroll", "1.1 Steps", "1.", "Call the desk", "2.", "Fail over", "check the DNS", "System", "RTO", "Payroll", "4h", "Mail", "1d", "systemctl start payroll", "Guidance: keep it short."}
	at := 0
	for _, w := range order {
		i := strings.Index(text[at:], w)
		if i < 0 {
			t.Fatalf("%q missing or out of order in:\n%s", w, text)
		}
		at += i
	}
	if styles["payroll "] != bold && styles["payroll"] != bold {
		t.Errorf("**payroll** is not bold: %v", styles)
	}
	if styles["four"] != italic && styles["four "] != italic {
		t.Errorf("*four* is not italic")
	}
	if styles["systemctl start payroll"] != mono {
		t.Errorf("the code block is not monospaced")
	}
}

// A word longer than many lines (a record may hold a megabyte of it) is
// cut across lines in time linear in its length, and stays on the page.
func TestLongWordIsCutInLinearTime(t *testing.T) {
	p := &binder.Record{ID: "aaaaaaaaaaaaaaaaaaaaaaaaaa", Kind: "plan", Title: "P", Body: strings.Repeat("x", 400000) + " end", Fields: map[string]any{}}
	src := &Source{Name: "B", Now: time.Now(), Records: []*binder.Record{p}}
	done := make(chan *Document, 1)
	go func() {
		doc, err := Binder(src, Options{Kinds: []string{"plan"}})
		if err != nil {
			t.Error(err)
		}
		done <- doc
	}()
	select {
	case doc := <-done:
		if doc == nil {
			return
		}
		checkMargins(t, doc)
		if !strings.Contains(doc.Text(), "end") {
			t.Error("the text after the long word is lost")
		}
	case <-time.After(time.Minute):
		t.Fatal("laying out a 400,000-character word took over a minute")
	}
}
