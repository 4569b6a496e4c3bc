package stack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sse "github.com/tmaxmax/go-sse"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// Live timelines over REST: the watch route as newline-delimited JSON and as
// Server-Sent Events (parsed by a third-party client), and the caching of reads.

// quick makes idle streams beat and browsers reconnect soon, for tests.
func quick(cfg *stack.Config) {
	cfg.Feed = timeline.FeedOptions{Heartbeat: 200 * time.Millisecond}
	cfg.Gateway.SSERetry = 100 * time.Millisecond
}

func (a *api) liveTimeline(id string) {
	a.t.Helper()
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines?timelineId="+id, map[string]any{"title": "Talks", "slug": id, "status": "LIVE"})
}

func (a *api) addEntry(timeline, id string) {
	a.t.Helper()
	a.must(http.StatusOK, http.MethodPost, "/v1/timelines/"+timeline+"/entries?entryId="+id, map[string]any{"headline": "Entry " + id, "status": "PUBLISHED"})
}

// get sends GET path with the given headers.
func (a *api) get(ctx context.Context, path string, header map[string]string) *http.Response {
	a.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	a.credential(req)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// As curl -N reads it: each event arrives as a line while entries are being written.
func TestWatchNDJSONWhileWriting(t *testing.T) {
	a := start(t)
	a.liveTimeline("talks")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const n = 5
	written := make(chan time.Time, n)
	var wg sync.WaitGroup
	wg.Go(func() {
		if !a.waitWatchers(1) { // from now: written once the stream is there
			return
		}
		for i := range n {
			a.addEntry("talks", fmt.Sprintf("e%d", i))
			written <- time.Now()
			time.Sleep(100 * time.Millisecond) // entries a moment apart, as an editor posts them
		}
	})
	defer wg.Wait()

	// From now: the response starts with the first event.
	resp := a.get(ctx, "/v1/timelines/talks/entries:watch", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	lines := bufio.NewScanner(resp.Body)
	var last int64
	for i := 0; i < n; {
		if !lines.Scan() {
			t.Fatalf("stream ended after %d events: %v", i, lines.Err())
		}
		var line struct {
			Result struct {
				Type     string
				Sequence string
				Entry    struct{ Name string }
			}
		}
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", lines.Bytes(), err)
		}
		ev := line.Result
		if ev.Type == "HEARTBEAT" {
			continue
		}
		seq, _ := strconv.ParseInt(ev.Sequence, 10, 64)
		if ev.Type != "ENTRY_CREATED" || ev.Entry.Name != fmt.Sprintf("timelines/talks/entries/e%d", i) || seq <= last {
			t.Fatalf("event %d = %+v after sequence %d", i, ev, last)
		}
		last = seq
		// Flushed as it happens, not when a buffer fills.
		if lag := time.Since(<-written); lag > 2*time.Second {
			t.Fatalf("event %d arrived %v after its write", i, lag)
		}
		i++
	}
}

// sseEvents reads Server-Sent Events from body with the third-party parser.
func sseEvents(t *testing.T, body io.Reader) func() sse.Event {
	t.Helper()
	next, stop := iter.Pull2(iter.Seq2[sse.Event, error](sse.Read(body, nil)))
	t.Cleanup(stop)
	return func() sse.Event {
		t.Helper()
		ev, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("event stream ended: %v", err)
		}
		return ev
	}
}

// eventEntry is the entry name in an event's data.
func eventEntry(t *testing.T, ev sse.Event) string {
	t.Helper()
	var data struct {
		Type  string
		Entry struct{ Name string }
	}
	if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
		t.Fatalf("event data %q: %v", ev.Data, err)
	}
	if !strings.EqualFold(data.Type, ev.Type) {
		t.Fatalf("event %q carries type %q", ev.Type, data.Type)
	}
	return strings.TrimPrefix(data.Entry.Name, "timelines/talks/entries/")
}

var eventStream = map[string]string{"Accept": "text/event-stream"}

// startTalks starts the stack with a live timeline "talks" holding the entry "first",
// and returns a context for the test's streams.
func startTalks(t *testing.T) (*api, context.Context) {
	t.Helper()
	a := start(t, quick)
	a.liveTimeline("talks")
	a.addEntry("talks", "first")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return a, ctx
}

// A reconnecting client gets every later event exactly once, in order, whether it says
// where it was with Last-Event-ID or with lastEventId in the query.
func TestWatchSSEResume(t *testing.T) {
	a, ctx := startTalks(t)

	resp := a.get(ctx, "/v1/timelines/talks/entries:watch?snapshotSize=10", eventStream)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, ct)
	}
	next := sseEvents(t, resp.Body)
	snap := next()
	if snap.Type != "snapshot" || !strings.Contains(snap.Data, "timelines/talks/entries/first") {
		t.Fatalf("first event = %+v", snap)
	}
	head, err := strconv.ParseInt(snap.LastEventID, 10, 64)
	if err != nil {
		t.Fatalf("snapshot id %q", snap.LastEventID)
	}
	for i, id := range []string{"a", "b", "c"} {
		a.addEntry("talks", id)
		ev := next()
		if ev.Type != "entry_created" || eventEntry(t, ev) != id || ev.LastEventID != strconv.FormatInt(head+int64(i)+1, 10) {
			t.Fatalf("event = %+v, want entry_created of %s with id %d", ev, id, head+int64(i)+1)
		}
	}
	_ = resp.Body.Close()
	a.addEntry("talks", "d")

	tests := map[string]struct {
		path   string
		header map[string]string
		want   []string
	}{
		"Last-Event-ID": {
			path:   "/v1/timelines/talks/entries:watch?snapshotSize=10",
			header: map[string]string{"Accept": "text/event-stream", "Last-Event-ID": strconv.FormatInt(head+1, 10)},
			want:   []string{"b", "c", "d"},
		},
		"lastEventId": {
			path:   fmt.Sprintf("/v1/timelines/talks/entries:watch?lastEventId=%d", head+2),
			header: eventStream,
			want:   []string{"c", "d"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			next := sseEvents(t, a.get(ctx, tc.path, tc.header).Body)
			for _, id := range tc.want {
				if ev := next(); ev.Type != "entry_created" || eventEntry(t, ev) != id {
					t.Fatalf("event = %+v, want entry_created of %s", ev, id)
				}
			}
		})
	}
}

