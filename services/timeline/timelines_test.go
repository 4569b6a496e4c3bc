package timeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
)

func TestTimelineCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := fixture.Timeline()
	in.Status = timelinev1.Timeline_STATUS_UNSPECIFIED
	created, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: in})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.GetName(), "timelines/") || created.GetEtag() == "" || created.GetCreateTime() == nil {
		t.Fatalf("created = %v: want name, etag and create_time", created)
	}
	if created.GetStatus() != timelinev1.Timeline_DRAFT || created.GetSlug() != in.GetSlug() || len(created.GetTags()) != 3 {
		t.Fatalf("created = %v: want a DRAFT with the given slug and tags", created)
	}

	// A draft is invisible to readers, visible to editors.
	_, err = e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: created.GetName()})
	wantCode(t, err, codes.NotFound)
	got, err := e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	if err != nil || got.GetTitle() != in.GetTitle() || got.GetEtag() != created.GetEtag() {
		t.Fatalf("editor Get = %v, %v", got, err)
	}

	// Go live.
	live, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
		Timeline:   &timelinev1.Timeline{Name: created.GetName(), Status: timelinev1.Timeline_LIVE, Etag: created.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if live.GetStatus() != timelinev1.Timeline_LIVE || live.GetTitle() != in.GetTitle() || live.GetEtag() == created.GetEtag() {
		t.Fatalf("updated = %v: want LIVE, same title, new etag", live)
	}
	if !live.GetUpdateTime().AsTime().After(live.GetCreateTime().AsTime()) && !live.GetUpdateTime().AsTime().Equal(live.GetCreateTime().AsTime()) {
		t.Fatalf("update_time %v before create_time %v", live.GetUpdateTime(), live.GetCreateTime())
	}
	if _, err := e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: created.GetName()}); err != nil {
		t.Fatalf("public Get of a LIVE timeline: %v", err)
	}

	list, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{})
	if err != nil || len(list.GetTimelines()) != 1 || list.GetTimelines()[0].GetName() != created.GetName() || list.GetNextPageToken() != "" {
		t.Fatalf("List = %v, %v", list, err)
	}

	if _, err := e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: created.GetName(), Etag: live.GetEtag()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	wantCode(t, err, codes.NotFound)
	_, err = e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: created.GetName()})
	wantCode(t, err, codes.NotFound)
}

func TestTimelineUniqueness(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline(), TimelineId: "istanbul"})
	if err != nil || first.GetName() != "timelines/istanbul" {
		t.Fatalf("Create with id = %v, %v", first, err)
	}
	other := fixture.Timeline()
	other.Slug = "another-story"
	_, err = e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: other, TimelineId: "istanbul"})
	wantCode(t, err, codes.AlreadyExists)

	_, err = e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	wantCode(t, err, codes.AlreadyExists) // same slug

	second, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: other})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
		Timeline:   &timelinev1.Timeline{Name: second.GetName(), Slug: first.GetSlug()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"slug"}},
	})
	wantCode(t, err, codes.AlreadyExists)
	got, _ := e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: second.GetName(), View: timelinev1.View_EDITOR})
	if got.GetSlug() != "another-story" || got.GetEtag() != second.GetEtag() {
		t.Fatalf("after refused update: %v", got)
	}
}

func TestTimelineEtag(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	created, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
		Timeline: &timelinev1.Timeline{Name: created.GetName(), Summary: "First edit", Etag: created.GetEtag()},
	})
	if err != nil || updated.GetSummary() != "First edit" {
		t.Fatalf("Update = %v, %v", updated, err)
	}
	// A second editor still holding the first etag loses.
	_, err = e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
		Timeline: &timelinev1.Timeline{Name: created.GetName(), Summary: "Stale edit", Etag: created.GetEtag()},
	})
	wantCode(t, err, codes.Aborted)
	_, err = e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: created.GetName(), Etag: created.GetEtag()})
	wantCode(t, err, codes.Aborted)
	got, err := e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: created.GetName()})
	if err != nil || got.GetSummary() != "First edit" || got.GetEtag() != updated.GetEtag() {
		t.Fatalf("after stale writes: %v, %v", got, err)
	}
}

