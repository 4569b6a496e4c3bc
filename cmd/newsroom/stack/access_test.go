package stack_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
)

// The callers of the access tests: no credential, then one key per role, each granted on
// every timeline.
var callers = []string{"anonymous", "reader", "contributor", "editor", "importer", "admin"}

// caller is one caller's way in: gRPC clients and REST requests with its key.
type caller struct {
	name string
	key  string // "" for anonymous
	tl   timelinev1.TimelineServiceClient
	ent  entityv1.EntityServiceClient
	a    *api
}

// keyOf is the test key of a role granted on timelines.
func keyOf(role string, timelines ...string) string {
	return auth.KeyPrefix + role + "-on-" + strings.Join(timelines, "-")
}

// as returns the caller with role on timelines (every one when none are given), adding
// its key to the stack's guard; "anonymous" calls without a key.
func (a *api) as(role string, timelines ...string) *caller {
	a.t.Helper()
	if len(timelines) == 0 {
		timelines = []string{auth.AllTimelines}
	}
	c := &caller{name: role, a: a}
	if role != "anonymous" {
		c.key = keyOf(role, timelines...)
		a.nr.Guard.AddKeyOn(role+"-key", c.key, []auth.Role{auth.Role(role)}, timelines)
	}
	conn := grpctest.Dial(a.t, a.grpcAddr, c.key)
	c.tl, c.ent = timelinev1.NewTimelineServiceClient(conn), entityv1.NewEntityServiceClient(conn)
	return c
}

