package entity

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"entities/putin", "entities/", "entities//x", "entities/a/b", "timelines/x", "entities/A", "entities/a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if id, err := parseName("name", name); err == nil && entityName(id) != name {
			t.Fatalf("parseName(%q) = %q, which names %q", name, id, entityName(id))
		}
	})
}

// FuzzResolveMask checks that any update mask path is refused or names something an
// update can change.
func FuzzResolveMask(f *testing.F) {
	for _, s := range []string{"aliases", "external_ids.wikidata", "external_ids.", "external_ids.a.b", "*", "name", "colour", "display_name.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		paths, systems, err := resolveMask(&fieldmaskpb.FieldMask{Paths: []string{path}}, &entityv1.Entity{})
		if err != nil {
			return
		}
		for _, p := range paths {
			if !slices.Contains(entityFields.Mutable, p) {
				t.Fatalf("mask %q resolved to %q, not a mutable field", path, p)
			}
		}
		for _, s := range systems {
			if !systemPattern.MatchString(s) || path != externalIDPath+s {
				t.Fatalf("mask %q resolved to external id system %q", path, s)
			}
		}
	})
}
