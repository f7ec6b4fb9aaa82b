package interchange

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"gobag/binder"
)

// Tree is what a plaintext Markdown tree of a binder says of it.
type Tree struct {
	Name, Fingerprint, Commit string
	Now                       time.Time
	By                        string
}

// WriteMarkdownTree writes recs as a tree of Markdown files under dir,
// which must not exist yet or be empty: README.md lists every record by
// kind, and each record is KIND/TITLE-ID.md with its fields as a list
// (links as links to the linked record's file) and its body. Hidden
// kinds (escrowed secrets, the settings) are left out. Directories are
// made readable by the user alone, files too. It returns the number of
// records written.
func WriteMarkdownTree(dir string, t Tree, recs []*binder.Record) (int, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return 0, fmt.Errorf("%s is not empty: a plaintext tree goes into a new directory", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	// An empty directory that was there is made the user's alone too.
	if err := os.Chmod(dir, 0o700); err != nil {
		return 0, err
	}
	n, err := writeTree(dir, t, recs)
	if err != nil {
		// Half a tree is plaintext to no purpose: what was written goes.
		removeTree(dir)
	}
	return n, err
}

// removeTree removes what writeTree wrote in dir, leaving dir itself.
func removeTree(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// writeFileNew writes a new file of mode 0600: never through a link,
// never over a file that appeared meanwhile.
func writeFileNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeTree(dir string, t Tree, recs []*binder.Record) (int, error) {
	kept := TreeRecords(recs)
	files := map[string]string{} // id → path under dir
	used := map[string]bool{}
	for _, r := range kept {
		name := slug(r.Title)
		short := r.ID[:min(8, len(r.ID))]
		p := filepath.Join(r.Kind, name+"-"+short+".md")
		for used[p] {
			p = filepath.Join(r.Kind, name+"-"+r.ID+".md")
		}
		used[p] = true
		files[r.ID] = p
	}
	byID := map[string]*binder.Record{}
	for _, r := range kept {
		byID[r.ID] = r
	}
	titles := func(id string) (string, bool) {
		r := byID[id]
		if r == nil {
			return "", false
		}
		return r.Title, true
	}
	for _, r := range kept {
		path := filepath.Join(dir, files[r.ID])
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return 0, err
		}
		if err := writeFileNew(path, []byte(recordMarkdown(r, files, titles))); err != nil {
			return 0, err
		}
	}
	var idx strings.Builder
	fmt.Fprintf(&idx, "# %s\n\n", t.Name)
	fmt.Fprintf(&idx, "A plaintext copy of the binder %s, at commit %s, written %s by %s.\n", t.Fingerprint, t.Commit, t.Now.Format("2006-01-02 15:04 MST"), t.By)
	idx.WriteString("It is not encrypted and not signed: keep it only as long as the hand-over needs it, then delete it.\n")
	for _, spec := range binder.Kinds {
		var rs []*binder.Record
		for _, r := range kept {
			if r.Kind == spec.Name {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			continue
		}
		slices.SortFunc(rs, func(a, b *binder.Record) int {
			return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
		})
		fmt.Fprintf(&idx, "\n## %s (%d)\n\n", spec.Name, len(rs))
		for _, r := range rs {
			fmt.Fprintf(&idx, "- [%s](%s)\n", mdEscape(r.Title), filepath.ToSlash(files[r.ID]))
		}
	}
	if err := writeFileNew(filepath.Join(dir, "README.md"), []byte(idx.String())); err != nil {
		return 0, err
	}
	return len(kept), nil
}

// TreeRecords are the records of recs a Markdown tree holds: the live
// ones this identity reads, of kinds that are not hidden.
func TreeRecords(recs []*binder.Record) []*binder.Record {
	var kept []*binder.Record
	for _, r := range recs {
		if spec, ok := binder.KindByName(r.Kind); ok && !spec.Hidden && !r.Deleted && !r.Unreadable {
			kept = append(kept, r)
		}
	}
	return kept
}

// recordMarkdown is one record as a Markdown file.
func recordMarkdown(r *binder.Record, files map[string]string, titles binder.Titles) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(r.Title))
	fmt.Fprintf(&b, "*%s %s, revision %d, %s by %s*\n\n", r.Kind, r.ID, r.Rev, r.Updated.Format("2006-01-02"), r.Author)
	spec, _ := binder.KindByName(r.Kind)
	here := filepath.Dir(files[r.ID])
	link := func(id string) string {
		t, ok := titles(id)
		if !ok {
			return id
		}
		rel, err := filepath.Rel(here, files[id])
		if err != nil {
			return mdEscape(t)
		}
		return fmt.Sprintf("[%s](%s)", mdEscape(t), filepath.ToSlash(rel))
	}
	for _, f := range spec.Fields {
		v, ok := r.Fields[f.Name]
		if !ok {
			continue
		}
		switch f.Type {
		case binder.TypeLink:
			fmt.Fprintf(&b, "- **%s**: %s\n", f.Name, link(r.Link(f.Name)))
		case binder.TypeLinkList:
			var ls []string
			for _, id := range r.Links(f.Name) {
				ls = append(ls, link(id))
			}
			fmt.Fprintf(&b, "- **%s**: %s\n", f.Name, strings.Join(ls, ", "))
		case binder.TypeTable:
			fmt.Fprintf(&b, "- **%s**:\n", f.Name)
			for _, line := range strings.Split(f.Format(v, titles), "\n") {
				fmt.Fprintf(&b, "  - %s\n", mdEscape(line))
			}
		default:
			text := strings.ReplaceAll(f.Format(v, titles), "\n", "; ")
			fmt.Fprintf(&b, "- **%s**: %s\n", f.Name, mdEscape(text))
		}
	}
	for _, k := range sortedFields(r.Fields) {
		if _, ok := spec.Field(k); !ok {
			fmt.Fprintf(&b, "- **%s**: %s\n", k, mdEscape(binder.FormatField(r, k, titles)))
		}
	}
	if body := strings.TrimSpace(r.Body); body != "" {
		b.WriteString("\n" + body + "\n")
	}
	return b.String()
}

// mdEscape keeps text from being read as Markdown markup.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, "`", "\\`", "#", `\#`).Replace(s)
}

// slug is a file name from a title: lower-case letters and digits of
// Latin script (accents dropped), words joined by dashes, at most 40
// characters; "record" if nothing is left.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(title)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "record"
	}
	return b.String()
}
