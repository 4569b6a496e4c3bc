package entity_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
)

func TestEntityCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := fixtureEntity(t, "zelensky")
	// Output-only fields sent on create are ignored.
	in.Name = "entities/someone-else"
	in.Etag = "made-up"
	in.CreateTime = timestamppb.New(timestamppb.Now().AsTime().AddDate(-10, 0, 0))
	created, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: in, EntityId: "zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetName() != "entities/zelensky" || created.GetEtag() == "" || created.GetEtag() == "made-up" ||
		created.GetCreateTime() == nil || !created.GetCreateTime().AsTime().Equal(created.GetUpdateTime().AsTime()) {
		t.Fatalf("created = %v: want its own name, a fresh etag and equal create and update times", created)
	}
	if created.GetKind() != entityv1.Entity_PERSON || created.GetDisplayName() != "Volodymyr Zelensky" ||
		len(created.GetAliases()) != 3 || created.GetExternalIds()["wikidata"] != "Q3874799" {
		t.Fatalf("created = %v: want the fixture's content", created)
	}
	if got := e.get(t, created.GetName()); !proto.Equal(got, created) {
		t.Fatalf("Get = %v, want %v", got, created)
	}

	_, err = e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "putin"), EntityId: "zelensky"})
	wantCode(t, err, codes.AlreadyExists)

	auto, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "moscow")})
	if err != nil {
		t.Fatal(err)
	}
	if id := strings.TrimPrefix(auto.GetName(), "entities/"); len(id) != 26 || !resourceid.Valid(id) {
		t.Fatalf("server-chosen name %q", auto.GetName())
	}

	updated, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: created.GetName(), Description: "President of Ukraine since 2019", Etag: created.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.GetDescription() != "President of Ukraine since 2019" || updated.GetDisplayName() != created.GetDisplayName() ||
		updated.GetEtag() == created.GetEtag() || !proto.Equal(updated.GetCreateTime(), created.GetCreateTime()) ||
		updated.GetUpdateTime().AsTime().Before(created.GetUpdateTime().AsTime()) {
		t.Fatalf("updated = %v: want the new description, the rest kept, a new etag", updated)
	}
	// An update that changes nothing keeps the etag.
	same, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity: &entityv1.Entity{Name: created.GetName(), Description: "President of Ukraine since 2019"},
	})
	if err != nil || same.GetEtag() != updated.GetEtag() {
		t.Fatalf("no-op update = %v, %v: want etag %s", same, err, updated.GetEtag())
	}

	_, err = e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: &entityv1.Entity{Name: "entities/nobody", Description: "x"}})
	wantCode(t, err, codes.NotFound)

	if _, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: created.GetName(), Etag: updated.GetEtag()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: created.GetName()})
	wantCode(t, err, codes.NotFound)
	_, err = e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: created.GetName()})
	wantCode(t, err, codes.NotFound)
	_, err = e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: created.GetName(), Etag: updated.GetEtag()})
	wantCode(t, err, codes.NotFound)

	// The name can be used again, and the new entity's etag is not the old one's.
	again, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "zelensky"), EntityId: "zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	if again.GetEtag() == created.GetEtag() {
		t.Fatal("re-created entity has its predecessor's etag")
	}
	if _, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: again.GetName()}); err != nil {
		t.Fatalf("delete without etag: %v", err)
	}
}

func TestEntityEtag(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	created, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "kyiv"), EntityId: "kyiv"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity: &entityv1.Entity{Name: created.GetName(), Aliases: []string{"Kiev", "Kyjiw"}, Etag: created.GetEtag()},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second editor still holding the first etag loses, and writes nothing: not the
	// description, not the alias, not the claim on the external id.
	_, err = e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity: &entityv1.Entity{
			Name: created.GetName(), Description: "Stale", Aliases: []string{"Kiew"},
			ExternalIds: map[string]string{"wikidata": "Q1899"}, Etag: created.GetEtag(),
		},
	})
	wantCode(t, err, codes.Aborted)
	_, err = e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: created.GetName(), Etag: created.GetEtag()})
	wantCode(t, err, codes.Aborted)
	if got := e.get(t, created.GetName()); !proto.Equal(got, first) {
		t.Fatalf("after stale writes: %v, want %v", got, first)
	}
	res, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{"Kiew", "Kyjiw"}})
	if err != nil || len(res.GetResults()[0].GetEntities()) != 0 || len(res.GetResults()[1].GetEntities()) != 1 {
		t.Fatalf("Resolve after stale write = %v, %v", res, err)
	}
	other := fixtureEntity(t, "istanbul")
	other.ExternalIds = map[string]string{"wikidata": "Q1899"}
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: other}); err != nil {
		t.Fatalf("external id of a refused update is still claimed: %v", err)
	}
}

