package timeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
)

func TestStoryEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl, entries := e.story(t)
	posts := fixture.Posts()

	resp, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetEntries()) != len(posts) {
		t.Fatalf("listed %d entries, want %d", len(resp.GetEntries()), len(posts))
	}
	for i, got := range resp.GetEntries() { // newest first
		want := posts[len(posts)-1-i]
		if got.GetHeadline() != want.Entry.GetHeadline() || got.GetName() != tl.GetName()+"/entries/"+want.ID {
			t.Fatalf("entry %d = %q (%s), want %q", i, got.GetHeadline(), got.GetName(), want.Entry.GetHeadline())
		}
		if got.GetRevision() != 1 || got.GetPublishTime() == nil || len(got.GetMentions()) != len(want.Mentions) {
			t.Fatalf("entry %s: revision %d, publish_time %v, %d mentions (want %d)",
				got.GetName(), got.GetRevision(), got.GetPublishTime(), len(got.GetMentions()), len(want.Mentions))
		}
	}
	recap := entries["recap"]
	if recap.GetKind() != timelinev1.Entry_SUMMARY || !strings.HasPrefix(recap.GetHeadline(), "Recap |") {
		t.Fatalf("recap = %v", recap)
	}

	// Every entry naming Zelensky, whatever the spelling.
	byZelensky, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, en := range byZelensky.GetEntries() {
		names = append(names, en.GetName())
	}
	want := []string{entries["erdogan-summit"].GetName(), entries["recap"].GetName(), entries["zelensky-prisoners"].GetName()}
	if !slices.Equal(names, want) {
		t.Fatalf("entries mentioning Zelensky = %v, want %v", names, want)
	}

	oldest, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), Order: timelinev1.Order_OLDEST_FIRST, PageSize: 1})
	if err != nil || oldest.GetEntries()[0].GetName() != entries["delegations-arrive"].GetName() || oldest.GetNextPageToken() == "" {
		t.Fatalf("oldest first = %v, %v", oldest, err)
	}
}

func TestEntryDefaultsAndCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	created, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{
		Headline: "Talks resume after lunch",
		Sources:  []*timelinev1.Source{{Name: "Pool report", Url: "https://example.org/pool/1"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetKind() != timelinev1.Entry_UPDATE || created.GetStatus() != timelinev1.Entry_DRAFT ||
		created.GetRevision() != 1 || created.GetPublishTime() != nil || created.GetEtag() == "" {
		t.Fatalf("created = %v: want an UPDATE draft at revision 1, unpublished", created)
	}
	got, err := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	if err != nil || got.GetSources()[0].GetUrl() != "https://example.org/pool/1" || got.GetEtag() != created.GetEtag() {
		t.Fatalf("Get = %v, %v", got, err)
	}
	published, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry:      &timelinev1.Entry{Name: created.GetName(), Status: timelinev1.Entry_PUBLISHED, Etag: created.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if published.GetPublishTime() == nil || published.GetRevision() != 2 || published.GetHeadline() != "Talks resume after lunch" {
		t.Fatalf("published = %v", published)
	}
	// A no-op update makes no revision.
	same, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: created.GetName(), Headline: "Talks resume after lunch"}})
	if err != nil || same.GetRevision() != 2 {
		t.Fatalf("no-op update = %v, %v", same, err)
	}
	_, err = e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), EntryId: "fixed", Entry: &timelinev1.Entry{Headline: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), EntryId: "fixed", Entry: &timelinev1.Entry{Headline: "b"}})
	wantCode(t, err, codes.AlreadyExists)
	_, err = e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/missing", Entry: &timelinev1.Entry{Headline: "b"}})
	wantCode(t, err, codes.NotFound)

	_, err = e.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: created.GetName(), Etag: created.GetEtag()})
	wantCode(t, err, codes.Aborted)
	if _, err := e.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: created.GetName(), Etag: published.GetEtag()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	wantCode(t, err, codes.NotFound)
	_, err = e.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	wantCode(t, err, codes.NotFound)
}

