package entity

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// Errors of a Store. Stores wrap them with what they were doing; apiError turns them into
// what clients see.
var (
	ErrNotFound      = errors.New("entity not found")
	ErrAlreadyExists = errors.New("entity already exists")
	// ErrConflict is a write at a revision that is no longer the stored one.
	ErrConflict = errors.New("entity revision changed")
	// ErrExternalIDTaken matches every *ExternalIDTakenError.
	ErrExternalIDTaken = errors.New("external id taken")
)

// ExternalIDTakenError is a write that would give an entity an external id that another
// entity, Holder, has.
type ExternalIDTakenError struct {
	System, Value string
	Holder        string // the holder's id
}

func (e *ExternalIDTakenError) Error() string {
	return fmt.Sprintf("%s %q already belongs to %s", e.System, e.Value, entityName(e.Holder))
}

// Is makes errors.Is(err, ErrExternalIDTaken) true.
func (e *ExternalIDTakenError) Is(target error) bool { return target == ErrExternalIDTaken }

// errStopped is what callers waiting for the linker get once the server is closed.
var errStopped = errors.New("entity server closed")

// apiError is the one mapping of the service's errors to what clients see; name is the
// resource (or resources) the call was about. Other errors are returned as they are:
// *apierror.Error values and context errors keep their meaning, anything else is
// INTERNAL.
func apiError(err error, name string) error {
	var taken *ExternalIDTakenError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &taken):
		// Named as the client sent the field.
		field := fmt.Sprintf("entity.external_ids[%q]", taken.System)
		return &apierror.Error{
			Code:       codes.AlreadyExists,
			Reason:     apierror.ReasonExternalIDTaken,
			Message:    field + ": " + taken.Error(),
			Violations: []apierror.FieldViolation{{Field: field, Description: taken.Error()}},
			Cause:      err,
		}
	case errors.Is(err, ErrNotFound):
		return &apierror.Error{Code: codes.NotFound, Reason: apierror.ReasonEntityNotFound, Message: name + " not found", Cause: err}
	case errors.Is(err, ErrAlreadyExists):
		return &apierror.Error{Code: codes.AlreadyExists, Reason: apierror.ReasonEntityAlreadyExists, Message: name + " already exists", Cause: err}
	case errors.Is(err, ErrConflict):
		e := apierror.Aborted(name) // ETAG_MISMATCH: the client's next step is the same
		e.Cause = err
		return e
	case errors.Is(err, errStopped):
		return &apierror.Error{Code: codes.Unavailable, Reason: apierror.ReasonShuttingDown, Message: "the server is shutting down: retry on another replica", Cause: err}
	}
	return err
}
