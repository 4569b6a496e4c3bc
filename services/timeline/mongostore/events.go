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
	"github.com/newsroomhq/newsroom/services/internal/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// eventDoc is one event of a timeline; _id is "{timeline}/{sequence}".
//
// Sequence numbers are allocated by inserting under that _id: the insert is atomic on
// every server, so two writers never share a number, and a writer takes n+1 only after
// seeing n, so numbers are dense and become visible in order. Readers fetch events by
// _id, the one lookup every MongoDB-compatible server answers from an index.
type eventDoc struct {
	ID         string       `bson:"_id"`
	SV         int          `bson:"sv"`
	Timeline   string       `bson:"timeline"`
	Seq        int64        `bson:"seq"`
	Type       string       `bson:"type"`
	Time       time.Time    `bson:"time"`
	PrevStatus string       `bson:"prev_status,omitempty"`
	Entry      *entryDoc    `bson:"entry,omitempty"`
	TimelineAt *timelineDoc `bson:"timeline_at,omitempty"`
}

func eventID(timelineID string, seq int64) string { return fmt.Sprintf("%s/%d", timelineID, seq) }

// appendAttempts bounds the sequence numbers one append tries before giving up: each
// failed try means another writer took the number, so many in a row means a storm.
const appendAttempts = 100

// AppendEvent implements timeline.Store.
func (s *Store) AppendEvent(ctx context.Context, ev *timeline.Event) error {
	d := toEventDoc(ev)
	last, err := s.LastSequence(ctx, ev.TimelineID)
	if err != nil {
		return err
	}
	for range appendAttempts {
		d.Seq = last + 1
		d.ID = eventID(ev.TimelineID, d.Seq)
		_, err := s.events.InsertOne(ctx, d)
		if err == nil {
			ev.Seq = d.Seq
			s.lastSeq.Store(ev.TimelineID, d.Seq)
			return nil
		}
		if !mongodb.IsDuplicateKey(err) {
			return fmt.Errorf("append event to timeline %s: %w", ev.TimelineID, err)
		}
		if last, err = s.lastFrom(ctx, ev.TimelineID, d.Seq); err != nil {
			return err
		}
	}
	return fmt.Errorf("append event to timeline %s: no free sequence number after %d tries", ev.TimelineID, appendAttempts)
}

func toEventDoc(ev *timeline.Event) *eventDoc {
	d := &eventDoc{SV: schemaVersion, Timeline: ev.TimelineID, Type: ev.Type.String(), Time: ev.Time}
	if ev.PrevStatus != timelinev1.Entry_STATUS_UNSPECIFIED {
		d.PrevStatus = ev.PrevStatus.String()
	}
	if ev.Entry != nil {
		d.Entry = toEntryDoc(ev.Entry)
		// Events do not need what duplicate detection reads.
		d.Entry.TextHash, d.Entry.MinHash, d.Entry.Shingles, d.Entry.BandKeys = "", nil, 0, nil
	}
	if ev.Timeline != nil {
		d.TimelineAt = toTimelineDoc(ev.Timeline)
	}
	return d
}

// LastSequence implements timeline.Store.
func (s *Store) LastSequence(ctx context.Context, timelineID string) (int64, error) {
	if v, ok := s.lastSeq.Load(timelineID); ok {
		return s.lastFrom(ctx, timelineID, v.(int64))
	}
	// Nothing known here yet: ask for the highest number (older events may have been
	// trimmed, so counting up from 1 would not do), then look past it for any written
	// since.
	var d struct {
		Seq int64 `bson:"seq"`
	}
	err := s.events.FindOne(ctx, bson.D{{Key: "timeline", Value: timelineID}},
		options.FindOne().SetSort(bson.D{{Key: "timeline", Value: 1}, {Key: "seq", Value: -1}})).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("find the last event of timeline %s: %w", timelineID, err)
	}
	return s.lastFrom(ctx, timelineID, d.Seq)
}

