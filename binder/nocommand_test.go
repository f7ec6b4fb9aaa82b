package binder

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// commandSyntax matches a gobag command line or a long flag: what the
// domain must leave to its front ends (it returns a Fix instead).
var commandSyntax = regexp.MustCompile(`\bgobag (id|init|demo|add|list|show|edit|rm|log|search|check|recovery-order|timeline|remote|sync|status|clone|conflicts|resolve|verify|reindex|gc|kinds|help|version|completion)\b|(^|[\s(])--[a-z][a-z-]+`)

// No string in binder or its packages names a gobag command or flag,
// except the README written into every binder and the recovery kit's
// instructions, which are for people reading it with git and age alone.
func TestNoCommandSyntax(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || path == "readme.go" || path == filepath.Join("print", "kit.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				text, err := strconv.Unquote(lit.Value)
				if err != nil {
					text = lit.Value
				}
				if commandSyntax.MatchString(text) {
					t.Errorf("%s: %s names a command or flag", fset.Position(lit.Pos()), lit.Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
