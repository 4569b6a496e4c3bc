package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	sse "github.com/tmaxmax/go-sse"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/newsroomhq/newsroom/gateway"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// openWatch sends GET path with the given headers and fails the test unless the answer
// has status want.
func openWatch(t *testing.T, url string, header map[string]string, want int) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	resp := sendGet(t, ctx, url, header)
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != want {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d %s, want %d", url, resp.StatusCode, body, want)
	}
	return resp
}

var eventStream = map[string]string{"Accept": "text/event-stream"}

// script is a WatchEntries that sends events, waiting for the test between them.
type script struct {
	requests chan *timelinev1.WatchEntriesRequest
	steps    chan step
}

// step is what the stream does next: send ev, or end with err (nil: end cleanly).
type step struct {
	ev  *timelinev1.WatchEntriesResponse
	err error
}

func newScript() *script {
	return &script{requests: make(chan *timelinev1.WatchEntriesRequest, 10), steps: make(chan step)}
}

func (s *script) watch(req *timelinev1.WatchEntriesRequest, stream timelinev1.TimelineService_WatchEntriesServer) error {
	s.requests <- req
	for {
		select {
		case st := <-s.steps:
			if st.ev == nil {
				return st.err
			}
			if err := stream.Send(st.ev); err != nil {
				return err
			}
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
}

func (s *script) send(t *testing.T, ev *timelinev1.WatchEntriesResponse) {
	t.Helper()
	select {
	case s.steps <- step{ev: ev}:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream is not reading")
	}
}

func (s *script) end(t *testing.T, err error) {
	t.Helper()
	select {
	case s.steps <- step{err: err}:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream is not reading")
	}
}

func (s *script) request(t *testing.T) *timelinev1.WatchEntriesRequest {
	t.Helper()
	select {
	case req := <-s.requests:
		return req
	case <-time.After(10 * time.Second):
		t.Fatal("WatchEntries was not called")
		return nil
	}
}

func created(seq int64, entry string) *timelinev1.WatchEntriesResponse {
	return &timelinev1.WatchEntriesResponse{
		Type: timelinev1.WatchEntriesResponse_ENTRY_CREATED, Sequence: seq,
		Entry: &timelinev1.Entry{Name: "timelines/talks/entries/" + entry, Headline: "Line one\nline two"},
	}
}

func heartbeat(seq int64) *timelinev1.WatchEntriesResponse {
	return &timelinev1.WatchEntriesResponse{Type: timelinev1.WatchEntriesResponse_HEARTBEAT, Sequence: seq}
}

// Newline-delimited JSON reaches the client event by event, across pauses longer than
// the server's timeouts, and a failure is the last line.
func TestWatchNDJSON(t *testing.T) {
	sc := newScript()
	gw := serveFake(t, &fakeTimelines{watch: sc.watch}, gateway.Options{})
	done := make(chan *http.Response, 1)
	go func() {
		done <- openWatch(t, gw.url+"/v1/timelines/talks/entries:watch?snapshotSize=5", nil, http.StatusOK)
	}()
	if req := sc.request(t); req.GetParent() != "timelines/talks" || req.GetSnapshotSize() != 5 {
		t.Fatalf("request = %v", req)
	}
	opened := time.Now() // the server has read the request
	sc.send(t, created(1, "a"))
	resp := <-done
	for k, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Vary": "Accept"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	lines := bufio.NewScanner(resp.Body)
	next := func() map[string]map[string]any {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stream ended: %v", lines.Err())
		}
		var line map[string]map[string]any
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", lines.Bytes(), err)
		}
		return line
	}
	if ev := next()["result"]; ev["type"] != "ENTRY_CREATED" || ev["sequence"] != "1" {
		t.Fatalf("first line = %v", ev)
	}
	gw.waitPastTimeouts(t, opened)
	sc.send(t, heartbeat(1))
	if ev := next()["result"]; ev["type"] != "HEARTBEAT" {
		t.Fatalf("second line = %v", ev)
	}
	sc.end(t, status.Error(codes.ResourceExhausted, "too far behind"))
	if e := next()["error"]; e["code"] != float64(codes.ResourceExhausted) || e["message"] != "too far behind" {
		t.Fatalf("last line = %v", e)
	}
	if lines.Scan() {
		t.Fatalf("line after the error: %q", lines.Text())
	}
}

// lineCheck passes a stream through, failing the test on a line that is not one of
// "retry: ", "id: ", "event: ", "data: ", ": heartbeat" or blank.
type lineCheck struct {
	t       *testing.T
	r       io.Reader
	partial string
	lines   []string
}

