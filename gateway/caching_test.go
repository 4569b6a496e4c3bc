package gateway_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/gateway"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// get sends GET url with the given headers and returns the response with its body read.
func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	resp := sendGet(t, context.Background(), url, header)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// sendGet sends GET url with the given headers.
func sendGet(t *testing.T, ctx context.Context, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

const (
	live     = "public, max-age=2, stale-while-revalidate=10"
	settled  = "public, max-age=300"
	noStore  = "private, no-store"
	closed   = timelinev1.Timeline_CLOSED
	liveTL   = timelinev1.Timeline_LIVE
	archived = timelinev1.Timeline_ARCHIVED
)

func TestCacheControl(t *testing.T) {
	tests := map[string]struct {
		status timelinev1.Timeline_Status
		report bool // the service reports the status with the entries
		path   string
		want   string
	}{
		"live timeline":                    {liveTL, false, "/v1/timelines/t", live},
		"closed timeline":                  {closed, false, "/v1/timelines/t", settled},
		"archived timeline":                {archived, false, "/v1/timelines/t", settled},
		"editor view of a closed timeline": {closed, false, "/v1/timelines/t?view=EDITOR", noStore},
		"editor view by number":            {closed, false, "/v1/timelines/t?view=2", noStore},
		"public view named":                {closed, false, "/v1/timelines/t?view=PUBLIC", settled},
		"entries of a live timeline":       {liveTL, true, "/v1/timelines/t/entries", live},
		"entries of a closed timeline":     {closed, true, "/v1/timelines/t/entries?pageSize=5", settled},
		"entries of an archived timeline":  {archived, true, "/v1/timelines/t/entries", settled},
		"entries, status looked up":        {closed, false, "/v1/timelines/t/entries", settled},
		"entries, editor view":             {liveTL, true, "/v1/timelines/t/entries?view=EDITOR", noStore},
		"not found":                        {liveTL, true, "/v1/timelines/other/entries", noStore},
		"unknown route":                    {liveTL, true, "/v1/elsewhere", noStore},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := &fakeTimelines{reportStatus: tc.report}
			f.set("t", tc.status)
			gw := serveFake(t, f, gateway.Options{})
			resp, body := get(t, gw.url+tc.path, nil)
			if got := resp.Header.Get("Cache-Control"); got != tc.want {
				t.Fatalf("Cache-Control %q, want %q (status %d, %s)", got, tc.want, resp.StatusCode, body)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Grpc-Metadata-") {
					t.Errorf("header %s leaks gRPC metadata", k)
				}
			}
		})
	}
}

var hashETag = regexp.MustCompile(`^"[0-9a-f]{16}"$`)

