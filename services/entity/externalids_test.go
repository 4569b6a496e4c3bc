package entity_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

const wikidataField = `entity.external_ids["wikidata"]`

func TestExternalIDsAreUnique(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	impostor := func(ids map[string]string) *entityv1.Entity {
		return &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Impostor", ExternalIds: ids}
	}

	_, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{
		Entity: impostor(map[string]string{"imdb": "nm1234", "wikidata": "Q3874799"}), EntityId: "impostor",
	})
	wantField(t, err, codes.AlreadyExists, wikidataField)
	if !strings.Contains(err.Error(), "entities/zelensky") {
		t.Fatalf("error %v does not name the holder", err)
	}
	// Nothing of the refused entity was kept, not even its claim on the other id.
	_, err = e.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/impostor"})
	wantCode(t, err, codes.NotFound)
	other, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: impostor(map[string]string{"imdb": "nm1234"}), EntityId: "other"})
	if err != nil {
		t.Fatalf("imdb id of a refused create is still claimed: %v", err)
	}
	// The same value in another system is another id.
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: impostor(map[string]string{"viaf": "Q3874799"})}); err != nil {
		t.Fatal(err)
	}

	// Taking it by update is refused too, with nothing written.
	_, err = e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: other.GetName(), DisplayName: "Renamed", ExternalIds: map[string]string{"wikidata": "Q7747"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "external_ids"}},
	})
	wantField(t, err, codes.AlreadyExists, wikidataField)
	if got := e.get(t, other.GetName()); got.GetEtag() != other.GetEtag() || got.GetDisplayName() != "Impostor" {
		t.Fatalf("refused update wrote %v", got)
	}
	// Re-sending an entity's own ids is fine.
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity: &entityv1.Entity{Name: "entities/putin", Description: "Russian president", ExternalIds: map[string]string{"wikidata": "Q7747"}},
	}); err != nil {
		t.Fatal(err)
	}

	// An id dropped by update is free for others.
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: "entities/putin"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"external_ids.wikidata"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity: &entityv1.Entity{Name: other.GetName(), ExternalIds: map[string]string{"wikidata": "Q7747", "imdb": "nm1234"}},
	}); err != nil {
		t.Fatalf("id given up by update: %v", err)
	}
	// And so is an id of a deleted entity.
	if _, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: "entities/zelensky"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: impostor(map[string]string{"wikidata": "Q3874799"})}); err != nil {
		t.Fatalf("id of a deleted entity: %v", err)
	}
	// Whoever holds an id now, others are refused.
	_, err = e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: "entities/putin", ExternalIds: map[string]string{"wikidata": "Q7747"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"external_ids.wikidata"}},
	})
	wantField(t, err, codes.AlreadyExists, wikidataField)
}

// Of several entities created at once with the same external id, exactly one gets it.
func TestExternalIDRace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const creators = 6
	var wg sync.WaitGroup
	codesSeen := make(chan codes.Code, creators)
	for i := range creators {
		wg.Go(func() {
			_, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: &entityv1.Entity{
				Kind: entityv1.Entity_PLACE, DisplayName: fmt.Sprintf("Istanbul %d", i),
				ExternalIds: map[string]string{"geonames": "745044", "wikidata": "Q406"},
			}})
			codesSeen <- status.Code(err)
		})
	}
	wg.Wait()
	close(codesSeen)
	count := map[codes.Code]int{}
	for c := range codesSeen {
		count[c]++
	}
	if count[codes.OK] != 1 || count[codes.AlreadyExists] != creators-1 {
		t.Fatalf("outcomes %v: want one OK, the rest ALREADY_EXISTS", count)
	}
	list, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{})
	if err != nil || len(list.GetEntities()) != 1 {
		t.Fatalf("List = %v, %v: want the one winner", list, err)
	}
}

// A write that stops between claiming an external id and writing the entity leaves a
// claim behind: it blocks the id only for a grace period, in case the write is still
// going on, and is taken over after that.
func TestExternalIDLeftoverClaim(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	claims := e.db.Collection("entity_external_ids")
	leftover := func(id, owner string, age time.Duration) {
		t.Helper()
		if _, err := claims.InsertOne(ctx, bson.D{
			{Key: "_id", Value: id}, {Key: "entity", Value: owner}, {Key: "claim_time", Value: time.Now().Add(-age)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	leftover("wikidata:Q406", "crashed", time.Hour)
	leftover("wikidata:Q7184", "in-progress", time.Second)
	istanbul := fixtureEntity(t, "istanbul")
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: istanbul, EntityId: "istanbul"}); err != nil {
		t.Fatalf("stale claim was not taken over: %v", err)
	}
	_, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "nato"), EntityId: "nato"})
	wantField(t, err, codes.AlreadyExists, wikidataField)

	// A claim whose entity exists but no longer holds the id (its release was cut short).
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "moscow"), EntityId: "moscow"}); err != nil {
		t.Fatal(err)
	}
	leftover("wikidata:Q649", "moscow", time.Hour)
	kremlin := fixtureEntity(t, "kremlin")
	kremlin.ExternalIds = map[string]string{"wikidata": "Q649"}
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: kremlin}); err != nil {
		t.Fatalf("claim of an entity that does not hold the id was not taken over: %v", err)
	}
}
