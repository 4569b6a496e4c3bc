package stack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// google.rpc.Code values, as they appear in error bodies.
const (
	codeInvalidArgument    = 3
	codeNotFound           = 5
	codeAlreadyExists      = 6
	codeFailedPrecondition = 9
	codeAborted            = 10
)

func TestTimelineRoutes(t *testing.T) {
	a := start(t)
	timeline := map[string]any{
		"title":   "Peace talks in Istanbul: live",
		"slug":    "istanbul-peace-talks-live",
		"status":  "LIVE",
		"tags":    []string{"ukraine", "diplomacy"},
		"summary": "Delegations meet for a second round of talks.",
	}

	created := a.call(http.MethodPost, "/v1/timelines?timelineId=istanbul", timeline)
	if created.status != http.StatusOK || created.body.str("name") != "timelines/istanbul" || created.body.str("createTime") == "" {
		t.Fatalf("create = %d %v", created.status, created.body)
	}
	etag := created.body.str("etag")
	if etag == "" || created.header.Get("ETag") != `"`+etag+`"` {
		t.Fatalf("etag %q, ETag header %q", etag, created.header.Get("ETag"))
	}
	wantError(t, a.call(http.MethodPost, "/v1/timelines?timelineId=istanbul", timeline), http.StatusConflict, codeAlreadyExists, "")

	list := a.must(http.StatusOK, http.MethodGet, "/v1/timelines", nil)
	if got := list.list("timelines"); len(got) != 1 || got[0].str("slug") != "istanbul-peace-talks-live" || list.str("nextPageToken") != "" {
		t.Fatalf("list = %v", list)
	}
	if got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/istanbul", nil); got.str("title") != timeline["title"] {
		t.Fatalf("get = %v", got)
	}

	// PATCH fills the update mask from the body; the etag makes it conditional.
	patched := a.must(http.StatusOK, http.MethodPatch, "/v1/timelines/istanbul", map[string]any{"summary": "A prisoner exchange is agreed.", "etag": etag})
	if patched.str("summary") != "A prisoner exchange is agreed." || patched.str("title") != timeline["title"] || patched.str("etag") == etag {
		t.Fatalf("patched = %v", patched)
	}
	wantError(t, a.call(http.MethodPatch, "/v1/timelines/istanbul", map[string]any{"summary": "stale", "etag": etag}), http.StatusConflict, codeAborted, "")

	entry := map[string]any{
		"headline":  "Delegations arrive at Dolmabahce Palace",
		"body":      "The Ukrainian delegation arrived first.\n\nTalks are due to start at noon.",
		"status":    "PUBLISHED",
		"occurTime": "2025-07-14T09:00:00Z",
		"authors":   []string{"Kateryna Bondar in Istanbul"},
	}
	e := a.must(http.StatusOK, http.MethodPost, "/v1/timelines/istanbul/entries?entryId=arrival", entry)
	if e.str("name") != "timelines/istanbul/entries/arrival" || e.str("revision") != "1" {
		t.Fatalf("entry = %v", e)
	}
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/istanbul/entries?entryId=draft", map[string]any{"headline": "Not yet"})

	// Readers see the published entry only; editors see the draft too.
	if got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/istanbul/entries", nil).list("entries"); len(got) != 1 || got[0].str("name") != e.str("name") {
		t.Fatalf("public entries = %v", got)
	}
	if got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/istanbul/entries?view=EDITOR&order=OLDEST_FIRST", nil).list("entries"); len(got) != 2 {
		t.Fatalf("editor entries = %v", got)
	}
	wantError(t, a.call(http.MethodGet, "/v1/timelines/istanbul/entries/draft", nil), http.StatusNotFound, codeNotFound, "")
	if got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/istanbul/entries/arrival", nil); got.str("headline") != entry["headline"] {
		t.Fatalf("get entry = %v", got)
	}

	corrected := a.must(http.StatusOK, http.MethodPatch, "/v1/timelines/istanbul/entries/arrival", map[string]any{"headline": "Delegations arrive at Dolmabahçe Palace"})
	if corrected.str("revision") != "2" || corrected.str("body") != entry["body"] {
		t.Fatalf("corrected = %v", corrected)
	}
	wantError(t, a.call(http.MethodPatch, "/v1/timelines/istanbul/entries/arrival", map[string]any{"headline": "x", "etag": e.str("etag")}), http.StatusConflict, codeAborted, "")
	revs := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/istanbul/entries/arrival/revisions", nil).list("revisions")
	if len(revs) != 2 || revs[0].str("revision") != "2" || revs[1].str("headline") != entry["headline"] {
		t.Fatalf("revisions = %v", revs)
	}

	wantError(t, a.call(http.MethodDelete, "/v1/timelines/istanbul/entries/arrival?etag="+e.str("etag"), nil), http.StatusConflict, codeAborted, "")
	if got := a.must(http.StatusOK, http.MethodDelete, "/v1/timelines/istanbul/entries/arrival?etag="+corrected.str("etag"), nil); len(got) != 0 {
		t.Fatalf("delete entry = %v, want {}", got)
	}
	wantError(t, a.call(http.MethodGet, "/v1/timelines/istanbul/entries/arrival?view=EDITOR", nil), http.StatusNotFound, codeNotFound, "")

	// The draft entry is still there: deleting the timeline needs force.
	wantError(t, a.call(http.MethodDelete, "/v1/timelines/istanbul", nil), http.StatusBadRequest, codeFailedPrecondition, "")
	a.must(http.StatusOK, http.MethodDelete, "/v1/timelines/istanbul?force=true", nil)
	wantError(t, a.call(http.MethodGet, "/v1/timelines/istanbul?view=EDITOR", nil), http.StatusNotFound, codeNotFound, "")
	wantError(t, a.call(http.MethodDelete, "/v1/timelines/istanbul", nil), http.StatusNotFound, codeNotFound, "")
}

