package timeline

import (
	"context"
	"errors"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
	"github.com/newsroomhq/newsroom/services/timeline/visibility"
)

// latestPage answers a request for the first page of a timeline's latest entries, the
// one most readers ask for, from the feed's memory: ok is false when it cannot.
func (s *Server) latestPage(ctx context.Context, timelineID string, req *timelinev1.ListEntriesRequest) (*timelinev1.ListEntriesResponse, bool, error) {
	if req.GetPageToken() != "" || req.GetOrder() == timelinev1.Order_OLDEST_FIRST || req.GetStartTime() != nil ||
		req.GetEndTime() != nil || len(req.GetKinds()) > 0 || len(req.GetStatuses()) > 0 || req.GetMentionedEntity() != "" {
		return nil, false, nil
	}
	audience, err := visibility.Resolve(ctx, req.GetView(), timelineID)
	if err != nil {
		return nil, false, err
	}
	t, err := s.feed.read(ctx, timelineID)
	if err != nil {
		if errors.Is(err, ErrNotFound) || ctx.Err() != nil {
			return nil, false, err
		}
		return nil, false, nil // the database path may still answer
	}
	if t == nil {
		return nil, false, nil // not followed: the database answers
	}
	defer s.feed.release(t)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gone || !audience.SeesTimeline(t.timeline.Status) {
		return nil, false, apierror.NotFound(timelineName(timelineID))
	}
	if t.page == nil {
		return nil, false, nil
	}
	entries, more, ok := t.page.first(pageSize(req.GetPageSize()), func(e *Entry) bool { return audience.SeesEntry(e.Status) })
	if !ok {
		return nil, false, nil
	}
	setTimelineStatus(ctx, t.timeline.Status)
	resp := &timelinev1.ListEntriesResponse{Entries: make([]*timelinev1.Entry, len(entries))}
	for i, e := range entries {
		resp.Entries[i] = e.proto()
	}
	if more {
		last := entries[len(entries)-1]
		resp.NextPageToken = pagetoken.Encode(pagetoken.Token{Time: last.SortTime().UnixMilli(), ID: last.ID}, pagetoken.Fingerprint(req))
	}
	return resp, true, nil
}
