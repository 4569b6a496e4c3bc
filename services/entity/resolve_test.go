package entity_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

func TestResolveEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	// Another entity called Putin makes that name ambiguous; its display name "Putin (film)"
	// sorts before "Vladimir Putin".
	film, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{EntityId: "putin-film", Entity: &entityv1.Entity{
		Kind: entityv1.Entity_OTHER, DisplayName: "Putin (film)", Aliases: []string{"Putin"},
	}})
	if err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		kind entityv1.Entity_Kind
		want []string
	}{
		"Zelenskiy":                          {want: []string{"entities/zelensky"}},
		"ZELENSKIY":                          {want: []string{"entities/zelensky"}},
		"zelensky":                           {want: []string{"entities/zelensky"}},
		"Zelenskyy":                          {want: []string{"entities/zelensky"}},
		"Zelénskiy":                          {want: []string{"entities/zelensky"}},
		"Volodymyr Zelensky":                 {want: []string{"entities/zelensky"}},
		"volodymyr  zelensky":                {want: []string{"entities/zelensky"}},
		"Erdogan":                            {want: []string{"entities/erdogan"}},
		"ERDOĞAN":                            {want: []string{"entities/erdogan"}},
		"recep tayyip erdogan":               {want: []string{"entities/erdogan"}},
		"Kiev":                               {want: []string{"entities/kyiv"}},
		"the Kremlin":                        {want: []string{"entities/kremlin"}},
		"north atlantic treaty organization": {want: []string{"entities/nato"}},
		"Putin":                              {want: []string{"entities/putin-film", "entities/putin"}},
		"putin ":                             {kind: entityv1.Entity_PERSON, want: []string{"entities/putin"}},
		"PUTIN":                              {kind: entityv1.Entity_OTHER, want: []string{"entities/putin-film"}},
		"Moscow":                             {kind: entityv1.Entity_PERSON},
		"Zelen":                              {}, // whole names only
		"Odesa":                              {},
		"...":                                {}, // no letters: matches nothing
	}
	for query, tc := range tests {
		t.Run(query, func(t *testing.T) {
			resp, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{query}, Kind: tc.kind})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.GetResults()) != 1 || resp.GetResults()[0].GetQuery() != query {
				t.Fatalf("results = %v", resp.GetResults())
			}
			if got := names(resp.GetResults()[0].GetEntities()); !slices.Equal(got, tc.want) {
				t.Fatalf("Resolve(%q) = %v, want %v", query, got, tc.want)
			}
		})
	}

	// Many names at once: one result each, in request order, repeats included.
	queries := []string{"Kyiv", "Zelenskiy", "nobody", "Zelensky", "Kyiv", "Putin"}
	resp, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: queries})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"entities/kyiv"}, {"entities/zelensky"}, nil, {"entities/zelensky"}, {"entities/kyiv"}, {"entities/putin-film", "entities/putin"}}
	for i, r := range resp.GetResults() {
		if r.GetQuery() != queries[i] || !slices.Equal(names(r.GetEntities()), want[i]) {
			t.Fatalf("result %d = %q %v, want %q %v", i, r.GetQuery(), names(r.GetEntities()), queries[i], want[i])
		}
	}
	if len(resp.GetResults()) != len(queries) {
		t.Fatalf("%d results for %d names", len(resp.GetResults()), len(queries))
	}
	if r := resp.GetResults()[1].GetEntities()[0]; r.GetDisplayName() != "Volodymyr Zelensky" || r.GetEtag() == "" {
		t.Fatalf("resolved entity = %v: want the whole entity", r)
	}

	// Names follow updates and deletes.
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: "entities/kyiv", Aliases: []string{"Kyjiw"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"aliases"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: film.GetName()}); err != nil {
		t.Fatal(err)
	}
	resp, err = e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{"Kiev", "KYJIW", "Putin"}})
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{names(resp.GetResults()[0].GetEntities()), names(resp.GetResults()[1].GetEntities()), names(resp.GetResults()[2].GetEntities())}
	if len(got[0]) != 0 || !slices.Equal(got[1], []string{"entities/kyiv"}) || !slices.Equal(got[2], []string{"entities/putin"}) {
		t.Fatalf("after update and delete: %v", got)
	}
}