// rest sends a request with the caller's key and returns its status and body.
func (c *caller) rest(method, path, body string) (int, http.Header, string) {
	c.a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.a.base+path, r)
	if err != nil {
		c.a.t.Fatal(err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if strings.Contains(path, ":watch") && resp.StatusCode == http.StatusOK {
		// A stream: its first line says whether it started.
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		return resp.StatusCode, resp.Header, line
	}
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

// methodCase is one RPC called by every caller, over gRPC and (when it has a route) REST.
type methodCase struct {
	// allowed are the callers that may make the call.
	allowed []string
	// prepare, run as the admin before each call, makes what the call needs, named after
	// id (unique to the caller and the transport).
	prepare func(t *testing.T, admin *caller, id string)
	grpc    func(ctx context.Context, c *caller, id string) error
	// rest is the call over REST: method, path and body; empty method for gRPC only.
	rest func(id string) (method, path, body string)
}

var (
	everyone  = callers
	editorial = []string{"contributor", "editor", "admin"}
	editors   = []string{"editor", "admin"}
	importers = []string{"editor", "importer", "admin"}
	admins    = []string{"admin"}
)

// matrix is every RPC of both services (TestRoleMatrix checks that none is missing), with
// the callers its rule and the services' own rules allow.
func matrix() map[string]methodCase {
	tlName := func(id string) string { return "timelines/" + id }
	entryIn := func(id string) string { return "timelines/live/entries/" + id }
	prepTimeline := func(t *testing.T, admin *caller, id string) {
		t.Helper()
		if _, err := admin.tl.CreateTimeline(context.Background(), &timelinev1.CreateTimelineRequest{
			TimelineId: id, Timeline: &timelinev1.Timeline{Title: "T " + id, Slug: id, Status: timelinev1.Timeline_LIVE}}); err != nil {
			t.Fatal(err)
		}
	}
	prepEntry := func(st timelinev1.Entry_Status) func(*testing.T, *caller, string) {
		return func(t *testing.T, admin *caller, id string) {
			t.Helper()
			if _, err := admin.tl.CreateEntry(context.Background(), &timelinev1.CreateEntryRequest{
				Parent: "timelines/live", EntryId: id, Entry: &timelinev1.Entry{Headline: "Entry " + id, Status: st}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	prepEntity := func(t *testing.T, admin *caller, id string) {
		t.Helper()
		if _, err := admin.ent.CreateEntity(context.Background(), &entityv1.CreateEntityRequest{
			EntityId: id, Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Person " + id}}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) func(string) (string, string, string) {
		return func(string) (string, string, string) { return http.MethodGet, path, "" }
	}
	watch := func(ctx context.Context, c *caller, view timelinev1.View) error {
		s, err := c.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: "timelines/live", View: view,
			Start: &timelinev1.WatchEntriesRequest_SnapshotSize{SnapshotSize: 1}})
		if err != nil {
			return err
		}
		_, err = s.Recv()
		return err
	}
	importItems := func(id string) []*timelinev1.ImportItem {
		return []*timelinev1.ImportItem{{ImportKey: id, Entry: &timelinev1.Entry{Headline: "Imported " + id, Status: timelinev1.Entry_PUBLISHED}}}
	}
	return map[string]methodCase{
		"TimelineService/CreateTimeline": {allowed: editors,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{TimelineId: id, Timeline: &timelinev1.Timeline{Title: "New", Slug: id}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPost, "/v1/timelines?timelineId=" + id, `{"title": "New", "slug": "` + id + `"}`
			}},
		"TimelineService/GetTimeline": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/live"})
				return err
			},
			rest: get("/v1/timelines/live")},
		"TimelineService/GetTimeline/EDITOR": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/live", View: timelinev1.View_EDITOR})
				return err
			},
			rest: get("/v1/timelines/live?view=EDITOR")},
		"TimelineService/ListTimelines": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{})
				return err
			},
			rest: get("/v1/timelines")},
		"TimelineService/ListTimelines/EDITOR": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{View: timelinev1.View_EDITOR})
				return err
			},
			rest: get("/v1/timelines?view=EDITOR")},
		"TimelineService/UpdateTimeline": {allowed: editors, prepare: prepTimeline,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: tlName(id), Title: "Renamed"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/" + id, `{"title": "Renamed"}`
			}},
		"TimelineService/DeleteTimeline": {allowed: admins, prepare: prepTimeline,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: tlName(id)})
				return err
			},
			rest: func(id string) (string, string, string) { return http.MethodDelete, "/v1/timelines/" + id, "" }},
		"TimelineService/CreateEntry": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/live", EntryId: id, Entry: &timelinev1.Entry{Headline: "Draft"}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPost, "/v1/timelines/live/entries?entryId=" + id, `{"headline": "Draft"}`
			}},
		"TimelineService/CreateEntry/PUBLISHED": {allowed: editors,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/live", EntryId: id,
					Entry: &timelinev1.Entry{Headline: "Published", Status: timelinev1.Entry_PUBLISHED}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPost, "/v1/timelines/live/entries?entryId=" + id, `{"headline": "Published", "status": "PUBLISHED"}`
			}},
		"TimelineService/GetEntry": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: entryIn("published")})
				return err
			},
			rest: get("/v1/timelines/live/entries/published")},
		"TimelineService/GetEntry/EDITOR": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: entryIn("draft"), View: timelinev1.View_EDITOR})
				return err
			},
			rest: get("/v1/timelines/live/entries/draft?view=EDITOR")},
		"TimelineService/ListEntries": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/live"})
				return err
			},
			rest: get("/v1/timelines/live/entries")},
		"TimelineService/ListEntries/EDITOR": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/live", View: timelinev1.View_EDITOR})
				return err
			},
			rest: get("/v1/timelines/live/entries?view=EDITOR")},
		"TimelineService/UpdateEntry": {allowed: editorial, prepare: prepEntry(timelinev1.Entry_DRAFT),
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: entryIn(id), Headline: "Corrected draft"}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/live/entries/" + id, `{"headline": "Corrected draft"}`
			}},
		"TimelineService/UpdateEntry/publish": {allowed: editors, prepare: prepEntry(timelinev1.Entry_DRAFT),
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: entryIn(id), Status: timelinev1.Entry_PUBLISHED}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/live/entries/" + id, `{"status": "PUBLISHED"}`
			}},
		"TimelineService/UpdateEntry/pin": {allowed: editors, prepare: prepEntry(timelinev1.Entry_DRAFT),
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: entryIn(id), Pinned: true}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/live/entries/" + id, `{"pinned": true}`
			}},
		"TimelineService/UpdateEntry/published": {allowed: editors, prepare: prepEntry(timelinev1.Entry_PUBLISHED),
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: entryIn(id), Headline: "Corrected"}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPatch, "/v1/timelines/live/entries/" + id, `{"headline": "Corrected"}`
			}},
		"TimelineService/DeleteEntry": {allowed: editors, prepare: prepEntry(timelinev1.Entry_DRAFT),
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: entryIn(id)})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodDelete, "/v1/timelines/live/entries/" + id, ""
			}},
		"TimelineService/ImportEntries": {allowed: importers,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: "timelines/live", Items: importItems(id)})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPost, "/v1/timelines/live/entries:import", `{"items": [{"importKey": "` + id + `", "entry": {"headline": "Imported", "status": "PUBLISHED"}}]}`
			}},
		"TimelineService/StreamingImportEntries": {allowed: importers,
			grpc: func(ctx context.Context, c *caller, id string) error {
				s, err := c.tl.StreamingImportEntries(ctx)
				if err != nil {
					return err
				}
				if err := s.Send(&timelinev1.StreamingImportEntriesRequest{Parent: "timelines/live", Items: importItems(id)}); err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				_, err = s.CloseAndRecv()
				return err
			}},
		"TimelineService/WatchEntries": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error { return watch(ctx, c, timelinev1.View_PUBLIC) },
			rest: get("/v1/timelines/live/entries:watch?snapshotSize=1")},
		"TimelineService/WatchEntries/EDITOR": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, _ string) error { return watch(ctx, c, timelinev1.View_EDITOR) },
			rest: get("/v1/timelines/live/entries:watch?view=EDITOR&snapshotSize=1")},
		"TimelineService/ListEntryRevisions": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: entryIn("published")})
				return err
			},
			rest: get("/v1/timelines/live/entries/published/revisions")},
		"TimelineService/ListEntryRevisions/EDITOR": {allowed: editorial,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: entryIn("draft"), View: timelinev1.View_EDITOR})
				return err
			},
			rest: get("/v1/timelines/live/entries/draft/revisions?view=EDITOR")},
		"EntityService/CreateEntity": {allowed: importers,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{EntityId: id, Entity: &entityv1.Entity{Kind: entityv1.Entity_PLACE, DisplayName: "Place " + id}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPost, "/v1/entities?entityId=" + id, `{"kind": "PLACE", "displayName": "Place ` + id + `"}`
			}},
		"EntityService/GetEntity": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/zelensky"})
				return err
			},
			rest: get("/v1/entities/zelensky")},
		"EntityService/BatchGetEntities": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: []string{"entities/zelensky"}})
				return err
			}},
		"EntityService/ListEntities": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{})
				return err
			},
			rest: get("/v1/entities")},
		"EntityService/UpdateEntity": {allowed: editors, prepare: prepEntity,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: &entityv1.Entity{Name: "entities/" + id, Description: "Updated"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
				return err
			},
			rest: func(id string) (string, string, string) {
				return http.MethodPatch, "/v1/entities/" + id, `{"description": "Updated"}`
			}},
		"EntityService/DeleteEntity": {allowed: admins, prepare: prepEntity,
			grpc: func(ctx context.Context, c *caller, id string) error {
				_, err := c.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: "entities/" + id})
				return err
			},
			rest: func(id string) (string, string, string) { return http.MethodDelete, "/v1/entities/" + id, "" }},
		"EntityService/ResolveEntities": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{"Zelensky"}})
				return err
			},
			rest: func(string) (string, string, string) {
				return http.MethodPost, "/v1/entities:resolve", `{"names": ["Zelensky"]}`
			}},
		"EntityService/LinkEntities": {allowed: everyone,
			grpc: func(ctx context.Context, c *caller, _ string) error {
				_, err := c.ent.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: []string{"Zelensky spoke."}})
				return err
			},
			rest: func(string) (string, string, string) {
				return http.MethodPost, "/v1/entities:link", `{"texts": ["Zelensky spoke."]}`
			}},
	}
}

