package timeline

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

func TestAPIError(t *testing.T) {
	cases := map[string]struct {
		err    error
		code   codes.Code
		reason string
	}{
		"timeline not found":      {TimelineError("t", ErrNotFound), codes.NotFound, "TIMELINE_NOT_FOUND"},
		"entry not found":         {EntryError("t", "e", ErrNotFound), codes.NotFound, "ENTRY_NOT_FOUND"},
		"timeline already exists": {TimelineError("t", ErrAlreadyExists), codes.AlreadyExists, "TIMELINE_ALREADY_EXISTS"},
		"entry already exists":    {EntryError("t", "e", ErrAlreadyExists), codes.AlreadyExists, "ENTRY_ALREADY_EXISTS"},
		"stale revision":          {EntryError("t", "e", ErrConflict), codes.Aborted, "ETAG_MISMATCH"},
		"not empty":               {TimelineError("t", ErrNotEmpty), codes.FailedPrecondition, "TIMELINE_NOT_EMPTY"},
		"slug taken":              {&SlugTakenError{Slug: "s", TimelineID: "t"}, codes.AlreadyExists, "SLUG_TAKEN"},
		"wrapped by the store":    {fmt.Errorf("read: %w", TimelineError("t", ErrNotFound)), codes.NotFound, "TIMELINE_NOT_FOUND"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var e *apierror.Error
			if !errors.As(apiError(c.err), &e) || e.Code != c.code || e.Reason != c.reason {
				t.Fatalf("apiError(%v) = %v, want %v with reason %s", c.err, apiError(c.err), c.code, c.reason)
			}
		})
	}
	for _, err := range []error{errors.New("disk full"), context.Canceled, nil} {
		if got := apiError(err); got != err {
			t.Errorf("apiError(%v) = %v, want it unchanged", err, got)
		}
	}
}
