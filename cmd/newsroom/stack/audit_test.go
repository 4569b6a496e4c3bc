package stack_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/cmd/newsroom/stack/stacktest"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/auth/authtest"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
)

// Every revision records who made it; editors see it in ListEntryRevisions, readers do
// not. Imports record the importer.
func TestRevisionsRecordWhoMadeThem(t *testing.T) {
	a := start(t)
	admin, contributor, editor, importer := a.as("admin"), a.as("contributor"), a.as("editor"), a.as("importer")
	ctx := context.Background()
	if _, err := admin.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{TimelineId: "live",
		Timeline: &timelinev1.Timeline{Title: "Live", Slug: "live", Status: timelinev1.Timeline_LIVE}}); err != nil {
		t.Fatal(err)
	}
	if _, err := contributor.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: "timelines/live", EntryId: "story",
		Entry: &timelinev1.Entry{Headline: "A draft"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := editor.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: "timelines/live/entries/story",
		Status: timelinev1.Entry_PUBLISHED}}); err != nil {
		t.Fatal(err)
	}
	revs, err := editor.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: "timelines/live/entries/story", View: timelinev1.View_EDITOR})
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, r := range revs.GetRevisions() {
		who = append(who, r.GetRevisedBy())
	}
	if strings.Join(who, ",") != "editor-key,contributor-key" {
		t.Errorf("revised by %v, want the editor's key, then the contributor's (newest first)", who)
	}
	// Readers see the published revision, not who made it; nor do editors elsewhere.
	public, err := editor.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: "timelines/live/entries/story"})
	if err != nil || len(public.GetRevisions()) != 1 || public.GetRevisions()[0].GetRevisedBy() != "" {
		t.Errorf("public revisions: %v, %v", public, err)
	}
	got, err := editor.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: "timelines/live/entries/story", View: timelinev1.View_EDITOR})
	if err != nil || got.GetRevisedBy() != "" {
		t.Errorf("GetEntry: %v, %v", got, err)
	}
	// Over REST, as JSON.
	if code, _, body := editor.rest(http.MethodGet, "/v1/timelines/live/entries/story/revisions?view=EDITOR", ""); code != http.StatusOK || !strings.Contains(body, `"revisedBy":"editor-key"`) {
		t.Errorf("REST revisions: %d %s", code, body)
	}

	// An import records the importer.
	res, err := importer.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: "timelines/live",
		Items: []*timelinev1.ImportItem{{ImportKey: "wire-1", Entry: &timelinev1.Entry{Headline: "From the wire", Status: timelinev1.Entry_PUBLISHED}}}})
	if err != nil || res.GetCreated() != 1 {
		t.Fatalf("import: %v, %v", res, err)
	}
	revs, err = editor.tl.ListEntryRevisions(ctx, &timelinev1.ListEntryRevisionsRequest{Name: res.GetResults()[0].GetEntry(), View: timelinev1.View_EDITOR})
	if err != nil || len(revs.GetRevisions()) != 1 || revs.GetRevisions()[0].GetRevisedBy() != "importer-key" {
		t.Errorf("imported entry's revisions: %v, %v", revs, err)
	}
}

// Without anonymous reads, callers without a credential get nothing, and a reader of one
// timeline reads that timeline only: lists leave the others out.
func TestClosedToAnonymousCallers(t *testing.T) {
	a := start(t, func(cfg *stack.Config) {
		g, err := auth.New(context.Background(), auth.Options{AnonymousReads: false})
		if err != nil {
			t.Fatal(err)
		}
		g.AddKey("admin", stacktest.AdminKey, auth.Admin)
		cfg.Guard = g
	})
	admin := a.as("admin")
	ctx := context.Background()
	for _, id := range []string{"mine", "theirs"} {
		if _, err := admin.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{TimelineId: id,
			Timeline: &timelinev1.Timeline{Title: "Timeline " + id, Slug: id, Status: timelinev1.Timeline_LIVE}}); err != nil {
			t.Fatal(err)
		}
	}
	anonymous, reader := a.as("anonymous"), a.as("reader", "mine")
	if _, err := anonymous.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/mine"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("anonymous read: %v", err)
	}
	if code, header, _ := anonymous.rest(http.MethodGet, "/v1/timelines", ""); code != http.StatusUnauthorized || header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous REST list: %d %v", code, header)
	}
	if _, err := reader.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/mine"}); err != nil {
		t.Errorf("reader of mine reads mine: %v", err)
	}
	// What a reader with a key reads is for that reader: no CDN may keep it for others.
	for _, path := range []string{"/v1/timelines/mine", "/v1/timelines/mine/entries"} {
		if code, header, _ := reader.rest(http.MethodGet, path, ""); code != http.StatusOK || !strings.HasPrefix(header.Get("Cache-Control"), "private") {
			t.Errorf("GET %s with a key: %d, Cache-Control %q", path, code, header.Get("Cache-Control"))
		}
	}
	if _, err := reader.tl.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/theirs"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("reader of mine reads theirs: %v", err)
	}
	list, err := reader.tl.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{})
	if err != nil || len(list.GetTimelines()) != 1 || list.GetTimelines()[0].GetName() != "timelines/mine" {
		t.Errorf("reader of mine lists %v, %v", list, err)
	}
}