func TestEntityFieldMask(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	created, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "nato"), EntityId: "nato"})
	if err != nil {
		t.Fatal(err)
	}
	orig := fixtureEntity(t, "nato")
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	// Steps run in order, each on the result of the one before.
	steps := []struct {
		name  string
		patch *entityv1.Entity
		mask  *fieldmaskpb.FieldMask
		check func(*entityv1.Entity) bool
	}{
		{"mask limits the change", &entityv1.Entity{DisplayName: "Nato alliance", Description: "not applied"}, mask("display_name"),
			func(g *entityv1.Entity) bool {
				return g.GetDisplayName() == "Nato alliance" && g.GetDescription() == orig.GetDescription()
			}},
		{"empty mask takes set fields", &entityv1.Entity{Aliases: []string{"OTAN"}}, nil,
			func(g *entityv1.Entity) bool {
				return slices.Equal(g.GetAliases(), []string{"OTAN"}) && g.GetDisplayName() == "Nato alliance" &&
					g.GetExternalIds()["wikidata"] == "Q7184"
			}},
		{"masked field absent clears it", &entityv1.Entity{}, mask("description"),
			func(g *entityv1.Entity) bool {
				return g.GetDescription() == "" && g.GetKind() == entityv1.Entity_ORGANIZATION
			}},
		{"output-only paths are ignored", &entityv1.Entity{Description: "Alliance", Etag: "", CreateTime: timestamppb.Now()},
			mask("description", "create_time", "update_time", "name", "etag"),
			func(g *entityv1.Entity) bool {
				return g.GetDescription() == "Alliance" && proto.Equal(g.GetCreateTime(), created.GetCreateTime())
			}},
		{"kind", &entityv1.Entity{Kind: entityv1.Entity_OTHER}, mask("kind"),
			func(g *entityv1.Entity) bool { return g.GetKind() == entityv1.Entity_OTHER }},
		{"one external id added by key", &entityv1.Entity{ExternalIds: map[string]string{"isni": "0000 0001 2179 1289", "wikidata": "ignored"}},
			mask("external_ids.isni"),
			func(g *entityv1.Entity) bool {
				return len(g.GetExternalIds()) == 2 && g.GetExternalIds()["isni"] == "0000 0001 2179 1289" && g.GetExternalIds()["wikidata"] == "Q7184"
			}},
		{"one external id removed by key", &entityv1.Entity{}, mask("external_ids.wikidata"),
			func(g *entityv1.Entity) bool { return len(g.GetExternalIds()) == 1 && g.GetExternalIds()["isni"] != "" }},
		{"external ids replaced", &entityv1.Entity{ExternalIds: map[string]string{"wikidata": "Q7184"}}, mask("external_ids"),
			func(g *entityv1.Entity) bool {
				return len(g.GetExternalIds()) == 1 && g.GetExternalIds()["wikidata"] == "Q7184"
			}},
		{"star replaces every mutable field", &entityv1.Entity{Kind: entityv1.Entity_ORGANIZATION, DisplayName: "NATO"}, mask("*"),
			func(g *entityv1.Entity) bool {
				return g.GetDisplayName() == "NATO" && len(g.GetAliases()) == 0 && g.GetDescription() == "" && len(g.GetExternalIds()) == 0
			}},
	}
	for _, step := range steps {
		step.patch.Name = created.GetName()
		got, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: step.patch, UpdateMask: step.mask})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if !step.check(got) {
			t.Fatalf("%s: got %v", step.name, got)
		}
		if stored := e.get(t, created.GetName()); !proto.Equal(stored, got) {
			t.Fatalf("%s: stored %v, returned %v", step.name, stored, got)
		}
	}

	before := e.get(t, created.GetName())
	refused := map[string]struct {
		patch *entityv1.Entity
		mask  *fieldmaskpb.FieldMask
		field string
	}{
		"unknown path":              {&entityv1.Entity{}, mask("colour"), "update_mask"},
		"nested path":               {&entityv1.Entity{}, mask("display_name.first"), "update_mask"},
		"star with others":          {&entityv1.Entity{}, mask("*", "kind"), "update_mask"},
		"bad external id system":    {&entityv1.Entity{}, mask("external_ids.Wiki-Data"), "update_mask"},
		"empty external id system":  {&entityv1.Entity{}, mask("external_ids."), "update_mask"},
		"clears display name":       {&entityv1.Entity{}, mask("display_name"), "entity.display_name"},
		"clears kind":               {&entityv1.Entity{}, mask("kind"), "entity.kind"},
		"star without display name": {&entityv1.Entity{Kind: entityv1.Entity_PLACE}, mask("*"), "entity.display_name"},
		"bad value by key":          {&entityv1.Entity{ExternalIds: map[string]string{"isni": ""}}, mask("external_ids.isni"), `entity.external_ids["isni"]`},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			tc.patch.Name = created.GetName()
			_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: tc.patch, UpdateMask: tc.mask})
			wantField(t, err, codes.InvalidArgument, tc.field)
		})
	}
	if after := e.get(t, created.GetName()); !proto.Equal(after, before) {
		t.Fatalf("refused updates changed the entity: %v, was %v", after, before)
	}
}