func TestTimelineViewsAndPages(t *testing.T) {
	a := start(t)
	for _, slug := range []string{"one", "two", "three"} {
		a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId="+slug, map[string]any{"title": slug, "slug": slug, "status": "LIVE"})
	}
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId=draft", map[string]any{"title": "draft", "slug": "draft"})

	// A draft is hidden from readers.
	wantError(t, a.call(http.MethodGet, "/v1/timelines/draft", nil), http.StatusNotFound, codeNotFound, "")
	if got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/draft?view=EDITOR", nil); got.str("status") != "DRAFT" {
		t.Fatalf("editor get = %v", got)
	}

	// Pages of two, newest first, through the opaque token.
	var names []string
	token := ""
	for page := 0; ; page++ {
		got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines?pageSize=2&pageToken="+token, nil)
		for _, tl := range got.list("timelines") {
			names = append(names, tl.str("name"))
		}
		token = got.str("nextPageToken")
		if token == "" {
			break
		}
		if page > 2 {
			t.Fatalf("too many pages: %v", names)
		}
	}
	if strings.Join(names, " ") != "timelines/three timelines/two timelines/one" {
		t.Fatalf("paged = %v", names)
	}
	// A token is bound to its filter.
	first := a.must(http.StatusOK, http.MethodGet, "/v1/timelines?pageSize=1", nil)
	wantError(t, a.call(http.MethodGet, "/v1/timelines?pageSize=1&view=EDITOR&pageToken="+first.str("nextPageToken"), nil), http.StatusBadRequest, codeInvalidArgument, "page_token")
}

