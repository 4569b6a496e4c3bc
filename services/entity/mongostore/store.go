// Package mongostore keeps entities in MongoDB.
//
// It uses only what MongoDB 6+ and FerretDB both offer: single-document writes, inserts
// under a unique _id as the one atomic primitive, non-unique (multikey) indexes, and no
// transactions. Every change goes through mongodb.Versioned, which logs each revision in
// "entity_revisions".
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
)

// schemaVersion is written into every document, so that later versions can migrate
// documents they read.
const schemaVersion = 1

// Collection names.
const (
	entitiesColl    = "entities"
	revisionsColl   = "entity_revisions"
	externalIDsColl = "entity_external_ids"
	metaColl        = "entity_meta"
)

// Store implements entity.Store on MongoDB.
type Store struct {
	entities *mongo.Collection
	claims   *mongo.Collection
	log      mongodb.Versioned
	meta     *mongo.Collection
}

var _ entity.Store = (*Store)(nil)

// Indexes lists every index the store needs, by collection: one for each query it runs.
func Indexes() map[string][]mongo.IndexModel {
	return map[string][]mongo.IndexModel{
		entitiesColl: {
			// ResolveEntities ($in on the folded names) and ListEntities by name prefix
			// (an anchored regex on the same field). Multikey: one entry per name.
			{Keys: bson.D{{Key: "keys", Value: 1}}, Options: options.Index().SetName("keys")},
			// ListEntities in display-name order, keyset on (sort_name, _id), optionally by kind.
			{Keys: bson.D{{Key: "sort_name", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("sort_name_id")},
			{Keys: bson.D{{Key: "kind", Value: 1}, {Key: "sort_name", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("kind_sort_name_id")},
			// Claiming an external id checks that no other entity holds it. Not unique:
			// FerretDB does not enforce unique multikey indexes reliably, so the claims in
			// entity_external_ids do that.
			{Keys: bson.D{{Key: "ext", Value: 1}}, Options: options.Index().SetName("ext")},
		},
		revisionsColl: {
			// One entity's revisions, newest first.
			mongodb.LogIndex(),
		},
		externalIDsColl: {
			// DeleteEntity gives up every external id of the entity.
			{Keys: bson.D{{Key: "entity", Value: 1}}, Options: options.Index().SetName("entity")},
		},
	}
}

// New returns a Store on db, creating its indexes (which is quick when they exist).
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	if err := mongodb.CreateIndexes(ctx, db, Indexes()); err != nil {
		return nil, err
	}
	entities := db.Collection(entitiesColl)
	return &Store{
		entities: entities,
		claims:   db.Collection(externalIDsColl),
		log:      mongodb.Versioned{Docs: entities, Log: db.Collection(revisionsColl), Locks: mongodb.NewLocks()},
		meta:     db.Collection(metaColl),
	}, nil
}

type entityDoc struct {
	ID          string            `bson:"_id"`
	SV          int               `bson:"sv"`
	Kind        string            `bson:"kind"`
	DisplayName string            `bson:"display_name"`
	Aliases     []string          `bson:"aliases,omitempty"`
	Description string            `bson:"description,omitempty"`
	ExternalIDs map[string]string `bson:"external_ids,omitempty"`
	// Ext holds every external id as "system:value", the _id of its claim.
	Ext []string `bson:"ext,omitempty"`
	// Keys are the folded display name and aliases; SortName the folded display name.
	Keys       []string  `bson:"keys,omitempty"`
	SortName   string    `bson:"sort_name"`
	CreateTime time.Time `bson:"create_time"`
	UpdateTime time.Time `bson:"update_time"`
	Revision   int64     `bson:"revision"`
}

// revisionDoc is an entity at one revision, in the entity_revisions log; _id is
// "{entity}@{revision}".
type revisionDoc struct {
	ID       string     `bson:"_id"`
	SV       int        `bson:"sv"`
	Of       string     `bson:"of"`
	Revision int64      `bson:"revision"`
	Doc      *entityDoc `bson:"doc"`
}

func toEntityDoc(e *entity.Entity) *entityDoc {
	return &entityDoc{
		ID:          e.ID,
		SV:          schemaVersion,
		Kind:        e.Kind.String(),
		DisplayName: e.DisplayName,
		Aliases:     e.Aliases,
		Description: e.Description,
		ExternalIDs: e.ExternalIDs,
		Ext:         claimKeys(e.ExternalIDs),
		Keys:        e.Keys(),
		SortName:    e.SortName(),
		CreateTime:  e.CreateTime,
		UpdateTime:  e.UpdateTime,
		Revision:    e.Revision,
	}
}

func logEntry(e *entity.Entity) *revisionDoc {
	return &revisionDoc{
		ID: mongodb.LogID(e.ID, e.Revision), SV: schemaVersion, Of: e.ID,
		Revision: e.Revision, Doc: toEntityDoc(e),
	}
}

func (d *entityDoc) entity() *entity.Entity {
	return &entity.Entity{
		ID:          d.ID,
		Kind:        entityv1.Entity_Kind(entityv1.Entity_Kind_value[d.Kind]),
		DisplayName: d.DisplayName,
		Aliases:     d.Aliases,
		Description: d.Description,
		ExternalIDs: d.ExternalIDs,
		CreateTime:  d.CreateTime.UTC(),
		UpdateTime:  d.UpdateTime.UTC(),
		Revision:    d.Revision,
	}
}

func resource(id string) string { return "entities/" + id }

// CreateEntity implements entity.Store. The external ids are claimed first, so that of
// two entities created at once with the same id only one gets it.
func (s *Store) CreateEntity(ctx context.Context, e *entity.Entity) error {
	if ok, err := s.exists(ctx, e.ID); err != nil {
		return err
	} else if ok {
		// Checked before claiming: claims in the name of an existing entity look like its own.
		return fmt.Errorf("create %s: %w", resource(e.ID), entity.ErrAlreadyExists)
	}
	claimed, err := s.claimAll(ctx, e.ID, e.ExternalIDs)
	if err != nil {
		return err
	}
	err = s.log.Insert(ctx, e.ID, toEntityDoc(e), logEntry(e))
	if err != nil {
		s.releaseAll(ctx, e.ID, claimed)
	}
	if mongodb.IsDuplicateKey(err) {
		return fmt.Errorf("create %s: %w", resource(e.ID), entity.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("insert entity: %w", err)
	}
	s.touchNames(ctx)
	return nil
}

// exists reports whether entity id exists and matches the further conditions.
func (s *Store) exists(ctx context.Context, id string, conditions ...bson.E) (bool, error) {
	filter := append(bson.D{{Key: "_id", Value: id}}, conditions...)
	err := s.entities.FindOne(ctx, filter, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read entity %s: %w", id, err)
	}
	return true, nil
}

// GetEntity implements entity.Store.
func (s *Store) GetEntity(ctx context.Context, id string) (*entity.Entity, error) {
	var d entityDoc
	err := s.entities.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("read %s: %w", resource(id), entity.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", id, err)
	}
	return d.entity(), nil
}

// GetEntities implements entity.Store.
func (s *Store) GetEntities(ctx context.Context, ids []string) ([]*entity.Entity, error) {
	if len(ids) == 0 {
		return nil, nil // $in wants an array, and a nil slice is null
	}
	return s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, nil)
}

// ListEntities implements entity.Store.
func (s *Store) ListEntities(ctx context.Context, q entity.Query) ([]*entity.Entity, error) {
	and := bson.A{}
	if q.Kind != entityv1.Entity_KIND_UNSPECIFIED {
		and = append(and, bson.D{{Key: "kind", Value: q.Kind.String()}})
	}
	if q.Prefix != "" {
		// Anchored and case-sensitive (keys are folded already), so MongoDB bounds it on
		// the keys index.
		and = append(and, bson.D{{Key: "keys", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(q.Prefix)}}}})
	}
	if q.After != nil {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "sort_name", Value: bson.D{{Key: "$gt", Value: q.After.Text}}}},
			bson.D{{Key: "sort_name", Value: q.After.Text}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After.ID}}}},
		}}})
	}
	filter := bson.D{}
	if len(and) > 0 {
		filter = bson.D{{Key: "$and", Value: and}}
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "sort_name", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(q.Limit))
	return s.find(ctx, filter, opts)
}

