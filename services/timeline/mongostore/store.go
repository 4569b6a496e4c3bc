// Package mongostore keeps timelines, entries and entry revisions in MongoDB.
//
// It uses only what MongoDB 6+ and FerretDB both offer: single-document writes, unique
// indexes on scalar fields, and no transactions. Updates are compare-and-set on a
// revision number, made atomic by claiming the next revision in a log collection first
// (mongodb.Versioned). Deleting a timeline marks it first, so that no entry outlives
// it (deletion.go).
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// schemaVersion is written into every document, so that later versions can migrate
// documents they read.
const schemaVersion = 1

// Store implements timeline.Store on MongoDB.
type Store struct {
	timelines *mongo.Collection
	entries   *mongo.Collection
	// Every revision of every timeline and entry, the current one included: the log
	// that makes compare-and-set atomic (see mongodb.Versioned) and the history that
	// ListEntryRevisions reads.
	timelineLog mongodb.Versioned
	entryLog    mongodb.Versioned
	events      *mongo.Collection
	heads       *mongo.Collection
	headLocks   *mongodb.Locks
	// lastSeq caches each timeline's last known sequence number (int64 by timeline
	// id): where the search for the next free one starts.
	lastSeq sync.Map
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
			// Duplicate detection: the same text. Near repeats (a shared MinHash band) are
			// looked for among the timeline's entries through timeline_sort_time_id: a
			// multikey index of 32 keys per entry cost imports more than it saved creates.
			{Keys: bson.D{{Key: "timeline", Value: 1}, {Key: "text_hash", Value: 1}}, Options: options.Index().SetName("timeline_text_hash")},
			// ListEntries filtered by mentioned entity, and an entity's entries across timelines.
			{Keys: bson.D{{Key: "mentions.entity", Value: 1}, {Key: "sort_time", Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("mentions_entity_sort_time_id")},
		},
		"entry_revisions": {
			// ListEntryRevisions: one entry's revisions, newest first; DeleteEntry.
			mongodb.LogIndex(),
			// DeleteTimeline removes the revisions of all its entries.
			{Keys: bson.D{{Key: "timeline", Value: 1}}, Options: options.Index().SetName("timeline")},
		},
		"timeline_events": {
			// ReadEvents: a timeline's events after a sequence number, in order;
			// DeleteTimeline removes a timeline's events.
			{Keys: bson.D{{Key: "timeline", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetName("timeline_seq")},
		},
		"timeline_revisions": {
			// Compare-and-set claims are _id lookups; DeleteTimeline removes by "of".
			mongodb.LogIndex(),
		},
	}
}

// New returns a Store on db, creating its indexes (which is quick when they exist).
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	if err := mongodb.CreateIndexes(ctx, db, Indexes()); err != nil {
		return nil, err
	}
	timelines, entries := db.Collection("timelines"), db.Collection("entries")
	return &Store{
		timelines:   timelines,
		entries:     entries,
		timelineLog: mongodb.Versioned{Docs: timelines, Log: db.Collection("timeline_revisions"), Locks: mongodb.NewLocks()},
		entryLog:    mongodb.Versioned{Docs: entries, Log: db.Collection("entry_revisions"), Locks: mongodb.NewLocks()},
		events:      db.Collection("timeline_events"),
		heads:       db.Collection("timeline_heads"),
		headLocks:   mongodb.NewLocks(),
	}, nil
}

// writeErr maps the outcome of a versioned write on a timeline (entryID empty) or an
// entry to the store's errors.
func writeErr(err error, timelineID, entryID string) error {
	var outcome error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongodb.ErrGone):
		outcome = timeline.ErrNotFound
	case errors.Is(err, mongodb.ErrConflict):
		outcome = timeline.ErrConflict
	default:
		return fmt.Errorf("write %s: %w", path.Join(timelineID, entryID), err)
	}
	return &timeline.ResourceError{TimelineID: timelineID, EntryID: entryID, Err: outcome}
}
