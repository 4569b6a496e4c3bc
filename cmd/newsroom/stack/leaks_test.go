package stack_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// TestGrantsStayOnTheirTimeline gives an admin's roles on timeline a only, and tries
// every write on timeline b: each is PERMISSION_DENIED, over gRPC and REST, while the
// same writes on a go through.
func TestGrantsStayOnTheirTimeline(t *testing.T) {
	a := start(t)
	admin := a.as("admin")
	for _, id := range []string{"a", "b"} {
		if _, err := admin.tl.CreateTimeline(context.Background(), &timelinev1.CreateTimelineRequest{TimelineId: id,
			Timeline: &timelinev1.Timeline{Title: "Timeline " + id, Slug: "timeline-" + id, Status: timelinev1.Timeline_LIVE}}); err != nil {
			t.Fatal(err)
		}
		for _, e := range []string{"one", "two", "three"} {
			if _, err := admin.tl.CreateEntry(context.Background(), &timelinev1.CreateEntryRequest{Parent: "timelines/" + id, EntryId: e,
				Entry: &timelinev1.Entry{Headline: "Entry " + e}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	onA := a.as("admin", "a")
	writes := map[string]struct {
		grpc func(ctx context.Context, tl string) error
		rest func(tl string) (method, path, body string)
	}{
		"CreateEntry": {
			func(ctx context.Context, tl string) error {
				_, err := onA.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/" + tl, Entry: &timelinev1.Entry{Headline: "New"}})
				return err
			},
			func(tl string) (string, string, string) {
				return http.MethodPost, "/v1/timelines/" + tl + "/entries", `{"headline": "New"}`
			}},
		"UpdateEntry": {
			func(ctx context.Context, tl string) error {
				_, err := onA.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: "timelines/" + tl + "/entries/one", Headline: "Changed"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"headline"}}})
				return err
			},
			func(tl string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/" + tl + "/entries/one", `{"headline": "Changed again"}`
			}},
		"DeleteEntry": {
			func(ctx context.Context, tl string) error {
				_, err := onA.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: "timelines/" + tl + "/entries/two"})
				return err
			},
			func(tl string) (string, string, string) {
				return http.MethodDelete, "/v1/timelines/" + tl + "/entries/three", ""
			}},
		"ImportEntries": {
			func(ctx context.Context, tl string) error {
				_, err := onA.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: "timelines/" + tl,
					Items: []*timelinev1.ImportItem{{ImportKey: "grpc", Entry: &timelinev1.Entry{Headline: "Imported"}}}})
				return err
			},
			func(tl string) (string, string, string) {
				return http.MethodPost, "/v1/timelines/" + tl + "/entries:import", `{"items": [{"importKey": "rest", "entry": {"headline": "Imported over REST"}}]}`
			}},
		"StreamingImportEntries": {
			func(ctx context.Context, tl string) error {
				s, err := onA.tl.StreamingImportEntries(ctx)
				if err != nil {
					return err
				}
				if err := s.Send(&timelinev1.StreamingImportEntriesRequest{Parent: "timelines/" + tl,
					Items: []*timelinev1.ImportItem{{ImportKey: "stream", Entry: &timelinev1.Entry{Headline: "Streamed"}}}}); err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				_, err = s.CloseAndRecv()
				return err
			}, nil},
		"UpdateTimeline": {
			func(ctx context.Context, tl string) error {
				_, err := onA.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: "timelines/" + tl, Summary: "Changed"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"summary"}}})
				return err
			},
			func(tl string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/" + tl, `{"summary": "Changed over REST"}`
			}},
		"CreateTimeline": {
			func(ctx context.Context, tl string) error {
				// Creating a timeline needs the role on its id.
				_, err := onA.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{TimelineId: tl + "-new",
					Timeline: &timelinev1.Timeline{Title: "New", Slug: "new-" + tl}})
				return err
			}, nil},
		"DeleteTimeline": {
			func(ctx context.Context, tl string) error {
				_, err := onA.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: "timelines/" + tl, Force: true})
				return err
			},
			func(tl string) (string, string, string) {
				return http.MethodDelete, "/v1/timelines/" + tl + "?force=true", ""
			}},
	}
	for name, w := range writes {
		t.Run(name+"/gRPC", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := w.grpc(ctx, "b"); status.Code(err) != codes.PermissionDenied {
				t.Fatalf("on b: %v, want PERMISSION_DENIED", err)
			}
		})
		if w.rest == nil {
			continue
		}
		t.Run(name+"/REST", func(t *testing.T) {
			method, path, body := w.rest("b")
			if got, _, text := onA.rest(method, path, body); got != http.StatusForbidden {
				t.Fatalf("%s %s: %d %s, want 403", method, path, got, text)
			}
		})
	}
	// The same writes on a are the admin's: they go through (deleting the timeline last).
	for _, name := range []string{"CreateEntry", "UpdateEntry", "DeleteEntry", "ImportEntries", "StreamingImportEntries", "UpdateTimeline", "DeleteTimeline"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := writes[name].grpc(ctx, "a"); err != nil {
			t.Errorf("%s on a: %v", name, err)
		}
		cancel()
	}
	// Timeline-wide calls need the role on every timeline.
	if _, err := onA.ent.DeleteEntity(context.Background(), &entityv1.DeleteEntityRequest{Name: "entities/anyone"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("DeleteEntity by an admin of a: %v, want PERMISSION_DENIED", err)
	}
}

