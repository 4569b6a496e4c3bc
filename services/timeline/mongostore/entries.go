package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// entryDoc is an entry. Its _id is "{timeline}/{entry}", so that reading one entry is an
// _id lookup (the one query every MongoDB-compatible server serves from an index).
type entryDoc struct {
	Key         string       `bson:"_id"`
	SV          int          `bson:"sv"`
	Timeline    string       `bson:"timeline"`
	Entry       string       `bson:"entry"`
	Headline    string       `bson:"headline"`
	Body        string       `bson:"body,omitempty"`
	Kind        string       `bson:"kind"`
	Status      string       `bson:"status"`
	Pinned      bool         `bson:"pinned,omitempty"`
	OccurTime   *time.Time   `bson:"occur_time,omitempty"`
	PublishTime *time.Time   `bson:"publish_time,omitempty"`
	SortTime    time.Time    `bson:"sort_time"`
	Authors     []string     `bson:"authors,omitempty"`
	Sources     []sourceDoc  `bson:"sources,omitempty"`
	Mentions    []mentionDoc `bson:"mentions,omitempty"`
	Revision    int64        `bson:"revision"`
	CreateTime  time.Time    `bson:"create_time"`
	UpdateTime  time.Time    `bson:"update_time"`
	ImportKey   string       `bson:"import_key,omitempty"`
	NearDupOf   string       `bson:"near_duplicate_of,omitempty"`
	RevisedBy   string       `bson:"revised_by,omitempty"`
	// Duplicate detection (package dedupe): the exact text hash, the MinHash signature
	// with its shingle count, and the signature's band keys, which Repeats matches among
	// the timeline's entries (they have no index of their own: see Indexes).
	TextHash string  `bson:"text_hash,omitempty"`
	MinHash  []int64 `bson:"minhash,omitempty"`
	Shingles int     `bson:"shingles,omitempty"`
	BandKeys []int64 `bson:"bands,omitempty"`
}

type sourceDoc struct {
	Name string `bson:"name"`
	URL  string `bson:"url,omitempty"`
}

type mentionDoc struct {
	Entity string `bson:"entity"`
	Text   string `bson:"text"`
	Field  string `bson:"field"`
	Start  int    `bson:"start"`
	End    int    `bson:"end"`
}

// revisionDoc is an entry at one revision, in the entry_revisions log; _id is
// "{timeline}/{entry}@{revision}".
type revisionDoc struct {
	ID       string    `bson:"_id"`
	SV       int       `bson:"sv"`
	Of       string    `bson:"of"`
	Timeline string    `bson:"timeline"`
	Revision int64     `bson:"revision"`
	Status   string    `bson:"status"`
	Doc      *entryDoc `bson:"doc"`
}

func entryLogEntry(e *timeline.Entry) *revisionDoc {
	key := entryKey(e.TimelineID, e.ID)
	return &revisionDoc{
		ID: mongodb.LogID(key, e.Revision), SV: schemaVersion, Of: key, Timeline: e.TimelineID,
		Revision: e.Revision, Status: e.Status.String(), Doc: toEntryDoc(e),
	}
}

func entryKey(timelineID, entryID string) string { return timelineID + "/" + entryID }

func toEntryDoc(e *timeline.Entry) *entryDoc {
	d := &entryDoc{
		Key:         entryKey(e.TimelineID, e.ID),
		SV:          schemaVersion,
		Timeline:    e.TimelineID,
		Entry:       e.ID,
		Headline:    e.Headline,
		Body:        e.Body,
		Kind:        e.Kind.String(),
		Status:      e.Status.String(),
		Pinned:      e.Pinned,
		OccurTime:   optTime(e.OccurTime),
		PublishTime: optTime(e.PublishTime),
		SortTime:    e.SortTime(),
		Authors:     e.Authors,
		Revision:    e.Revision,
		CreateTime:  e.CreateTime,
		UpdateTime:  e.UpdateTime,
		ImportKey:   e.ImportKey,
		NearDupOf:   e.NearDuplicateOf,
		RevisedBy:   e.RevisedBy,
		TextHash:    e.Fingerprint.Exact,
		Shingles:    e.Fingerprint.Shingles,
		BandKeys:    dedupe.BandKeys(e.Fingerprint),
	}
	for _, v := range e.Fingerprint.Signature {
		d.MinHash = append(d.MinHash, int64(v))
	}
	for _, s := range e.Sources {
		d.Sources = append(d.Sources, sourceDoc{Name: s.Name, URL: s.URL})
	}
	for _, m := range e.Mentions {
		d.Mentions = append(d.Mentions, mentionDoc{Entity: m.Entity, Text: m.Text, Field: m.Field.String(), Start: m.Start, End: m.End})
	}
	return d
}