// People sign in with the newsroom's SSO: their tokens are accepted over REST and gRPC,
// their subject recorded on what they write, and every forged, stale or misdirected
// token refused with 401.
func TestTokensOverREST(t *testing.T) {
	p := authtest.New(t)
	a := start(t, func(cfg *stack.Config) {
		g, err := auth.New(context.Background(), auth.Options{AnonymousReads: true,
			OIDC: auth.OIDC{Issuer: authtest.Issuer, Audience: authtest.Audience, JWKSFile: p.JWKSFile}})
		if err != nil {
			t.Fatal(err)
		}
		g.AddKey("admin", stacktest.AdminKey, auth.Admin)
		cfg.Guard = g
	})
	jane := &caller{name: "jane", key: p.Token(t, authtest.Claims("jane@newsroom.example", "editor")), a: a}
	code, _, body := jane.rest(http.MethodPost, "/v1/timelines?timelineId=sso", `{"title": "Signed in", "slug": "sso", "status": "LIVE"}`)
	if code != http.StatusOK {
		t.Fatalf("an editor's token: %d %s", code, body)
	}
	jane.rest(http.MethodPost, "/v1/timelines/sso/entries?entryId=first", `{"headline": "First"}`)
	if _, _, body := jane.rest(http.MethodGet, "/v1/timelines/sso/entries/first/revisions?view=EDITOR", ""); !strings.Contains(body, `"revisedBy":"jane@newsroom.example"`) {
		t.Errorf("revisions: %s", body)
	}
	for name, tok := range p.Attacks(t, "jane@newsroom.example", "editor") {
		t.Run(name, func(t *testing.T) {
			forged := &caller{name: name, key: tok, a: a}
			// Even a public read: a bad credential is never taken for none.
			for _, path := range []string{"/v1/timelines/sso/entries?view=EDITOR", "/v1/timelines/sso"} {
				code, header, body := forged.rest(http.MethodGet, path, "")
				if code != http.StatusUnauthorized || !strings.Contains(header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Fatalf("GET %s: %d %v %s", path, code, header, body)
				}
			}
		})
	}
}

// A key revoked while its watch stream is open ends the stream: revoking takes effect on
// streams too, not only on the next call.
func TestRevokedKeyEndsItsStream(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "api-keys.json")
	readerKey, entry, err := auth.NewKey("desk-reader", []auth.Role{auth.Reader}, []string{auth.AllTimelines})
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.WriteKeysFile(keys, &auth.KeysFile{Keys: []auth.KeyEntry{entry}}); err != nil {
		t.Fatal(err)
	}
	a := start(t, func(cfg *stack.Config) {
		g, err := auth.New(context.Background(), auth.Options{KeysFile: keys, KeysCheckEvery: 10 * time.Millisecond,
			StreamRecheck: 50 * time.Millisecond, AnonymousReads: true})
		if err != nil {
			t.Fatal(err)
		}
		g.AddKey("admin", stacktest.AdminKey, auth.Admin)
		cfg.Guard = g
	})
	a.as("admin").rest(http.MethodPost, "/v1/timelines?timelineId=live", `{"title": "Live", "slug": "live", "status": "LIVE"}`)
	reader := &caller{name: "reader", key: readerKey, a: a}
	conn := grpctest.Dial(t, a.grpcAddr, readerKey)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := timelinev1.NewTimelineServiceClient(conn).WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: "timelines/live",
		Start: &timelinev1.WatchEntriesRequest_SnapshotSize{SnapshotSize: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	ndjson := reader.open(ctx, "/v1/timelines/live/entries:watch?snapshotSize=1", "")
	ndjson.until("SNAPSHOT")

	if err := auth.WriteKeysFile(keys, &auth.KeysFile{}); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := stream.Recv()
		if err == nil {
			continue // heartbeats
		}
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("the stream ended with %v, want UNAUTHENTICATED", err)
		}
		break
	}
	if rest := ndjson.until(`"error"`); !strings.Contains(rest, `"code":16`) {
		t.Errorf("the REST stream ended with %s", rest)
	}
}