func TestEntityRoutes(t *testing.T) {
	a := start(t)
	zelensky := map[string]any{
		"kind":        "PERSON",
		"displayName": "Volodymyr Zelensky",
		"aliases":     []string{"Zelenskiy", "Zelenskyy"},
		"description": "President of Ukraine",
		"externalIds": map[string]string{"wikidata": "Q3874799"},
	}
	created := a.call(http.MethodPost, "/v1/entities?entityId=zelensky", zelensky)
	if created.status != http.StatusOK || created.body.str("name") != "entities/zelensky" || created.header.Get("ETag") == "" {
		t.Fatalf("create = %d %v %v", created.status, created.body, created.header)
	}
	etag := created.body.str("etag")
	wantError(t, a.call(http.MethodPost, "/v1/entities?entityId=zelensky", zelensky), http.StatusConflict, codeAlreadyExists, "")
	a.must(http.StatusOK, http.MethodPost, "/v1/entities?entityId=kyiv", map[string]any{"kind": "PLACE", "displayName": "Kyiv", "aliases": []string{"Kiev"}})

	if got := a.must(http.StatusOK, http.MethodGet, "/v1/entities/zelensky", nil); got.str("displayName") != "Volodymyr Zelensky" || got.obj("externalIds").str("wikidata") != "Q3874799" {
		t.Fatalf("get = %v", got)
	}
	list := a.must(http.StatusOK, http.MethodGet, "/v1/entities", nil).list("entities")
	if len(list) != 2 || list[0].str("displayName") != "Kyiv" {
		t.Fatalf("list = %v, want Kyiv first (display-name order)", list)
	}
	if got := a.must(http.StatusOK, http.MethodGet, "/v1/entities?kind=PLACE", nil).list("entities"); len(got) != 1 || got[0].str("name") != "entities/kyiv" {
		t.Fatalf("list by kind = %v", got)
	}

	patched := a.must(http.StatusOK, http.MethodPatch, "/v1/entities/zelensky", map[string]any{"description": "President of Ukraine since 2019", "etag": etag})
	if patched.str("description") != "President of Ukraine since 2019" || patched.str("displayName") != "Volodymyr Zelensky" || patched.str("etag") == etag {
		t.Fatalf("patched = %v", patched)
	}
	wantError(t, a.call(http.MethodPatch, "/v1/entities/zelensky", map[string]any{"description": "stale", "etag": etag}), http.StatusConflict, codeAborted, "")

	// Resolution ignores case and diacritics, one result per name, in order.
	res := a.must(http.StatusOK, http.MethodPost, "/v1/entities:resolve", map[string]any{"names": []string{"ZELENSKIY", "kiev", "Nobody"}}).list("results")
	if len(res) != 3 || res[0].str("query") != "ZELENSKIY" ||
		len(res[0].list("entities")) != 1 || res[0].list("entities")[0].str("name") != "entities/zelensky" ||
		len(res[1].list("entities")) != 1 || res[1].list("entities")[0].str("name") != "entities/kyiv" ||
		len(res[2].list("entities")) != 0 {
		t.Fatalf("resolve = %v", res)
	}
	wantError(t, a.call(http.MethodPost, "/v1/entities:resolve", map[string]any{"names": []string{}}), http.StatusBadRequest, codeInvalidArgument, "names")

	wantError(t, a.call(http.MethodDelete, "/v1/entities/zelensky?etag="+etag, nil), http.StatusConflict, codeAborted, "")
	a.must(http.StatusOK, http.MethodDelete, "/v1/entities/zelensky", nil)
	wantError(t, a.call(http.MethodGet, "/v1/entities/zelensky", nil), http.StatusNotFound, codeNotFound, "")
	wantError(t, a.call(http.MethodDelete, "/v1/entities/zelensky", nil), http.StatusNotFound, codeNotFound, "")
}

// Mentions are checked by the Timeline service against the Entity service, over gRPC,
// inside the one process.
func TestMentions(t *testing.T) {
	a := start(t)
	a.must(http.StatusOK, http.MethodPost, "/v1/entities?entityId=erdogan", map[string]any{"kind": "PERSON", "displayName": "Recep Tayyip Erdoğan", "aliases": []string{"Erdogan"}})
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId=talks", map[string]any{"title": "Talks", "slug": "talks", "status": "LIVE"})
	mention := func(entity string) map[string]any {
		return map[string]any{
			"headline": "Erdogan opens the talks", "status": "PUBLISHED",
			"mentions": []map[string]any{{"entity": entity, "text": "Erdogan", "field": "HEADLINE", "startOffset": 0, "endOffset": 7}},
		}
	}
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/talks/entries?entryId=opening", mention("entities/erdogan"))
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/talks/entries?entryId=other", map[string]any{"headline": "Lunch break", "status": "PUBLISHED"})
	wantError(t, a.call(http.MethodPost, "/v1/timelines/talks/entries", mention("entities/nobody")), http.StatusBadRequest, codeInvalidArgument, "entry.mentions[0].entity")

	got := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/talks/entries?mentionedEntity=entities/erdogan", nil).list("entries")
	if len(got) != 1 || got[0].str("name") != "timelines/talks/entries/opening" || got[0].list("mentions")[0].str("entity") != "entities/erdogan" {
		t.Fatalf("entries mentioning erdogan = %v", got)
	}
}

