package interchange

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gobag/binder"
)

// File names come from titles but stay inside the tree, whatever the
// title; a title in another script still gets a file; links between
// records are relative links that resolve; a hidden kind is left out.
func TestMarkdownTreeStaysInside(t *testing.T) {
	recs := []*binder.Record{
		contact("aaaaaaaaaaaaaaaaaaaaaaaaaa", "../../escape/me", map[string]any{"alternates": []any{"bbbbbbbbbbbbbbbbbbbbbbbbbb"}}, "**bold** body"),
		contact("bbbbbbbbbbbbbbbbbbbbbbbbbb", "Νίκος Παπαδόπουλος", nil, ""),
		contact("cccccccccccccccccccccccccc", "Νίκος Παπαδόπουλος", nil, ""),
		{ID: "dddddddddddddddddddddddddd", Kind: "secret", Title: "db-root", Fields: map[string]any{}},
	}
	dir := filepath.Join(t.TempDir(), "tree")
	n, err := WriteMarkdownTree(dir, Tree{Name: "B", Now: time.Now()}, recs)
	if err != nil || n != 3 {
		t.Fatalf("wrote %d, %v; want 3", n, err)
	}
	var files []string
	filepath.Walk(filepath.Dir(dir), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files = append(files, p)
			if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
				t.Errorf("%s is outside the tree", p)
			}
		}
		return nil
	})
	if len(files) != 4 {
		t.Fatalf("files %q; want README.md and 3 records", files)
	}
	data, err := os.ReadFile(filepath.Join(dir, "contact", "escape-me-aaaaaaaa.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, "# ../../escape/me") || !strings.Contains(text, "[Νίκος Παπαδόπουλος](record-bbbbbbbb.md)") || !strings.Contains(text, "**bold** body") {
		t.Errorf("record file:\n%s", text)
	}
	if _, err := os.Stat(filepath.Join(dir, "contact", "record-cccccccc.md")); err != nil {
		t.Error("the second Greek title has no file of its own")
	}
	if _, err := WriteMarkdownTree(dir, Tree{}, recs); err == nil {
		t.Error("a tree written into a directory that is not empty")
	}
}