func (c *lineCheck) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.partial += string(p[:n])
	for {
		line, rest, ok := strings.Cut(c.partial, "\n")
		if !ok {
			break
		}
		c.partial = rest
		c.lines = append(c.lines, line)
		if !validSSELine(line) {
			c.t.Errorf("event stream line %q", line)
		}
	}
	return n, err
}

func validSSELine(line string) bool {
	if line == "" || line == ": heartbeat" {
		return true
	}
	for _, prefix := range []string{"retry: ", "id: ", "event: ", "data: "} {
		if strings.HasPrefix(line, prefix) {
			return !strings.ContainsRune(line, '\r')
		}
	}
	return false
}

func TestWatchSSE(t *testing.T) {
	sc := newScript()
	gw := serveFake(t, &fakeTimelines{watch: sc.watch}, gateway.Options{SSERetry: 1500 * time.Millisecond})
	resp := openWatch(t, gw.url+"/v1/timelines/talks/entries:watch?view=EDITOR", eventStream, http.StatusOK)
	opened := time.Now() // the server has read the request
	for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Vary": "Accept"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The headers and the retry hint come before any event.
	br := bufio.NewReader(resp.Body)
	hint, err := br.ReadString('\n')
	if err != nil || hint != "retry: 1500\n" {
		t.Fatalf("first line %q, %v", hint, err)
	}
	if req := sc.request(t); req.GetView() != timelinev1.View_EDITOR || req.GetStart() != nil {
		t.Fatalf("request = %v", req)
	}
	raw := &lineCheck{t: t, r: br}
	next, stop := iter.Pull2(sse.Read(raw, nil))
	defer stop()
	read := func() sse.Event {
		t.Helper()
		ev, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("event stream ended: %v", err)
		}
		return ev
	}

	sc.send(t, &timelinev1.WatchEntriesResponse{Type: timelinev1.WatchEntriesResponse_SNAPSHOT, Sequence: 4, Timeline: &timelinev1.Timeline{Name: "timelines/talks"}})
	if ev := read(); ev.Type != "snapshot" || ev.LastEventID != "4" || !strings.Contains(ev.Data, `"timelines/talks"`) {
		t.Fatalf("event = %+v", ev)
	}
	gw.waitPastTimeouts(t, opened)
	sc.send(t, heartbeat(4))
	sc.send(t, created(5, "a"))
	ev := read()
	var data struct {
		Type     string
		Sequence string
		Entry    struct{ Headline string }
	}
	if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
		t.Fatalf("data %q: %v", ev.Data, err)
	}
	if ev.Type != "entry_created" || ev.LastEventID != "5" || data.Type != "ENTRY_CREATED" || data.Sequence != "5" || data.Entry.Headline != "Line one\nline two" {
		t.Fatalf("event = %+v, data %+v", ev, data)
	}
	if !containsLine(raw.lines, ": heartbeat") {
		t.Errorf("no heartbeat comment in %q", raw.lines)
	}

	sc.end(t, status.Error(codes.OutOfRange, "history expired"))
	ev = read()
	var st struct {
		Code    int
		Message string
	}
	if err := json.Unmarshal([]byte(ev.Data), &st); err != nil || ev.Type != "error" || st.Code != int(codes.OutOfRange) || st.Message != "history expired" {
		t.Fatalf("error event = %+v (%v)", ev, err)
	}
	if _, err, ok := next(); ok {
		t.Fatalf("more after the error event: %v", err)
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// The resume point of a reconnecting client wins over where its URL starts.
func TestWatchSSEResume(t *testing.T) {
	sc := newScript()
	gw := serveFake(t, &fakeTimelines{watch: sc.watch}, gateway.Options{})
	base := gw.url + "/v1/timelines/talks/entries:watch"
	tests := map[string]struct {
		query, lastEventID string
		want               int64
	}{
		"header":                  {query: "?snapshotSize=10", lastEventID: "7", want: 7},
		"header with spaces":      {lastEventID: " 12 ", want: 12},
		"query":                   {query: "?lastEventId=9", want: 9},
		"header before query":     {query: "?lastEventId=9", lastEventID: "11", want: 11},
		"zero replays everything": {lastEventID: "0", want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			header := map[string]string{"Accept": "text/event-stream"}
			if tc.lastEventID != "" {
				header["Last-Event-ID"] = tc.lastEventID
			}
			resp := openWatch(t, base+tc.query, header, http.StatusOK)
			req := sc.request(t)
			if start, ok := req.GetStart().(*timelinev1.WatchEntriesRequest_AfterSequence); !ok || start.AfterSequence != tc.want {
				t.Fatalf("start = %v, want after_sequence %d", req.GetStart(), tc.want)
			}
			_ = resp.Body.Close()
		})
	}
}