// Updates without an etag are retried on conflict inside the service, so that none of
// several at once is lost or fails.
func TestConcurrentUpdatesWithoutEtag(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	created, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "erdogan"), EntityId: "erdogan"})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			sys := fmt.Sprintf("source_%d", i)
			_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
				Entity:     &entityv1.Entity{Name: created.GetName(), ExternalIds: map[string]string{sys: fmt.Sprintf("E%d", i)}},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"external_ids." + sys}},
			})
			if err != nil {
				errs <- fmt.Errorf("writer %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := e.get(t, created.GetName())
	if len(got.GetExternalIds()) != writers+1 {
		t.Fatalf("external ids = %v: want wikidata and all %d written at once", got.GetExternalIds(), writers)
	}
}

// Aliases are replaced as a list, so editors adding one each read, append and write
// with the etag, and read again when someone else got there first: none is lost.
func TestConcurrentAliasEdits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	created, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "zelensky"), EntityId: "zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	const editors = 8
	var wg sync.WaitGroup
	errs := make(chan error, editors)
	for i := range editors {
		wg.Go(func() {
			alias := fmt.Sprintf("Zelensky %c", 'A'+i)
			for range 100 {
				cur, err := e.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: created.GetName()})
				if err != nil {
					errs <- err
					return
				}
				_, err = e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
					Entity:     &entityv1.Entity{Name: cur.GetName(), Aliases: append(cur.GetAliases(), alias), Etag: cur.GetEtag()},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"aliases"}},
				})
				if status.Code(err) == codes.Aborted {
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("editor %d: %w", i, err)
				}
				return
			}
			errs <- fmt.Errorf("editor %d never got its alias in", i)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := e.get(t, created.GetName())
	if len(got.GetAliases()) != 3+editors {
		t.Fatalf("aliases = %v: want the 3 of the fixture and all %d added", got.GetAliases(), editors)
	}
	res, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{"zelensky a", "ZELENSKY H"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.GetResults() {
		if !slices.Equal(names(r.GetEntities()), []string{created.GetName()}) {
			t.Fatalf("Resolve(%q) = %v", r.GetQuery(), names(r.GetEntities()))
		}
	}
}

func TestBatchGetEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	req := []string{"entities/putin", "entities/nobody", "entities/kyiv", "entities/putin", "entities/gone"}
	_, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: req})
	wantCode(t, err, codes.NotFound)
	if msg := err.Error(); !strings.Contains(msg, "entities/nobody") || !strings.Contains(msg, "entities/gone") {
		t.Fatalf("NOT_FOUND %q does not name the missing entities", msg)
	}
	resp, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: req, AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(resp.GetEntities()); !slices.Equal(got, []string{"entities/putin", "entities/kyiv", "entities/putin"}) {
		t.Fatalf("BatchGet with allow_missing = %v", got)
	}
	if resp.GetEntities()[0].GetDisplayName() != "Vladimir Putin" || resp.GetEntities()[0].GetEtag() == "" {
		t.Fatalf("BatchGet entity = %v", resp.GetEntities()[0])
	}
	all, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: []string{"entities/nato", "entities/erdogan"}})
	if err != nil || !slices.Equal(names(all.GetEntities()), []string{"entities/nato", "entities/erdogan"}) {
		t.Fatalf("BatchGet = %v, %v", all, err)
	}
	none, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: []string{"entities/nobody"}, AllowMissing: true})
	if err != nil || len(none.GetEntities()) != 0 {
		t.Fatalf("BatchGet of missing only = %v, %v", none, err)
	}
}
