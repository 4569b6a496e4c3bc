package stack_test

import (
	"net/http"
	"strings"
	"testing"
)

// The import and linking routes through the gateway: :import, the entries that mention an entity
// across timelines, and entities:link.
func TestImportRoutes(t *testing.T) {
	a := start(t)
	a.must(http.StatusOK, http.MethodPost, "/v1/entities?entityId=zelensky", map[string]any{
		"kind": "PERSON", "displayName": "Volodymyr Zelensky", "aliases": []string{"Zelensky", "Zelenskiy"},
	})
	a.must(http.StatusOK, http.MethodPost, "/v1/entities?entityId=istanbul", map[string]any{"kind": "PLACE", "displayName": "Istanbul"})
	for _, id := range []string{"talks", "second"} {
		a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId="+id, map[string]any{"title": "Talks " + id, "slug": "talks-" + id, "status": "LIVE"})
	}

	linked := a.must(http.StatusOK, http.MethodPost, "/v1/entities:link", map[string]any{"texts": []string{"Zelenskiy arrives in Istanbul."}})
	mentions := linked.list("results")[0].list("mentions")
	if len(mentions) != 2 || mentions[0].str("text") != "Zelenskiy" || mentions[1].str("text") != "Istanbul" {
		t.Fatalf("entities:link = %v", linked)
	}

	items := []map[string]any{
		{"importKey": "wire-1", "entry": map[string]any{"headline": "Zelensky lands in Istanbul", "body": "The president was greeted at the airport.", "status": "PUBLISHED"}},
		{"importKey": "wire-2", "entry": map[string]any{"headline": "", "status": "PUBLISHED"}},
	}
	body := map[string]any{"items": items, "options": map[string]any{"linkEntities": true}}
	resp := a.must(http.StatusOK, http.MethodPost, "/v1/timelines/talks/entries:import", body)
	results := resp.list("results")
	if len(results) != 2 || results[0].str("outcome") != "CREATED" || results[1].str("outcome") != "INVALID" ||
		results[1].list("violations")[0].str("field") != "entry.headline" {
		t.Fatalf(":import = %v", resp)
	}
	again := a.must(http.StatusOK, http.MethodPost, "/v1/timelines/talks/entries:import", body)
	if got := again.list("results")[0].str("outcome"); got != "DUPLICATE" {
		t.Fatalf("second :import: %s", got)
	}
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/second/entries:import", map[string]any{
		"items":   []map[string]any{{"importKey": "x", "entry": map[string]any{"headline": "Zelenskiy speaks", "status": "PUBLISHED"}}},
		"options": map[string]any{"linkEntities": true},
	})

	found := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/-/entries?mentionedEntity=entities/zelensky", nil)
	var names []string
	for _, e := range found.list("entries") {
		names = append(names, e.str("name")[:strings.Index(e.str("name"), "/entries/")])
	}
	if strings.Join(names, ",") != "timelines/second,timelines/talks" {
		t.Fatalf("entries mentioning Zelensky: %v", found)
	}
	wantError(t, a.call(http.MethodPost, "/v1/timelines/talks/entries:import", map[string]any{"items": []any{}}), http.StatusBadRequest, codeInvalidArgument, "items")
	wantError(t, a.call(http.MethodPost, "/v1/entities:link", map[string]any{"texts": []string{}}), http.StatusBadRequest, codeInvalidArgument, "texts")
}
