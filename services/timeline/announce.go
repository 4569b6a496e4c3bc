package timeline

import (
	"context"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// record appends the event of a write that has succeeded and hands it to the feed. The
// write stands whatever happens here, so a failure is logged, not returned: watchers
// then see the entry's next change instead.
func (s *Server) record(ctx context.Context, ev *Event) {
	ev.Time = s.now()
	ctx = context.WithoutCancel(ctx) // a client hanging up must not lose the event
	if err := s.store.AppendEvent(ctx, ev); err != nil {
		s.logger.ErrorContext(ctx, "record event", "timeline", ev.TimelineID, "type", ev.Type.String(), "err", err)
		return
	}
	s.feed.published(ev)
}

// entryEvent describes the change of an entry from prev (nil when created) to next.
func entryEvent(prev, next *Entry) *Event {
	ev := &Event{TimelineID: next.TimelineID, Entry: next, Type: timelinev1.WatchEntriesResponse_ENTRY_UPDATED}
	if prev == nil {
		ev.Type = timelinev1.WatchEntriesResponse_ENTRY_CREATED
		return ev
	}
	ev.PrevStatus = prev.Status
	switch {
	case next.Status == timelinev1.Entry_RETRACTED && prev.Status != timelinev1.Entry_RETRACTED:
		ev.Type = timelinev1.WatchEntriesResponse_ENTRY_RETRACTED
	case next.Pinned && !prev.Pinned:
		ev.Type = timelinev1.WatchEntriesResponse_ENTRY_PINNED
	case !next.Pinned && prev.Pinned:
		ev.Type = timelinev1.WatchEntriesResponse_ENTRY_UNPINNED
	}
	return ev
}

// recordAll records the events of a bulk write, as record does one.
func (s *Server) recordAll(ctx context.Context, events []*Event) {
	if len(events) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	for _, ev := range events {
		ev.Time = now
	}
	if err := s.store.AppendEvents(ctx, events); err != nil {
		s.logger.ErrorContext(ctx, "record events", "timeline", events[0].TimelineID, "events", len(events), "err", err)
		return
	}
	for _, ev := range events {
		s.feed.published(ev)
	}
}