func TestConditionalReads(t *testing.T) {
	f := &fakeTimelines{reportStatus: true, headline: "First"}
	f.set("t", liveTL)
	gw := serveFake(t, f, gateway.Options{HotReadTTL: -1})
	entries := gw.url + "/v1/timelines/t/entries"

	resp, body := get(t, entries, nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || !hashETag.MatchString(etag) || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("GET = %d, ETag %q, Content-Length %q for %d bytes", resp.StatusCode, etag, resp.Header.Get("Content-Length"), len(body))
	}
	timeline, _ := get(t, gw.url+"/v1/timelines/t", nil)
	if got := timeline.Header.Get("ETag"); got != `"rev-LIVE"` {
		t.Fatalf("timeline ETag %q, want the resource's etag", got)
	}

	tests := map[string]struct {
		url, ifNoneMatch string
		want             int
	}{
		"same":              {entries, etag, http.StatusNotModified},
		"weak form":         {entries, "W/" + etag, http.StatusNotModified},
		"in a list":         {entries, `"other", ` + etag, http.StatusNotModified},
		"any":               {entries, "*", http.StatusNotModified},
		"other":             {entries, `"0000000000000000"`, http.StatusOK},
		"unquoted":          {entries, strings.Trim(etag, `"`), http.StatusOK},
		"resource etag":     {gw.url + "/v1/timelines/t", `"rev-LIVE"`, http.StatusNotModified},
		"old resource etag": {gw.url + "/v1/timelines/t", `"rev-DRAFT"`, http.StatusOK},
		"error":             {gw.url + "/v1/timelines/none", "*", http.StatusNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, tc.url, map[string]string{"If-None-Match": tc.ifNoneMatch})
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want != http.StatusNotModified {
				return
			}
			if body != "" || resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") != live {
				t.Fatalf("304 with body %q, ETag %q, Cache-Control %q", body, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
			}
		})
	}

	// A change is a new ETag.
	f.mu.Lock()
	f.headline = "Second"
	f.mu.Unlock()
	resp, _ = get(t, entries, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestHotReads(t *testing.T) {
	f := &fakeTimelines{reportStatus: true, headline: "First"}
	f.set("t", liveTL)
	gw := serveFake(t, f, gateway.Options{HotReadTTL: time.Minute})
	entries := gw.url + "/v1/timelines/t/entries"

	// Requests that miss together make one call.
	gate := make(chan struct{})
	f.mu.Lock()
	f.listGate = gate
	f.mu.Unlock()
	const readers = 8
	bodies := make([]string, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() {
			resp, body := get(t, entries, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
			bodies[i] = body
		})
	}
	// Every reader is in the gateway while the first call is held: the others can only
	// be waiting for it, or calling too.
	waitFor(t, func() bool { return gw.arrived.Load() == readers && f.lists.Load() >= 1 })
	close(gate)
	wg.Wait()
	f.mu.Lock()
	f.listGate = nil
	f.mu.Unlock()
	if n := f.lists.Load(); n != 1 {
		t.Fatalf("%d calls for %d readers at once", n, readers)
	}
	for _, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, "First") {
			t.Fatalf("bodies differ: %q", bodies)
		}
	}

	// Kept: answered again without a call, 304 included.
	resp, _ := get(t, entries, nil)
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, entries, map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified || f.lists.Load() != 1 {
		t.Fatalf("kept read: %d after %d calls", resp.StatusCode, f.lists.Load())
	}

	// Not kept: the editor view, requests with credentials, other URLs.
	for _, r := range []struct {
		path   string
		header map[string]string
	}{
		{"/v1/timelines/t/entries?view=EDITOR", nil},
		{"/v1/timelines/t/entries", map[string]string{"Authorization": "Bearer x"}},
		{"/v1/timelines/t/entries?pageSize=3", nil},
	} {
		before := f.lists.Load()
		get(t, gw.url+r.path, r.header)
		get(t, gw.url+r.path, r.header)
		want := before + 2
		if r.path == "/v1/timelines/t/entries?pageSize=3" {
			want = before + 1
		}
		if got := f.lists.Load(); got != want {
			t.Errorf("%s %v: %d calls for two reads, want %d", r.path, r.header, got-before, want-before)
		}
	}

	// A write through the gateway drops what it keeps of the timeline.
	patch, err := http.NewRequest(http.MethodPatch, gw.url+"/v1/timelines/t", strings.NewReader(`{"title": "Second", "status": "CLOSED"}`))
	if err != nil {
		t.Fatal(err)
	}
	wresp, err := http.DefaultClient.Do(patch)
	if err != nil {
		t.Fatal(err)
	}
	_ = wresp.Body.Close()
	if wresp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH = %d", wresp.StatusCode)
	}
	resp, body := get(t, entries, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Second") || resp.Header.Get("ETag") == etag || resp.Header.Get("Cache-Control") != settled {
		t.Fatalf("after the write: %d %q, ETag %q, Cache-Control %q", resp.StatusCode, body, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}
}

func TestHotReadsExpire(t *testing.T) {
	f := &fakeTimelines{reportStatus: true}
	f.set("t", liveTL)
	const ttl = 100 * time.Millisecond
	gw := serveFake(t, f, gateway.Options{HotReadTTL: ttl})
	entries := gw.url + "/v1/timelines/t/entries"
	start := time.Now()
	get(t, entries, nil)
	get(t, entries, nil)
	if n := f.lists.Load(); n != 1 && time.Since(start) < ttl {
		t.Fatalf("%d calls for two reads within %v, want 1", n, ttl)
	}
	waitFor(t, func() bool {
		get(t, entries, nil)
		return f.lists.Load() == 2
	})
	if since := time.Since(start); since < ttl {
		t.Fatalf("read again from the service after %v, before it expired (%v)", since, ttl)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
