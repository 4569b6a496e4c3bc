package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// CreateEntries implements timeline.EntryStore with one unordered insertMany: every entry
// whose id is free is stored, and each taken id comes back as its own write error. Then,
// as CreateEntry, it checks that the timeline is still there.
func (s *Store) CreateEntries(ctx context.Context, entries []*timeline.Entry) ([]error, error) {
	out := make([]error, len(entries))
	if len(entries) == 0 {
		return out, nil
	}
	timelineID := entries[0].TimelineID
	docs := make([]any, len(entries))
	keys := make([]string, len(entries))
	for i, e := range entries {
		if e.TimelineID != timelineID {
			return nil, fmt.Errorf("insert entries: entries of timelines %s and %s in one call", timelineID, e.TimelineID)
		}
		docs[i] = toEntryDoc(e)
		keys[i] = entryKey(e.TimelineID, e.ID)
	}
	_, err := s.entries.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	err = takenIDs(err, entries, out)
	// Even a failed insert may have stored some: they must not outlive the timeline.
	if lerr := s.keepIfTimelineLives(ctx, timelineID, keys); lerr != nil {
		return nil, lerr
	}
	if err != nil {
		return nil, err
	}
	var created []string
	for i, k := range keys {
		if out[i] == nil {
			created = append(created, k)
		}
	}
	if len(created) > 0 {
		if err := s.clearStaleRevisions(ctx, created...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// takenIDs sets, in out, the ErrAlreadyExists of each entry whose id the insert found
// taken, and returns the error of anything else that went wrong.
func takenIDs(err error, entries []*timeline.Entry, out []error) error {
	var bulk mongo.BulkWriteException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &bulk) || bulk.WriteConcernError != nil:
		return fmt.Errorf("insert entries: %w", err)
	}
	for _, we := range bulk.WriteErrors {
		if we.Index < 0 || we.Index >= len(out) {
			return fmt.Errorf("insert entries: %w", err)
		}
		e := entries[we.Index]
		if !mongodb.IsDuplicateKey(we) {
			return fmt.Errorf("insert entry %s/%s: %w", e.TimelineID, e.ID, we)
		}
		out[we.Index] = timeline.EntryError(e.TimelineID, e.ID, timeline.ErrAlreadyExists)
	}
	return nil
}

// fingerprintFields is what duplicate detection reads of an entry.
var fingerprintFields = bson.D{
	{Key: "entry", Value: 1}, {Key: "text_hash", Value: 1}, {Key: "minhash", Value: 1}, {Key: "shingles", Value: 1},
}

// Repeats implements timeline.FingerprintStore.
func (s *Store) Repeats(ctx context.Context, timelineID string, fp dedupe.Fingerprint) ([]timeline.Fingerprinted, error) {
	or := bson.A{bson.D{{Key: "text_hash", Value: fp.Exact}}}
	if bands := dedupe.BandKeys(fp); len(bands) > 0 {
		or = append(or, bson.D{{Key: "bands", Value: bson.D{{Key: "$in", Value: bands}}}})
	}
	return s.fingerprints(ctx, bson.D{{Key: "timeline", Value: timelineID}, {Key: "$or", Value: or}})
}

// Fingerprints implements timeline.FingerprintStore.
func (s *Store) Fingerprints(ctx context.Context, timelineID string) ([]timeline.Fingerprinted, error) {
	return s.fingerprints(ctx, bson.D{{Key: "timeline", Value: timelineID}})
}

func (s *Store) fingerprints(ctx context.Context, filter bson.D) ([]timeline.Fingerprinted, error) {
	cur, err := s.entries.Find(ctx, filter, options.Find().SetProjection(fingerprintFields))
	if err != nil {
		return nil, fmt.Errorf("read fingerprints: %w", err)
	}
	var docs []entryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read fingerprints: %w", err)
	}
	out := make([]timeline.Fingerprinted, len(docs))
	for i := range docs {
		out[i] = timeline.Fingerprinted{ID: docs[i].Entry, Fingerprint: docs[i].fingerprint()}
	}
	return out, nil
}
