package timeline

import (
	"context"
	"slices"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/etag"
	"github.com/newsroomhq/newsroom/services/platform/fieldmask"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/retry"
	"github.com/newsroomhq/newsroom/services/timeline/visibility"
)

var entryFields = fieldmask.FieldsOf((&timelinev1.Entry{}).ProtoReflect().Descriptor())

// CreateEntry implements timelinev1.TimelineServiceServer.
func (s *Server) CreateEntry(ctx context.Context, req *timelinev1.CreateEntryRequest) (_ *timelinev1.Entry, err error) {
	defer returnAPIError(&err)
	timelineID, err := parseTimelineName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := checkEntryTimes(req.GetEntry()); err != nil {
		return nil, err
	}
	if _, err := s.guardEntries(ctx, timelineID, addingEntries); err != nil {
		return nil, err
	}
	now := s.now()
	e := &Entry{TimelineID: timelineID, ID: req.GetEntryId(), Revision: 1, CreateTime: now, UpdateTime: now}
	if e.ID == "" {
		e.ID = resourceid.New(now)
	}
	e.setContent(req.GetEntry())
	if e.Kind == timelinev1.Entry_KIND_UNSPECIFIED {
		e.Kind = timelinev1.Entry_UPDATE
	}
	if e.Status == timelinev1.Entry_STATUS_UNSPECIFIED {
		e.Status = timelinev1.Entry_DRAFT
	}
	if err := mayChange(ctx, timelineID, nil, e); err != nil {
		return nil, err
	}
	e.RevisedBy = auth.FromContext(ctx).Name
	s.stampPublished(e)
	if err := s.checkMentions(ctx, e); err != nil {
		return nil, err
	}
	if req.GetLinkEntities() {
		if _, err := s.linkEntities(ctx, []*Entry{e}, false); err != nil {
			return nil, err
		}
	}
	e.Fingerprint = dedupe.Of(e.Headline, e.Body)
	if err := s.checkRepeats(ctx, e, req.GetDuplicatePolicy()); err != nil {
		return nil, err
	}
	if err := s.store.CreateEntry(ctx, e); err != nil {
		return nil, err
	}
	s.record(ctx, entryEvent(nil, e))
	return e.proto(), nil
}

func setTimelineStatus(ctx context.Context, st timelinev1.Timeline_Status) {
	// Fails only outside a gRPC call (or after headers went out): nothing to tell then.
	_ = grpc.SetHeader(ctx, metadata.Pairs(apiheader.TimelineStatus, st.String()))
}

// stampPublished records when an entry was first published, unless the client said.
func (s *Server) stampPublished(e *Entry) {
	if e.Status == timelinev1.Entry_PUBLISHED && e.PublishTime.IsZero() {
		e.PublishTime = s.now()
	}
}

func checkEntryTimes(e *timelinev1.Entry) error {
	return checkTimes("entry.", map[string]*timestamppb.Timestamp{
		"occur_time":   e.GetOccurTime(),
		"publish_time": e.GetPublishTime(),
	})
}

// GetEntry implements timelinev1.TimelineServiceServer.
func (s *Server) GetEntry(ctx context.Context, req *timelinev1.GetEntryRequest) (_ *timelinev1.Entry, err error) {
	defer returnAPIError(&err)
	e, err := s.visibleEntry(ctx, req.GetName(), req.GetView())
	if err != nil {
		return nil, err
	}
	return e.proto(), nil
}

// visibleEntry returns the entry if the audience of view may see it and its timeline;
// NOT_FOUND otherwise, as if it did not exist.
func (s *Server) visibleEntry(ctx context.Context, name string, view timelinev1.View) (*Entry, error) {
	timelineID, entryID, err := parseEntryName("name", name)
	if err != nil {
		return nil, err
	}
	_, audience, err := s.visibleTimeline(ctx, timelineID, view)
	if err != nil {
		return nil, err
	}
	e, err := s.store.GetEntry(ctx, timelineID, entryID)
	if err != nil {
		return nil, err
	}
	if !audience.SeesEntry(e.Status) {
		return nil, apierror.NotFound(name)
	}
	return e, nil
}