// story makes what the matrix reads: a LIVE timeline "live" with a published and a draft
// entry, and an entity.
func (c *caller) story(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{TimelineId: "live",
		Timeline: &timelinev1.Timeline{Title: "Live", Slug: "live", Status: timelinev1.Timeline_LIVE}}); err != nil {
		t.Fatal(err)
	}
	for id, st := range map[string]timelinev1.Entry_Status{"published": timelinev1.Entry_PUBLISHED, "draft": timelinev1.Entry_DRAFT} {
		if _, err := c.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/live", EntryId: id,
			Entry: &timelinev1.Entry{Headline: "The " + id + " entry", Status: st}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{EntityId: "zelensky",
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Volodymyr Zelensky"}}); err != nil {
		t.Fatal(err)
	}
}

// want is the outcome a caller gets: OK when allowed, else UNAUTHENTICATED without a
// credential and PERMISSION_DENIED with one.
func want(caller string, allowed []string) codes.Code {
	switch {
	case slices.Contains(allowed, caller):
		return codes.OK
	case caller == "anonymous":
		return codes.Unauthenticated
	}
	return codes.PermissionDenied
}

// httpStatusOf is the HTTP status of the outcomes of want.
var httpStatusOf = map[codes.Code]int{codes.OK: http.StatusOK, codes.Unauthenticated: http.StatusUnauthorized, codes.PermissionDenied: http.StatusForbidden}

