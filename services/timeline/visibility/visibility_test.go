package visibility

import (
	"context"
	"slices"
	"testing"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

func TestResolve(t *testing.T) {
	tests := map[timelinev1.View]Audience{
		timelinev1.View_VIEW_UNSPECIFIED: Public,
		timelinev1.View_PUBLIC:           Public,
		timelinev1.View_EDITOR:           Editor,
	}
	for view, want := range tests {
		got, err := Resolve(context.Background(), view)
		if err != nil || got != want {
			t.Errorf("Resolve(%v) = %v, %v; want %v", view, got, err, want)
		}
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