// ResolveEntities implements entity.Store.
func (s *Store) ResolveEntities(ctx context.Context, keys []string, kind entityv1.Entity_Kind) ([]*entity.Entity, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "keys", Value: bson.D{{Key: "$in", Value: keys}}}}
	if kind != entityv1.Entity_KIND_UNSPECIFIED {
		filter = append(filter, bson.E{Key: "kind", Value: kind.String()})
	}
	return s.find(ctx, filter, nil)
}

func (s *Store) find(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]*entity.Entity, error) {
	var cur *mongo.Cursor
	var err error
	if opts == nil {
		cur, err = s.entities.Find(ctx, filter)
	} else {
		cur, err = s.entities.Find(ctx, filter, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("find entities: %w", err)
	}
	var docs []entityDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("find entities: %w", err)
	}
	out := make([]*entity.Entity, len(docs))
	for i := range docs {
		out[i] = docs[i].entity()
	}
	return out, nil
}

// UpdateEntity implements entity.Store. External ids next adds are claimed before the
// write; those it drops are given up after it.
func (s *Store) UpdateEntity(ctx context.Context, prev, next *entity.Entity) error {
	prevKeys := claimKeys(prev.ExternalIDs)
	added := map[string]string{}
	for sys, v := range next.ExternalIDs {
		if prev.ExternalIDs[sys] != v {
			added[sys] = v
		}
	}
	claimed, err := s.claimAll(ctx, prev.ID, added)
	if err != nil {
		return err
	}
	err = s.log.Replace(ctx, prev.ID, prev.Revision, toEntityDoc(next), logEntry(next))
	if err != nil {
		s.releaseAll(ctx, prev.ID, claimed)
		return writeErr(err, resource(prev.ID))
	}
	nextKeys := claimKeys(next.ExternalIDs)
	var dropped []string
	for _, k := range prevKeys {
		if !slices.Contains(nextKeys, k) {
			dropped = append(dropped, k)
		}
	}
	s.releaseAll(ctx, prev.ID, dropped)
	s.touchNames(ctx)
	return nil
}

