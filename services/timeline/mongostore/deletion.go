package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/platform/retry"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// Deleting a timeline takes many writes and there are no transactions, yet no entry may
// outlive its timeline, however deletes and creates interleave. The protocol:
//
//  1. DeleteTimeline marks the timeline as being deleted, with a compare-and-set write
//     (a new revision, through the revision log). From then on it reads as not found.
//  2. Without force, it looks for entries again: if there are any, it removes the mark
//     (another new revision) and refuses.
//  3. It sweeps the timeline's events, entries and their revisions, then its revision
//     log, and removes the timeline document last.
//
// CreateEntry and CreateEntries insert first, then read the timeline: when it is gone or
// marked, they remove what they inserted and return ErrNotFound. A create whose read saw
// the timeline unmarked read it before step 1, so its entry was inserted before step 2
// and step 3 look for entries: a refused delete sees it, a sweep deletes it.
//
// A deletion cut short (the process died) leaves a marked timeline, which reads as not
// found. The next CreateTimeline or UpdateTimeline that collides with it on its id or
// slug finishes the deletion, once the mark is older than abandonedAfter: a deletion
// still running is left alone, as its sweep would take entries of a timeline created
// under the same id.

// abandonedAfter is how long a deletion may run before another writer takes it over.
const abandonedAfter = 5 * time.Minute

// notDeleting selects timelines that are not being deleted.
var notDeleting = bson.E{Key: "deleting", Value: bson.D{{Key: "$exists", Value: false}}}

// DeleteTimeline implements timeline.TimelineStore.
func (s *Store) DeleteTimeline(ctx context.Context, id string, revision int64, force bool) error {
	if !force {
		// Looked for before the mark too, so that refusing usually changes nothing.
		if err := s.refuseIfEntries(ctx, id); err != nil {
			return err
		}
	}
	marked, err := s.markDeleting(ctx, id, revision)
	if err != nil {
		return err
	}
	// Marked, the timeline is gone for everyone: finish whether or not the caller waits.
	ctx = context.WithoutCancel(ctx)
	if !force {
		if err := s.refuseIfEntries(ctx, id); err != nil {
			if uerr := s.unmark(ctx, marked); uerr != nil {
				return errors.Join(err, uerr)
			}
			return err
		}
	}
	return s.sweep(ctx, marked)
}

// refuseIfEntries returns ErrNotEmpty when the timeline has entries.
func (s *Store) refuseIfEntries(ctx context.Context, id string) error {
	err := s.entries.FindOne(ctx, bson.D{{Key: "timeline", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil
	case err != nil:
		return fmt.Errorf("look for entries of timeline %s: %w", id, err)
	}
	return timeline.TimelineError(id, timeline.ErrNotEmpty)
}

// markDeleting marks the timeline at revision (whichever it is at when 0) as being
// deleted, and returns it as marked.
func (s *Store) markDeleting(ctx context.Context, id string, revision int64) (*timelineDoc, error) {
	var marked timelineDoc
	again := func(err error) bool { return revision == 0 && errors.Is(err, mongodb.ErrConflict) }
	err := retry.Default().Do(ctx, again, func() error {
		marked = timelineDoc{}
		err := s.timelines.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&marked)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments) || err == nil && marked.Deleting != nil:
			return mongodb.ErrGone
		case err != nil:
			return fmt.Errorf("read timeline %s: %w", id, err)
		case revision != 0 && marked.Revision != revision:
			return mongodb.ErrConflict
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		marked.Deleting = &now
		marked.Revision++
		return s.timelineLog.Replace(ctx, id, marked.Revision-1, &marked, timelineLogEntry(&marked))
	})
	if err != nil {
		return nil, writeErr(err, id, "")
	}
	return &marked, nil
}

// unmark takes the mark off a timeline whose deletion was refused.
func (s *Store) unmark(ctx context.Context, marked *timelineDoc) error {
	d := *marked
	d.Deleting = nil
	d.Revision++
	return writeErr(s.timelineLog.Replace(ctx, d.ID, marked.Revision, &d, timelineLogEntry(&d)), d.ID, "")
}

