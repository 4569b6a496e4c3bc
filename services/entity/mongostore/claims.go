package mongostore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
)

// An external id belongs to the entity that claimed it: a document in
// entity_external_ids whose _id is "system:value" (systems have no colon) and whose
// "entity" is the holder's id. Inserting under a unique _id is atomic on every server,
// which a unique multikey index on the entities is not on FerretDB.
//
// Writers claim before they write the entity and give claims back after they stopped
// holding the id. A write that fails half-way leaves a claim whose entity does not hold
// the id: after claimGrace (before it, it may be a write still in progress) the next
// claimant takes it over.
type claimDoc struct {
	ID        string    `bson:"_id"`
	Entity    string    `bson:"entity"`
	ClaimTime time.Time `bson:"claim_time"`
}

const (
	claimGrace = time.Minute
	// Attempts at claiming an id that keeps changing hands before giving up.
	claimAttempts = 3
)

func claimKey(system, value string) string { return system + ":" + value }

// claimKeys returns the claim _ids of ids, sorted, so that writers claim in one order.
func claimKeys(ids map[string]string) []string {
	keys := make([]string, 0, len(ids))
	for _, sys := range slices.Sorted(maps.Keys(ids)) {
		keys = append(keys, claimKey(sys, ids[sys]))
	}
	return keys
}

// claimAll claims every external id in ids for entity id. It returns the claims it
// made, not those the entity had already; when one claim fails it gives back the others.
func (s *Store) claimAll(ctx context.Context, id string, ids map[string]string) ([]string, error) {
	var made []string
	for _, sys := range slices.Sorted(maps.Keys(ids)) {
		fresh, err := s.claim(ctx, id, sys, ids[sys])
		if err != nil {
			s.releaseAll(ctx, id, made)
			return nil, err
		}
		if fresh {
			made = append(made, claimKey(sys, ids[sys]))
		}
	}
	return made, nil
}

// claim makes entity id the holder of the external id, reporting whether it made a new
// claim (rather than finding one of its own).
func (s *Store) claim(ctx context.Context, id, system, value string) (fresh bool, err error) {
	key := claimKey(system, value)
	for attempt := 1; ; attempt++ {
		if attempt > claimAttempts {
			return false, fmt.Errorf("claim external id %s for %s: it keeps changing hands: %w", key, resource(id), entity.ErrConflict)
		}
		_, err := s.claims.InsertOne(ctx, claimDoc{ID: key, Entity: id, ClaimTime: time.Now().UTC()})
		if err == nil {
			fresh = true
			break
		}
		if !mongodb.IsDuplicateKey(err) {
			return false, fmt.Errorf("claim external id %s: %w", key, err)
		}
		var c claimDoc
		err = s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // given back meanwhile
		}
		if err != nil {
			return false, fmt.Errorf("read claim %s: %w", key, err)
		}
		if c.Entity == id {
			break
		}
		holds, err := s.holds(ctx, c.Entity, key)
		if err != nil {
			return false, err
		}
		if holds || time.Since(c.ClaimTime) < claimGrace {
			return false, &entity.ExternalIDTakenError{System: system, Value: value, Holder: c.Entity}
		}
		// Left over by a write that failed half-way: take it over.
		if _, err := s.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "entity", Value: c.Entity}}); err != nil {
			return false, fmt.Errorf("drop stale claim %s: %w", key, err)
		}
	}
	// The claims serialise writers; the entities are the truth. An entity that holds the
	// id without its claim (lost to a failure) still keeps it.
	var other struct {
		ID string `bson:"_id"`
	}
	err = s.entities.FindOne(ctx,
		bson.D{{Key: "ext", Value: key}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}}),
	).Decode(&other)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fresh, nil
	}
	if fresh {
		s.releaseAll(ctx, id, []string{key})
	}
	if err != nil {
		return false, fmt.Errorf("look for holders of %s: %w", key, err)
	}
	return false, &entity.ExternalIDTakenError{System: system, Value: value, Holder: other.ID}
}

// holds reports whether entity id has the external id whose claim _id is key.
func (s *Store) holds(ctx context.Context, id, key string) (bool, error) {
	return s.exists(ctx, id, bson.E{Key: "ext", Value: key})
}

// releaseAll gives back entity id's claims on keys, except those of ids the stored
// entity holds (a concurrent write of the same entity may have just written one).
// Best effort: a claim left behind is taken over by the next claimant.
func (s *Store) releaseAll(ctx context.Context, id string, keys []string) {
	ctx = context.WithoutCancel(ctx)
	for _, key := range keys {
		if holds, err := s.holds(ctx, id, key); err != nil || holds {
			continue
		}
		_, _ = s.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "entity", Value: id}})
	}
}
