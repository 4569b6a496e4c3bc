package visibility

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
)

func TestResolve(t *testing.T) {
	contributorOnA := auth.NewPrincipal("c", auth.APIKey, []auth.Role{auth.Contributor}, []string{"a"})
	reader := auth.NewPrincipal("r", auth.APIKey, []auth.Role{auth.Reader}, []string{auth.AllTimelines})
	editor := auth.NewPrincipal("e", auth.Token, []auth.Role{auth.Editor}, []string{auth.AllTimelines})
	tests := map[string]struct {
		caller *auth.Principal // nil: no principal in the context
		view   timelinev1.View
		want   Audience
		code   codes.Code
	}{
		"anyone, unspecified":           {nil, timelinev1.View_VIEW_UNSPECIFIED, Public, codes.OK},
		"anyone, public":                {nil, timelinev1.View_PUBLIC, Public, codes.OK},
		"no credential, editor view":    {nil, timelinev1.View_EDITOR, Public, codes.Unauthenticated},
		"reader, editor view":           {reader, timelinev1.View_EDITOR, Public, codes.PermissionDenied},
		"contributor on a, editor view": {contributorOnA, timelinev1.View_EDITOR, Editor, codes.OK},
		"editor, editor view":           {editor, timelinev1.View_EDITOR, Editor, codes.OK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if tc.caller != nil {
				ctx = auth.NewContext(ctx, tc.caller)
			}
			got, err := Resolve(ctx, tc.view, "a")
			if got != tc.want || status.Code(err) != tc.code {
				t.Errorf("Resolve(%v, a) = %v, %v; want %v, %v", tc.view, got, err, tc.want, tc.code)
			}
		})
	}
	// A grant on timeline a is no grant on b.
	ctx := auth.NewContext(context.Background(), contributorOnA)
	if _, err := Resolve(ctx, timelinev1.View_EDITOR, "b"); status.Code(err) != codes.PermissionDenied {
		t.Errorf("contributor on a, editor view of b: %v, want PERMISSION_DENIED", err)
	}
	across, err := Across(ctx, timelinev1.View_EDITOR)
	if err != nil || across("a") != Editor || across("b") != Public {
		t.Errorf("Across for a contributor on a: %v; a %v, b %v; want editor on a only", err, across("a"), across("b"))
	}
}

func TestRules(t *testing.T) {
	tests := map[string]struct {
		got, want bool
	}{
		"public, draft timeline":    {Public.SeesTimeline(timelinev1.Timeline_DRAFT), false},
		"public, live timeline":     {Public.SeesTimeline(timelinev1.Timeline_LIVE), true},
		"public, archived timeline": {Public.SeesTimeline(timelinev1.Timeline_ARCHIVED), true},
		"editor, draft timeline":    {Editor.SeesTimeline(timelinev1.Timeline_DRAFT), true},
		"public, draft entry":       {Public.SeesEntry(timelinev1.Entry_DRAFT), false},
		"public, retracted entry":   {Public.SeesEntry(timelinev1.Entry_RETRACTED), false},
		"public, published entry":   {Public.SeesEntry(timelinev1.Entry_PUBLISHED), true},
		"editor, retracted entry":   {Editor.SeesEntry(timelinev1.Entry_RETRACTED), true},
	}
	for name, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", name, tc.got, tc.want)
		}
	}
}

func TestNarrow(t *testing.T) {
	pub, draft, retracted := timelinev1.Entry_PUBLISHED, timelinev1.Entry_DRAFT, timelinev1.Entry_RETRACTED
	tests := map[string]struct {
		a     Audience
		asked []timelinev1.Entry_Status
		want  []timelinev1.Entry_Status
	}{
		"public, all":           {Public, nil, []timelinev1.Entry_Status{pub}},
		"public asks drafts":    {Public, []timelinev1.Entry_Status{draft}, []timelinev1.Entry_Status{}},
		"editor, all":           {Editor, nil, []timelinev1.Entry_Status{draft, pub, retracted}},
		"editor asks retracted": {Editor, []timelinev1.Entry_Status{retracted}, []timelinev1.Entry_Status{retracted}},
	}
	for name, tc := range tests {
		if got := tc.a.EntryStatuses(tc.asked); !slices.Equal(got, tc.want) {
			t.Errorf("%s: EntryStatuses = %v, want %v", name, got, tc.want)
		}
	}
	if got := Public.TimelineStatuses(nil); slices.Contains(got, timelinev1.Timeline_DRAFT) || len(got) != 3 {
		t.Errorf("Public.TimelineStatuses(nil) = %v", got)
	}
}