// ListEntries implements timelinev1.TimelineServiceServer.
func (s *Server) ListEntries(ctx context.Context, req *timelinev1.ListEntriesRequest) (_ *timelinev1.ListEntriesResponse, err error) {
	defer returnAPIError(&err)
	if err := checkTimes("", map[string]*timestamppb.Timestamp{"start_time": req.GetStartTime(), "end_time": req.GetEndTime()}); err != nil {
		return nil, err
	}
	if req.GetParent() == everyTimeline {
		return s.listAcross(ctx, req)
	}
	timelineID, err := parseTimelineName("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if resp, ok, err := s.latestPage(ctx, timelineID, req); ok || err != nil {
		return resp, err
	}
	t, audience, err := s.visibleTimeline(ctx, timelineID, req.GetView())
	if err != nil {
		return nil, err
	}
	setTimelineStatus(ctx, t.Status)
	q := EntryQuery{
		TimelineID:  timelineID,
		OldestFirst: req.GetOrder() == timelinev1.Order_OLDEST_FIRST,
		Statuses:    audience.EntryStatuses(req.GetStatuses()),
		Kinds:       req.GetKinds(),
		Start:       fromTimestamp(req.GetStartTime()),
		End:         fromTimestamp(req.GetEndTime()),
		Mentions:    req.GetMentionedEntity(),
		Limit:       pageSize(req.GetPageSize()),
	}
	fingerprint := pagetoken.Fingerprint(req)
	if q.After, err = entryCursor(req.GetPageToken(), fingerprint, timelineID); err != nil {
		return nil, err
	}
	resp := &timelinev1.ListEntriesResponse{}
	if len(q.Statuses) == 0 {
		return resp, nil
	}

	limit := q.Limit
	q.Limit++
	found, err := s.store.ListEntries(ctx, q)
	if err != nil {
		return nil, err
	}
	for i, e := range found {
		if i == limit {
			resp.NextPageToken = entryToken(cursorAt(found[i-1]), false, fingerprint)
			break
		}
		resp.Entries = append(resp.Entries, e.proto())
	}
	return resp, nil
}

// UpdateEntry implements timelinev1.TimelineServiceServer.
func (s *Server) UpdateEntry(ctx context.Context, req *timelinev1.UpdateEntryRequest) (_ *timelinev1.Entry, err error) {
	defer returnAPIError(&err)
	patch := req.GetEntry()
	if patch == nil {
		return nil, apierror.InvalidField("entry", "required")
	}
	timelineID, entryID, err := parseEntryName("entry.name", patch.GetName())
	if err != nil {
		return nil, err
	}
	paths, err := entryFields.Resolve(req.GetUpdateMask(), patch)
	if err != nil {
		return nil, err
	}
	if err := checkEntryTimes(patch); err != nil {
		return nil, err
	}
	if _, err := s.guardEntries(ctx, timelineID, correctingEntries); err != nil {
		return nil, err
	}
	var cur, next *Entry
	err = retry.Default().Do(ctx, againWithoutEtag(patch.GetEtag()), func() error {
		var err error
		if cur, err = s.store.GetEntry(ctx, timelineID, entryID); err != nil {
			return err
		}
		if next, err = s.revised(ctx, cur, patch, paths, req.GetLinkEntities()); err != nil || next == nil {
			return err
		}
		if err := mayChange(ctx, timelineID, cur, next); err != nil {
			return err
		}
		return s.store.UpdateEntry(ctx, cur, next)
	})
	switch {
	case err != nil:
		return nil, err
	case next == nil:
		return cur.proto(), nil // nothing changes: no new revision
	}
	s.record(ctx, entryEvent(cur, next))
	return next.proto(), nil
}

