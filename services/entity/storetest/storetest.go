// Package storetest is the contract of entity.Store as tests: every store runs Run from
// its own tests, so that the service can rely on any of them alike.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
)

// Run runs every contract test, each on a store newStore returns empty.
func Run(t *testing.T, newStore func(t *testing.T) entity.Store) {
	tests := map[string]func(t *testing.T, s entity.Store){
		"CreateAndGet":              testCreateAndGet,
		"GetEntities":               testGetEntities,
		"ListEntities":              testListEntities,
		"ListEntitiesPages":         testListEntitiesPages,
		"ResolveEntities":           testResolveEntities,
		"UpdateEntity":              testUpdateEntity,
		"DeleteEntity":              testDeleteEntity,
		"ExternalIDs":               testExternalIDs,
		"NamesVersion":              testNamesVersion,
		"Names":                     testNames,
		"ConcurrentCreates":         testConcurrentCreates,
		"ConcurrentUpdates":         testConcurrentUpdates,
		"ConcurrentExternalIDClaim": testConcurrentExternalIDClaim,
	}
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) { tests[name](t, newStore(t)) })
	}
}

// concurrency is how many writers race in the concurrency tests.
const concurrency = 8

// t0 is the create time of test entities: in milliseconds, as the service keeps times.
var t0 = time.Date(2024, 2, 24, 6, 0, 0, 0, time.UTC)

// newEntity is a first revision.
func newEntity(id string, kind entityv1.Entity_Kind, displayName string, aliases ...string) *entity.Entity {
	return &entity.Entity{
		ID: id, Kind: kind, DisplayName: displayName, Aliases: aliases,
		CreateTime: t0, UpdateTime: t0, Revision: 1,
	}
}

// withIDs returns e with external ids.
func withIDs(e *entity.Entity, ids map[string]string) *entity.Entity {
	e.ExternalIDs = ids
	return e
}

// revise returns the next revision of e, changed by edit.
func revise(e *entity.Entity, edit func(*entity.Entity)) *entity.Entity {
	next := clone(e)
	next.Revision++
	next.UpdateTime = e.UpdateTime.Add(time.Second)
	edit(next)
	return next
}

func clone(e *entity.Entity) *entity.Entity {
	c := *e
	c.Aliases = slices.Clone(e.Aliases)
	c.ExternalIDs = maps.Clone(e.ExternalIDs)
	return &c
}

func create(t *testing.T, s entity.Store, entities ...*entity.Entity) {
	t.Helper()
	for _, e := range entities {
		if err := s.CreateEntity(context.Background(), e); err != nil {
			t.Fatalf("create %s: %v", e.ID, err)
		}
	}
}

// same reports whether two entities are equal, an empty list or map being the same as none.
func same(a, b *entity.Entity) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.DisplayName == b.DisplayName &&
		slices.Equal(a.Aliases, b.Aliases) && a.Description == b.Description &&
		maps.Equal(a.ExternalIDs, b.ExternalIDs) && a.CreateTime.Equal(b.CreateTime) &&
		a.UpdateTime.Equal(b.UpdateTime) && a.Revision == b.Revision
}

// wantStored fails the test unless the store holds want.
func wantStored(t *testing.T, s entity.Store, want *entity.Entity) {
	t.Helper()
	got, err := s.GetEntity(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("get %s: %v", want.ID, err)
	}
	if !same(got, want) {
		t.Fatalf("stored %+v\n want %+v", *got, *want)
	}
}

