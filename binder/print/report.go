package print

import (
	"fmt"
	"strings"

	"gobag/binder"
	"gobag/binder/readiness"
)

// Report lays out the readiness report for an auditor: the findings by
// rule, each rule with the policy or standard it comes from, the rules
// checked and clear, the exercise and approval history, and the
// verification line.
func Report(src *Source, rep *readiness.Report, paper Paper) (*Document, error) {
	if paper.W == 0 {
		paper = A4
	}
	ix := newIndex(src)
	doc := &Document{Title: src.Name + ": readiness report", paper: paper}
	w := cover(doc, src, "Readiness report")
	w.space(10)
	counts := []string{}
	for _, sev := range readiness.Severities {
		counts = append(counts, fmt.Sprintf("%d %s", rep.Count(sev), plural(rep.Count(sev), sev)))
	}
	w.para(styled(bold, "Findings: "+strings.Join(counts, ", ")+"."), w.left(), w.textWidth(), bodySize+1)

	byRule := map[string][]readiness.Finding{}
	for _, f := range rep.Findings {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	w.newPage(false)
	w.heading(1, "Findings by rule")
	if len(rep.Findings) == 0 {
		w.none("No findings.")
	}
	var clear []readiness.Rule
	for _, r := range readiness.Rules {
		fs := byRule[r.ID]
		if len(fs) == 0 {
			clear = append(clear, r)
			continue
		}
		w.heading(3, fmt.Sprintf("%s (%s): %d", r.ID, r.Severity, len(fs)))
		w.para([]span{{text: r.Doc + ". "}, {st: italic, text: "Source: " + r.Source + "."}}, w.left(), w.textWidth(), bodySize)
		w.space(3)
		t := table{cols: []column{{title: "Record", frac: 3}, {title: "Finding", frac: 4.5}, {title: "What clears it", frac: 3.5}}}
		for _, f := range fs {
			rec := f.Title
			if f.Kind != "" {
				rec = f.Kind + ": " + rec
			}
			if rec == "" {
				rec = "the binder"
			}
			msg, fix := f.Message, fixSentence(f.Fix, ix)
			switch {
			case f.Record != "" && ix.byID[f.Record] == nil:
				// A finding on a record this document leaves out says
				// only that there is one.
				rec, msg, fix = f.Kind+" "+f.Record, "(restricted to an audience this report leaves out)", ""
			case src.namesWithheld(msg + "\n" + fix):
				// Its words name a record left out: they are not printed.
				msg, fix = "(this finding names a record restricted to an audience this report leaves out)", ""
			}
			t.rows = append(t.rows, [][]span{plain(rec), plain(msg), plain(fix)})
		}
		w.table(t)
	}
	w.heading(2, "Checked and clear")
	t := table{cols: []column{{title: "Rule", frac: 3}, {title: "What it checks", frac: 6}, {title: "Source", frac: 3}}}
	for _, r := range clear {
		t.rows = append(t.rows, [][]span{styled(mono, r.ID), plain(r.Doc), plain(r.Source)})
	}
	w.table(t)

	w.newPage(false)
	w.heading(1, "Exercises")
	if es := ix.byKind["exercise"]; len(es) > 0 {
		w.exerciseTable(ix, es)
	} else {
		w.none("No exercise is recorded.")
	}
	w.heading(1, "Approvals")
	at := table{cols: []column{{title: "Plan", frac: 3.5}, {title: "Status", frac: 1.5}, {title: "Approved in the plan", frac: 3}, {title: "Signed approval", frac: 3.5}}}
	for _, p := range ix.byKind["plan"] {
		signed := "none"
		if a, ok := src.Approvals[p.ID]; ok {
			signed = fmt.Sprintf("%s, %s, rev %d", a.By, a.At.Format("2006-01-02"), a.Rev)
			switch {
			case !a.Current:
				signed += "; the plan changed since"
			case !a.Manager:
				signed += "; no longer a manager"
			}
		}
		at.rows = append(at.rows, [][]span{styled(bold, p.Title), plain(p.Text("status")), plain(strings.TrimSpace(ix.field(p, "approved_by") + " " + ix.field(p, "approved_on"))), plain(signed)})
	}
	w.table(at)
	var approvals []binder.LogEntry
	for _, e := range src.History {
		// A plan this report leaves out is not named, nor its changes.
		if e.Kind == "plan" && (e.Action == "edit" || e.Action == "add") && ix.byID[e.ID] != nil {
			approvals = append(approvals, e)
		}
	}
	if len(approvals) > 0 {
		w.heading(2, "Changes to plans, from the signed history")
		ct := table{cols: []column{{title: "Date", frac: 2}, {title: "By", frac: 1.5}, {title: "Plan", frac: 6}, {title: "Commit", frac: 2}}}
		for _, e := range approvals[:min(len(approvals), maxChanges)] {
			ct.rows = append(ct.rows, [][]span{plain(e.Time.Format("2006-01-02 15:04")), plain(e.Author), plain(fmt.Sprintf("%s (%s, rev %d)", e.Title, e.Action, e.Rev)), styled(mono, short(e.Commit))})
		}
		w.table(ct)
	}
	w.heading(1, "Sources")
	st := table{cols: []column{{title: "Id", frac: 2}, {title: "Document", frac: 8}}}
	for _, s := range readiness.Sources {
		st.rows = append(st.rows, [][]span{styled(mono, s.ID), plain(s.Name)})
	}
	w.table(st)
	w.heading(2, "Verification")
	w.body(plain(src.verificationLine() + " Fingerprint " + src.Fingerprint + ", commit " + src.Commit + "."))
	doc.headerLeft, doc.headerRight = src.Name+": readiness report", src.asOf()
	doc.footerLeft = "gobag · " + src.Fingerprint
	return doc, nil
}

func plural(n int, word string) string {
	if n == 1 || strings.HasSuffix(word, "s") {
		return word
	}
	return word + "s"
}

// fixSentence words a finding's fix for paper.
func fixSentence(f *binder.Fix, ix *index) string {
	if f == nil {
		return ""
	}
	var b strings.Builder
	switch f.Action {
	case binder.ActionEdit:
		if f.Field != "" {
			fmt.Fprintf(&b, "Edit %s", f.Field)
			if f.Value != "" {
				fmt.Fprintf(&b, " to %s", f.Value)
			}
		} else {
			b.WriteString("Edit the record")
		}
	case binder.ActionAdd:
		article := "a"
		if f.Kind != "" && strings.ContainsRune("aeiou", rune(f.Kind[0])) {
			article = "an"
		}
		fmt.Fprintf(&b, "Add %s %s", article, f.Kind)
		if f.Field != "" && f.Value != "" {
			fmt.Fprintf(&b, " with %s %s", f.Field, titleOr(ix, f.Value))
		}
	default:
		b.WriteString(strings.ReplaceAll(string(f.Action), "-", " "))
		if f.Record != "" {
			b.WriteString(" " + titleOr(ix, f.Record))
		}
	}
	if f.Note != "" {
		b.WriteString(": " + f.Note)
	}
	s := b.String()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:] + "."
	}
	return s
}

// titleOr is the title of the record id, or the value as it is.
func titleOr(ix *index, v string) string {
	if r := ix.byID[v]; r != nil {
		return r.Title
	}
	return v
}