// revised is cur with the fields of patch named by paths, at the next revision, or nil
// when that changes nothing.
func (s *Server) revised(ctx context.Context, cur *Entry, patch *timelinev1.Entry, paths []string, link bool) (*Entry, error) {
	before := cur.proto()
	if err := etag.Check(patch.GetEtag(), before.GetEtag(), before.GetName()); err != nil {
		return nil, err
	}
	merged := proto.Clone(before).(*timelinev1.Entry)
	fieldmask.Apply(merged, patch, paths)
	if proto.Equal(merged, before) {
		return nil, nil
	}
	if err := s.validator.Check(merged, "entry"); err != nil {
		return nil, err
	}
	next := *cur
	next.setContent(merged)
	switch {
	case next.Kind == timelinev1.Entry_KIND_UNSPECIFIED:
		return nil, apierror.InvalidField("entry.kind", "cannot be cleared")
	case next.Status == timelinev1.Entry_STATUS_UNSPECIFIED:
		return nil, apierror.InvalidField("entry.status", "cannot be cleared")
	}
	s.stampPublished(&next)
	if slices.Contains(paths, "mentions") {
		if err := s.checkMentions(ctx, &next); err != nil {
			return nil, err
		}
	} else if next.Headline != cur.Headline || next.Body != cur.Body {
		next.Mentions = reanchor(cur.Mentions, &next)
	}
	if link {
		if _, err := s.linkEntities(ctx, []*Entry{&next}, false); err != nil {
			return nil, err
		}
	}
	next.Fingerprint = dedupe.Of(next.Headline, next.Body)
	next.Revision = cur.Revision + 1
	next.UpdateTime = s.now()
	next.RevisedBy = auth.FromContext(ctx).Name
	return &next, nil
}

// DeleteEntry implements timelinev1.TimelineServiceServer.
func (s *Server) DeleteEntry(ctx context.Context, req *timelinev1.DeleteEntryRequest) (_ *emptypb.Empty, err error) {
	defer returnAPIError(&err)
	timelineID, entryID, err := parseEntryName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if _, err := s.guardEntries(ctx, timelineID, correctingEntries); err != nil {
		return nil, err
	}
	cur, err := s.store.GetEntry(ctx, timelineID, entryID)
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
	if err := s.store.DeleteEntry(ctx, timelineID, entryID, revision); err != nil {
		return nil, err
	}
	s.record(ctx, &Event{
		TimelineID: timelineID, Type: timelinev1.WatchEntriesResponse_ENTRY_DELETED, Entry: cur, PrevStatus: cur.Status,
	})
	return &emptypb.Empty{}, nil
}

// ListEntryRevisions implements timelinev1.TimelineServiceServer.
func (s *Server) ListEntryRevisions(ctx context.Context, req *timelinev1.ListEntryRevisionsRequest) (_ *timelinev1.ListEntryRevisionsResponse, err error) {
	defer returnAPIError(&err)
	cur, err := s.visibleEntry(ctx, req.GetName(), req.GetView())
	if err != nil {
		return nil, err
	}
	audience, err := visibility.Resolve(ctx, req.GetView(), cur.TimelineID)
	if err != nil {
		return nil, err
	}
	fingerprint := pagetoken.Fingerprint(req)
	after, err := decodeToken(req.GetPageToken(), fingerprint)
	if err != nil {
		return nil, err
	}
	limit := pageSize(req.GetPageSize())
	resp := &timelinev1.ListEntryRevisionsResponse{}
	before := cur.Revision
	var page []*Entry
	if after == nil {
		page = append(page, cur) // the current revision heads the first page
	} else {
		n, err := strconv.ParseInt(after.ID, 10, 64)
		if err != nil || n < 1 || n > cur.Revision {
			return nil, apierror.InvalidPageToken()
		}
		before = n
	}
	older, err := s.store.ListRevisions(ctx, RevisionQuery{
		TimelineID: cur.TimelineID, EntryID: cur.ID, Before: before,
		Statuses: audience.EntryStatuses(nil), Limit: limit + 1 - len(page),
	})
	if err != nil {
		return nil, err
	}
	page = append(page, older...)
	if len(page) > limit {
		page = page[:limit]
		resp.NextPageToken = pagetoken.Encode(pagetoken.Token{ID: strconv.FormatInt(page[limit-1].Revision, 10)}, fingerprint)
	}
	for _, e := range page {
		p := e.proto()
		if audience == visibility.Editor {
			p.RevisedBy = e.RevisedBy // who works in the newsroom is the newsroom's business
		}
		resp.Revisions = append(resp.Revisions, p)
	}
	return resp, nil
}
