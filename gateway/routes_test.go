package gateway_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/gateway"
)

// The gateway tells requests apart by the route grpc-gateway matched and its path
// parameters. Every read that succeeds can be revalidated (ETag, 304); only the hot
// reads, of one timeline or of its entries, are kept and told to caches how long to keep
// them. timelines/- (every timeline) is never a timeline.
func TestRoutesReads(t *testing.T) {
	tests := map[string]struct {
		path string
		call string // the call the read makes, as fakeTimelines.count names it
		hot  bool
	}{
		"timeline":                  {"/v1/timelines/t", "GetTimeline timelines/t", true},
		"entries":                   {"/v1/timelines/t/entries", "ListEntries timelines/t", true},
		"a page of entries":         {"/v1/timelines/t/entries?pageSize=2", "ListEntries timelines/t", true},
		"entries of every timeline": {"/v1/timelines/-/entries", "ListEntries timelines/-", false},
		"an entry":                  {"/v1/timelines/t/entries/e1", "GetEntry timelines/t/entries/e1", false},
		"timelines":                 {"/v1/timelines", "ListTimelines", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := &fakeTimelines{reportStatus: true}
			f.set("t", liveTL)
			gw := serveFake(t, f, gateway.Options{HotReadTTL: time.Minute})
			first, body := get(t, gw.url+tc.path, nil)
			etag := first.Header.Get("ETag")
			if first.StatusCode != http.StatusOK || etag == "" {
				t.Fatalf("GET = %d %s, ETag %q", first.StatusCode, body, etag)
			}
			if again, _ := get(t, gw.url+tc.path, map[string]string{"If-None-Match": etag}); again.StatusCode != http.StatusNotModified {
				t.Fatalf("GET with its ETag = %d, want 304", again.StatusCode)
			}
			calls, want := f.callCount(tc.call), 2
			if tc.hot {
				want = 1
			}
			if calls != want {
				t.Errorf("%d calls %q for two reads, want %d", calls, tc.call, want)
			}
			cc, wantCC := first.Header.Get("Cache-Control"), ""
			if tc.hot {
				wantCC = live
			}
			if cc != wantCC {
				t.Errorf("Cache-Control %q, want %q", cc, wantCC)
			}
		})
	}
}

// A write whose path names a timeline, or something in it, drops what the gateway keeps
// of that timeline, whether or not it succeeds; other writes drop nothing.
func TestRoutesWrites(t *testing.T) {
	tests := map[string]struct {
		method, path, body string
		stale              string // the timeline whose kept reads are dropped
	}{
		"update a timeline":                 {http.MethodPatch, "/v1/timelines/t", `{"status": "LIVE"}`, "t"},
		"delete a timeline":                 {http.MethodDelete, "/v1/timelines/t", "", "t"},
		"create an entry":                   {http.MethodPost, "/v1/timelines/t/entries", "{}", "t"},
		"import entries":                    {http.MethodPost, "/v1/timelines/t/entries:import", "{}", "t"},
		"update an entry":                   {http.MethodPatch, "/v1/timelines/t/entries/e1", "{}", "t"},
		"delete an entry":                   {http.MethodDelete, "/v1/timelines/t/entries/e1", "", "t"},
		"create a timeline":                 {http.MethodPost, "/v1/timelines", "{}", ""},
		"create an entry in every timeline": {http.MethodPost, "/v1/timelines/-/entries", "{}", ""},
		"delete an entry of every timeline": {http.MethodDelete, "/v1/timelines/-/entries/e1", "", ""},
		"update an entity":                  {http.MethodPatch, "/v1/entities/t", "{}", ""},
		"resolve entities":                  {http.MethodPost, "/v1/entities:resolve", "{}", ""},
	}
	kept := map[string]string{ // path: the call that reads it
		"/v1/timelines/t":         "GetTimeline timelines/t",
		"/v1/timelines/t/entries": "ListEntries timelines/t",
		"/v1/timelines/u":         "GetTimeline timelines/u",
		"/v1/timelines/u/entries": "ListEntries timelines/u",
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := &fakeTimelines{reportStatus: true}
			f.set("t", liveTL)
			f.set("u", liveTL)
			gw := serveFake(t, f, gateway.Options{HotReadTTL: time.Minute})
			for path := range kept {
				get(t, gw.url+path, nil)
			}
			if code, _ := send(t, tc.method, gw.url+tc.path, strings.NewReader(tc.body)); code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
				t.Fatalf("%s %s = %d: no such route", tc.method, tc.path, code)
			}
			for path, call := range kept {
				get(t, gw.url+path, nil)
				want := 1
				if tc.stale != "" && strings.HasPrefix(path, "/v1/timelines/"+tc.stale) {
					want = 2
				}
				if got := f.callCount(call); got != want {
					t.Errorf("%s: %d calls %q, want %d", path, got, call, want)
				}
			}
		})
	}
}
