package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

func TestEntitiesImport(t *testing.T) {
	n := startNewsroom(t)
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first := write("first.jsonl", `{"id": "zelensky", "kind": "PERSON", "name": "Volodymyr Zelensky", "aliases": ["Zelensky"], "external_ids": {"wikidata": "Q3881622"}}
{"kind": "place", "name": "Kyiv", "description": "Capital of Ukraine", "population": 2952301}
{"kind": "PERSON", "name": "Volodymyr Zelensky"}
{"kind": "PERSONE", "name": "Nobody"}
{"kind": "PLACE"}
{"kind": "PLACE", "name": "!!!"}
{"id": "Not An Id", "kind": "PLACE", "name": "Somewhere"}
not json
`)
	r := n.ctl("entities", "import", first).must(t, ExitFailed)
	r.counts(t, map[string]int{"created": 3, "exists": 0, "invalid": 5})
	for _, want := range []string{
		"first.jsonl:4  kind: \"PERSONE\" is not one of",
		"first.jsonl:5  name: required",
		"first.jsonl:6  name: \"!!!\" makes no id",
		"first.jsonl:7  entities/Not An Id: INVALID_ARGUMENT",
		"first.jsonl:8  not a JSON object",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	kyiv, err := n.entity.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/kyiv"})
	if err != nil {
		t.Fatal(err)
	}
	if kyiv.GetKind() != entityv1.Entity_PLACE || kyiv.GetDescription() != "Capital of Ukraine" {
		t.Errorf("kyiv = %v", kyiv)
	}
	// The same name without an id makes its own: volodymyr-zelensky.
	if _, err := n.entity.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/volodymyr-zelensky"}); err != nil {
		t.Errorf("entity with the id made from the name: %v", err)
	}

	// Again: the ids exist, and are left alone.
	second := write("second.jsonl", `{"id": "zelensky", "kind": "PERSON", "name": "Zelenskiy", "aliases": ["Zelenskyy", "zelensky", "ZELENSKIY"], "external_ids": {"wikidata": "Q0", "viaf": "123"}}
{"kind": "PLACE", "name": "Kyiv", "aliases": ["Kiev"]}
{"kind": "PLACE", "name": "Lviv"}
`)
	n.ctl("entities", "import", second).must(t, ExitOK).counts(t, map[string]int{"created": 1, "exists": 2, "invalid": 0})
	z, err := n.entity.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(z.GetAliases(), []string{"Zelensky"}) {
		t.Errorf("aliases changed without --merge: %q", z.GetAliases())
	}

	// --merge adds the names and the ids of other systems, and keeps the ids it has.
	r = n.ctl("entities", "import", "--merge", second).must(t, ExitOK)
	r.counts(t, map[string]int{"created": 0, "merged": 2, "unchanged": 1})
	if !strings.Contains(r.stdout, "kept wikidata Q3881622 (the line says Q0)") {
		t.Errorf("report:\n%s", r.stdout)
	}
	z, err = n.entity.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(z.GetAliases(), []string{"Zelensky", "Zelenskiy", "Zelenskyy"}) || z.GetExternalIds()["viaf"] != "123" || z.GetExternalIds()["wikidata"] != "Q3881622" || z.GetDisplayName() != "Volodymyr Zelensky" {
		t.Errorf("merged entity = %v", z)
	}
	n.ctl("entities", "import", "--merge", second).must(t, ExitOK).counts(t, map[string]int{"merged": 0, "unchanged": 3})

	// An external id is one entity's.
	taken := write("taken.jsonl", `{"kind": "PERSON", "name": "Someone Else", "external_ids": {"wikidata": "Q3881622"}}`+"\n")
	r = n.ctl("entities", "import", taken).must(t, ExitFailed)
	if !strings.Contains(r.stdout, "already belongs to entities/zelensky") {
		t.Errorf("report:\n%s", r.stdout)
	}
}

func TestEntityID(t *testing.T) {
	tests := map[string]string{
		"Volodymyr Zelensky":                  "volodymyr-zelensky",
		"Recep Tayyip Erdoğan":                "recep-tayyip-erdogan",
		"NATO":                                "nato",
		"Jean-Claude Juncker":                 "jean-claude-juncker",
		"U.S. Army":                           "u-s-army",
		"  Kyiv  ":                            "kyiv",
		"Зеленский":                           "",
		"Łódź 2025":                           "lodz-2025",
		"!!!":                                 "",
		strings.Repeat("very long name ", 10): "very-long-name-very-long-name-very-long-name-very-long-name-ver",
	}
	for in, want := range tests {
		if got := entityID(in); got != want {
			t.Errorf("entityID(%q) = %q, want %q", in, got, want)
		}
	}
}
