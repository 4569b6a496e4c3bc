package etag_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/etag"
)

func TestOf(t *testing.T) {
	created := time.Date(2025, 7, 14, 8, 0, 0, 0, time.UTC)
	base := etag.Of("entities/putin", created, 1)
	others := map[string]string{
		"next revision":    etag.Of("entities/putin", created, 2),
		"re-created":       etag.Of("entities/putin", created.Add(time.Millisecond), 1),
		"another resource": etag.Of("entities/kyiv", created, 1),
	}
	for name, other := range others {
		if other == base {
			t.Errorf("%s: same etag %s", name, base)
		}
	}
	if again := etag.Of("entities/putin", created.Add(time.Microsecond), 1); again != base {
		t.Errorf("etag depends on time below a millisecond, which MongoDB does not keep")
	}
}

func TestCheck(t *testing.T) {
	tests := map[string]struct {
		given, current string
		aborted        bool
	}{
		"none given": {"", "abc", false},
		"matches":    {"abc", "abc", false},
		"stale":      {"old", "abc", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := etag.Check(tc.given, tc.current, "entities/putin")
			if !tc.aborted {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*apierror.Error)
			if !ok || e.Code != codes.Aborted {
				t.Fatalf("error = %v, want ABORTED", err)
			}
		})
	}
}