// hidden are the entries of the leak test's timeline that readers may not see.
var hidden = []string{"draft", "retracted", "unpublished"}

// TestNothingHiddenLeaks puts drafts and retracted entries beside published ones, and
// reads them through every read path as every caller who may not see them: none shows,
// and each is NOT_FOUND where it is asked for by name.
func TestNothingHiddenLeaks(t *testing.T) {
	a := start(t)
	admin := a.as("admin")
	ctx := context.Background()
	if _, err := admin.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{EntityId: "zelensky",
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Volodymyr Zelensky"}}); err != nil {
		t.Fatal(err)
	}
	mention := func(headline string) []*timelinev1.Mention {
		return []*timelinev1.Mention{{Entity: "entities/zelensky", Text: "Zelensky", Field: timelinev1.Mention_HEADLINE,
			StartOffset: int32(strings.Index(headline, "Zelensky")), EndOffset: int32(strings.Index(headline, "Zelensky") + 8)}}
	}
	mk := func(tl, id string, st timelinev1.Entry_Status) {
		t.Helper()
		h := "Zelensky: " + id
		if _, err := admin.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/" + tl, EntryId: id,
			Entry: &timelinev1.Entry{Headline: h, Status: st, Kind: timelinev1.Entry_KEY_EVENT, Mentions: mention(h),
				OccurTime: timestamppb.New(time.Date(2026, 5, 16, 12, 0, 0, 0, time.UTC))}}); err != nil {
			t.Fatal(err)
		}
	}
	for id, st := range map[string]timelinev1.Timeline_Status{"live": timelinev1.Timeline_LIVE, "secret": timelinev1.Timeline_DRAFT} {
		if _, err := admin.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{TimelineId: id,
			Timeline: &timelinev1.Timeline{Title: "Timeline " + id, Slug: id, Status: st}}); err != nil {
			t.Fatal(err)
		}
	}
	mk("live", "published", timelinev1.Entry_PUBLISHED)
	mk("live", "draft", timelinev1.Entry_DRAFT)
	mk("live", "retracted", timelinev1.Entry_PUBLISHED)
	mk("live", "unpublished", timelinev1.Entry_PUBLISHED)
	mk("secret", "inside", timelinev1.Entry_PUBLISHED)
	update := func(id string, st timelinev1.Entry_Status) {
		t.Helper()
		if _, err := admin.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: "timelines/live/entries/" + id, Status: st}}); err != nil {
			t.Fatal(err)
		}
	}
	update("retracted", timelinev1.Entry_RETRACTED)
	update("unpublished", timelinev1.Entry_DRAFT)

	// Those who may not see drafts: readers, importers, a contributor of another
	// timeline, and anyone without a credential.
	for _, c := range []*caller{a.as("anonymous"), a.as("reader"), a.as("importer"), a.as("contributor", "elsewhere")} {
		t.Run(c.name, func(t *testing.T) { c.mustNotSeeHidden(t) })
	}
}

