package timeline

import (
	"context"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// entryChange is what a write does to a timeline's entries.
type entryChange int

const (
	addingEntries     entryChange = iota // creates and imports
	correctingEntries                    // updates and deletes
)

// guardEntries is the check before every write to a timeline's entries: it loads the
// timeline and applies its status rules. Nothing changes in an ARCHIVED timeline,
// deletes included; a CLOSED one takes corrections but no new entries.
func (s *Server) guardEntries(ctx context.Context, timelineID string, change entryChange) (*Timeline, error) {
	t, err := s.store.GetTimeline(ctx, timelineID)
	if err != nil {
		return nil, err
	}
	switch {
	case t.Status == timelinev1.Timeline_ARCHIVED:
		return nil, apierror.FailedPrecondition(apierror.ReasonTimelineArchived, "%s is ARCHIVED: its entries cannot change", timelineName(t.ID))
	case t.Status == timelinev1.Timeline_CLOSED && change == addingEntries:
		return nil, apierror.FailedPrecondition(apierror.ReasonTimelineClosed,
			"%s is CLOSED: set its status to LIVE to add entries (existing entries can still be corrected)", timelineName(t.ID))
	}
	return t, nil
}