func (d *entryDoc) entry() *timeline.Entry {
	e := &timeline.Entry{
		TimelineID:      d.Timeline,
		ID:              d.Entry,
		Headline:        d.Headline,
		Body:            d.Body,
		Kind:            timelinev1.Entry_Kind(timelinev1.Entry_Kind_value[d.Kind]),
		Status:          timelinev1.Entry_Status(timelinev1.Entry_Status_value[d.Status]),
		Pinned:          d.Pinned,
		OccurTime:       fromOptTime(d.OccurTime),
		PublishTime:     fromOptTime(d.PublishTime),
		Authors:         d.Authors,
		Revision:        d.Revision,
		CreateTime:      d.CreateTime.UTC(),
		UpdateTime:      d.UpdateTime.UTC(),
		ImportKey:       d.ImportKey,
		NearDuplicateOf: d.NearDupOf,
		RevisedBy:       d.RevisedBy,
		Fingerprint:     d.fingerprint(),
	}
	for _, s := range d.Sources {
		e.Sources = append(e.Sources, timeline.Source{Name: s.Name, URL: s.URL})
	}
	for _, m := range d.Mentions {
		e.Mentions = append(e.Mentions, timeline.Mention{
			Entity: m.Entity, Text: m.Text, Field: timelinev1.Mention_Field(timelinev1.Mention_Field_value[m.Field]),
			Start: m.Start, End: m.End,
		})
	}
	return e
}

func (d *entryDoc) fingerprint() dedupe.Fingerprint {
	fp := dedupe.Fingerprint{Exact: d.TextHash, Shingles: d.Shingles}
	for _, v := range d.MinHash {
		fp.Signature = append(fp.Signature, uint32(v))
	}
	return fp
}

// CreateEntry implements timeline.EntryStore: it inserts the entry, then checks that
// its timeline is still there (see DeleteTimeline).
func (s *Store) CreateEntry(ctx context.Context, e *timeline.Entry) error {
	key := entryKey(e.TimelineID, e.ID)
	_, err := s.entries.InsertOne(ctx, toEntryDoc(e))
	if mongodb.IsDuplicateKey(err) {
		return timeline.EntryError(e.TimelineID, e.ID, timeline.ErrAlreadyExists)
	}
	if err == nil {
		err = s.clearStaleRevisions(ctx, key)
	}
	if err != nil {
		return fmt.Errorf("insert entry: %w", err)
	}
	return s.keepIfTimelineLives(ctx, e.TimelineID, []string{key})
}