// sweep deletes what a marked timeline holds, then the timeline as marked: a timeline
// created since under the same id stays.
func (s *Store) sweep(ctx context.Context, marked *timelineDoc) error {
	id := marked.ID
	if _, err := s.events.DeleteMany(ctx, bson.D{{Key: "timeline", Value: id}}); err != nil {
		return fmt.Errorf("delete events of timeline %s: %w", id, err)
	}
	if _, err := s.heads.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete the event head of timeline %s: %w", id, err)
	}
	s.lastSeq.Delete(id)
	if _, err := s.entries.DeleteMany(ctx, bson.D{{Key: "timeline", Value: id}}); err != nil {
		return fmt.Errorf("delete entries of timeline %s: %w", id, err)
	}
	if _, err := s.entryLog.Log.DeleteMany(ctx, bson.D{{Key: "timeline", Value: id}}); err != nil {
		return fmt.Errorf("delete entry revisions of timeline %s: %w", id, err)
	}
	if _, err := s.timelineLog.Log.DeleteMany(ctx, bson.D{{Key: "of", Value: id}}); err != nil {
		return fmt.Errorf("delete the revisions of timeline %s: %w", id, err)
	}
	if _, err := s.timelines.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: marked.Revision}}); err != nil {
		return fmt.Errorf("delete timeline %s: %w", id, err)
	}
	return nil
}

// finishAbandoned finishes the abandoned deletions of timelines that hold t's id or slug,
// and reports whether there were any.
func (s *Store) finishAbandoned(ctx context.Context, t *timeline.Timeline) (bool, error) {
	cur, err := s.timelines.Find(ctx, bson.D{
		{Key: "$or", Value: bson.A{bson.D{{Key: "_id", Value: t.ID}}, bson.D{{Key: "slug", Value: t.Slug}}}},
		{Key: "deleting", Value: bson.D{{Key: "$lt", Value: time.Now().Add(-abandonedAfter)}}},
	})
	if err != nil {
		return false, fmt.Errorf("look for abandoned deletions: %w", err)
	}
	var docs []timelineDoc
	if err := cur.All(ctx, &docs); err != nil {
		return false, fmt.Errorf("look for abandoned deletions: %w", err)
	}
	for i := range docs {
		if err := s.sweep(ctx, &docs[i]); err != nil {
			return false, err
		}
	}
	return len(docs) > 0, nil
}

// keepIfTimelineLives is the second half of every entry insert: when the timeline is gone
// or being deleted (its sweep may have run before the insert), it removes the entries
// just inserted, by key, and returns ErrNotFound.
func (s *Store) keepIfTimelineLives(ctx context.Context, timelineID string, keys []string) error {
	var d timelineDoc
	err := s.timelines.FindOne(ctx, bson.D{{Key: "_id", Value: timelineID}},
		options.FindOne().SetProjection(bson.D{{Key: "deleting", Value: 1}})).Decode(&d)
	if err == nil && d.Deleting == nil {
		return nil
	}
	// A failed create leaves nothing, whatever failed.
	ctx = context.WithoutCancel(ctx)
	in := bson.D{{Key: "$in", Value: keys}}
	if _, derr := s.entries.DeleteMany(ctx, bson.D{{Key: "_id", Value: in}}); derr != nil {
		return fmt.Errorf("remove entries of deleted timeline %s: %w", timelineID, derr)
	}
	if _, derr := s.entryLog.Log.DeleteMany(ctx, bson.D{{Key: "of", Value: in}}); derr != nil {
		return fmt.Errorf("remove entry revisions of deleted timeline %s: %w", timelineID, derr)
	}
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("read timeline %s: %w", timelineID, err)
	}
	return timeline.TimelineError(timelineID, timeline.ErrNotFound)
}
