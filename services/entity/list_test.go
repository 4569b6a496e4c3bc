package entity_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

func TestListEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	kinds := []entityv1.Entity_Kind{entityv1.Entity_PERSON, entityv1.Entity_PLACE, entityv1.Entity_EVENT}
	for i := range 100 {
		ent := &entityv1.Entity{Kind: kinds[i%3], DisplayName: fmt.Sprintf("Person %02d", i)}
		if i >= 95 {
			ent.DisplayName = "Ivan Petrov" // equal sort names: ordered by id, across pages too
		}
		if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: ent}); err != nil {
			t.Fatal(err)
		}
	}
	const total = 110

	collect := func(t *testing.T, req *entityv1.ListEntitiesRequest) []*entityv1.Entity {
		t.Helper()
		var all []*entityv1.Entity
		for pages := 0; ; pages++ {
			if pages > total {
				t.Fatal("pagination does not end")
			}
			resp, err := e.ent.ListEntities(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetNextPageToken() != "" && req.GetPageSize() > 0 && len(resp.GetEntities()) != int(req.GetPageSize()) {
				t.Fatalf("short page of %d before the end", len(resp.GetEntities()))
			}
			all = append(all, resp.GetEntities()...)
			if resp.GetNextPageToken() == "" {
				return all
			}
			req.PageToken = resp.GetNextPageToken()
		}
	}
	// inOrder fails unless entities are distinct and in display-name order, then by name.
	inOrder := func(t *testing.T, entities []*entityv1.Entity) {
		t.Helper()
		seen := map[string]bool{}
		for i, ent := range entities {
			if seen[ent.GetName()] {
				t.Fatalf("%s listed twice", ent.GetName())
			}
			seen[ent.GetName()] = true
			if i > 0 && compare(entities[i-1], ent) >= 0 {
				t.Fatalf("%q (%s) listed before %q (%s)", entities[i-1].GetDisplayName(), entities[i-1].GetName(), ent.GetDisplayName(), ent.GetName())
			}
		}
	}

	t.Run("all in pages", func(t *testing.T) {
		for _, size := range []int32{1, 7, 100} {
			all := collect(t, &entityv1.ListEntitiesRequest{PageSize: size})
			if len(all) != total {
				t.Fatalf("page size %d: %d entities, want %d", size, len(all), total)
			}
			inOrder(t, all)
		}
	})
	t.Run("page sizes", func(t *testing.T) {
		for size, want := range map[int32]int{0: 20, 1000: 100, 3: 3} {
			resp, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{PageSize: size})
			if err != nil || len(resp.GetEntities()) != want || resp.GetNextPageToken() == "" {
				t.Fatalf("page_size %d: %d entities, %v; want %d and a next page", size, len(resp.GetEntities()), err, want)
			}
		}
	})
	t.Run("page size may change between pages", func(t *testing.T) {
		first, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{PageSize: 5})
		if err != nil {
			t.Fatal(err)
		}
		rest := collect(t, &entityv1.ListEntitiesRequest{PageSize: 50, PageToken: first.GetNextPageToken()})
		all := append(first.GetEntities(), rest...)
		if len(all) != total {
			t.Fatalf("%d entities, want %d", len(all), total)
		}
		inOrder(t, all)
	})
	t.Run("by kind", func(t *testing.T) {
		places := collect(t, &entityv1.ListEntitiesRequest{Kind: entityv1.Entity_PLACE, PageSize: 4})
		if len(places) != 3+33 {
			t.Fatalf("%d places, want 36", len(places))
		}
		inOrder(t, places)
		for _, p := range places {
			if p.GetKind() != entityv1.Entity_PLACE {
				t.Fatalf("%s is a %v", p.GetName(), p.GetKind())
			}
		}
		orgs := collect(t, &entityv1.ListEntitiesRequest{Kind: entityv1.Entity_ORGANIZATION})
		if got := names(orgs); !slices.Equal(got, []string{"entities/kremlin", "entities/nato"}) {
			t.Fatalf("organisations = %v", got)
		}
	})
	t.Run("by name prefix", func(t *testing.T) {
		tests := map[string]struct {
			kind entityv1.Entity_Kind
			want []string
		}{
			"vla":           {want: []string{"entities/medinsky", "entities/putin"}},
			"Vladimir P":    {want: []string{"entities/putin"}},
			"ZEL":           {want: []string{"entities/zelensky"}}, // by alias
			"erdoğ":         {want: []string{"entities/erdogan"}},
			"Erdog":         {want: []string{"entities/erdogan"}},
			"Kie":           {want: []string{"entities/kyiv"}},
			"the k":         {want: []string{"entities/kremlin"}},
			"n":             {want: []string{"entities/nato"}}, // once, though three of its names match
			"vladimir":      {kind: entityv1.Entity_PLACE},
			"istanbul city": {},
			"x.*":           {}, // not a pattern
		}
		for prefix, tc := range tests {
			t.Run(prefix, func(t *testing.T) {
				got := names(collect(t, &entityv1.ListEntitiesRequest{NamePrefix: prefix, Kind: tc.kind, PageSize: 1}))
				if !slices.Equal(got, tc.want) {
					t.Fatalf("prefix %q: %v, want %v", prefix, got, tc.want)
				}
			})
		}
		people := collect(t, &entityv1.ListEntitiesRequest{NamePrefix: "person 1", PageSize: 3})
		if len(people) != 10 {
			t.Fatalf("prefix \"person 1\": %d entities, want 10", len(people))
		}
		inOrder(t, people)
		events := collect(t, &entityv1.ListEntitiesRequest{NamePrefix: "PERSON", Kind: entityv1.Entity_EVENT, PageSize: 6})
		if len(events) != 31 {
			t.Fatalf("prefix and kind: %d entities, want 31", len(events))
		}
		inOrder(t, events)
	})
	t.Run("page token misuse", func(t *testing.T) {
		resp, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{PageSize: 2, Kind: entityv1.Entity_PLACE})
		if err != nil {
			t.Fatal(err)
		}
		tok := resp.GetNextPageToken()
		misuses := map[string]*entityv1.ListEntitiesRequest{
			"other kind":      {PageToken: tok, Kind: entityv1.Entity_PERSON},
			"no kind":         {PageToken: tok},
			"added prefix":    {PageToken: tok, Kind: entityv1.Entity_PLACE, NamePrefix: "k"},
			"garbage":         {PageToken: "garbage", Kind: entityv1.Entity_PLACE},
			"truncated":       {PageToken: tok[:len(tok)-3], Kind: entityv1.Entity_PLACE},
			"not base64":      {PageToken: "%%%", Kind: entityv1.Entity_PLACE},
			"valid then more": {PageToken: tok + "AAAA", Kind: entityv1.Entity_PLACE},
		}
		for name, req := range misuses {
			t.Run(name, func(t *testing.T) {
				_, err := e.ent.ListEntities(ctx, req)
				wantField(t, err, codes.InvalidArgument, "page_token")
			})
		}
	})
}

// compare orders entities as ListEntities does.
func compare(a, b *entityv1.Entity) int {
	return cmp.Or(strings.Compare(textnorm.Fold(a.GetDisplayName()), textnorm.Fold(b.GetDisplayName())),
		strings.Compare(a.GetName(), b.GetName()))
}
