package validation_test

import (
	"errors"
	"strings"
	"testing"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/validation"
)

// The services check ids in Go (resourceid.Valid) where the proto rule (the predefined
// rule newsroom.rules.v1.resource_id) cannot reach, for example inside names of resources
// being updated: the two must agree on every string.
func FuzzResourceIDRuleAgreesWithGo(f *testing.F) {
	for _, s := range []string{"a", "talks-2025", "-a", "a-", "A", "a_b", "a b", "é", "a/b", "0", strings.Repeat("a", 63), strings.Repeat("a", 64), "a\n"} {
		f.Add(s)
	}
	v, err := validation.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" {
			return // the server chooses the id
		}
		req := &timelinev1.CreateTimelineRequest{TimelineId: id, Timeline: &timelinev1.Timeline{Title: "Talks", Slug: "talks"}}
		protoOK := true
		if err := v.Check(req, ""); err != nil {
			var e *apierror.Error
			if !errors.As(err, &e) {
				t.Fatalf("Check: %v", err)
			}
			for _, fv := range e.Violations {
				if fv.Field == "timeline_id" {
					protoOK = false
				}
			}
		}
		if goOK := resourceid.Valid(id); goOK != protoOK {
			t.Fatalf("id %q: resourceid.Valid = %v, the proto rule says %v", id, goOK, protoOK)
		}
	})
}

// Names follow the same rule as ids, in each kind of name.
func TestNameRules(t *testing.T) {
	v, err := validation.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		parent string
		ok     bool
	}{
		"a timeline":       {"timelines/talks", true},
		"every timeline":   {"timelines/-", true},
		"leading hyphen":   {"timelines/-talks", false},
		"an entry":         {"timelines/talks/entries/e1", false},
		"upper case":       {"timelines/Talks", false},
		"empty id":         {"timelines/", false},
		"another resource": {"entities/talks", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := v.Check(&timelinev1.ListEntriesRequest{Parent: tc.parent}, "")
			if (err == nil) != tc.ok {
				t.Fatalf("ListEntries parent %q: %v, want ok %v", tc.parent, err, tc.ok)
			}
			err = v.Check(&timelinev1.WatchEntriesRequest{Parent: tc.parent}, "")
			if wantOK := tc.ok && tc.parent != "timelines/-"; (err == nil) != wantOK {
				t.Fatalf("WatchEntries parent %q: %v, want ok %v", tc.parent, err, wantOK)
			}
		})
	}
}
