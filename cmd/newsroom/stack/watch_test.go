package stack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// watch opens the REST form of WatchEntries: one JSON object per line, {"result": ...}
// for each event or {"error": ...} last.
func (a *api) watch(ctx context.Context, path string) (*http.Response, func() obj) {
	a.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	a.credential(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	// next returns the next event other than a heartbeat.
	next := func() obj {
		a.t.Helper()
		for sc.Scan() {
			var line obj
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				a.t.Fatalf("stream line %q: %v", sc.Bytes(), err)
			}
			if line.obj("error") != nil {
				a.t.Fatalf("stream error: %v", line)
			}
			if ev := line.obj("result"); ev.str("type") != "HEARTBEAT" {
				return ev
			}
		}
		a.t.Fatalf("stream ended: %v", sc.Err())
		return nil
	}
	return resp, next
}

func TestWatchOverREST(t *testing.T) {
	a := start(t)
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId=live", map[string]any{"title": "Live", "slug": "live", "status": "LIVE"})
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/live/entries?entryId=first", map[string]any{"headline": "First", "status": "PUBLISHED"})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, next := a.watch(ctx, "/v1/timelines/live/entries:watch?snapshotSize=10")
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	snap := next()
	if snap.str("type") != "SNAPSHOT" || len(snap.list("entries")) != 1 || snap.obj("timeline").str("name") != "timelines/live" {
		t.Fatalf("first event = %v, want a SNAPSHOT with the timeline and its entry", snap)
	}

	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/live/entries?entryId=second", map[string]any{"headline": "Second", "status": "PUBLISHED"})
	if ev := next(); ev.str("type") != "ENTRY_CREATED" || ev.obj("entry").str("name") != "timelines/live/entries/second" {
		t.Fatalf("event = %v, want ENTRY_CREATED of the second entry", ev)
	}
	a.must(http.StatusOK, http.MethodPatch, "/v1/timelines/live/entries/first", map[string]any{"pinned": true})
	if ev := next(); ev.str("type") != "ENTRY_PINNED" {
		t.Fatalf("event = %v, want ENTRY_PINNED", ev)
	}
}

// Open watch streams do not hold up a shutdown: they are ended first.
func TestShutdownEndsWatches(t *testing.T) {
	a, stop := startStoppable(t)
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId=live", map[string]any{"title": "Live", "slug": "live", "status": "LIVE"})
	_, next := a.watch(context.Background(), "/v1/timelines/live/entries:watch?snapshotSize=1")
	next() // the snapshot: the stream is open

	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v with a watch open", d)
	}
}
