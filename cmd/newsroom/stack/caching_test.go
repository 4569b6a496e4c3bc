package stack_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

const (
	cacheLive    = "public, max-age=2, stale-while-revalidate=10"
	cacheSettled = "public, max-age=300"
	cachePrivate = "private, no-store"
)

// conditional sends GET path with If-None-Match (when etag is set) and returns the
// status, the ETag and Cache-Control headers and the body.
func (a *api) conditional(path, etag string) (status int, gotETag, cacheControl, body string) {
	a.t.Helper()
	header := map[string]string{}
	if etag != "" {
		header["If-None-Match"] = etag
	}
	resp := a.get(context.Background(), path, header)
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"), string(data)
}

func TestCachingReads(t *testing.T) {
	a := start(t)
	a.liveTimeline("talks")
	a.addEntry("talks", "first")
	entries := "/v1/timelines/talks/entries"

	// Validators: 304 without a body for what the client holds.
	status, etag, cc, body := a.conditional(entries, "")
	if status != http.StatusOK || etag == "" || cc != cacheLive || body == "" {
		t.Fatalf("entries: %d, ETag %q, Cache-Control %q", status, etag, cc)
	}
	if status, got, cc, body := a.conditional(entries, etag); status != http.StatusNotModified || got != etag || cc != cacheLive || body != "" {
		t.Fatalf("entries again: %d, ETag %q, Cache-Control %q, body %q", status, got, cc, body)
	}
	tl := a.must(http.StatusOK, http.MethodGet, "/v1/timelines/talks", nil)
	if status, got, cc, _ := a.conditional("/v1/timelines/talks", `"`+tl.str("etag")+`"`); status != http.StatusNotModified || got != `"`+tl.str("etag")+`"` || cc != cacheLive {
		t.Fatalf("timeline again: %d, ETag %q (etag %q), Cache-Control %q", status, got, tl.str("etag"), cc)
	}

	// A write is a new ETag at once.
	a.addEntry("talks", "second")
	status, newETag, _, body := a.conditional(entries, etag)
	if status != http.StatusOK || newETag == etag || !strings.Contains(body, "timelines/talks/entries/second") {
		t.Fatalf("after a write: %d, ETag %q (was %q)", status, newETag, etag)
	}

	// Cache-Control follows the timeline's status and the view.
	tests := []struct {
		name, status string // status set before the reads
		path         string
		want         string
	}{
		{"live, editor view", "", entries + "?view=EDITOR", cachePrivate},
		{"live, editor view of the timeline", "", "/v1/timelines/talks?view=EDITOR", cachePrivate},
		{"closed timeline", "CLOSED", "/v1/timelines/talks", cacheSettled},
		{"closed entries", "", entries, cacheSettled},
		{"closed entries, a page", "", entries + "?pageSize=1", cacheSettled},
		{"closed, editor view", "", entries + "?view=EDITOR", cachePrivate},
		{"archived timeline", "ARCHIVED", "/v1/timelines/talks", cacheSettled},
		{"archived entries", "", entries, cacheSettled},
		{"not found", "", "/v1/timelines/nowhere/entries", cachePrivate},
		{"draft timeline, public", "DRAFT", "/v1/timelines/talks", cachePrivate},
		{"draft timeline, editor", "", "/v1/timelines/talks?view=EDITOR", cachePrivate},
	}
	for _, tc := range tests {
		if tc.status != "" {
			a.must(http.StatusOK, http.MethodPatch, "/v1/timelines/talks", map[string]any{"status": tc.status})
		}
		if _, _, cc, body := a.conditional(tc.path, ""); cc != tc.want {
			t.Errorf("%s: Cache-Control %q, want %q (%s)", tc.name, cc, tc.want, body)
		}
	}
}
