package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/zcsim/zcsim"

// allowedImports is DESIGN.md §1's table: the project packages each package
// may import. Imports go one way only.
var allowedImports = map[string][]string{
	"skb":        {},
	"strategies": {"skb"},
	"tcp":        {"skb"},
	"sim":        {"skb", "tcp", "strategies"},
	"cmd/zcsim":  {"skb", "tcp", "strategies", "sim"},
}

// modelPackages must be deterministic and silent: no goroutines, channels,
// clocks, global randomness or printing.
var modelPackages = []string{"skb", "strategies", "tcp", "sim"}

// forbiddenCalls are package-level selectors a model package must not use.
var forbiddenCalls = map[string][]string{
	"time": {"Now", "Since", "Until", "Sleep", "After", "Tick", "NewTimer", "NewTicker", "AfterFunc"},
	"fmt":  {"Print", "Printf", "Println"},
	"os":   {"Stdout", "Stderr", "Exit"},
}

var forbiddenImports = []string{"math/rand", "crypto/rand", "log", "unsafe"}

// TestImportsAndPurity enforces the import table and the determinism rules
// on the non-test Go files of every package.
func TestImportsAndPurity(t *testing.T) {
	root := "../.."
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		require.NoError(t, err)
		rel = filepath.ToSlash(rel)
		allowed, ok := allowedImports[rel]
		require.True(t, ok, "package folder %q is not in DESIGN.md's import table", rel)
		seen[rel] = true
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		require.NoError(t, err)
		model := slices.Contains(modelPackages, rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == module || strings.HasPrefix(p, module+"/") {
				target := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
				if target == "" {
					target = "."
				}
				require.Contains(t, allowed, target, "%s imports %s: not allowed by DESIGN.md §1", path, p)
			}
			if model && slices.Contains(forbiddenImports, p) {
				t.Errorf("%s: model package imports %s", path, p)
			}
		}
		if model {
			checkPurity(t, path, f, rel)
		}
		return nil
	})
	require.NoError(t, err)
	require.True(t, seen["skb"] && seen["sim"] && seen["cmd/zcsim"], "walked the tree")
}

func checkPurity(t *testing.T, path string, f *ast.File, pkg string) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.GoStmt:
			t.Errorf("%s: go statement in a model package", path)
		case *ast.SelectStmt:
			t.Errorf("%s: select in a model package", path)
		case *ast.ChanType:
			t.Errorf("%s: channel in a model package", path)
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && slices.Contains(forbiddenCalls[id.Name], x.Sel.Name) {
				t.Errorf("%s: %s.%s in a model package", path, id.Name, x.Sel.Name)
			}
			// Provenance is the ground truth's: designs must not read it.
			if pkg == "strategies" && (x.Sel.Name == "Provenance" || x.Sel.Name == "LinearProvenance" || x.Sel.Name == "Ledger") {
				t.Errorf("%s: a design reads the hidden ground truth (%s)", path, x.Sel.Name)
			}
		}
		return true
	})
}
