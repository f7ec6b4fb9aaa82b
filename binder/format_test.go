package binder

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateFormat = flag.Bool("update-format", false, "rewrite the kinds section of docs/FORMAT.md from the code")

// kindsMarkdown renders every kind's fields as docs/FORMAT.md shows them.
func kindsMarkdown() string {
	var b strings.Builder
	for _, k := range Kinds {
		fmt.Fprintf(&b, "### %s\n\n%s. The title is %s.", k.Name, upperFirst(k.Doc), k.TitleIs)
		if k.AppendOnly {
			b.WriteString(" Append-only: a record of this kind is never edited or deleted.")
		}
		b.WriteString("\n\n")
		if k.FreeFields {
			b.WriteString("Any fields, unchecked.\n\n")
			continue
		}
		b.WriteString("| field | value | meaning |\n| --- | --- | --- |\n")
		for _, f := range k.Fields {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.Name, f.TypeDoc(), f.Doc)
			for _, c := range f.Columns {
				req := ""
				if c.Required {
					req = " (required)"
				}
				fmt.Fprintf(&b, "| `%s.%s` | %s%s | %s |\n", f.Name, c.Name, c.TypeDoc(), req, c.Doc)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// TestFormatDocumentsEveryKind keeps docs/FORMAT.md's field tables equal to
// the kinds the code defines (go test -run FormatDocuments -update-format
// rewrites them).
func TestFormatDocumentsEveryKind(t *testing.T) {
	const path = "../docs/FORMAT.md"
	const start, end = "<!-- kinds: generated from binder/kinds.go -->\n", "<!-- /kinds -->\n"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q section", path, strings.TrimSpace(start), strings.TrimSpace(end))
	}
	want := kindsMarkdown()
	if got := doc[i+len(start) : j]; got != want {
		if *updateFormat {
			if err := os.WriteFile(path, []byte(doc[:i+len(start)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("%s does not match the kinds in the code; run go test ./binder -run FormatDocuments -update-format", path)
	}
}
