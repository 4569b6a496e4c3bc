package entity_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

// Every rule of entity.proto and entity_service.proto, each refused with the field named.
func TestEntityValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	existing, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "putin"), EntityId: "putin"})
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*entityv1.Entity)) *entityv1.Entity {
		ent := fixtureEntity(t, "kyiv")
		f(ent)
		return ent
	}
	long := strings.Repeat("é", 201) // lengths count characters, not bytes

	creates := map[string]struct {
		req   *entityv1.CreateEntityRequest
		field string
	}{
		"no entity":             {&entityv1.CreateEntityRequest{}, "entity"},
		"no kind":               {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Kind = 0 })}, "entity.kind"},
		"unknown kind":          {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Kind = 42 })}, "entity.kind"},
		"no display name":       {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.DisplayName = "" })}, "entity.display_name"},
		"blank display name":    {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.DisplayName = " \t " })}, "entity.display_name"},
		"long display name":     {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.DisplayName = long })}, "entity.display_name"},
		"too many aliases":      {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Aliases = aliases(101) })}, "entity.aliases"},
		"repeated alias":        {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Aliases = []string{"Kiev", "Kiev"} })}, "entity.aliases"},
		"empty alias":           {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Aliases = []string{"Kiev", ""} })}, "entity.aliases[1]"},
		"blank alias":           {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Aliases = []string{"  "} })}, "entity.aliases[0]"},
		"long alias":            {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Aliases = []string{long} })}, "entity.aliases[0]"},
		"long description":      {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.Description = strings.Repeat("d", 2001) })}, "entity.description"},
		"too many external ids": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) { e.ExternalIds = externalIDs(21) })}, "entity.external_ids"},
		"system with capitals": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"WikiData": "Q1899"}
		})}, `entity.external_ids["WikiData"]`},
		"system with a dot": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"wiki.data": "Q1899"}
		})}, `entity.external_ids["wiki.data"]`},
		"system starting with a digit": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"1wiki": "Q1899"}
		})}, `entity.external_ids["1wiki"]`},
		"long system": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"w" + strings.Repeat("x", 32): "Q1899"}
		})}, fmt.Sprintf("entity.external_ids[%q]", "w"+strings.Repeat("x", 32))},
		"empty system": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"": "Q1899"}
		})}, `entity.external_ids[""]`},
		"empty external id": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"wikidata": ""}
		})}, `entity.external_ids["wikidata"]`},
		"long external id": {&entityv1.CreateEntityRequest{Entity: with(func(e *entityv1.Entity) {
			e.ExternalIds = map[string]string{"wikidata": long}
		})}, `entity.external_ids["wikidata"]`},
		"id with capitals":      {&entityv1.CreateEntityRequest{Entity: with(func(*entityv1.Entity) {}), EntityId: "Kyiv"}, "entity_id"},
		"id with slash":         {&entityv1.CreateEntityRequest{Entity: with(func(*entityv1.Entity) {}), EntityId: "a/b"}, "entity_id"},
		"id starting with dash": {&entityv1.CreateEntityRequest{Entity: with(func(*entityv1.Entity) {}), EntityId: "-kyiv"}, "entity_id"},
		"long id":               {&entityv1.CreateEntityRequest{Entity: with(func(*entityv1.Entity) {}), EntityId: strings.Repeat("k", 64)}, "entity_id"},
	}
	for name, tc := range creates {
		t.Run("create/"+name, func(t *testing.T) {
			_, err := e.ent.CreateEntity(ctx, tc.req)
			wantField(t, err, codes.InvalidArgument, tc.field)
		})
	}

	badName := func(call func(string) error, field string) func(*testing.T) {
		return func(t *testing.T) {
			for _, n := range []string{"", "entities/", "entity/putin", "entities/Putin", "entities/putin/x", "timelines/putin"} {
				wantField(t, call(n), codes.InvalidArgument, field)
			}
		}
	}
	t.Run("get/bad name", badName(func(n string) error {
		_, err := e.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: n})
		return err
	}, "name"))
	t.Run("delete/bad name", badName(func(n string) error {
		_, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: n})
		return err
	}, "name"))
	t.Run("update/bad name", badName(func(n string) error {
		_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: &entityv1.Entity{Name: n, Description: "x"}})
		return err
	}, "entity.name"))
	t.Run("batch get/bad name", badName(func(n string) error {
		_, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: []string{existing.GetName(), n}})
		return err
	}, "names[1]"))

	update := func(patch *entityv1.Entity, paths ...string) func() error {
		return func() error {
			patch.Name = existing.GetName()
			req := &entityv1.UpdateEntityRequest{Entity: patch}
			if paths != nil {
				req.UpdateMask = &fieldmaskpb.FieldMask{Paths: paths}
			}
			_, err := e.ent.UpdateEntity(ctx, req)
			return err
		}
	}
	others := map[string]struct {
		call  func() error
		field string
	}{
		"batch get no names": {func() error {
			_, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{})
			return err
		}, "names"},
		"batch get too many names": {func() error {
			_, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: entityNames(501)})
			return err
		}, "names"},
		"list negative page size": {func() error {
			_, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{PageSize: -1})
			return err
		}, "page_size"},
		"list long page token": {func() error {
			_, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{PageToken: strings.Repeat("A", 1025)})
			return err
		}, "page_token"},
		"list unknown kind": {func() error {
			_, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{Kind: 42})
			return err
		}, "kind"},
		"list long prefix": {func() error {
			_, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{NamePrefix: long})
			return err
		}, "name_prefix"},
		"delete long etag": {func() error {
			_, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: existing.GetName(), Etag: strings.Repeat("e", 129)})
			return err
		}, "etag"},
		"resolve no names": {func() error {
			_, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{})
			return err
		}, "names"},
		"resolve too many names": {func() error {
			_, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: aliases(501)})
			return err
		}, "names"},
		"resolve empty name": {func() error {
			_, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{"Putin", ""}})
			return err
		}, "names[1]"},
		"resolve long name": {func() error {
			_, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{long}})
			return err
		}, "names[0]"},
		"resolve unknown kind": {func() error {
			_, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{"Putin"}, Kind: 42})
			return err
		}, "kind"},
		"update without entity": {func() error {
			_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{})
			return err
		}, "entity"},
		// Update rules are checked on the entity as it would be stored.
		"update unknown kind":          {update(&entityv1.Entity{Kind: 42}), "entity.kind"},
		"update blank display name":    {update(&entityv1.Entity{DisplayName: "  "}), "entity.display_name"},
		"update long display name":     {update(&entityv1.Entity{DisplayName: long}), "entity.display_name"},
		"update repeated alias":        {update(&entityv1.Entity{Aliases: []string{"Putin", "Putin"}}), "entity.aliases"},
		"update too many aliases":      {update(&entityv1.Entity{Aliases: aliases(101)}), "entity.aliases"},
		"update blank alias":           {update(&entityv1.Entity{Aliases: []string{"Putin", " "}}), "entity.aliases[1]"},
		"update long description":      {update(&entityv1.Entity{Description: strings.Repeat("d", 2001)}), "entity.description"},
		"update too many external ids": {update(&entityv1.Entity{ExternalIds: externalIDs(21)}), "entity.external_ids"},
		"update bad system":            {update(&entityv1.Entity{ExternalIds: map[string]string{"Wiki": "Q7747"}}), `entity.external_ids["Wiki"]`},
		"update unknown mask path":     {update(&entityv1.Entity{}, "colour"), "update_mask"},
	}
	for name, tc := range others {
		t.Run(name, func(t *testing.T) { wantField(t, tc.call(), codes.InvalidArgument, tc.field) })
	}

	// Limits are inclusive.
	atLimits := with(func(e *entityv1.Entity) {
		e.DisplayName = strings.Repeat("é", 200)
		e.Aliases = aliases(100)
		e.Description = strings.Repeat("d", 2000)
		e.ExternalIds = externalIDs(20)
		e.ExternalIds["w"+strings.Repeat("x", 31)] = strings.Repeat("v", 200)
		delete(e.ExternalIds, "sys_00")
	})
	limits, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: atLimits, EntityId: strings.Repeat("k", 63)})
	if err != nil {
		t.Fatalf("create at the limits: %v", err)
	}
	if _, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: limits.GetName(), Etag: limits.GetEtag()}); err != nil {
		t.Fatal(err)
	}

	// Nothing was written by any refused request.
	list, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{})
	if err != nil || len(list.GetEntities()) != 1 || !proto.Equal(list.GetEntities()[0], existing) {
		t.Fatalf("after refused requests: %v, %v; want only %v", list.GetEntities(), err, existing)
	}
}

func aliases(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Alias %03d", i)
	}
	return out
}

func externalIDs(n int) map[string]string {
	out := make(map[string]string, n)
	for i := range n {
		out[fmt.Sprintf("sys_%02d", i)] = fmt.Sprintf("V%d", i)
	}
	return out
}

func entityNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("entities/e%d", i)
	}
	return out
}
