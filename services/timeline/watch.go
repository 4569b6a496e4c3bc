package timeline

import (
	"context"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/timeline/visibility"
)

// WatchEntries implements timelinev1.TimelineServiceServer.
func (s *Server) WatchEntries(req *timelinev1.WatchEntriesRequest, stream timelinev1.TimelineService_WatchEntriesServer) (err error) {
	defer returnAPIError(&err)
	ctx := stream.Context()
	timelineID, err := parseTimelineName("parent", req.GetParent())
	if err != nil {
		return err
	}
	_, audience, err := s.visibleTimeline(ctx, timelineID, req.GetView())
	if err != nil {
		return err
	}
	t, err := s.feed.watch(ctx, timelineID)
	if err != nil {
		return err
	}
	defer s.feed.release(t)
	w := newWatcher(s.feed.opts.Buffer)
	ws := &watchStream{stream: stream, audience: audience}
	defer t.unsubscribe(w)

	switch start := req.GetStart().(type) {
	case *timelinev1.WatchEntriesRequest_SnapshotSize:
		if err := ws.snapshot(ctx, t, w, int(start.SnapshotSize)); err != nil {
			return err
		}
	case *timelinev1.WatchEntriesRequest_AfterSequence:
		if err := ws.replay(ctx, t, w, start.AfterSequence); err != nil {
			return err
		}
	default:
		ws.at = t.subscribe(w)
	}
	return ws.follow(ctx, t, w, s.feed)
}

// watchStream is one watch stream: what its client may see and where it is.
type watchStream struct {
	stream   timelinev1.TimelineService_WatchEntriesServer
	audience visibility.Audience
	at       int64 // the last sequence number the client has been brought past
	// seen holds the revisions the snapshot sent, so that events those revisions
	// already reflect are not sent again.
	seen map[string]int64
}

// snapshot subscribes w and sends the timeline and its latest entries as of the head.
func (ws *watchStream) snapshot(ctx context.Context, t *topic, w *watcher, n int) error {
	for {
		t.mu.Lock()
		if t.page != nil {
			entries, _, _ := t.page.first(n, func(e *Entry) bool { return ws.audience.SeesEntry(e.Status) })
			tl := t.timeline
			t.addLocked(w)
			ws.at = t.head
			t.mu.Unlock()
			resp := &timelinev1.WatchEntriesResponse{
				Type: timelinev1.WatchEntriesResponse_SNAPSHOT, Sequence: ws.at, Timeline: tl.proto(),
			}
			ws.seen = make(map[string]int64, len(entries))
			for _, e := range entries {
				resp.Entries = append(resp.Entries, e.proto())
				ws.seen[e.ID] = e.Revision
			}
			return ws.stream.Send(resp)
		}
		t.mu.Unlock()
		// The page is being reloaded: load it here rather than wait for the next poll.
		if err := t.catchUp(ctx); err != nil {
			return err
		}
	}
}

// replay subscribes w and sends every event after seq up to the head it subscribed at,
// from memory when the topic still holds them, else from the database.
func (ws *watchStream) replay(ctx context.Context, t *topic, w *watcher, after int64) error {
	t.mu.Lock()
	if after > t.head {
		t.mu.Unlock()
		// Another replica may have written it: catch up before calling it the future.
		if err := t.catchUp(ctx); err != nil {
			return err
		}
		t.mu.Lock()
	}
	head := t.head
	if after > head {
		t.mu.Unlock()
		return apierror.OutOfRange(apierror.ReasonSequenceAhead, "after_sequence %d is past the timeline's last event, %d", after, head)
	}
	kept, ok := t.since(after)
	t.addLocked(w)
	t.mu.Unlock()
	ws.at = after
	if ok {
		return ws.sendAll(kept)
	}
	const batch = 256
	for ws.at < head {
		events, err := t.feed.store.ReadEvents(ctx, t.id, ws.at, min(batch, int(head-ws.at)))
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return apierror.OutOfRange(apierror.ReasonHistoryExpired,
				"events after %d are no longer kept: start again from a snapshot", ws.at)
		}
		if err := ws.sendAll(events); err != nil {
			return err
		}
	}
	return nil
}

func (ws *watchStream) sendAll(events []*Event) error {
	for _, ev := range events {
		if err := ws.send(ev); err != nil {
			return err
		}
	}
	return nil
}

// follow sends the events w receives, and heartbeats, until the stream or the topic ends.
func (ws *watchStream) follow(ctx context.Context, t *topic, w *watcher, f *feed) error {
	heartbeat := time.NewTicker(f.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case ev := <-w.events:
			if ev.Seq <= ws.at {
				continue // already sent while replaying
			}
			if err := ws.send(ev); err != nil {
				return err
			}
			if ev.Timeline != nil && !ws.audience.SeesTimeline(ev.Timeline.Status) {
				// The timeline went back to DRAFT: for this audience it is gone, and so
				// is what would still be written to it.
				return apierror.NotFound(timelineName(t.id))
			}
			heartbeat.Reset(f.opts.Heartbeat)
		case <-heartbeat.C:
			if err := ws.stream.Send(&timelinev1.WatchEntriesResponse{
				Type: timelinev1.WatchEntriesResponse_HEARTBEAT, Sequence: ws.at,
			}); err != nil {
				return err
			}
		case <-w.done:
			// Deliver what was queued before the watcher was dropped, then say why.
			for {
				select {
				case ev := <-w.events:
					if ev.Seq > ws.at {
						if err := ws.send(ev); err != nil {
							return err
						}
					}
				default:
					return w.reason
				}
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// send sends ev as the stream's audience may see it, or nothing, and moves the stream
// past it either way.
func (ws *watchStream) send(ev *Event) error {
	ws.at = ev.Seq
	resp := ws.view(ev)
	if resp == nil {
		return nil
	}
	return ws.stream.Send(resp)
}

// view is ev as the audience sees it, or nil when it may not see it or already has.
func (ws *watchStream) view(ev *Event) *timelinev1.WatchEntriesResponse {
	resp := &timelinev1.WatchEntriesResponse{Type: ev.Type, Sequence: ev.Seq, EventTime: toTimestamp(ev.Time)}
	if ev.Timeline != nil {
		if !ws.audience.SeesTimeline(ev.Timeline.Status) {
			return nil
		}
		resp.Timeline = ev.Timeline.proto()
		return resp
	}
	e := ev.Entry
	if rev, ok := ws.seen[e.ID]; ok && rev >= e.Revision && ev.Type != timelinev1.WatchEntriesResponse_ENTRY_DELETED {
		return nil
	}
	deleted := ev.Type == timelinev1.WatchEntriesResponse_ENTRY_DELETED
	switch ws.audience.SeesChange(ev.PrevStatus, e.Status, deleted) {
	case visibility.Hidden:
		return nil
	case visibility.Appears:
		resp.Type = timelinev1.WatchEntriesResponse_ENTRY_CREATED
	case visibility.Disappears:
		// Say that it went, not what it was.
		if !deleted {
			resp.Type = timelinev1.WatchEntriesResponse_ENTRY_RETRACTED
		}
		resp.Entry = &timelinev1.Entry{Name: e.Name()}
		return resp
	}
	if deleted {
		resp.Entry = &timelinev1.Entry{Name: e.Name()}
		return resp
	}
	resp.Entry = e.proto()
	return resp
}