// wantGone fails the test unless the store has no entity id.
func wantGone(t *testing.T, s entity.Store, id string) {
	t.Helper()
	_, err := s.GetEntity(context.Background(), id)
	wantErr(t, err, entity.ErrNotFound)
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// wantTaken fails the test unless err says that holder has the external id.
func wantTaken(t *testing.T, err error, system, value, holder string) {
	t.Helper()
	var taken *entity.ExternalIDTakenError
	if !errors.As(err, &taken) || !errors.Is(err, entity.ErrExternalIDTaken) {
		t.Fatalf("error %v, want the external id taken", err)
	}
	if taken.System != system || taken.Value != value || taken.Holder != holder {
		t.Fatalf("taken %s %q by %s, want %s %q by %s", taken.System, taken.Value, taken.Holder, system, value, holder)
	}
}

// ids returns the ids of entities in their order.
func ids(entities []*entity.Entity) []string {
	out := make([]string, len(entities))
	for i, e := range entities {
		out[i] = e.ID
	}
	return out
}

// sortedIDs returns the ids of entities sorted, for results in any order.
func sortedIDs(entities []*entity.Entity) []string {
	return slices.Sorted(slices.Values(ids(entities)))
}

func testCreateAndGet(t *testing.T, s entity.Store) {
	ctx := context.Background()
	e := withIDs(newEntity("zelensky", entityv1.Entity_PERSON, "Volodymyr Zelensky", "Zelenskiy", "Zelenskyy"),
		map[string]string{"wikidata": "Q3874799"})
	e.Description = "President of Ukraine"
	create(t, s, e, newEntity("kyiv", entityv1.Entity_PLACE, "Kyiv"))
	wantStored(t, s, e)
	wantStored(t, s, newEntity("kyiv", entityv1.Entity_PLACE, "Kyiv"))

	err := s.CreateEntity(ctx, newEntity("zelensky", entityv1.Entity_PERSON, "Someone Else"))
	wantErr(t, err, entity.ErrAlreadyExists)
	wantStored(t, s, e)

	_, err = s.GetEntity(ctx, "nobody")
	wantErr(t, err, entity.ErrNotFound)
}

func testGetEntities(t *testing.T, s entity.Store) {
	create(t, s,
		newEntity("a", entityv1.Entity_PERSON, "Anna"),
		newEntity("b", entityv1.Entity_PERSON, "Boris"),
		newEntity("c", entityv1.Entity_PLACE, "Chernihiv"))
	tests := map[string]struct {
		ids  []string
		want []string
	}{
		"all":         {ids: []string{"c", "a", "b"}, want: []string{"a", "b", "c"}},
		"some":        {ids: []string{"c", "a"}, want: []string{"a", "c"}},
		"some absent": {ids: []string{"a", "nobody", "c", "gone"}, want: []string{"a", "c"}},
		"all absent":  {ids: []string{"nobody"}, want: []string{}},
		"none asked":  {ids: nil, want: []string{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := s.GetEntities(context.Background(), tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sortedIDs(got), tt.want) {
				t.Fatalf("GetEntities(%v) = %v, want %v", tt.ids, sortedIDs(got), tt.want)
			}
			for _, e := range got {
				wantStored(t, s, e)
			}
		})
	}
}

// listFixture is entities whose order by folded display name differs from their order by
// id and by raw display name.
func listFixture(t *testing.T, s entity.Store) {
	create(t, s,
		newEntity("p1", entityv1.Entity_PERSON, "Édouard Philippe", "Philippe"),
		newEntity("p2", entityv1.Entity_PERSON, "Edouard Balladur"),
		newEntity("p3", entityv1.Entity_PERSON, "de Gaulle", "Charles de Gaulle"),
		newEntity("o1", entityv1.Entity_ORGANIZATION, "NATO", "North Atlantic Treaty Organization"),
		newEntity("l1", entityv1.Entity_PLACE, "Paris"),
		newEntity("l2", entityv1.Entity_PLACE, "Nice"),
		// Equal sort names: ordered by id.
		newEntity("t2", entityv1.Entity_PERSON, "Ivan Petrov"),
		newEntity("t1", entityv1.Entity_PERSON, "IVAN PETROV"),
	)
}

// listed is every entity of listFixture in list order (folded display name, then id).
var listed = []string{"p3", "p2", "p1", "t1", "t2", "o1", "l2", "l1"}

func after(id, sortName string) *pagetoken.Token { return &pagetoken.Token{Text: sortName, ID: id} }

func testListEntities(t *testing.T, s entity.Store) {
	listFixture(t, s)
	tests := map[string]struct {
		q    entity.Query
		want []string
	}{
		"all":                 {q: entity.Query{}, want: listed},
		"limit":               {q: entity.Query{Limit: 3}, want: []string{"p3", "p2", "p1"}},
		"kind":                {q: entity.Query{Kind: entityv1.Entity_PERSON}, want: []string{"p3", "p2", "p1", "t1", "t2"}},
		"kind with none":      {q: entity.Query{Kind: entityv1.Entity_EVENT}, want: nil},
		"prefix of a name":    {q: entity.Query{Prefix: "edouard"}, want: []string{"p2", "p1"}},
		"prefix of an alias":  {q: entity.Query{Prefix: "charles"}, want: []string{"p3"}},
		"prefix of both":      {q: entity.Query{Prefix: "n"}, want: []string{"o1", "l2"}},
		"prefix and kind":     {q: entity.Query{Prefix: "n", Kind: entityv1.Entity_PLACE}, want: []string{"l2"}},
		"prefix is the whole": {q: entity.Query{Prefix: "ivan petrov"}, want: []string{"t1", "t2"}},
		"prefix of nothing":   {q: entity.Query{Prefix: "zz"}, want: nil},
		"prefix inside a key": {q: entity.Query{Prefix: "petrov"}, want: nil},
		"after":               {q: entity.Query{After: after("p1", "edouard philippe")}, want: []string{"t1", "t2", "o1", "l2", "l1"}},
		"after equal names":   {q: entity.Query{After: after("t1", "ivan petrov")}, want: []string{"t2", "o1", "l2", "l1"}},
		"after with filters":  {q: entity.Query{After: after("p2", "edouard balladur"), Kind: entityv1.Entity_PERSON, Limit: 2}, want: []string{"p1", "t1"}},
		"after the last":      {q: entity.Query{After: after("l1", "paris")}, want: nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			q := tt.q
			if q.Limit == 0 {
				q.Limit = 100
			}
			got, err := s.ListEntities(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("List(%+v) = %v, want %v", tt.q, ids(got), tt.want)
			}
		})
	}
}

