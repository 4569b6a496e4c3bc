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
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

type timelineDoc struct {
	ID            string     `bson:"_id"`
	SV            int        `bson:"sv"`
	Title         string     `bson:"title"`
	Slug          string     `bson:"slug"`
	Summary       string     `bson:"summary,omitempty"`
	Status        string     `bson:"status"`
	Tags          []string   `bson:"tags,omitempty"`
	CoverageStart *time.Time `bson:"coverage_start_time,omitempty"`
	CoverageEnd   *time.Time `bson:"coverage_end_time,omitempty"`
	CreateTime    time.Time  `bson:"create_time"`
	UpdateTime    time.Time  `bson:"update_time"`
	Revision      int64      `bson:"revision"`
	// Deleting is when the timeline was marked as being deleted (see DeleteTimeline):
	// it reads as gone from then on.
	Deleting *time.Time `bson:"deleting,omitempty"`
}

func toTimelineDoc(t *timeline.Timeline) *timelineDoc {
	return &timelineDoc{
		ID:            t.ID,
		SV:            schemaVersion,
		Title:         t.Title,
		Slug:          t.Slug,
		Summary:       t.Summary,
		Status:        t.Status.String(),
		Tags:          t.Tags,
		CoverageStart: optTime(t.CoverageStart),
		CoverageEnd:   optTime(t.CoverageEnd),
		CreateTime:    t.CreateTime,
		UpdateTime:    t.UpdateTime,
		Revision:      t.Revision,
	}
}

func (d *timelineDoc) timeline() *timeline.Timeline {
	return &timeline.Timeline{
		ID:            d.ID,
		Title:         d.Title,
		Slug:          d.Slug,
		Summary:       d.Summary,
		Status:        timelinev1.Timeline_Status(timelinev1.Timeline_Status_value[d.Status]),
		Tags:          d.Tags,
		CoverageStart: fromOptTime(d.CoverageStart),
		CoverageEnd:   fromOptTime(d.CoverageEnd),
		CreateTime:    d.CreateTime.UTC(),
		UpdateTime:    d.UpdateTime.UTC(),
		Revision:      d.Revision,
	}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromOptTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// CreateTimeline implements timeline.TimelineStore.
func (s *Store) CreateTimeline(ctx context.Context, t *timeline.Timeline) error {
	d := toTimelineDoc(t)
	if err := s.uniquely(ctx, t, func() error { return s.timelineLog.Insert(ctx, t.ID, d, timelineLogEntry(d)) }); err != nil {
		return fmt.Errorf("insert timeline: %w", err)
	}
	return nil
}

// uniquely runs a write of t that may collide with another timeline on the id or the
// slug. A deletion abandoned half-way that holds either is finished and the write tried
// again; a collision that remains is the store's error for it.
func (s *Store) uniquely(ctx context.Context, t *timeline.Timeline, write func() error) error {
	err := write()
	if mongodb.IsDuplicateKey(err) {
		finished, ferr := s.finishAbandoned(ctx, t)
		if ferr != nil {
			return ferr
		}
		if finished {
			err = write()
		}
	}
	if mongodb.IsDuplicateKey(err) {
		return s.duplicateTimeline(ctx, t)
	}
	return err
}

// duplicateTimeline says which unique key a write collided on. The server's message does
// not reliably name the index (FerretDB's does not), so look.
func (s *Store) duplicateTimeline(ctx context.Context, t *timeline.Timeline) error {
	var other timelineDoc
	err := s.timelines.FindOne(ctx, bson.D{{Key: "slug", Value: t.Slug}}).Decode(&other)
	if err == nil && other.ID != t.ID {
		return &timeline.SlugTakenError{Slug: t.Slug, TimelineID: other.ID}
	}
	return timeline.TimelineError(t.ID, timeline.ErrAlreadyExists)
}

// GetTimeline implements timeline.TimelineStore.
func (s *Store) GetTimeline(ctx context.Context, id string) (*timeline.Timeline, error) {
	var d timelineDoc
	err := s.timelines.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && d.Deleting != nil {
		return nil, timeline.TimelineError(id, timeline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read timeline %s: %w", id, err)
	}
	return d.timeline(), nil
}

// GetTimelines implements timeline.TimelineStore with one query.
func (s *Store) GetTimelines(ctx context.Context, ids []string) ([]*timeline.Timeline, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur, err := s.timelines.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, notDeleting})
	if err != nil {
		return nil, fmt.Errorf("read timelines: %w", err)
	}
	var docs []timelineDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read timelines: %w", err)
	}
	out := make([]*timeline.Timeline, len(docs))
	for i := range docs {
		out[i] = docs[i].timeline()
	}
	return out, nil
}

// ListTimelines implements timeline.TimelineStore.
func (s *Store) ListTimelines(ctx context.Context, q timeline.TimelineQuery) ([]*timeline.Timeline, error) {
	statuses := make([]string, len(q.Statuses))
	for i, st := range q.Statuses {
		statuses[i] = st.String()
	}
	and := bson.A{bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: statuses}}}}, bson.D{notDeleting}}
	if q.Tag != "" {
		and = append(and, bson.D{{Key: "tags", Value: q.Tag}})
	}
	if q.Slug != "" {
		and = append(and, bson.D{{Key: "slug", Value: q.Slug}})
	}
	if q.After != nil {
		and = append(and, keysetAfter("create_time", q.After.CreateTime, q.After.ID, false))
	}
	opts := options.Find().
		SetSort(bson.D{{Key: "create_time", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(q.Limit))
	cur, err := s.timelines.Find(ctx, bson.D{{Key: "$and", Value: and}}, opts)
	if err != nil {
		return nil, fmt.Errorf("list timelines: %w", err)
	}
	var docs []timelineDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list timelines: %w", err)
	}
	out := make([]*timeline.Timeline, len(docs))
	for i := range docs {
		out[i] = docs[i].timeline()
	}
	return out, nil
}

// keysetAfter selects the documents that come after (key, id) in a listing sorted on
// (field, _id), descending unless ascending is set.
func keysetAfter(field string, key any, id string, ascending bool) bson.D {
	op := "$lt"
	if ascending {
		op = "$gt"
	}
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: op, Value: key}}}},
		bson.D{{Key: field, Value: key}, {Key: "_id", Value: bson.D{{Key: op, Value: id}}}},
	}}}
}

// timelineLogDoc is a timeline at one revision, in the timeline_revisions log.
type timelineLogDoc struct {
	ID       string       `bson:"_id"`
	SV       int          `bson:"sv"`
	Of       string       `bson:"of"`
	Revision int64        `bson:"revision"`
	Doc      *timelineDoc `bson:"doc"`
}

func timelineLogEntry(d *timelineDoc) *timelineLogDoc {
	return &timelineLogDoc{ID: mongodb.LogID(d.ID, d.Revision), SV: schemaVersion, Of: d.ID, Revision: d.Revision, Doc: d}
}

// UpdateTimeline implements timeline.TimelineStore.
func (s *Store) UpdateTimeline(ctx context.Context, t *timeline.Timeline) error {
	d := toTimelineDoc(t)
	err := s.uniquely(ctx, t, func() error { return s.timelineLog.Replace(ctx, t.ID, t.Revision-1, d, timelineLogEntry(d)) })
	return writeErr(err, t.ID, "")
}