func TestTimelineFieldMask(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	created, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		patch *timelinev1.Timeline
		paths []string
		check func(*timelinev1.Timeline) bool
	}{
		"mask limits the change": {
			&timelinev1.Timeline{Title: "New title", Summary: "not applied"}, []string{"title"},
			func(t *timelinev1.Timeline) bool {
				return t.GetTitle() == "New title" && t.GetSummary() == fixture.Timeline().GetSummary()
			},
		},
		"empty mask takes set fields": {
			&timelinev1.Timeline{Tags: []string{"turkey"}}, nil,
			func(t *timelinev1.Timeline) bool {
				return len(t.GetTags()) == 1 && t.GetTags()[0] == "turkey" && t.GetTitle() == "New title"
			},
		},
		"masked field absent clears it": {
			&timelinev1.Timeline{}, []string{"summary"},
			func(t *timelinev1.Timeline) bool { return t.GetSummary() == "" },
		},
		"output-only paths are ignored": {
			&timelinev1.Timeline{Summary: "again"}, []string{"summary", "create_time", "name"},
			func(t *timelinev1.Timeline) bool { return t.GetSummary() == "again" },
		},
		"coverage end": {
			&timelinev1.Timeline{CoverageEndTime: timestamppb.New(fixture.Day().Add(20 * time.Hour))}, []string{"coverage_end_time"},
			func(t *timelinev1.Timeline) bool { return t.GetCoverageEndTime().AsTime().Hour() == 20 },
		},
	}
	for _, name := range []string{"mask limits the change", "empty mask takes set fields", "masked field absent clears it", "output-only paths are ignored", "coverage end"} {
		tc := tests[name]
		t.Run(name, func(t *testing.T) {
			tc.patch.Name = created.GetName()
			var mask *fieldmaskpb.FieldMask
			if tc.paths != nil {
				mask = &fieldmaskpb.FieldMask{Paths: tc.paths}
			}
			got, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: tc.patch, UpdateMask: mask})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(got) {
				t.Fatalf("after update: %v", got)
			}
		})
	}
}

func TestTimelineValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	existing, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline(), TimelineId: "existing"})
	if err != nil {
		t.Fatal(err)
	}
	with := func(f func(*timelinev1.Timeline)) *timelinev1.Timeline {
		tl := fixture.Timeline()
		tl.Slug = "fresh-slug"
		f(tl)
		return tl
	}
	creates := map[string]struct {
		req   *timelinev1.CreateTimelineRequest
		field string
	}{
		"no timeline":       {&timelinev1.CreateTimelineRequest{}, "timeline"},
		"empty title":       {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Title = "" })}, "timeline.title"},
		"blank title":       {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Title = "   " })}, "timeline.title"},
		"long title":        {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Title = strings.Repeat("a", 301) })}, "timeline.title"},
		"no slug":           {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Slug = "" })}, "timeline.slug"},
		"slug with capital": {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Slug = "Ukraine" })}, "timeline.slug"},
		"slug with space":   {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Slug = "a b" })}, "timeline.slug"},
		"slug double dash":  {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Slug = "a--b" })}, "timeline.slug"},
		"long summary":      {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Summary = strings.Repeat("a", 5001) })}, "timeline.summary"},
		"unknown status":    {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Status = 42 })}, "timeline.status"},
		"duplicate tags":    {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Tags = []string{"a", "a"} })}, "timeline.tags"},
		"empty tag":         {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Tags = []string{""} })}, "timeline.tags[0]"},
		"padded tag":        {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Tags = []string{"ok", " x"} })}, "timeline.tags[1]"},
		"too many tags":     {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) { t.Tags = manyTags(51) })}, "timeline.tags"},
		"coverage reversed": {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) {
			t.CoverageEndTime = timestamppb.New(t.GetCoverageStartTime().AsTime().Add(-time.Hour))
		})}, "timeline"},
		"coverage out of range": {&timelinev1.CreateTimelineRequest{Timeline: with(func(t *timelinev1.Timeline) {
			t.CoverageStartTime = &timestamppb.Timestamp{Seconds: 1 << 40}
		})}, "timeline.coverage_start_time"},
		"bad id":        {&timelinev1.CreateTimelineRequest{Timeline: with(func(*timelinev1.Timeline) {}), TimelineId: "Bad_ID"}, "timeline_id"},
		"id with slash": {&timelinev1.CreateTimelineRequest{Timeline: with(func(*timelinev1.Timeline) {}), TimelineId: "a/b"}, "timeline_id"},
	}
	for name, tc := range creates {
		t.Run("create/"+name, func(t *testing.T) {
			_, err := e.tl.CreateTimeline(ctx, tc.req)
			wantField(t, err, tc.field)
		})
	}
	others := map[string]struct {
		call  func() error
		field string
	}{
		"get bad name": {func() error {
			_, err := e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timeline/x"})
			return err
		}, "name"},
		"get bad view": {func() error {
			_, err := e.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: existing.GetName(), View: 9})
			return err
		}, "view"},
		"list negative page size": {func() error {
			_, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{PageSize: -1})
			return err
		}, "page_size"},
		"list garbage token": {func() error {
			_, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{PageToken: "garbage"})
			return err
		}, "page_token"},
		"list unspecified status": {func() error {
			_, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{Statuses: []timelinev1.Timeline_Status{0}})
			return err
		}, "statuses[0]"},
		"update without timeline": {func() error {
			_, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{})
			return err
		}, "timeline"},
		"update bad name": {func() error {
			_, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: "x", Title: "t"}})
			return err
		}, "timeline.name"},
		"update clears title": {func() error {
			_, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
				Timeline: &timelinev1.Timeline{Name: existing.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
			})
			return err
		}, "timeline.title"},
		"update bad slug": {func() error {
			_, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: existing.GetName(), Slug: "Not OK"}})
			return err
		}, "timeline.slug"},
		"update unknown path": {func() error {
			_, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
				Timeline: &timelinev1.Timeline{Name: existing.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"colour"}},
			})
			return err
		}, "update_mask"},
		"update clears status": {func() error {
			_, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
				Timeline: &timelinev1.Timeline{Name: existing.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
			})
			return err
		}, "timeline.status"},
		"delete bad name": {func() error {
			_, err := e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: "timelines/"})
			return err
		}, "name"},
	}
	for name, tc := range others {
		t.Run(name, func(t *testing.T) { wantField(t, tc.call(), tc.field) })
	}

	// Nothing was written by any refused request.
	list, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{View: timelinev1.View_EDITOR})
	if err != nil || len(list.GetTimelines()) != 1 {
		t.Fatalf("after refused requests: %d timelines, %v", len(list.GetTimelines()), err)
	}
	got := list.GetTimelines()[0]
	if got.GetEtag() != existing.GetEtag() || got.GetTitle() != existing.GetTitle() {
		t.Fatalf("existing timeline changed: %v", got)
	}
}

func manyTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "tag-" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return out
}

func TestListTimelines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	statuses := []timelinev1.Timeline_Status{timelinev1.Timeline_DRAFT, timelinev1.Timeline_LIVE, timelinev1.Timeline_CLOSED, timelinev1.Timeline_ARCHIVED}
	for i := range 25 {
		tl := fixture.Timeline()
		tl.Slug = "story-" + string(rune('a'+i))
		tl.Status = statuses[i%4]
		if i%5 == 0 {
			tl.Tags = []string{"special"}
		}
		if _, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: tl}); err != nil {
			t.Fatal(err)
		}
	}
	collect := func(req *timelinev1.ListTimelinesRequest) []*timelinev1.Timeline {
		var all []*timelinev1.Timeline
		for {
			resp, err := e.tl.ListTimelines(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, resp.GetTimelines()...)
			if resp.GetNextPageToken() == "" {
				return all
			}
			req.PageToken = resp.GetNextPageToken()
		}
	}
	editor := collect(&timelinev1.ListTimelinesRequest{View: timelinev1.View_EDITOR, PageSize: 4})
	if len(editor) != 25 {
		t.Fatalf("editor list has %d timelines, want 25", len(editor))
	}
	seen := map[string]bool{}
	for i, tl := range editor {
		if seen[tl.GetName()] {
			t.Fatalf("%s listed twice", tl.GetName())
		}
		seen[tl.GetName()] = true
		if i > 0 && tl.GetCreateTime().AsTime().After(editor[i-1].GetCreateTime().AsTime()) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	public := collect(&timelinev1.ListTimelinesRequest{PageSize: 5})
	for _, tl := range public {
		if tl.GetStatus() == timelinev1.Timeline_DRAFT {
			t.Fatalf("public list shows draft %s", tl.GetName())
		}
	}
	if len(public) != 18 {
		t.Fatalf("public list has %d timelines, want 18", len(public))
	}
	if got := collect(&timelinev1.ListTimelinesRequest{Tag: "special", View: timelinev1.View_EDITOR}); len(got) != 5 {
		t.Fatalf("tag filter: %d timelines, want 5", len(got))
	}
	if got := collect(&timelinev1.ListTimelinesRequest{Slug: "story-c"}); len(got) != 1 || got[0].GetSlug() != "story-c" {
		t.Fatalf("slug filter: %v", got)
	}
	closed := collect(&timelinev1.ListTimelinesRequest{Statuses: []timelinev1.Timeline_Status{timelinev1.Timeline_CLOSED, timelinev1.Timeline_DRAFT}})
	if len(closed) != 6 {
		t.Fatalf("public CLOSED+DRAFT: %d timelines, want the 6 closed ones", len(closed))
	}
	// A token is bound to its filters.
	resp, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{PageSize: 2, Tag: "special", PageToken: resp.GetNextPageToken()})
	wantField(t, err, "page_token")
}