func TestWatchBadRequest(t *testing.T) {
	gw := serveFake(t, &fakeTimelines{watch: newScript().watch}, gateway.Options{})
	base := gw.url + "/v1/timelines/talks/entries:watch"
	tests := map[string]struct {
		url    string
		header map[string]string
		field  string
	}{
		"Last-Event-ID not a number": {base, map[string]string{"Accept": "text/event-stream", "Last-Event-ID": "abc"}, "Last-Event-ID"},
		"negative Last-Event-ID":     {base, map[string]string{"Accept": "text/event-stream", "Last-Event-ID": "-3"}, "Last-Event-ID"},
		"lastEventId not a number":   {base + "?lastEventId=x", map[string]string{"Accept": "text/event-stream"}, "lastEventId"},
		"bad snapshot size":          {base + "?snapshotSize=many", map[string]string{"Accept": "text/event-stream"}, ""},
		"bad snapshot size, NDJSON":  {base + "?snapshotSize=many", nil, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := openWatch(t, tc.url, tc.header, http.StatusBadRequest)
			var body struct {
				Code    int
				Details []struct {
					FieldViolations []struct{ Field string }
				}
			}
			if err := decodeJSON(resp, &body); err != nil || body.Code != int(codes.InvalidArgument) {
				t.Fatalf("body %+v, %v", body, err)
			}
			if tc.field == "" {
				return
			}
			for _, d := range body.Details {
				for _, v := range d.FieldViolations {
					if v.Field == tc.field {
						return
					}
				}
			}
			t.Fatalf("no violation of %s in %+v", tc.field, body)
		})
	}
}

// A stream that fails before its first event is still an event stream: the error is
// its one event.
func TestWatchSSEErrorFirst(t *testing.T) {
	f := &fakeTimelines{watch: func(*timelinev1.WatchEntriesRequest, timelinev1.TimelineService_WatchEntriesServer) error {
		return status.Error(codes.NotFound, "timelines/nowhere not found")
	}}
	gw := serveFake(t, f, gateway.Options{})
	resp := openWatch(t, gw.url+"/v1/timelines/nowhere/entries:watch", eventStream, http.StatusOK)
	var events []sse.Event
	for ev, err := range sse.Read(resp.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	var st struct{ Code int }
	if len(events) != 1 || events[0].Type != "error" || json.Unmarshal([]byte(events[0].Data), &st) != nil || st.Code != int(codes.NotFound) {
		t.Fatalf("events = %+v, want one error event with code 5", events)
	}
}

// When the gateway stops, its streams end at once, as the services end theirs:
// UNAVAILABLE, SHUTTING_DOWN, so that clients reconnect elsewhere.
func TestWatchEndsOnShutdown(t *testing.T) {
	sc := newScript()
	gw := serveFake(t, &fakeTimelines{watch: sc.watch}, gateway.Options{})
	url := gw.url + "/v1/timelines/talks/entries:watch"

	ndjsonDone := make(chan *http.Response, 1)
	go func() { ndjsonDone <- openWatch(t, url, nil, http.StatusOK) }()
	sc.request(t)
	sc.send(t, created(1, "a")) // the headers go with the first event
	ndjson := <-ndjsonDone
	sseResp := openWatch(t, url, eventStream, http.StatusOK)
	sc.request(t)

	gw.stop()
	var last sse.Event
	for ev, err := range sse.Read(sseResp.Body, nil) {
		if err != nil {
			t.Fatal(err)
		}
		last = ev
	}
	if last.Type != "error" || !strings.Contains(last.Data, "SHUTTING_DOWN") {
		t.Fatalf("last SSE event = %+v, want an error with reason SHUTTING_DOWN", last)
	}
	body, err := io.ReadAll(ndjson.Body)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	var end struct {
		Error struct {
			Code    int
			Details []struct{ Reason string }
		}
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &end); err != nil || end.Error.Code != int(codes.Unavailable) ||
		len(end.Error.Details) != 1 || end.Error.Details[0].Reason != "SHUTTING_DOWN" {
		t.Fatalf("last NDJSON line %q (%v), want UNAVAILABLE with reason SHUTTING_DOWN", lines[len(lines)-1], err)
	}
}