func TestErrors(t *testing.T) {
	a := start(t)
	tests := map[string]struct {
		method, path string
		body         any
		status       int
		code         float64
		field        string
	}{
		"missing title":        {http.MethodPost, "/v1/timelines", map[string]any{"slug": "ok"}, http.StatusBadRequest, codeInvalidArgument, "timeline.title"},
		"bad slug":             {http.MethodPost, "/v1/timelines", map[string]any{"title": "t", "slug": "Not A Slug"}, http.StatusBadRequest, codeInvalidArgument, "timeline.slug"},
		"bad timeline id":      {http.MethodPost, "/v1/timelines?timelineId=UPPER", map[string]any{"title": "t", "slug": "t"}, http.StatusBadRequest, codeInvalidArgument, "timeline_id"},
		"negative page size":   {http.MethodGet, "/v1/timelines?pageSize=-1", nil, http.StatusBadRequest, codeInvalidArgument, "page_size"},
		"garbage page token":   {http.MethodGet, "/v1/timelines?pageToken=garbage", nil, http.StatusBadRequest, codeInvalidArgument, "page_token"},
		"immutable field":      {http.MethodPatch, "/v1/timelines/x?updateMask=createTime,title", map[string]any{"title": "t"}, http.StatusBadRequest, codeInvalidArgument, "update_mask"},
		"entity without kind":  {http.MethodPost, "/v1/entities", map[string]any{"displayName": "Someone"}, http.StatusBadRequest, codeInvalidArgument, "entity.kind"},
		"bad entity name":      {http.MethodGet, "/v1/entities/Not_Valid", nil, http.StatusBadRequest, codeInvalidArgument, "name"},
		"unknown JSON field":   {http.MethodPost, "/v1/timelines", `{"title": "t", "slug": "t", "colour": "red"}`, http.StatusBadRequest, codeInvalidArgument, ""},
		"missing timeline":     {http.MethodGet, "/v1/timelines/nope", nil, http.StatusNotFound, codeNotFound, ""},
		"missing entry parent": {http.MethodPost, "/v1/timelines/nope/entries", map[string]any{"headline": "h"}, http.StatusNotFound, codeNotFound, ""},
		"missing entity":       {http.MethodGet, "/v1/entities/nope", nil, http.StatusNotFound, codeNotFound, ""},
		"body over 1 MiB":      {http.MethodPost, "/v1/timelines", `{"title": "` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, codeInvalidArgument, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			wantError(t, a.call(tc.method, tc.path, tc.body), tc.status, tc.code, tc.field)
		})
	}
}

func TestOpenAPIAndHealth(t *testing.T) {
	a := start(t)
	if got := a.must(http.StatusOK, http.MethodGet, "/openapi.json", nil); got.str("swagger") != "2.0" || got.obj("paths").obj("/v1/timelines") == nil {
		t.Fatalf("openapi.json = %.200v", got)
	}
	if got := a.must(http.StatusOK, http.MethodGet, "/healthz", nil); got.str("status") != "SERVING" || len(got.obj("services")) != 2 {
		t.Fatalf("healthz = %v", got)
	}
}

// What is written through REST is read through gRPC, on the address the stack reports.
func TestGRPCAndRESTAgree(t *testing.T) {
	a := start(t)
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId=shared", map[string]any{"title": "Shared", "slug": "shared", "status": "LIVE"})
	conn, err := grpc.NewClient(a.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	got, err := timelinev1.NewTimelineServiceClient(conn).GetTimeline(context.Background(), &timelinev1.GetTimelineRequest{Name: "timelines/shared"})
	if err != nil || got.GetTitle() != "Shared" {
		t.Fatalf("GetTimeline over gRPC = %v, %v", got, err)
	}
}
