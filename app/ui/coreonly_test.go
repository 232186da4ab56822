package ui

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWindowUsesCoreCommandsOnly keeps DESIGN.md's arrow app/ui → app true
// in practice, not only in imports: the window's code (tests aside) must
// not import the library, network or player packages, nor reach through
// the Core to them (core.Library(), core.Node(), a player accessor). What
// the window needs is a Core command, so what a command does besides the
// write itself (applying settings, events, counting plays) always happens.
func TestWindowUsesCoreCommandsOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		bad, err := reachesPastCore(name, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Error(b)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files of app/ui found: is the test run from its package folder?")
	}
}

// TestReachesPastCore checks the checker on sources it must refuse and
// accept.
func TestReachesPastCore(t *testing.T) {
	tests := []struct {
		name, body string
		bad        int
	}{
		{"library through the core", `func f(mw *MainWindow) { mw.core.Library().Settings(nil) }`, 1},
		{"node and player", `func f(c *app.Core) { c.Node().AllStats(); c.Player() }`, 2},
		{"a forbidden import", `import _ "github.com/swarmtone/swarmtone/player"`, 1},
		{"a package below one", `import _ "github.com/swarmtone/swarmtone/player/internal/flac"`, 1},
		{"Core commands", `func f(c *app.Core) { c.Settings(nil); c.TransferStats(); c.SetMute(true) }`, 0},
		{"the event's Player field", `func f(ev app.Event) { _ = ev.Player.Kind }`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, err := reachesPastCore("x.go", []byte("package ui\n"+tt.body+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) != tt.bad {
				t.Errorf("%d findings, want %d: %q", len(bad), tt.bad, bad)
			}
		})
	}
}

// reachesPastCore lists where src imports a package below app or calls
// X.Library(), X.Node() or X.Player(). The check is syntactic, so any such
// call is refused whatever X is; Event's Player field is not a call and
// passes.
func reachesPastCore(name string, src []byte) ([]string, error) {
	forbiddenImports := []string{
		"github.com/swarmtone/swarmtone/library",
		"github.com/swarmtone/swarmtone/network",
		"github.com/swarmtone/swarmtone/player",
	}
	forbiddenCalls := map[string]bool{"Library": true, "Node": true, "Player": true}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		for _, below := range forbiddenImports {
			if path == below || strings.HasPrefix(path, below+"/") {
				bad = append(bad, fmt.Sprintf("%s imports %s: the window goes through package app (add a Core command, or a type alias in app/types.go)", fset.Position(imp.Pos()), path))
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 0 {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && forbiddenCalls[sel.Sel.Name] {
			text := src[fset.Position(sel.Pos()).Offset:fset.Position(sel.End()).Offset]
			bad = append(bad, fmt.Sprintf("%s: %s() reaches past the Core's commands: add a Core command for what the window needs", fset.Position(sel.Sel.Pos()), text))
		}
		return true
	})
	return bad, nil
}