// Keyset pages, each after the last entity of the one before, list every entity once.
func testListEntitiesPages(t *testing.T, s entity.Store) {
	listFixture(t, s)
	for _, kind := range []entityv1.Entity_Kind{entityv1.Entity_KIND_UNSPECIFIED, entityv1.Entity_PERSON} {
		for limit := 1; limit <= 4; limit++ {
			t.Run(fmt.Sprintf("%s/%d", kind, limit), func(t *testing.T) {
				all, err := s.ListEntities(context.Background(), entity.Query{Kind: kind, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				var paged []string
				q := entity.Query{Kind: kind, Limit: limit}
				for range len(listed) + 1 {
					page, err := s.ListEntities(context.Background(), q)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > limit {
						t.Fatalf("page of %d, limit %d", len(page), limit)
					}
					paged = append(paged, ids(page)...)
					if len(page) < limit {
						break
					}
					last := page[len(page)-1]
					q.After = after(last.ID, last.SortName())
				}
				if !slices.Equal(paged, ids(all)) {
					t.Fatalf("pages list %v, want %v", paged, ids(all))
				}
			})
		}
	}
}

func testResolveEntities(t *testing.T, s entity.Store) {
	listFixture(t, s)
	tests := map[string]struct {
		keys []string
		kind entityv1.Entity_Kind
		want []string
	}{
		"display name":         {keys: []string{"paris"}, want: []string{"l1"}},
		"alias":                {keys: []string{"north atlantic treaty organization"}, want: []string{"o1"}},
		"several":              {keys: []string{"philippe", "nice", "nobody"}, want: []string{"l2", "p1"}},
		"one entity, two keys": {keys: []string{"edouard philippe", "philippe"}, want: []string{"p1"}},
		"shared name":          {keys: []string{"ivan petrov"}, want: []string{"t1", "t2"}},
		"kind":                 {keys: []string{"ivan petrov", "paris"}, kind: entityv1.Entity_PLACE, want: []string{"l1"}},
		"kind with none":       {keys: []string{"ivan petrov"}, kind: entityv1.Entity_EVENT, want: []string{}},
		"whole keys only":      {keys: []string{"petrov", "edouard"}, want: []string{}},
		"nothing":              {keys: []string{"nobody"}, want: []string{}},
		"no keys":              {keys: nil, want: []string{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := s.ResolveEntities(context.Background(), tt.keys, tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sortedIDs(got), tt.want) {
				t.Fatalf("Resolve(%q, %s) = %v, want %v", tt.keys, tt.kind, sortedIDs(got), tt.want)
			}
		})
	}
}

func testUpdateEntity(t *testing.T, s entity.Store) {
	ctx := context.Background()
	v1 := newEntity("kyiv", entityv1.Entity_PLACE, "Kiev", "Kyjiw")
	create(t, s, v1)
	v2 := revise(v1, func(e *entity.Entity) {
		e.DisplayName, e.Aliases, e.Description = "Kyiv", []string{"Kiev"}, "Capital of Ukraine"
	})
	if err := s.UpdateEntity(ctx, v1, v2); err != nil {
		t.Fatal(err)
	}
	wantStored(t, s, v2)
	// The names it is found by changed with it.
	for key, want := range map[string][]string{"kyiv": {"kyiv"}, "kiev": {"kyiv"}, "kyjiw": {}} {
		got, err := s.ResolveEntities(ctx, []string{key}, entityv1.Entity_KIND_UNSPECIFIED)
		if err != nil || !slices.Equal(sortedIDs(got), want) {
			t.Fatalf("Resolve(%q) after update = %v, %v; want %v", key, sortedIDs(got), err, want)
		}
	}
	if got, err := s.ListEntities(ctx, entity.Query{Prefix: "kyj", Limit: 10}); err != nil || len(got) != 0 {
		t.Fatalf("List by a dropped alias = %v, %v", ids(got), err)
	}

	// A writer still at the first revision loses and writes nothing.
	stale := revise(v1, func(e *entity.Entity) { e.Description = "stale" })
	wantErr(t, s.UpdateEntity(ctx, v1, stale), entity.ErrConflict)
	wantStored(t, s, v2)

	v3 := revise(v2, func(e *entity.Entity) { e.Kind = entityv1.Entity_ORGANIZATION })
	if err := s.UpdateEntity(ctx, v2, v3); err != nil {
		t.Fatal(err)
	}
	wantStored(t, s, v3)

	missing := newEntity("nobody", entityv1.Entity_PERSON, "Nobody")
	wantErr(t, s.UpdateEntity(ctx, missing, revise(missing, func(*entity.Entity) {})), entity.ErrNotFound)
	wantGone(t, s, "nobody")
}

func testDeleteEntity(t *testing.T, s entity.Store) {
	ctx := context.Background()
	tests := map[string]struct {
		revision func(stored *entity.Entity) int64
		want     error
	}{
		"at its revision": {revision: func(e *entity.Entity) int64 { return e.Revision }},
		"at any revision": {revision: func(*entity.Entity) int64 { return 0 }},
		"at an older":     {revision: func(e *entity.Entity) int64 { return e.Revision - 1 }, want: entity.ErrConflict},
		"at a newer":      {revision: func(e *entity.Entity) int64 { return e.Revision + 1 }, want: entity.ErrConflict},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			id := strings.ReplaceAll(name, " ", "-")
			v1 := newEntity(id, entityv1.Entity_EVENT, "Summit "+name)
			create(t, s, v1)
			v2 := revise(v1, func(e *entity.Entity) { e.Description = "revised" })
			if err := s.UpdateEntity(ctx, v1, v2); err != nil {
				t.Fatal(err)
			}
			err := s.DeleteEntity(ctx, id, tt.revision(v2))
			if tt.want != nil {
				wantErr(t, err, tt.want)
				wantStored(t, s, v2)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantGone(t, s, id)
			if got, err := s.ResolveEntities(ctx, v1.Keys(), entityv1.Entity_KIND_UNSPECIFIED); err != nil || len(got) != 0 {
				t.Fatalf("Resolve after delete = %v, %v", ids(got), err)
			}
			// Gone for every revision, and the id is free again.
			wantErr(t, s.DeleteEntity(ctx, id, 0), entity.ErrNotFound)
			wantErr(t, s.DeleteEntity(ctx, id, v2.Revision), entity.ErrNotFound)
			again := newEntity(id, entityv1.Entity_PERSON, "Someone new")
			create(t, s, again)
			wantStored(t, s, again)
		})
	}
}

func testExternalIDs(t *testing.T, s entity.Store) {
	ctx := context.Background()
	putin := withIDs(newEntity("putin", entityv1.Entity_PERSON, "Vladimir Putin"), map[string]string{"wikidata": "Q7747", "imdb": "nm1"})
	other := newEntity("other", entityv1.Entity_PERSON, "Other")
	create(t, s, putin, other)

	// Refused on create, with nothing kept: not the entity, not its other ids.
	err := s.CreateEntity(ctx, withIDs(newEntity("impostor", entityv1.Entity_PERSON, "Impostor"), map[string]string{"viaf": "V1", "wikidata": "Q7747"}))
	wantTaken(t, err, "wikidata", "Q7747", "putin")
	wantGone(t, s, "impostor")
	create(t, s, withIDs(newEntity("viaf-holder", entityv1.Entity_PERSON, "Viaf Holder"), map[string]string{"viaf": "V1"}))
	// The same value in another system is another id.
	create(t, s, withIDs(newEntity("geonames-holder", entityv1.Entity_PLACE, "Q7747"), map[string]string{"geonames": "Q7747"}))

	// Refused on update, with nothing written.
	grab := revise(other, func(e *entity.Entity) {
		e.DisplayName, e.ExternalIDs = "Renamed", map[string]string{"wikidata": "Q7747", "isni": "I1"}
	})
	wantTaken(t, s.UpdateEntity(ctx, other, grab), "wikidata", "Q7747", "putin")
	wantStored(t, s, other)
	isni := withIDs(newEntity("isni-holder", entityv1.Entity_PERSON, "Isni Holder"), map[string]string{"isni": "I1"})
	create(t, s, isni)

	// An entity keeps its own ids through an update.
	putin2 := revise(putin, func(e *entity.Entity) { e.Description = "President of Russia" })
	if err := s.UpdateEntity(ctx, putin, putin2); err != nil {
		t.Fatalf("update keeping its own ids: %v", err)
	}
	// An id it drops, or changes, is free for others.
	putin3 := revise(putin2, func(e *entity.Entity) { e.ExternalIDs = map[string]string{"imdb": "nm2"} })
	if err := s.UpdateEntity(ctx, putin2, putin3); err != nil {
		t.Fatal(err)
	}
	other2 := revise(other, func(e *entity.Entity) { e.ExternalIDs = map[string]string{"wikidata": "Q7747", "imdb": "nm1"} })
	if err := s.UpdateEntity(ctx, other, other2); err != nil {
		t.Fatalf("ids given up by update: %v", err)
	}
	wantStored(t, s, other2)
	wantTaken(t, s.CreateEntity(ctx, withIDs(newEntity("late", entityv1.Entity_PERSON, "Late"), map[string]string{"imdb": "nm2"})), "imdb", "nm2", "putin")

	// A deleted entity's ids are free.
	if err := s.DeleteEntity(ctx, "other", 0); err != nil {
		t.Fatal(err)
	}
	create(t, s, withIDs(newEntity("heir", entityv1.Entity_PERSON, "Heir"), map[string]string{"wikidata": "Q7747", "imdb": "nm1"}))
	// Whoever holds an id now, others are refused.
	putin4 := revise(putin3, func(e *entity.Entity) { e.ExternalIDs["wikidata"] = "Q7747" })
	wantTaken(t, s.UpdateEntity(ctx, putin3, putin4), "wikidata", "Q7747", "heir")
	wantStored(t, s, putin3)
}

func testNamesVersion(t *testing.T, s entity.Store) {
	ctx := context.Background()
	var seen []string
	// changed fails the test unless the version differs from every one before, and a
	// read leaves it as it is.
	changed := func(after string) {
		t.Helper()
		v, err := s.NamesVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(seen, v) {
			t.Fatalf("names version %q after %s was seen before", v, after)
		}
		seen = append(seen, v)
		if _, err := s.ListEntities(ctx, entity.Query{Limit: 10}); err != nil {
			t.Fatal(err)
		}
		if again, err := s.NamesVersion(ctx); err != nil || again != v {
			t.Fatalf("names version %q, %v after a read; was %q", again, err, v)
		}
	}
	changed("start")
	v1 := newEntity("nato", entityv1.Entity_ORGANIZATION, "NATO")
	create(t, s, v1)
	changed("create")
	v2 := revise(v1, func(e *entity.Entity) { e.Aliases = []string{"North Atlantic Alliance"} })
	if err := s.UpdateEntity(ctx, v1, v2); err != nil {
		t.Fatal(err)
	}
	changed("update")
	v3 := revise(v2, func(e *entity.Entity) { e.Description = "not a name, still a change" })
	if err := s.UpdateEntity(ctx, v2, v3); err != nil {
		t.Fatal(err)
	}
	changed("update of another field")
	if err := s.DeleteEntity(ctx, "nato", 0); err != nil {
		t.Fatal(err)
	}
	changed("delete")
}

func testNames(t *testing.T, s entity.Store) {
	ctx := context.Background()
	names := func() map[string][]string {
		t.Helper()
		sets, err := s.Names(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, set := range sets {
			if _, dup := out[set.ID]; dup {
				t.Fatalf("Names lists %s twice", set.ID)
			}
			out[set.ID] = set.Names
		}
		return out
	}
	if got := names(); len(got) != 0 {
		t.Fatalf("Names of an empty store = %v", got)
	}
	listFixture(t, s)
	got := names()
	want := map[string][]string{
		"p1": {"Édouard Philippe", "Philippe"},
		"p2": {"Edouard Balladur"},
		"p3": {"de Gaulle", "Charles de Gaulle"},
		"o1": {"NATO", "North Atlantic Treaty Organization"},
		"l1": {"Paris"},
		"l2": {"Nice"},
		"t1": {"IVAN PETROV"},
		"t2": {"Ivan Petrov"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Names = %v, want %v", got, want)
	}
	l1, err := s.GetEntity(ctx, "l1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateEntity(ctx, l1, revise(l1, func(e *entity.Entity) { e.Aliases = []string{"Lutetia"} })); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteEntity(ctx, "o1", 0); err != nil {
		t.Fatal(err)
	}
	want["l1"] = []string{"Paris", "Lutetia"}
	delete(want, "o1")
	if got := names(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Names after an update and a delete = %v, want %v", got, want)
	}
}

// race runs write concurrently times, as much at once as it can, and returns the errors.
func race(n int, write func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = write(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// winners returns the indexes of the writers that succeeded and fails the test unless
// every other failed with one of losing.
func winners(t *testing.T, errs []error, losing ...error) []int {
	t.Helper()
	var won []int
	for i, err := range errs {
		if err == nil {
			won = append(won, i)
			continue
		}
		if !slices.ContainsFunc(losing, func(want error) bool { return errors.Is(err, want) }) {
			t.Fatalf("writer %d: %v, want one of %v", i, err, losing)
		}
	}
	return won
}

// Of writers creating one id at once, exactly one creates it.
func testConcurrentCreates(t *testing.T, s entity.Store) {
	contenders := make([]*entity.Entity, concurrency)
	for i := range contenders {
		contenders[i] = newEntity("summit", entityv1.Entity_EVENT, fmt.Sprintf("Summit %d", i))
	}
	errs := race(concurrency, func(i int) error { return s.CreateEntity(context.Background(), contenders[i]) })
	won := winners(t, errs, entity.ErrAlreadyExists)
	if len(won) != 1 {
		t.Fatalf("%d creates of one id succeeded, want 1: %v", len(won), errs)
	}
	wantStored(t, s, contenders[won[0]])
	sets, err := s.Names(context.Background())
	if err != nil || len(sets) != 1 {
		t.Fatalf("Names = %v, %v: want the one winner", sets, err)
	}
}

// Of writers updating one revision at once, exactly one does, and the others write nothing.
func testConcurrentUpdates(t *testing.T, s entity.Store) {
	ctx := context.Background()
	v1 := newEntity("kremlin", entityv1.Entity_ORGANIZATION, "The Kremlin")
	create(t, s, v1)
	next := make([]*entity.Entity, concurrency)
	for i := range next {
		next[i] = revise(v1, func(e *entity.Entity) { e.Aliases = []string{fmt.Sprintf("Kremlin %d", i)} })
	}
	errs := race(concurrency, func(i int) error { return s.UpdateEntity(ctx, v1, next[i]) })
	won := winners(t, errs, entity.ErrConflict)
	if len(won) != 1 {
		t.Fatalf("%d updates from one revision succeeded, want 1: %v", len(won), errs)
	}
	wantStored(t, s, next[won[0]])
	for i, e := range next {
		got, err := s.ResolveEntities(ctx, []string{e.Keys()[1]}, entityv1.Entity_KIND_UNSPECIFIED)
		if err != nil {
			t.Fatal(err)
		}
		if want := i == won[0]; (len(got) == 1) != want {
			t.Fatalf("alias of writer %d found: %v; it won: %v", i, ids(got), want)
		}
	}
}

// Writers giving one external id to different entities at once, some by creating them,
// some by updating: at most one entity holds it afterwards, and every loser wrote nothing,
// not even a claim on its other id. Races go either way: a few rounds.
func testConcurrentExternalIDClaim(t *testing.T, s entity.Store) {
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) { claimRace(t, s, fmt.Sprintf("r%d-", round)) })
	}
}

// claimRace is one round of testConcurrentExternalIDClaim, on entities and ids that
// start with prefix.
func claimRace(t *testing.T, s entity.Store, prefix string) {
	ctx := context.Background()
	existing := make([]*entity.Entity, concurrency/2)
	for i := range existing {
		existing[i] = newEntity(fmt.Sprintf("%sexisting-%d", prefix, i), entityv1.Entity_PLACE, fmt.Sprintf("Existing %d", i))
		create(t, s, existing[i])
	}
	claim := func(i int) map[string]string {
		return map[string]string{"wikidata": prefix + "Q406", "geonames": fmt.Sprintf("%sG%d", prefix, i)}
	}
	writers := make([]string, concurrency) // the id of the entity each writer writes
	for i := range writers {
		writers[i] = fmt.Sprintf("%snew-%d", prefix, i)
		if i < len(existing) {
			writers[i] = existing[i].ID
		}
	}
	errs := race(concurrency, func(i int) error {
		if i < len(existing) {
			return s.UpdateEntity(ctx, existing[i], revise(existing[i], func(e *entity.Entity) { e.ExternalIDs = claim(i) }))
		}
		return s.CreateEntity(ctx, withIDs(newEntity(writers[i], entityv1.Entity_PLACE, "Istanbul"), claim(i)))
	})
	won := winners(t, errs, entity.ErrExternalIDTaken, entity.ErrConflict)
	if len(won) > 1 {
		t.Fatalf("%d writers got one external id: %v", len(won), won)
	}
	stored, err := s.GetEntities(ctx, writers)
	if err != nil {
		t.Fatal(err)
	}
	holder := ""
	for _, e := range stored {
		if e.ExternalIDs["wikidata"] == prefix+"Q406" {
			if holder != "" {
				t.Fatalf("both %s and %s hold the id", holder, e.ID)
			}
			holder = e.ID
		}
	}
	if len(won) == 1 && holder != writers[won[0]] || len(won) == 0 && holder != "" {
		t.Fatalf("%q holds the id; winners %v", holder, won)
	}
	for i := range concurrency {
		if len(won) == 1 && i == won[0] {
			continue
		}
		if i < len(existing) {
			wantStored(t, s, existing[i])
		} else {
			wantGone(t, s, writers[i])
		}
		// The loser's other id is free.
		create(t, s, withIDs(newEntity(fmt.Sprintf("%slater-%d", prefix, i), entityv1.Entity_PLACE, "Later"), map[string]string{"geonames": fmt.Sprintf("%sG%d", prefix, i)}))
	}
	late := withIDs(newEntity(prefix+"late", entityv1.Entity_PLACE, "Late"), map[string]string{"wikidata": prefix + "Q406"})
	err = s.CreateEntity(ctx, late)
	if holder == "" {
		if err != nil {
			t.Fatalf("no writer holds the id, yet: %v", err)
		}
		return
	}
	wantTaken(t, err, "wikidata", prefix+"Q406", holder)
}
