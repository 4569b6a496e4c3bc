// Package visibility decides what a caller may see of timelines and entries. It is the one
// place where that rule lives: the caller (services/platform/auth) asks for a view, and its
// roles on each timeline decide whether it may have the editor view there.
package visibility

import (
	"context"
	"slices"

	"google.golang.org/grpc/codes"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/auth"
)

// Audience is who is reading.
type Audience int

const (
	// Public readers see non-DRAFT timelines and PUBLISHED entries only.
	Public Audience = iota
	// Editors see everything.
	Editor
)

// Resolve returns the audience of a read of the timeline with this id that asked for
// view. The editor view needs EDITOR_VIEW (contributor or more) on that timeline: a
// caller without a credential is UNAUTHENTICATED, another PERMISSION_DENIED, whether the
// timeline exists or not.
func Resolve(ctx context.Context, view timelinev1.View, timelineID string) (Audience, error) {
	if view != timelinev1.View_EDITOR {
		return Public, nil
	}
	p := auth.FromContext(ctx)
	if p.Can(auth.EditorView, timelineID) {
		return Editor, nil
	}
	return Public, refused(p, "timelines/"+timelineID)
}

// Across returns, for a read across timelines that asked for view, the audience of each
// timeline: the editor view where the caller holds EDITOR_VIEW, the public view
// elsewhere. The editor view needs EDITOR_VIEW on at least one timeline.
func Across(ctx context.Context, view timelinev1.View) (func(timelineID string) Audience, error) {
	if view != timelinev1.View_EDITOR {
		return func(string) Audience { return Public }, nil
	}
	p := auth.FromContext(ctx)
	if !p.Holds(auth.EditorView) {
		return nil, refused(p, "")
	}
	return func(id string) Audience {
		if p.Can(auth.EditorView, id) {
			return Editor
		}
		return Public
	}, nil
}

// Readable reports whether the caller may read the timeline with this id at all: every
// caller may where anonymous reads are allowed; otherwise only where it holds READ.
// Lists across timelines leave out the others.
func Readable(ctx context.Context, timelineID string) bool {
	return auth.FromContext(ctx).Can(auth.Read, timelineID)
}

func refused(p *auth.Principal, timeline string) error {
	meta := map[string]string{"permission": auth.EditorView.String()}
	msg := "the EDITOR view is not granted"
	if timeline != "" {
		meta["timeline"] = timeline
		msg += " on " + timeline
	}
	if p.Anonymous() {
		return &apierror.Error{Code: codes.Unauthenticated, Reason: apierror.ReasonCredentialsMissing,
			Message: "the EDITOR view needs a credential: send \"authorization: Bearer <API key or token>\""}
	}
	return &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.ReasonPermissionDenied, Message: msg, Metadata: meta}
}

// SeesTimeline reports whether the audience may see a timeline with this status.
func (a Audience) SeesTimeline(s timelinev1.Timeline_Status) bool {
	return a == Editor || s != timelinev1.Timeline_DRAFT
}

// SeesEntry reports whether the audience may see an entry (or a revision of one) with
// this status.
func (a Audience) SeesEntry(s timelinev1.Entry_Status) bool {
	return a == Editor || s == timelinev1.Entry_PUBLISHED
}

// TimelineStatuses narrows the statuses a list asked for (all when empty) to those the
// audience may see.
func (a Audience) TimelineStatuses(asked []timelinev1.Timeline_Status) []timelinev1.Timeline_Status {
	all := []timelinev1.Timeline_Status{
		timelinev1.Timeline_DRAFT, timelinev1.Timeline_LIVE, timelinev1.Timeline_CLOSED, timelinev1.Timeline_ARCHIVED,
	}
	return narrow(all, asked, a.SeesTimeline)
}

// EntryStatuses narrows the statuses a list asked for (all when empty) to those the
// audience may see.
func (a Audience) EntryStatuses(asked []timelinev1.Entry_Status) []timelinev1.Entry_Status {
	all := []timelinev1.Entry_Status{timelinev1.Entry_DRAFT, timelinev1.Entry_PUBLISHED, timelinev1.Entry_RETRACTED}
	return narrow(all, asked, a.SeesEntry)
}

func narrow[S comparable](all, asked []S, sees func(S) bool) []S {
	out := []S{}
	for _, s := range all {
		if sees(s) && (len(asked) == 0 || slices.Contains(asked, s)) {
			out = append(out, s)
		}
	}
	return out
}

// Change is how a change to an entry appears to an audience.
type Change int

const (
	// Hidden: the audience saw the entry neither before nor after.
	Hidden Change = iota
	// Shown: the audience sees the change as it is.
	Shown
	// Appears: the entry was hidden from the audience and now is not (published).
	Appears
	// Disappears: the audience saw the entry and no longer may (retracted, deleted,
	// back to draft); it is told that the entry went, not what it now is.
	Disappears
)

// SeesChange says how a change of an entry from status prev (unspecified when it was
// created) to next, or its deletion, appears to the audience.
func (a Audience) SeesChange(prev, next timelinev1.Entry_Status, deleted bool) Change {
	was := prev != timelinev1.Entry_STATUS_UNSPECIFIED && a.SeesEntry(prev)
	is := !deleted && a.SeesEntry(next)
	if a == Editor {
		return Shown
	}
	switch {
	case was && is:
		return Shown
	case is:
		return Appears
	case was:
		return Disappears
	}
	return Hidden
}