// DeleteEntity implements entity.Store.
func (s *Store) DeleteEntity(ctx context.Context, id string, revision int64) error {
	if err := s.log.Delete(ctx, id, revision); err != nil {
		return writeErr(err, resource(id))
	}
	s.touchNames(ctx)
	// A failure here leaves claims of an entity that is gone, which the next claimant
	// takes over.
	if _, err := s.claims.DeleteMany(ctx, bson.D{{Key: "entity", Value: id}}); err != nil {
		return fmt.Errorf("give up external ids of %s: %w", resource(id), err)
	}
	return nil
}

// writeErr turns the outcomes of Versioned writes into the errors of entity.Store.
func writeErr(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongodb.ErrGone):
		return fmt.Errorf("write %s: %w", name, entity.ErrNotFound)
	case errors.Is(err, mongodb.ErrConflict):
		return fmt.Errorf("write %s: %w", name, entity.ErrConflict)
	}
	return fmt.Errorf("write %s: %w", name, err)
}

// namesVersionID is the _id of the document whose version changes with every write.
const namesVersionID = "names"

// touchNames changes the names version after a write. Concurrent writers may overwrite
// each other's version: either way it differs from the one before, which is all that
// readers compare.
func (s *Store) touchNames(ctx context.Context) {
	version := fmt.Sprintf("%d-%d", time.Now().UnixNano(), rand.Uint64())
	// Best effort: the write itself succeeded, and if this fails, linkers of other
	// replicas see the change with the next write (the writer's own linker rebuilds anyway).
	_, _ = s.meta.UpdateOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: namesVersionID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: version}}}}, options.UpdateOne().SetUpsert(true))
}

// NamesVersion implements entity.Store.
func (s *Store) NamesVersion(ctx context.Context) (string, error) {
	var d struct {
		Version string `bson:"version"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: namesVersionID}}).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return "", fmt.Errorf("read entity names version: %w", err)
	}
	return d.Version, nil
}

// Names implements entity.Store.
func (s *Store) Names(ctx context.Context) ([]entity.NameSet, error) {
	cur, err := s.entities.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "display_name", Value: 1}, {Key: "aliases", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read entity names: %w", err)
	}
	defer func() { _ = cur.Close(ctx) }()
	var out []entity.NameSet
	for cur.Next(ctx) {
		var d entityDoc
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("read entity names: %w", err)
		}
		out = append(out, entity.NameSet{ID: d.ID, Names: append([]string{d.DisplayName}, d.Aliases...)})
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read entity names: %w", err)
	}
	return out, nil
}
