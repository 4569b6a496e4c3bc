package timeline

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/etag"
	"github.com/newsroomhq/newsroom/services/platform/fieldmask"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/retry"
	"github.com/newsroomhq/newsroom/services/timeline/visibility"
)

var timelineFields = fieldmask.FieldsOf((&timelinev1.Timeline{}).ProtoReflect().Descriptor())

// CreateTimeline implements timelinev1.TimelineServiceServer.
func (s *Server) CreateTimeline(ctx context.Context, req *timelinev1.CreateTimelineRequest) (_ *timelinev1.Timeline, err error) {
	defer returnAPIError(&err)
	now := s.now()
	t := &Timeline{ID: req.GetTimelineId(), CreateTime: now, UpdateTime: now, Revision: 1}
	if t.ID == "" {
		t.ID = resourceid.New(now)
	}
	if err := checkTimelineTimes(req.GetTimeline()); err != nil {
		return nil, err
	}
	t.setContent(req.GetTimeline())
	if t.Status == timelinev1.Timeline_STATUS_UNSPECIFIED {
		t.Status = timelinev1.Timeline_DRAFT
	}
	if err := s.store.CreateTimeline(ctx, t); err != nil {
		return nil, err
	}
	return t.proto(), nil
}

// GetTimeline implements timelinev1.TimelineServiceServer.
func (s *Server) GetTimeline(ctx context.Context, req *timelinev1.GetTimelineRequest) (_ *timelinev1.Timeline, err error) {
	defer returnAPIError(&err)
	id, err := parseTimelineName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	t, _, err := s.visibleTimeline(ctx, id, req.GetView())
	if err != nil {
		return nil, err
	}
	return t.proto(), nil
}

// visibleTimeline returns the timeline if the audience of view may see it, and
// NOT_FOUND, as if it did not exist, when it may not. Its errors are the API's already:
// the watch stream returns them as they are.
func (s *Server) visibleTimeline(ctx context.Context, id string, view timelinev1.View) (*Timeline, visibility.Audience, error) {
	audience, err := visibility.Resolve(ctx, view, id)
	if err != nil {
		return nil, audience, err
	}
	t, err := s.store.GetTimeline(ctx, id)
	if err != nil {
		return nil, audience, apiError(err)
	}
	if !audience.SeesTimeline(t.Status) {
		return nil, audience, apierror.NotFound(timelineName(id))
	}
	return t, audience, nil
}

// ListTimelines implements timelinev1.TimelineServiceServer.
func (s *Server) ListTimelines(ctx context.Context, req *timelinev1.ListTimelinesRequest) (_ *timelinev1.ListTimelinesResponse, err error) {
	defer returnAPIError(&err)
	audienceOf, err := visibility.Across(ctx, req.GetView())
	if err != nil {
		return nil, err
	}
	// The statuses any timeline's audience may see; each timeline found is then shown
	// only if its own audience sees it and the caller may read it.
	audience := visibility.Public
	if req.GetView() == timelinev1.View_EDITOR {
		audience = visibility.Editor
	}
	q := TimelineQuery{
		Statuses: audience.TimelineStatuses(req.GetStatuses()),
		Tag:      req.GetTag(),
		Slug:     req.GetSlug(),
		Limit:    pageSize(req.GetPageSize()),
	}
	fingerprint := pagetoken.Fingerprint(req)
	if q.After, err = timelineCursor(req.GetPageToken(), fingerprint); err != nil {
		return nil, err
	}
	resp := &timelinev1.ListTimelinesResponse{}
	if len(q.Statuses) == 0 {
		return resp, nil
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	found, err := s.store.ListTimelines(ctx, q)
	if err != nil {
		return nil, err
	}
	for i, t := range found {
		if i == limit {
			// From the last timeline looked at: a page may hold fewer than asked when
			// some were left out.
			resp.NextPageToken = timelineToken(found[i-1], fingerprint)
			break
		}
		if audienceOf(t.ID).SeesTimeline(t.Status) && visibility.Readable(ctx, t.ID) {
			resp.Timelines = append(resp.Timelines, t.proto())
		}
	}
	return resp, nil
}

// UpdateTimeline implements timelinev1.TimelineServiceServer.
func (s *Server) UpdateTimeline(ctx context.Context, req *timelinev1.UpdateTimelineRequest) (_ *timelinev1.Timeline, err error) {
	defer returnAPIError(&err)
	patch := req.GetTimeline()
	if patch == nil {
		return nil, apierror.InvalidField("timeline", "required")
	}
	id, err := parseTimelineName("timeline.name", patch.GetName())
	if err != nil {
		return nil, err
	}
	paths, err := timelineFields.Resolve(req.GetUpdateMask(), patch)
	if err != nil {
		return nil, err
	}
	if err := checkTimelineTimes(patch); err != nil {
		return nil, err
	}
	var next Timeline
	err = retry.Default().Do(ctx, againWithoutEtag(patch.GetEtag()), func() error {
		cur, err := s.store.GetTimeline(ctx, id)
		if err != nil {
			return err
		}
		merged := cur.proto()
		if err := etag.Check(patch.GetEtag(), merged.GetEtag(), merged.GetName()); err != nil {
			return err
		}
		fieldmask.Apply(merged, patch, paths)
		if err := s.validator.Check(merged, "timeline"); err != nil {
			return err
		}
		next = *cur
		next.setContent(merged)
		if next.Status == timelinev1.Timeline_STATUS_UNSPECIFIED {
			return apierror.InvalidField("timeline.status", "cannot be cleared")
		}
		next.UpdateTime = s.now()
		next.Revision = cur.Revision + 1
		return s.store.UpdateTimeline(ctx, &next)
	})
	if err != nil {
		return nil, err
	}
	s.record(ctx, &Event{TimelineID: id, Type: timelinev1.WatchEntriesResponse_TIMELINE_UPDATED, Timeline: &next})
	return next.proto(), nil
}

// againWithoutEtag says which failures of a read-modify-write to try again: losing a race
// to another writer, when the client gave no etag and so did not ask to fail on
// concurrent changes.
func againWithoutEtag(etag string) func(error) bool {
	return func(err error) bool { return etag == "" && errors.Is(err, ErrConflict) }
}

// DeleteTimeline implements timelinev1.TimelineServiceServer.
func (s *Server) DeleteTimeline(ctx context.Context, req *timelinev1.DeleteTimelineRequest) (_ *emptypb.Empty, err error) {
	defer returnAPIError(&err)
	id, err := parseTimelineName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	cur, err := s.store.GetTimeline(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := etag.Check(req.GetEtag(), cur.proto().GetEtag(), req.GetName()); err != nil {
		return nil, err
	}
	var revision int64
	if req.GetEtag() != "" {
		revision = cur.Revision
	}
	if err := s.store.DeleteTimeline(ctx, id, revision, req.GetForce()); err != nil {
		return nil, err
	}
	s.feed.forget(id)
	return &emptypb.Empty{}, nil
}

func checkTimelineTimes(t *timelinev1.Timeline) error {
	return checkTimes("timeline.", map[string]*timestamppb.Timestamp{
		"coverage_start_time": t.GetCoverageStartTime(),
		"coverage_end_time":   t.GetCoverageEndTime(),
	})
}
