package timeline

import (
	"context"
	"slices"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
	"github.com/newsroomhq/newsroom/services/timeline/visibility"
)

// everyTimeline is the parent that lists entries across timelines (AIP-159).
const everyTimeline = "timelines/-"

// maxAcrossRounds bounds the queries one page across timelines makes when entries of
// timelines the caller may not see are left out.
const maxAcrossRounds = 4

// listAcross lists the entries of every timeline that mention an entity, newest first
// unless asked otherwise, as the view may see them: readers get the published entries of
// timelines that are not drafts; the editor view shows everything only of the timelines
// where the caller holds it, and the rest as readers see them. Timelines the caller may
// not read at all are left out.
func (s *Server) listAcross(ctx context.Context, req *timelinev1.ListEntriesRequest) (*timelinev1.ListEntriesResponse, error) {
	if req.GetMentionedEntity() == "" {
		return nil, apierror.InvalidField("mentioned_entity", `required when parent is "timelines/-"`)
	}
	audienceOf, err := visibility.Across(ctx, req.GetView())
	if err != nil {
		return nil, err
	}
	// The statuses any audience may see; each entry is then shown only if the audience
	// of its timeline sees it.
	audience := visibility.Public
	if req.GetView() == timelinev1.View_EDITOR {
		audience = visibility.Editor
	}
	q := EntryQuery{
		OldestFirst: req.GetOrder() == timelinev1.Order_OLDEST_FIRST,
		Statuses:    audience.EntryStatuses(req.GetStatuses()),
		Kinds:       req.GetKinds(),
		Start:       fromTimestamp(req.GetStartTime()),
		End:         fromTimestamp(req.GetEndTime()),
		Mentions:    req.GetMentionedEntity(),
	}
	fingerprint := pagetoken.Fingerprint(req)
	if q.After, err = entryCursor(req.GetPageToken(), fingerprint, ""); err != nil {
		return nil, err
	}
	resp := &timelinev1.ListEntriesResponse{}
	if len(q.Statuses) == 0 {
		return resp, nil
	}
	limit := pageSize(req.GetPageSize())
	seen := map[string]bool{} // timeline id -> whether the audience sees it
	var page []*Entry
	for round := 0; ; round++ {
		q.Limit = limit - len(page) + 1 // one more tells whether there is a next page
		found, err := s.store.ListEntries(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := s.learnTimelines(ctx, audienceOf, found, seen); err != nil {
			return nil, err
		}
		more := len(found) == q.Limit
		if more {
			found = found[:len(found)-1]
		}
		for _, e := range found {
			if seen[e.TimelineID] && audienceOf(e.TimelineID).SeesEntry(e.Status) {
				page = append(page, e)
			}
		}
		if len(found) > 0 {
			q.After = cursorAt(found[len(found)-1])
		}
		switch {
		case !more:
			// The last page.
		case len(page) == limit || round == maxAcrossRounds-1:
			// Full, or enough queries for one page: the next page goes on from the last
			// entry looked at (a page may then hold fewer than asked).
			resp.NextPageToken = entryToken(q.After, true, fingerprint)
		default:
			continue
		}
		break
	}
	for _, e := range page {
		resp.Entries = append(resp.Entries, e.proto())
	}
	return resp, nil
}

// learnTimelines records in seen, with one read, whether the caller may read and its
// audience there sees each timeline of entries that seen does not know yet.
func (s *Server) learnTimelines(ctx context.Context, audienceOf func(string) visibility.Audience, entries []*Entry, seen map[string]bool) error {
	var ids []string
	for _, e := range entries {
		if _, ok := seen[e.TimelineID]; !ok && !slices.Contains(ids, e.TimelineID) {
			ids = append(ids, e.TimelineID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := s.store.GetTimelines(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		seen[id] = false // deleted since: not shown
	}
	for _, t := range found {
		seen[t.ID] = audienceOf(t.ID).SeesTimeline(t.Status) && visibility.Readable(ctx, t.ID)
	}
	return nil
}
