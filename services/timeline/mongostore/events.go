package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// eventDoc is one event of a timeline; _id is "{timeline}/{sequence}".
//
// Sequence numbers are allocated by inserting under that _id: the insert is atomic on
// every server, so two writers never share a number, and a writer takes n+1 only after
// seeing n, so numbers are dense and become visible in order. Followers poll the
// timeline's head (headDoc) and read the log only when it moved.
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
	// Ref is the _id of the entry, for events of bulk imports, which leave the entry out
	// (it was just written, and writing it twice would halve an import's speed): readers
	// take the entry as it is when they read the event.
	Ref string `bson:"ref,omitempty"`
}

func eventID(timelineID string, seq int64) string { return fmt.Sprintf("%s/%d", timelineID, seq) }

// appendAttempts bounds the sequence numbers one append tries before giving up: each
// failed try means another writer took the number, so many in a row means a storm.
const appendAttempts = 100

// headDoc is a timeline's last sequence number, raised after every append. It is what
// followers poll: one small document, where reading the log itself would cost a query
// (FerretDB serves even _id lookups by scanning the collection).
type headDoc struct {
	ID  string `bson:"_id"` // the timeline
	SV  int    `bson:"sv"`
	Seq int64  `bson:"seq"`
}

// AppendEvent implements timeline.EventLog.
func (s *Store) AppendEvent(ctx context.Context, ev *timeline.Event) error {
	return s.appendEvents(ctx, []*timeline.Event{ev}, false)
}

// AppendEvents implements timeline.EventLog with ordered insertMany calls: the events take
// the next free numbers in order; when another writer has taken one, the insert stops
// there and the rest try the numbers after it. A number is tried only once the one
// before it is known to exist (from the head, or from a failed insert), which keeps the
// numbers dense and visible in order.
// Events of created entries refer to their entry instead of holding a copy.
func (s *Store) AppendEvents(ctx context.Context, events []*timeline.Event) error {
	return s.appendEvents(ctx, events, true)
}

func (s *Store) appendEvents(ctx context.Context, events []*timeline.Event, refer bool) error {
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
		if refer && ev.Type == timelinev1.WatchEntriesResponse_ENTRY_CREATED && ev.Entry != nil {
			docs[i].Ref, docs[i].Entry = docs[i].Entry.Key, nil
		}
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
		case err != nil && mongodb.IsDuplicateKey(err) && len(pending) == 1:
			inserted = 0
		case err != nil:
			return fmt.Errorf("append events to timeline %s: %w", timelineID, err)
		}
		for _, d := range docs[done : done+inserted] {
			events[done].Seq = d.Seq
			done++
		}
		// The number after the last one inserted is taken (or all went in): go on after it.
		last += int64(inserted) + 1
		if done == len(docs) {
			last--
		}
	}
	s.lastSeq.Store(timelineID, last)
	// A failure here leaves the head behind the log until the next append, which finds
	// its numbers taken and moves past them: followers then see these events late.
	// FerretDB applies $max by reading, then writing: raises from this process take
	// turns, so that none puts back a lower head. Replicas on FerretDB can still do so;
	// the next append raises it again (on MongoDB, $max is atomic).
	defer s.headLocks.Lock(timelineID)()
	raise := func() error {
		_, err := s.heads.UpdateOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: timelineID}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: last}}}, {Key: "$set", Value: bson.D{{Key: "sv", Value: schemaVersion}}}},
			options.UpdateOne().SetUpsert(true))
		return err
	}
	err = raise()
	if mongodb.IsDuplicateKey(err) {
		// Two first appends upserted the head at once and one insert lost: the head
		// exists now, so this is an update.
		err = raise()
	}
	if err != nil {
		return fmt.Errorf("raise the head of timeline %s: %w", timelineID, err)
	}
	return nil
}

// LastSequence implements timeline.EventLog: the head, or the highest number this process
// wrote if that is higher (the head of another replica's write may lag behind). Events
// after it may exist when a writer failed to raise the head; ReadEvents finds them.
func (s *Store) LastSequence(ctx context.Context, timelineID string) (int64, error) {
	var hint int64
	if v, ok := s.lastSeq.Load(timelineID); ok {
		hint = v.(int64)
	}
	var d headDoc
	err := s.heads.FindOne(ctx, bson.D{{Key: "_id", Value: timelineID}}).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("read the head of timeline %s: %w", timelineID, err)
	}
	return max(hint, d.Seq), nil
}

// ReadEvents implements timeline.EventLog with one query for the events after after, in
// order, stopping at the first number missing.
func (s *Store) ReadEvents(ctx context.Context, timelineID string, after int64, limit int) ([]*timeline.Event, error) {
	cur, err := s.events.Find(ctx,
		bson.D{{Key: "timeline", Value: timelineID}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "timeline", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("read events of timeline %s: %w", timelineID, err)
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read events of timeline %s: %w", timelineID, err)
	}
	if err := s.fillRefs(ctx, docs); err != nil {
		return nil, err
	}
	out := make([]*timeline.Event, 0, len(docs))
	for i := range docs {
		if docs[i].Seq != after+1+int64(i) {
			break
		}
		out = append(out, docs[i].event())
	}
	return out, nil
}

// fillRefs reads, with one query, the entries that events refer to. An entry deleted
// since is left with its name only; its deletion is a later event.
func (s *Store) fillRefs(ctx context.Context, docs []eventDoc) error {
	var refs []string
	for _, d := range docs {
		if d.Ref != "" && d.Entry == nil {
			refs = append(refs, d.Ref)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	cur, err := s.entries.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: refs}}}})
	if err != nil {
		return fmt.Errorf("read the entries of events: %w", err)
	}
	var found []entryDoc
	if err := cur.All(ctx, &found); err != nil {
		return fmt.Errorf("read the entries of events: %w", err)
	}
	byKey := make(map[string]*entryDoc, len(found))
	for i := range found {
		byKey[found[i].Key] = &found[i]
	}
	for i := range docs {
		d := &docs[i]
		if d.Ref == "" || d.Entry != nil {
			continue
		}
		if e, ok := byKey[d.Ref]; ok {
			d.Entry = e
			continue
		}
		d.Entry = &entryDoc{Key: d.Ref, Timeline: d.Timeline, Entry: d.Ref[strings.LastIndex(d.Ref, "/")+1:]}
	}
	return nil
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
