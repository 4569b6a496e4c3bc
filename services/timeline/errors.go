package timeline

import (
	"errors"
	"fmt"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// Outcomes of Store calls that a client can act on. Stores return them wrapped in a
// *ResourceError (see TimelineError and EntryError) or a *SlugTakenError.
var (
	// ErrNotFound: the timeline or entry does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: the id of a new timeline or entry is taken.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: the stored revision is not the one the write was made from.
	ErrConflict = errors.New("revision conflict")
	// ErrSlugTaken: another timeline has the slug.
	ErrSlugTaken = errors.New("slug taken")
	// ErrNotEmpty: the timeline has entries, and the delete was not forced.
	ErrNotEmpty = errors.New("timeline has entries")
)

// ResourceError is a Store outcome about one timeline or entry.
type ResourceError struct {
	TimelineID string
	EntryID    string // empty when the error is about the timeline
	Err        error  // one of the errors above
}

// TimelineError reports err about timeline id.
func TimelineError(id string, err error) error { return &ResourceError{TimelineID: id, Err: err} }

// EntryError reports err about an entry.
func EntryError(timelineID, entryID string, err error) error {
	return &ResourceError{TimelineID: timelineID, EntryID: entryID, Err: err}
}

func (e *ResourceError) name() string {
	if e.EntryID == "" {
		return timelineName(e.TimelineID)
	}
	return entryName(e.TimelineID, e.EntryID)
}

func (e *ResourceError) Error() string { return e.name() + ": " + e.Err.Error() }

func (e *ResourceError) Unwrap() error { return e.Err }

// SlugTakenError says which timeline has the slug a write wanted.
type SlugTakenError struct {
	Slug       string
	TimelineID string
}

func (e *SlugTakenError) Error() string {
	return fmt.Sprintf("slug %q is taken by %s", e.Slug, timelineName(e.TimelineID))
}

func (e *SlugTakenError) Unwrap() error { return ErrSlugTaken }

// apiError turns the outcomes of Store calls into the API's errors: the one place that
// gives them codes and reasons. Other errors pass through.
func apiError(err error) error {
	var api *apierror.Error
	var slug *SlugTakenError
	var res *ResourceError
	switch {
	case err == nil || errors.As(err, &api):
		return err
	case errors.As(err, &slug):
		return apierror.Conflict(apierror.ReasonSlugTaken, "slug %q is already used by %s", slug.Slug, timelineName(slug.TimelineID))
	case !errors.As(err, &res):
		return err
	}
	switch name := res.name(); {
	case errors.Is(res.Err, ErrNotFound):
		return apierror.NotFound(name)
	case errors.Is(res.Err, ErrAlreadyExists):
		return apierror.AlreadyExists(name)
	case errors.Is(res.Err, ErrConflict):
		return apierror.Aborted(name)
	case errors.Is(res.Err, ErrNotEmpty):
		return apierror.FailedPrecondition(apierror.ReasonTimelineNotEmpty,
			"%s has entries: delete them first, or set force to delete them with it", name)
	}
	return err
}

// returnAPIError applies apiError to what an RPC returns: defer it with the RPC's named
// error result.
func returnAPIError(err *error) { *err = apiError(*err) }