// GetEntry implements timeline.EntryStore.
func (s *Store) GetEntry(ctx context.Context, timelineID, entryID string) (*timeline.Entry, error) {
	var d entryDoc
	err := s.entries.FindOne(ctx, bson.D{{Key: "_id", Value: entryKey(timelineID, entryID)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, timeline.EntryError(timelineID, entryID, timeline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read entry %s/%s: %w", timelineID, entryID, err)
	}
	return d.entry(), nil
}

// ExistingEntries implements timeline.EntryStore with one _id query.
func (s *Store) ExistingEntries(ctx context.Context, timelineID string, entryIDs []string) ([]string, error) {
	if len(entryIDs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(entryIDs))
	for i, id := range entryIDs {
		keys[i] = entryKey(timelineID, id)
	}
	cur, err := s.entries.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}},
		options.Find().SetProjection(bson.D{{Key: "entry", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("look for entries of timeline %s: %w", timelineID, err)
	}
	var docs []struct {
		Entry string `bson:"entry"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("look for entries of timeline %s: %w", timelineID, err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Entry
	}
	return out, nil
}

// ListEntries implements timeline.EntryStore.
func (s *Store) ListEntries(ctx context.Context, q timeline.EntryQuery) ([]*timeline.Entry, error) {
	and := bson.A{bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: enumNames(q.Statuses)}}}}}
	if q.TimelineID != "" {
		and = append(and, bson.D{{Key: "timeline", Value: q.TimelineID}})
	}
	if len(q.Kinds) > 0 {
		and = append(and, bson.D{{Key: "kind", Value: bson.D{{Key: "$in", Value: enumNames(q.Kinds)}}}})
	}
	if q.Mentions != "" {
		and = append(and, bson.D{{Key: "mentions.entity", Value: q.Mentions}})
	}
	if !q.Start.IsZero() {
		and = append(and, bson.D{{Key: "sort_time", Value: bson.D{{Key: "$gte", Value: q.Start}}}})
	}
	if !q.End.IsZero() {
		and = append(and, bson.D{{Key: "sort_time", Value: bson.D{{Key: "$lt", Value: q.End}}}})
	}
	if q.After != nil {
		and = append(and, keysetAfter("sort_time", q.After.SortTime, entryKey(q.After.TimelineID, q.After.EntryID), q.OldestFirst))
	}
	dir := -1
	if q.OldestFirst {
		dir = 1
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "sort_time", Value: dir}, {Key: "_id", Value: dir}}).
		SetLimit(int64(q.Limit))
	return s.findEntries(ctx, bson.D{{Key: "$and", Value: and}}, opts)
}

func (s *Store) findEntries(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]*timeline.Entry, error) {
	cur, err := s.entries.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	var docs []entryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	out := make([]*timeline.Entry, len(docs))
	for i := range docs {
		out[i] = docs[i].entry()
	}
	return out, nil
}

func enumNames[E fmt.Stringer](values []E) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v.String()
	}
	return out
}

// clearStaleRevisions removes revisions left behind by a deleted entry of the same key
// whose deletion was cut short, which must not be taken for the new entry's.
func (s *Store) clearStaleRevisions(ctx context.Context, keys ...string) error {
	if _, err := s.entryLog.Log.DeleteMany(ctx, bson.D{{Key: "of", Value: bson.D{{Key: "$in", Value: keys}}}}); err != nil {
		return fmt.Errorf("clear stale revisions: %w", err)
	}
	return nil
}

// UpdateEntry implements timeline.EntryStore. Entries are created without logging their
// first revision (bulk imports write one document per entry): it is logged here, before
// the next is claimed, so that history stays whole. Later revisions are in the log
// already, as the claims that made them; logging a stale prev again could put a
// revision in the log that the entry never had, for the next claim to roll forward.
func (s *Store) UpdateEntry(ctx context.Context, prev, next *timeline.Entry) error {
	key := entryKey(prev.TimelineID, prev.ID)
	var logged string // the first revision's log entry, when this call wrote it
	if prev.Revision == 1 {
		first := entryLogEntry(prev)
		_, err := s.entryLog.Log.InsertOne(ctx, first)
		switch {
		case err == nil:
			logged = first.ID
		case !mongodb.IsDuplicateKey(err):
			return fmt.Errorf("log revision %d of %s: %w", prev.Revision, key, err)
		}
	}
	err := s.entryLog.Replace(ctx, key, prev.Revision, toEntryDoc(next), entryLogEntry(next))
	if errors.Is(err, mongodb.ErrGone) && logged != "" {
		// No entry to have a history: best effort, a new entry of the key clears it too.
		_, _ = s.entryLog.Log.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: logged}})
	}
	return writeErr(err, prev.TimelineID, prev.ID)
}

// DeleteEntry implements timeline.EntryStore.
func (s *Store) DeleteEntry(ctx context.Context, timelineID, entryID string, revision int64) error {
	err := s.entryLog.Delete(ctx, entryKey(timelineID, entryID), revision)
	return writeErr(err, timelineID, entryID)
}

// ListRevisions implements timeline.EntryStore.
func (s *Store) ListRevisions(ctx context.Context, q timeline.RevisionQuery) ([]*timeline.Entry, error) {
	filter := bson.D{
		{Key: "of", Value: entryKey(q.TimelineID, q.EntryID)},
		{Key: "revision", Value: bson.D{{Key: "$lt", Value: q.Before}}},
		{Key: "status", Value: bson.D{{Key: "$in", Value: enumNames(q.Statuses)}}},
	}
	opts := options.Find().SetSort(bson.D{{Key: "revision", Value: -1}}).SetLimit(int64(q.Limit))
	cur, err := s.entryLog.Log.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	var docs []revisionDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	out := make([]*timeline.Entry, len(docs))
	for i := range docs {
		out[i] = docs[i].Doc.entry()
	}
	return out, nil
}
