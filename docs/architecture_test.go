package docs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/newsroomhq/newsroom/"

// pkg is what go list says of one of the module's packages.
type pkg struct {
	ImportPath string
	Imports    []string // direct, outside tests
	Deps       []string // transitive
}

// packages lists the module's packages, without the generated API ones, by path
// relative to the module.
func packages(t *testing.T) map[string]pkg {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-json", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	all := map[string]pkg{}
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module)
		if rel == p.ImportPath || strings.HasPrefix(rel, "proto/") || rel == "docs" || rel == "cmd" {
			continue
		}
		all[rel] = p
	}
	return all
}

// own returns the module's packages among paths, relative to the module, sorted.
func own(paths []string) []string {
	var out []string
	for _, p := range paths {
		if rel, ok := strings.CutPrefix(p, module); ok && !strings.HasPrefix(rel, "proto/") {
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return out
}

const (
	graphBegin = "<!-- package graph: begin -->"
	graphEnd   = "<!-- package graph: end -->"
)

// The package graph in architecture.md is the one the code has.
func TestPackageGraphDocumented(t *testing.T) {
	var want []string
	for rel, p := range packages(t) {
		want = append(want, strings.TrimRight(fmt.Sprintf("%s -> %s", rel, strings.Join(own(p.Imports), " ")), " "))
	}
	slices.Sort(want)
	doc, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok1 := strings.Cut(string(doc), graphBegin)
	block, _, ok2 := strings.Cut(rest, graphEnd)
	if !ok1 || !ok2 {
		t.Fatalf("architecture.md has no %s ... %s block", graphBegin, graphEnd)
	}
	var got []string
	for line := range strings.SplitSeq(block, "\n") {
		if line = strings.TrimRight(line, " "); strings.Contains(line, " ->") {
			got = append(got, line)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the package graph in architecture.md is out of date; the code's is:\n```text\n%s\n```", strings.Join(want, "\n"))
	}
}

// The layers: shared packages never reach up into a service, the gateway or a command;
// services never import each other; the gateway reaches the services only over gRPC.
func TestLayers(t *testing.T) {
	all := packages(t)
	rules := []struct {
		who       func(string) bool
		mayNotUse []string // path prefixes
	}{
		{func(p string) bool {
			return strings.HasPrefix(p, "services/platform/") || strings.HasPrefix(p, "services/ingest/")
		},
			[]string{"services/timeline", "services/entity", "gateway", "cmd/"}},
		{func(p string) bool { return strings.HasPrefix(p, "services/timeline") }, []string{"services/entity", "gateway", "cmd/"}},
		{func(p string) bool { return strings.HasPrefix(p, "services/entity") }, []string{"services/timeline", "gateway", "cmd/"}},
		{func(p string) bool { return p == "gateway" }, []string{"services/timeline", "services/entity", "cmd/"}},
	}
	checked := 0
	for rel, p := range all {
		for _, r := range rules {
			if !r.who(rel) {
				continue
			}
			checked++
			for _, dep := range own(p.Deps) {
				for _, banned := range r.mayNotUse {
					if strings.HasPrefix(dep, banned) {
						t.Errorf("%s depends on %s", rel, dep)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked: the rules no longer match the layout", checked)
	}
}