func liveTimeline(t *testing.T, e *env) *timelinev1.Timeline {
	t.Helper()
	tl, err := e.tl.CreateTimeline(context.Background(), &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func TestEntryEtagConflict(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	created, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "Original"}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: created.GetName(), Headline: "First editor", Etag: created.GetEtag()}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: created.GetName(), Headline: "Second editor", Etag: created.GetEtag()}})
	wantCode(t, err, codes.Aborted)
	got, _ := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	if got.GetHeadline() != "First editor" || got.GetRevision() != 2 || got.GetEtag() != first.GetEtag() {
		t.Fatalf("after stale update: %v", got)
	}
	revs, _ := e.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	if len(revs.GetRevisions()) != 2 {
		t.Fatalf("a refused update left %d revisions, want 2", len(revs.GetRevisions()))
	}

	// Concurrent updates without etags all land, one revision each.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
				Entry: &timelinev1.Entry{Name: created.GetName(), Authors: []string{fmt.Sprintf("Editor %d", i)}},
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent update: %v", err)
		}
	}
	got, _ = e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	if got.GetRevision() != 6 {
		t.Fatalf("after 4 concurrent updates revision = %d, want 6", got.GetRevision())
	}
}

func TestEntryFieldMask(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	created, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{
		Headline: "Delegations meet", Body: "First paragraph.", Authors: []string{"Desk"}, Pinned: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry:      &timelinev1.Entry{Name: created.GetName(), Headline: "Delegations meet in Istanbul", Body: "ignored", Revision: 99},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"headline", "revision", "update_time"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetHeadline() != "Delegations meet in Istanbul" || got.GetBody() != "First paragraph." || !got.GetPinned() || got.GetRevision() != 2 {
		t.Fatalf("after masked update: %v", got)
	}
	got, err = e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry:      &timelinev1.Entry{Name: created.GetName()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pinned", "authors"}},
	})
	if err != nil || got.GetPinned() || len(got.GetAuthors()) != 0 {
		t.Fatalf("clearing pinned and authors: %v, %v", got, err)
	}
	_, err = e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry: &timelinev1.Entry{Name: created.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mentions.text"}},
	})
	wantField(t, err, "update_mask")
	_, err = e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry: &timelinev1.Entry{Name: created.GetName()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"headline"}},
	})
	wantField(t, err, "entry.headline")
}

