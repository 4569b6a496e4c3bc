// Package mongostore keeps timelines, entries and entry revisions in MongoDB.
//
// It uses only what MongoDB 6+ and FerretDB both offer: single-document writes,
// compare-and-set on a revision field for concurrency, unique indexes on scalar fields,
// and no transactions.
package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/internal/apierror"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// schemaVersion is written into every document, so that later versions can migrate
// documents they read.
const schemaVersion = 1

// Store implements timeline.Store on MongoDB.
type Store struct {
	timelines *mongo.Collection
	entries   *mongo.Collection
	revisions *mongo.Collection
}

var _ timeline.Store = (*Store)(nil)

// Indexes lists every index the store needs, by collection: one for each query it runs.
// docs/indexes.md describes them.
func Indexes() map[string][]mongo.IndexModel {
	return map[string][]mongo.IndexModel{
		"timelines": {
			// Slugs are unique: web pages address timelines by slug.
			{Keys: bson.D{{Key: "slug", Value: 1}}, Options: options.Index().SetName("slug_unique").SetUnique(true)},
			// ListTimelines: newest first, keyset on (create_time, _id), optionally by status.
			{Keys: bson.D{{Key: "create_time", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("create_time_id")},
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "create_time", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("status_create_time_id")},
			// ListTimelines filtered by tag.
			{Keys: bson.D{{Key: "tags", Value: 1}, {Key: "create_time", Value: -1}}, Options: options.Index().SetName("tags_create_time")},
		},
		"entries": {
			// ListEntries of a timeline by (sort_time, _id) either way; HasEntries.
			{Keys: bson.D{{Key: "timeline", Value: 1}, {Key: "sort_time", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("timeline_sort_time_id")},
			// ListEntries filtered by mentioned entity (and, later, an entity's entries across timelines).
			{Keys: bson.D{{Key: "mentions.entity", Value: 1}, {Key: "sort_time", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("mentions_entity_sort_time_id")},
		},
		"entry_revisions": {
			// ListEntryRevisions: one entry's revisions, newest first.
			{Keys: bson.D{{Key: "entry_key", Value: 1}, {Key: "revision", Value: -1}}, Options: options.Index().SetName("entry_key_revision")},
			// DeleteTimeline removes the revisions of all its entries.
			{Keys: bson.D{{Key: "timeline", Value: 1}}, Options: options.Index().SetName("timeline")},
		},
	}
}

// New returns a Store on db, creating its indexes (which is quick when they exist).
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	for coll, models := range Indexes() {
		if _, err := db.Collection(coll).Indexes().CreateMany(ctx, models); err != nil {
			return nil, fmt.Errorf("create indexes on %s: %w", coll, err)
		}
	}
	return &Store{
		timelines: db.Collection("timelines"),
		entries:   db.Collection("entries"),
		revisions: db.Collection("entry_revisions"),
	}, nil
}

// casMiss explains a compare-and-set that matched nothing: the document is gone, or its
// revision moved on.
func casMiss(ctx context.Context, coll *mongo.Collection, id, resource string) error {
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return apierror.NotFound(resource)
	case err != nil:
		return fmt.Errorf("read %s: %w", resource, err)
	}
	return apierror.Aborted(resource)
}

func exists(ctx context.Context, coll *mongo.Collection, id string) (bool, error) {
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// compareAndSwap replaces the document matching filter (its _id and expected revision)
// with doc. It uses findAndModify, which FerretDB runs atomically; its plain update
// command lets two concurrent writers both match the same revision.
func compareAndSwap(ctx context.Context, coll *mongo.Collection, filter bson.D, doc any, resource string) error {
	err := coll.FindOneAndReplace(ctx, filter, doc).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return casMiss(ctx, coll, filter[0].Value.(string), resource)
	}
	if err != nil {
		return fmt.Errorf("update %s: %w", resource, err)
	}
	return nil
}