// lastFrom finds the last sequence number from known, one that exists (or 0), by
// galloping then bisecting over _id lookups: O(log n) cheap reads whatever the server.
func (s *Store) lastFrom(ctx context.Context, timelineID string, known int64) (int64, error) {
	lo, step := known, int64(1)
	for {
		ok, err := s.eventExists(ctx, timelineID, lo+step)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo += step
		step *= 2
	}
	hi := lo + step // missing
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := s.eventExists(ctx, timelineID, mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	s.lastSeq.Store(timelineID, lo)
	return lo, nil
}

func (s *Store) eventExists(ctx context.Context, timelineID string, seq int64) (bool, error) {
	n, err := s.events.CountDocuments(ctx, bson.D{{Key: "_id", Value: eventID(timelineID, seq)}})
	if err != nil {
		return false, fmt.Errorf("look up event %d of timeline %s: %w", seq, timelineID, err)
	}
	return n > 0, nil
}

// ReadEvents implements timeline.Store.
func (s *Store) ReadEvents(ctx context.Context, timelineID string, after int64, limit int) ([]*timeline.Event, error) {
	var out []*timeline.Event
	for seq := after + 1; len(out) < limit; seq++ {
		var d eventDoc
		err := s.events.FindOne(ctx, bson.D{{Key: "_id", Value: eventID(timelineID, seq)}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read event %d of timeline %s: %w", seq, timelineID, err)
		}
		out = append(out, d.event())
	}
	return out, nil
}

func (d *eventDoc) event() *timeline.Event {
	ev := &timeline.Event{
		TimelineID: d.Timeline,
		Seq:        d.Seq,
		Type:       timelinev1.WatchEntriesResponse_Type(timelinev1.WatchEntriesResponse_Type_value[d.Type]),
		Time:       d.Time.UTC(),
		PrevStatus: timelinev1.Entry_Status(timelinev1.Entry_Status_value[d.PrevStatus]),
	}
	if d.Entry != nil {
		ev.Entry = d.Entry.entry()
	}
	if d.TimelineAt != nil {
		ev.Timeline = d.TimelineAt.timeline()
	}
	return ev
}

// Notifications implements timeline.Notifier with a MongoDB change stream on the event
// log: the id of each timeline that gets an event, as it is written. Servers without
// change streams (FerretDB, a standalone mongod) return timeline.ErrNoNotifications, and
// the service polls instead.
func (s *Store) Notifications(ctx context.Context) (<-chan string, error) {
	pipeline := mongo.Pipeline{bson.D{{Key: "$match", Value: bson.D{{Key: "operationType", Value: "insert"}}}}}
	cs, err := s.events.Watch(ctx, pipeline, options.ChangeStream().SetBatchSize(256))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", timeline.ErrNoNotifications, err)
	}
	out := make(chan string, 256)
	go func() {
		defer close(out)
		defer func() { _ = cs.Close(context.WithoutCancel(ctx)) }()
		for cs.Next(ctx) {
			var change struct {
				Doc struct {
					Timeline string `bson:"timeline"`
				} `bson:"fullDocument"`
			}
			if cs.Decode(&change) != nil {
				continue
			}
			select {
			case out <- change.Doc.Timeline:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// AppendEvents implements timeline.Store with ordered insertMany calls: the events take
// the next free numbers in order; when another writer takes one first, the insert stops
// there and the rest go after the other writer's.
func (s *Store) AppendEvents(ctx context.Context, events []*timeline.Event) error {
	if len(events) == 0 {
		return nil
	}
	timelineID := events[0].TimelineID
	docs := make([]*eventDoc, len(events))
	for i, ev := range events {
		if ev.TimelineID != timelineID {
			return fmt.Errorf("append events: events of timelines %s and %s in one call", timelineID, ev.TimelineID)
		}
		docs[i] = toEventDoc(ev)
	}
	last, err := s.LastSequence(ctx, timelineID)
	if err != nil {
		return err
	}
	done := 0
	for attempt := 0; done < len(docs); attempt++ {
		if attempt == appendAttempts {
			return fmt.Errorf("append events to timeline %s: no free sequence numbers after %d tries", timelineID, attempt)
		}
		pending := make([]any, 0, len(docs)-done)
		for i, d := range docs[done:] {
			d.Seq = last + 1 + int64(i)
			d.ID = eventID(timelineID, d.Seq)
			pending = append(pending, d)
		}
		_, err := s.events.InsertMany(ctx, pending, options.InsertMany().SetOrdered(true))
		inserted := len(pending)
		var bulk mongo.BulkWriteException
		switch {
		case errors.As(err, &bulk) && len(bulk.WriteErrors) > 0 && mongodb.IsDuplicateKey(bulk.WriteErrors[0]):
			inserted = bulk.WriteErrors[0].Index
		case err != nil:
			return fmt.Errorf("append events to timeline %s: %w", timelineID, err)
		}
		for _, d := range docs[done : done+inserted] {
			events[done].Seq = d.Seq
			done++
		}
		if last, err = s.lastFrom(ctx, timelineID, last+int64(inserted)); err != nil {
			return err
		}
	}
	return nil
}