// idFor is an id for what one call of the matrix makes: "g-editor-timeline-deleteentry".
func idFor(transport, who, name string) string {
	return strings.ToLower(transport + "-" + who + "-" + strings.NewReplacer("/", "-", "Service", "").Replace(name))
}

// TestRoleMatrix calls every RPC as every role, over gRPC and REST, and checks that each
// role can do exactly what its row of the roles table says.
func TestRoleMatrix(t *testing.T) {
	a := start(t)
	admin := a.as("admin")
	admin.story(t)
	cases := matrix()

	// Every method of both services is in the matrix.
	for _, sd := range []grpc.ServiceDesc{timelinev1.TimelineService_ServiceDesc, entityv1.EntityService_ServiceDesc} {
		service := sd.ServiceName[strings.LastIndex(sd.ServiceName, ".")+1:]
		var methods []string
		for _, m := range sd.Methods {
			methods = append(methods, m.MethodName)
		}
		for _, s := range sd.Streams {
			methods = append(methods, s.StreamName)
		}
		for _, m := range methods {
			if _, ok := cases[service+"/"+m]; !ok {
				t.Errorf("%s/%s is not in the role matrix", service, m)
			}
		}
	}

	// Each caller's calls in parallel with the others': they touch only what they made.
	for _, who := range callers {
		c := a.as(who)
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			for name, tc := range cases {
				c.check(t, admin, name, tc)
			}
		})
	}
}

// check makes the call of tc as c over gRPC and REST, and checks the outcome.
func (c *caller) check(t *testing.T, admin *caller, name string, tc methodCase) {
	code := want(c.name, tc.allowed)
	t.Run(name+"/gRPC", func(t *testing.T) {
		id := idFor("g", c.name, name)
		if tc.prepare != nil {
			tc.prepare(t, admin, id)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tc.grpc(ctx, c, id); status.Code(err) != code {
			t.Fatalf("%s: %v, want %v", name, err, code)
		}
	})
	if tc.rest == nil {
		return
	}
	t.Run(name+"/REST", func(t *testing.T) {
		id := idFor("r", c.name, name)
		if tc.prepare != nil {
			tc.prepare(t, admin, id)
		}
		method, path, body := tc.rest(id)
		got, header, text := c.rest(method, path, body)
		if got != httpStatusOf[code] {
			t.Fatalf("%s %s: %d %s, want %d", method, path, got, text, httpStatusOf[code])
		}
		if got == http.StatusUnauthorized && !strings.HasPrefix(header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without WWW-Authenticate: Bearer: %v", header)
		}
	})
}