// cutTransport lets a test break the connection of the stream being read, and records
// the Last-Event-ID of each request.
type cutTransport struct {
	mu      sync.Mutex
	body    io.Closer
	lastIDs []string
}

func (c *cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.lastIDs = append(c.lastIDs, r.Header.Get("Last-Event-ID"))
	c.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		c.body = resp.Body
		c.mu.Unlock()
	}
	return resp, err
}

func (c *cutTransport) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.body.Close()
}

// A browser-like client that loses its connection reconnects by itself, after the
// retry delay the stream gave it, and misses nothing.
func TestWatchSSEReconnect(t *testing.T) {
	a, ctx := startTalks(t)

	ctx, cancel := context.WithCancel(ctx)
	transport := &cutTransport{}
	client := &sse.Client{HTTPClient: &http.Client{Transport: transport}, Backoff: sse.Backoff{MaxRetries: 3}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/v1/timelines/talks/entries:watch?snapshotSize=10", nil)
	if err != nil {
		t.Fatal(err)
	}
	conn := client.NewConnection(req)
	events := make(chan sse.Event, 100)
	conn.SubscribeToAll(func(ev sse.Event) { events <- ev })
	done := make(chan error, 1)
	go func() { done <- conn.Connect() }()
	defer func() {
		cancel()
		<-done
	}()
	next := func() sse.Event {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case err := <-done:
			t.Fatalf("connection ended: %v", err)
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return sse.Event{}
	}

	if ev := next(); ev.Type != "snapshot" {
		t.Fatalf("first event = %+v", ev)
	}
	a.addEntry("talks", "a")
	if ev := next(); eventEntry(t, ev) != "a" {
		t.Fatalf("event = %+v, want the entry a", ev)
	}
	transport.cut()
	a.addEntry("talks", "b")
	a.addEntry("talks", "c")
	for _, id := range []string{"b", "c"} {
		if ev := next(); ev.Type != "entry_created" || eventEntry(t, ev) != id {
			t.Fatalf("event = %+v, want entry_created of %s (and no second snapshot)", ev, id)
		}
	}
	transport.mu.Lock()
	lastIDs := transport.lastIDs
	transport.mu.Unlock()
	if len(lastIDs) != 2 || lastIDs[0] != "" || lastIDs[1] == "" {
		t.Fatalf("Last-Event-ID of the requests = %q, want none then the last id seen", lastIDs)
	}
}

// An idle stream beats with comments, which event parsers skip.
func TestWatchSSEHeartbeat(t *testing.T) {
	a := start(t, quick)
	a.liveTimeline("talks")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp := a.get(ctx, "/v1/timelines/talks/entries:watch", eventStream)
	lines := bufio.NewScanner(resp.Body)
	var got []string
	for beats := 0; beats < 2 && lines.Scan(); {
		got = append(got, lines.Text())
		if lines.Text() == ": heartbeat" {
			beats++
		}
	}
	if want := []string{"retry: 100", ": heartbeat", ": heartbeat"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("idle stream = %q, want %q", got, want)
	}
}

// A stream that cannot start is one error event, then the end; as newline-delimited
// JSON, it is an HTTP error.
func TestWatchUnknownTimeline(t *testing.T) {
	a := start(t, quick)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	resp := a.get(ctx, "/v1/timelines/nowhere/entries:watch", eventStream)
	var events []sse.Event
	for ev, err := range sse.Read(resp.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	var st struct {
		Code    int
		Message string
		Details []struct{ Reason string }
	}
	if len(events) != 1 || events[0].Type != "error" || json.Unmarshal([]byte(events[0].Data), &st) != nil ||
		st.Code != codeNotFound || len(st.Details) == 0 || st.Details[0].Reason != apierror.ReasonTimelineNotFound {
		t.Fatalf("events = %+v, want one error event TIMELINE_NOT_FOUND", events)
	}

	resp = a.get(ctx, "/v1/timelines/nowhere/entries:watch", nil)
	var line struct{ Error struct{ Code int } }
	if err := json.NewDecoder(resp.Body).Decode(&line); err != nil || resp.StatusCode != http.StatusNotFound || line.Error.Code != codeNotFound {
		t.Fatalf("NDJSON: %d %+v (%v), want 404 with an error line", resp.StatusCode, line, err)
	}
}

// Event streams end on shutdown with an error event that says to reconnect.
func TestShutdownEndsEventStreams(t *testing.T) {
	a, stop := startStoppable(t, quick)
	a.liveTimeline("talks")
	resp := a.get(context.Background(), "/v1/timelines/talks/entries:watch?snapshotSize=1", eventStream)
	next := sseEvents(t, resp.Body)
	next() // the snapshot: the stream is open

	began := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("shutdown took %v with an event stream open", d)
	}
	ev := next()
	var st struct {
		Code    int
		Details []struct{ Reason string }
	}
	if err := json.Unmarshal([]byte(ev.Data), &st); err != nil || ev.Type != "error" || st.Code != 14 || len(st.Details) == 0 || st.Details[0].Reason != "SHUTTING_DOWN" {
		t.Fatalf("last event = %+v, want UNAVAILABLE, SHUTTING_DOWN", ev)
	}
}
