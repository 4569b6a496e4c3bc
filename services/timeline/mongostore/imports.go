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
// whose id is free is stored, and each taken id comes back as its own write error.
func (s *Store) CreateEntries(ctx context.Context, entries []*timeline.Entry) ([]error, error) {
	out := make([]error, len(entries))
	if len(entries) == 0 {
		return out, nil
	}
	docs := make([]any, len(entries))
	keys := make([]string, len(entries))
	for i, e := range entries {
		docs[i] = toEntryDoc(e)
		keys[i] = entryKey(e.TimelineID, e.ID)
	}
	_, err := s.entries.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	switch {
	case errors.As(err, &bulk):
		if bulk.WriteConcernError != nil {
			return nil, fmt.Errorf("insert entries: %w", err)
		}
		for _, we := range bulk.WriteErrors {
			if we.Index < 0 || we.Index >= len(out) {
				return nil, fmt.Errorf("insert entries: %w", err)
			}
			if !mongodb.IsDuplicateKey(we) {
				return nil, fmt.Errorf("insert entry %s: %w", keys[we.Index], we)
			}
			e := entries[we.Index]
			out[we.Index] = timeline.EntryError(e.TimelineID, e.ID, timeline.ErrAlreadyExists)
		}
	case err != nil:
		return nil, fmt.Errorf("insert entries: %w", err)
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