func TestEntryRevisions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	created, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{
		Headline: "Talks last an hour", Body: "The talks lasted 60 minutes.",
	}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []*timelinev1.Entry{
		{Status: timelinev1.Entry_PUBLISHED},
		{Body: "The talks lasted 70 minutes."},
		{Kind: timelinev1.Entry_CORRECTION, Body: "The talks lasted 70 minutes, not 60 as first reported."},
	}
	for _, s := range steps {
		s.Name = created.GetName()
		if _, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: s}); err != nil {
			t.Fatal(err)
		}
	}
	revs, err := e.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: created.GetName(), View: timelinev1.View_EDITOR})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	var numbers []int64
	for _, r := range revs.GetRevisions() {
		bodies = append(bodies, r.GetBody())
		numbers = append(numbers, r.GetRevision())
	}
	wantBodies := []string{
		"The talks lasted 70 minutes, not 60 as first reported.",
		"The talks lasted 70 minutes.",
		"The talks lasted 60 minutes.",
		"The talks lasted 60 minutes.",
	}
	if !slices.Equal(bodies, wantBodies) || !slices.Equal(numbers, []int64{4, 3, 2, 1}) {
		t.Fatalf("revisions %v with bodies %q", numbers, bodies)
	}
	if revs.GetRevisions()[0].GetKind() != timelinev1.Entry_CORRECTION || revs.GetRevisions()[1].GetKind() != timelinev1.Entry_UPDATE {
		t.Fatalf("kinds not kept per revision")
	}

	// Readers see only the revisions that were published: the draft (revision 1) is left out.
	public, err := e.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: created.GetName()})
	if err != nil || len(public.GetRevisions()) != 3 || public.GetRevisions()[2].GetRevision() != 2 {
		t.Fatalf("public revisions = %v, %v", public, err)
	}

	// Pages of one.
	var paged []int64
	req := &timelinev1.ListEntryRevisionsRequest{Name: created.GetName(), View: timelinev1.View_EDITOR, PageSize: 1}
	for {
		resp, err := e.tl.ListEntryRevisions(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.GetRevisions() {
			paged = append(paged, r.GetRevision())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	if !slices.Equal(paged, []int64{4, 3, 2, 1}) {
		t.Fatalf("paged revisions = %v", paged)
	}
}

func TestVisibility(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	make := func(id string, status timelinev1.Entry_Status) *timelinev1.Entry {
		en, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), EntryId: id, Entry: &timelinev1.Entry{Headline: id, Status: status}})
		if err != nil {
			t.Fatal(err)
		}
		return en
	}
	published := make("published", timelinev1.Entry_PUBLISHED)
	draft := make("draft", timelinev1.Entry_DRAFT)
	retracted := make("retracted", timelinev1.Entry_RETRACTED)

	names := func(req *timelinev1.ListEntriesRequest) []string {
		req.Parent = tl.GetName()
		resp, err := e.tl.ListEntries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, en := range resp.GetEntries() {
			out = append(out, en.GetHeadline())
		}
		slices.Sort(out)
		return out
	}
	tests := map[string]struct {
		req  *timelinev1.ListEntriesRequest
		want []string
	}{
		"public":                  {&timelinev1.ListEntriesRequest{}, []string{"published"}},
		"public asking drafts":    {&timelinev1.ListEntriesRequest{Statuses: []timelinev1.Entry_Status{timelinev1.Entry_DRAFT}}, nil},
		"editor":                  {&timelinev1.ListEntriesRequest{View: timelinev1.View_EDITOR}, []string{"draft", "published", "retracted"}},
		"editor asking retracted": {&timelinev1.ListEntriesRequest{View: timelinev1.View_EDITOR, Statuses: []timelinev1.Entry_Status{timelinev1.Entry_RETRACTED}}, []string{"retracted"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := names(tc.req); !slices.Equal(got, tc.want) {
				t.Fatalf("listed %v, want %v", got, tc.want)
			}
		})
	}
	for _, hidden := range []*timelinev1.Entry{draft, retracted} {
		_, err := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: hidden.GetName()})
		wantCode(t, err, codes.NotFound)
		_, err = e.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: hidden.GetName()})
		wantCode(t, err, codes.NotFound)
		if _, err := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: hidden.GetName(), View: timelinev1.View_EDITOR}); err != nil {
			t.Fatalf("editor Get %s: %v", hidden.GetName(), err)
		}
	}
	if _, err := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: published.GetName()}); err != nil {
		t.Fatal(err)
	}

	// Back to draft: the whole timeline and its entries disappear for readers.
	if _, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: tl.GetName(), Status: timelinev1.Timeline_DRAFT}}); err != nil {
		t.Fatal(err)
	}
	_, err := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: published.GetName()})
	wantCode(t, err, codes.NotFound)
	_, err = e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName()})
	wantCode(t, err, codes.NotFound)
	list, err := e.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{})
	if err != nil || len(list.GetTimelines()) != 0 {
		t.Fatalf("public ListTimelines with only a draft = %v, %v", list, err)
	}
}

func TestListEntriesFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl, entries := e.story(t)
	hour := func(h int) *timestamppb.Timestamp {
		return timestamppb.New(fixture.Day().Add(time.Duration(h) * time.Hour))
	}
	ids := func(req *timelinev1.ListEntriesRequest) []string {
		req.Parent = tl.GetName()
		resp, err := e.tl.ListEntries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, en := range resp.GetEntries() {
			out = append(out, en.GetName()[strings.LastIndex(en.GetName(), "/")+1:])
		}
		return out
	}
	_ = entries
	tests := map[string]struct {
		req  *timelinev1.ListEntriesRequest
		want []string
	}{
		"key events": {&timelinev1.ListEntriesRequest{Kinds: []timelinev1.Entry_Kind{timelinev1.Entry_KEY_EVENT}},
			[]string{"umerov-exchange", "talks-end", "zelensky-prisoners"}},
		"summaries and key events, oldest first": {&timelinev1.ListEntriesRequest{
			Kinds: []timelinev1.Entry_Kind{timelinev1.Entry_SUMMARY, timelinev1.Entry_KEY_EVENT}, Order: timelinev1.Order_OLDEST_FIRST},
			[]string{"zelensky-prisoners", "talks-end", "umerov-exchange", "recap"}},
		"from 11:00 to 12:00": {&timelinev1.ListEntriesRequest{StartTime: hour(11), EndTime: hour(12)},
			[]string{"umerov-exchange", "talks-end"}},
		"before 8:00":   {&timelinev1.ListEntriesRequest{EndTime: hour(8)}, []string{"delegations-arrive"}},
		"after 13:30":   {&timelinev1.ListEntriesRequest{StartTime: timestamppb.New(fixture.Day().Add(13*time.Hour + 30*time.Minute))}, []string{"medinsky-ceasefire"}},
		"mentions Nato": {&timelinev1.ListEntriesRequest{MentionedEntity: "entities/nato"}, []string{"nato-flank"}},
		"mentions Kyiv, key events": {&timelinev1.ListEntriesRequest{MentionedEntity: "entities/kyiv", Kinds: []timelinev1.Entry_Kind{timelinev1.Entry_KEY_EVENT}},
			[]string{"umerov-exchange"}},
		"mentions nobody known": {&timelinev1.ListEntriesRequest{MentionedEntity: "entities/nobody"}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ids(tc.req); !slices.Equal(got, tc.want) {
				t.Fatalf("listed %v, want %v", got, tc.want)
			}
		})
	}
}

// Pages stay exact while entries are added: every entry that existed when the listing
// started is returned exactly once, in order, whatever arrives meanwhile.
func TestListEntriesPaginationWhileInserting(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	base := fixture.Day().Add(8 * time.Hour)
	add := func(id string, at time.Time) {
		_, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), EntryId: id, Entry: &timelinev1.Entry{
			Headline: id, Status: timelinev1.Entry_PUBLISHED, OccurTime: timestamppb.New(at),
		}})
		if err != nil {
			t.Error(err)
		}
	}
	var before []string
	for i := range 40 {
		id := fmt.Sprintf("before-%02d", i)
		// Pairs share a time, so the id breaks ties.
		add(id, base.Add(time.Duration(i/2)*time.Minute))
		before = append(before, id)
	}
	for _, order := range []timelinev1.Order{timelinev1.Order_NEWEST_FIRST, timelinev1.Order_OLDEST_FIRST} {
		t.Run(order.String(), func(t *testing.T) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // a writer posting new entries, and late ones back-dated into the range
				defer wg.Done()
				// Bounded: back-dated entries land ahead of an oldest-first reader, who
				// would never reach the end of a list that grows faster than it reads.
				for i := 0; i < 60; i++ {
					select {
					case <-stop:
						return
					default:
					}
					add(fmt.Sprintf("during-%s-%03d", strings.ToLower(order.String()[:3]), i), base.Add(time.Duration(i%25)*time.Minute))
				}
			}()
			seen := map[string]int{}
			var got []*timelinev1.Entry
			req := &timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: 7, Order: order}
			for {
				resp, err := e.tl.ListEntries(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, en := range resp.GetEntries() {
					seen[en.GetHeadline()]++
					got = append(got, en)
				}
				if resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
			}
			close(stop)
			wg.Wait()
			for _, id := range before {
				if seen[id] != 1 {
					t.Fatalf("%s listed %d times, want once", id, seen[id])
				}
			}
			for h, n := range seen {
				if n != 1 {
					t.Fatalf("%s listed %d times", h, n)
				}
			}
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				cmp := a.GetOccurTime().AsTime().Compare(b.GetOccurTime().AsTime())
				if cmp == 0 {
					cmp = strings.Compare(a.GetName(), b.GetName())
				}
				if (order == timelinev1.Order_NEWEST_FIRST && cmp <= 0) || (order == timelinev1.Order_OLDEST_FIRST && cmp >= 0) {
					t.Fatalf("out of order at %d: %s then %s", i, a.GetName(), b.GetName())
				}
			}
		})
	}
}

func TestTimelineStatusRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	en, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "Before closing"}})
	if err != nil {
		t.Fatal(err)
	}
	setStatus := func(s timelinev1.Timeline_Status) {
		if _, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: tl.GetName(), Status: s}}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(timelinev1.Timeline_CLOSED)
	_, err = e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "After closing"}})
	wantCode(t, err, codes.FailedPrecondition)
	if _, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: en.GetName(), Body: "Corrected."}}); err != nil {
		t.Fatalf("correcting an entry of a closed timeline: %v", err)
	}
	setStatus(timelinev1.Timeline_ARCHIVED)
	_, err = e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: en.GetName(), Body: "Again."}})
	wantCode(t, err, codes.FailedPrecondition)

	// Deleting a timeline with entries needs force, and takes the entries with it.
	_, err = e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: tl.GetName()})
	wantCode(t, err, codes.FailedPrecondition)
	if _, err := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: en.GetName(), View: timelinev1.View_EDITOR}); err != nil {
		t.Fatalf("refused delete removed an entry: %v", err)
	}
	if _, err := e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: tl.GetName(), Force: true}); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{"entries", "entry_revisions", "timelines"} {
		if n, err := e.db.Collection(coll).CountDocuments(ctx, map[string]any{}); err != nil || n != 0 {
			t.Fatalf("%s holds %d documents after a forced delete (%v)", coll, n, err)
		}
	}
}

// Every write to the entries of an ARCHIVED timeline is refused, and changes nothing.
func TestArchivedTimelineKeepsItsEntries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	en, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "Before archiving"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{
		Timeline: &timelinev1.Timeline{Name: tl.GetName(), Status: timelinev1.Timeline_ARCHIVED},
	}); err != nil {
		t.Fatal(err)
	}
	items := []*timelinev1.ImportItem{{ImportKey: "late", Entry: &timelinev1.Entry{Headline: "After archiving"}}}
	writes := map[string]func() error{
		"create": func() error {
			_, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "After archiving"}})
			return err
		},
		"update": func() error {
			_, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: en.GetName(), Body: "Changed."}})
			return err
		},
		"delete": func() error {
			_, err := e.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: en.GetName()})
			return err
		},
		"delete at its etag": func() error {
			_, err := e.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: en.GetName(), Etag: en.GetEtag()})
			return err
		},
		"import": func() error {
			_, err := e.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: tl.GetName(), Items: items})
			return err
		},
		"streaming import": func() error {
			stream, err := e.tl.StreamingImportEntries(ctx)
			if err != nil {
				return err
			}
			_ = stream.Send(&timelinev1.StreamingImportEntriesRequest{Parent: tl.GetName(), Items: items}) // the status comes with the response
			_, err = stream.CloseAndRecv()
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			err := write()
			wantCode(t, err, codes.FailedPrecondition)
			if reason(err) != "TIMELINE_ARCHIVED" {
				t.Fatalf("reason %q, want TIMELINE_ARCHIVED", reason(err))
			}
			list, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.GetEntries()) != 1 || list.GetEntries()[0].GetEtag() != en.GetEtag() {
				t.Fatalf("entries after a refused %s: %v", name, list.GetEntries())
			}
			if n, err := e.db.Collection("timeline_events").CountDocuments(ctx, map[string]any{}); err != nil || n != 2 {
				t.Fatalf("%d events after a refused %s, want the create and the archiving (%v)", n, name, err)
			}
		})
	}
}
