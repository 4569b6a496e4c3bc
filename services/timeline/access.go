package timeline

import (
	"context"

	"google.golang.org/grpc/codes"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/auth"
)

// mayChange checks that the caller may change an entry of the timeline from prev (nil
// when it creates it) to next. The interceptor has let through callers who may write
// entries there (WRITE_ENTRIES); without PUBLISH_ENTRIES (contributors) that is drafts
// only: created as drafts, and changed only while they are and stay drafts, and never
// pinned or unpinned, which is an editor's call.
func mayChange(ctx context.Context, timelineID string, prev, next *Entry) error {
	if auth.FromContext(ctx).Can(auth.PublishEntries, timelineID) {
		return nil
	}
	draft := timelinev1.Entry_DRAFT
	wasDraft, wasPinned := prev == nil || prev.Status == draft, prev != nil && prev.Pinned
	if wasDraft && next.Status == draft && wasPinned == next.Pinned {
		return nil
	}
	return &apierror.Error{
		Code: codes.PermissionDenied, Reason: apierror.ReasonPermissionDenied,
		Message:  "without PUBLISH_ENTRIES (an editor's) only DRAFT entries may be created or changed, and none pinned",
		Metadata: map[string]string{"permission": auth.PublishEntries.String(), "timeline": timelineName(timelineID)},
	}
}
