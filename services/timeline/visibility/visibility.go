// Package visibility decides what a caller may see of timelines and entries. It is the one
// place where that rule lives: when authentication arrives, Resolve is where a caller's
// roles decide whether the editor view is allowed.
package visibility

import (
	"context"
	"slices"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// Audience is who is reading.
type Audience int

const (
	// Public readers see non-DRAFT timelines and PUBLISHED entries only.
	Public Audience = iota
	// Editors see everything.
	Editor
)

// Resolve returns the audience for a request that asked for view. Today any caller may ask
// for the editor view; with authentication this checks the caller's role and returns
// PERMISSION_DENIED when it may not.
func Resolve(_ context.Context, view timelinev1.View) (Audience, error) {
	if view == timelinev1.View_EDITOR {
		return Editor, nil
	}
	return Public, nil
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