// mustNotSeeHidden reads through every path.
func (c *caller) mustNotSeeHidden(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leak := func(where, text string) {
		t.Helper()
		for _, h := range hidden {
			if strings.Contains(text, "Zelensky: "+h) || strings.Contains(text, "entries/"+h+`"`) {
				t.Errorf("%s shows %s: %s", where, h, text)
			}
		}
		if strings.Contains(text, "Zelensky: inside") || strings.Contains(text, "timelines/secret") {
			t.Errorf("%s shows the draft timeline: %s", where, text)
		}
	}
	notFound := func(where string, err error) {
		t.Helper()
		if status.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", where, err)
		}
	}
	asJSON := func(m proto.Message) string {
		data, _ := protojson.Marshal(m)
		return string(data)
	}

	// Get, and revisions, by name: NOT_FOUND, never PERMISSION_DENIED.
	for _, name := range append(hidden, "../../secret/entries/inside") {
		full := "timelines/live/entries/" + name
		if strings.HasPrefix(name, "..") {
			full = "timelines/secret/entries/inside"
		}
		_, err := c.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: full})
		notFound("GetEntry "+full, err)
		_, err = c.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: full})
		notFound("ListEntryRevisions "+full, err)
		if got, _, text := c.rest(http.MethodGet, "/v1/"+full, ""); got != http.StatusNotFound {
			t.Errorf("GET /v1/%s: %d %s", full, got, text)
		}
		if got, _, text := c.rest(http.MethodGet, "/v1/"+full+"/revisions", ""); got != http.StatusNotFound {
			t.Errorf("GET /v1/%s/revisions: %d %s", full, got, text)
		}
	}
	_, err := c.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/secret"})
	notFound("GetTimeline secret", err)
	_, err = c.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/secret"})
	notFound("ListEntries secret", err)

	// Revisions of a published entry: only those in which it was published, and not who
	// made them.
	revs, err := c.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: "timelines/live/entries/published"})
	if err != nil || len(revs.GetRevisions()) == 0 {
		t.Errorf("revisions of the published entry: %v, %v", revs, err)
	}
	for _, r := range revs.GetRevisions() {
		if r.GetStatus() != timelinev1.Entry_PUBLISHED || r.GetRevisedBy() != "" {
			t.Errorf("a reader's revision: %v", r)
		}
	}

	// Lists, with every filter.
	lists := map[string]*timelinev1.ListEntriesRequest{
		"plain":         {},
		"DRAFT":         {Statuses: []timelinev1.Entry_Status{timelinev1.Entry_DRAFT}},
		"RETRACTED":     {Statuses: []timelinev1.Entry_Status{timelinev1.Entry_RETRACTED}},
		"every status":  {Statuses: []timelinev1.Entry_Status{timelinev1.Entry_DRAFT, timelinev1.Entry_PUBLISHED, timelinev1.Entry_RETRACTED}},
		"kind":          {Kinds: []timelinev1.Entry_Kind{timelinev1.Entry_KEY_EVENT}},
		"oldest first":  {Order: timelinev1.Order_OLDEST_FIRST},
		"time range":    {StartTime: timestamppb.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), EndTime: timestamppb.New(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))},
		"mention":       {MentionedEntity: "entities/zelensky"},
		"one per page":  {PageSize: 1},
		"across":        {Parent: "timelines/-", MentionedEntity: "entities/zelensky"},
		"across, DRAFT": {Parent: "timelines/-", MentionedEntity: "entities/zelensky", Statuses: []timelinev1.Entry_Status{timelinev1.Entry_DRAFT}},
	}
	for name, req := range lists {
		if req.Parent == "" {
			req.Parent = "timelines/live"
		}
		var all []*timelinev1.Entry
		for page := 0; page < 10; page++ {
			resp, err := c.tl.ListEntries(ctx, req)
			if err != nil {
				t.Errorf("ListEntries %s: %v", name, err)
				break
			}
			all = append(all, resp.GetEntries()...)
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
		leak("ListEntries "+name, asJSON(&timelinev1.ListEntriesResponse{Entries: all}))
	}
	for _, path := range []string{
		"/v1/timelines/live/entries", "/v1/timelines/live/entries?statuses=DRAFT&statuses=RETRACTED",
		"/v1/timelines/-/entries?mentionedEntity=entities/zelensky", "/v1/timelines", "/v1/timelines?statuses=DRAFT",
	} {
		_, _, text := c.rest(http.MethodGet, path, "")
		leak("GET "+path, text)
	}
	tls, err := c.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{})
	if err != nil || strings.Contains(asJSON(tls), "timelines/secret") {
		t.Errorf("ListTimelines: %v, %v", tls, err)
	}
	if c.name == "contributor" {
		// It holds the editor view, elsewhere: lists across timelines in that view show
		// these timelines as readers see them.
		across, err := c.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/-", MentionedEntity: "entities/zelensky", View: timelinev1.View_EDITOR})
		if err != nil || len(across.GetEntries()) == 0 {
			t.Errorf("ListEntries across, editor view: %v, %v", across, err)
		}
		leak("ListEntries across, editor view", asJSON(across))
		tls, err := c.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{View: timelinev1.View_EDITOR})
		if err != nil || len(tls.GetTimelines()) == 0 {
			t.Errorf("ListTimelines, editor view: %v, %v", tls, err)
		}
		leak("ListTimelines, editor view", asJSON(tls))
	}

	// Watch over gRPC, NDJSON and SSE: the snapshot, then what happens live.
	stream, err := c.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: "timelines/live",
		Start: &timelinev1.WatchEntriesRequest_SnapshotSize{SnapshotSize: 100}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	leak("watch snapshot (gRPC)", asJSON(first))
	ndjson := c.open(ctx, "/v1/timelines/live/entries:watch?snapshotSize=100", "")
	sse := c.open(ctx, "/v1/timelines/live/entries:watch?snapshotSize=100", "text/event-stream")
	leak("watch snapshot (NDJSON)", ndjson.until("SNAPSHOT"))
	leak("watch snapshot (SSE)", sse.until("SNAPSHOT"))
	secret, err := c.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: "timelines/secret"})
	if err == nil {
		_, err = secret.Recv()
	}
	notFound("WatchEntries secret", err)

	// Live: an editor writes a draft and retracts the published entry; then a published
	// entry ends the watch. The watchers see the retraction as a name only.
	admin := c.a.as("admin")
	mkLive := func(id string, st timelinev1.Entry_Status) {
		if _, err := admin.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/live", EntryId: id + "-" + c.name,
			Entry: &timelinev1.Entry{Headline: "Zelensky: " + id + " live", Status: st}}); err != nil {
			t.Fatal(err)
		}
	}
	mkLive("draft", timelinev1.Entry_DRAFT)
	if _, err := admin.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: "timelines/live/entries/published", Status: timelinev1.Entry_RETRACTED}}); err != nil {
		t.Fatal(err)
	}
	mkLive("end", timelinev1.Entry_PUBLISHED)
	var live []string
	for {
		ev, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, asJSON(ev))
		if strings.Contains(asJSON(ev), "end live") {
			break
		}
	}
	for where, text := range map[string]string{"gRPC": strings.Join(live, "\n"), "NDJSON": ndjson.until("end live"), "SSE": sse.until("end live")} {
		if strings.Contains(text, "draft live") {
			t.Errorf("live watch (%s) shows the draft: %s", where, text)
		}
		if !strings.Contains(text, "ENTRY_RETRACTED") || strings.Contains(text, "Zelensky: published") {
			t.Errorf("live watch (%s): want the retraction as a name only: %s", where, text)
		}
	}
	// Back as it was, for the next caller.
	if _, err := admin.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: "timelines/live/entries/published", Status: timelinev1.Entry_PUBLISHED}}); err != nil {
		t.Fatal(err)
	}
}

// liveStream is a REST watch stream being read.
type liveStream struct {
	t     *testing.T
	lines *bufio.Scanner
}

// open opens the watch route, as NDJSON or (accept "text/event-stream") SSE.
func (c *caller) open(ctx context.Context, path, accept string) *liveStream {
	c.a.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.a.base+path, nil)
	if err != nil {
		c.a.t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	c.a.t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		c.a.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	return &liveStream{lines: sc}
}

// until reads lines up to and including the first that holds marker, and returns them.
func (s *liveStream) until(marker string) string {
	var out []string
	for s.lines.Scan() {
		out = append(out, s.lines.Text())
		if strings.Contains(s.lines.Text(), marker) {
			return strings.Join(out, "\n")
		}
	}
	return strings.Join(out, "\n") + "\n(stream ended)"
}
