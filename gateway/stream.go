package gateway

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// The watch route, GET /v1/timelines/{timeline}/entries:watch, streams WatchEntries in one
// of two forms:
//
//   - newline-delimited JSON (the default), written by grpc-gateway: {"result": event} per
//     line, and {"error": status} as the last line when the stream fails;
//   - Server-Sent Events for "Accept: text/event-stream", written here: each event with
//     the sequence number as its id, resumable with Last-Event-ID.
//
// Both are flushed event by event, never buffered: nothing between the handler and the
// connection may hold them back (proxies are asked not to either, X-Accel-Buffering), and
// the server's write deadline is lifted, since a stream outlives any request timeout.

// lastEventIDParam is the query form of the Last-Event-ID header, for clients that cannot
// set headers.
const lastEventIDParam = "lastEventId"

// wantsEventStream reports whether the request asks for Server-Sent Events.
func wantsEventStream(r *http.Request) bool {
	for _, accept := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(accept, ",") {
			if t, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && t == "text/event-stream" {
				return true
			}
		}
	}
	return false
}

// startStream prepares the response to a watch request of either form.
func startStream(w http.ResponseWriter) {
	// A server's write timeout would otherwise cut the stream: its deadline covers the
	// whole response. Servers without deadlines say ErrNotSupported, which is fine.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Add("Vary", "Accept")
}

// watcher serves the watch route in either form.
type watcher struct {
	mux     *runtime.ServeMux
	route   string // the route's path template
	client  timelinev1.TimelineServiceClient
	retry   time.Duration
	serving context.Context // ends when the gateway stops serving
}

// watchQueryFilter keeps the path parameter out of the query parameters.
var watchQueryFilter = utilities.NewDoubleArray([][]string{{"parent"}})

// serve answers a request of the watch route; next is the route's handler, which writes
// newline-delimited JSON. Either form ends when the gateway stops.
func (wt *watcher) serve(w http.ResponseWriter, r *http.Request, params map[string]string, next runtime.HandlerFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(wt.serving, cancel)()
	r = r.WithContext(ctx)
	if wantsEventStream(r) {
		wt.events(w, r, params["parent"])
		return
	}
	startStream(w)
	next(w, r, params)
}

// events serves the Server-Sent Events form.
func (wt *watcher) events(w http.ResponseWriter, r *http.Request, parent string) {
	_, out := runtime.MarshalerForRequest(wt.mux, r)
	req, err := watchRequest(r, parent)
	if err != nil {
		runtime.HTTPError(r.Context(), wt.mux, out, w, r, err)
		return
	}
	ctx, err := runtime.AnnotateContext(r.Context(), wt.mux, r, timelinev1.TimelineService_WatchEntries_FullMethodName, runtime.WithHTTPPathPattern(wt.route))
	if err != nil {
		runtime.HTTPError(r.Context(), wt.mux, out, w, r, err)
		return
	}

	startStream(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	sw := &sseWriter{w: w, rc: http.NewResponseController(w), marshaler: out}
	// The retry hint goes first, so that the browser opens the stream at once.
	if sw.retry(wt.retry) != nil {
		return
	}

	stream, err := wt.client.WatchEntries(ctx, req)
	for err == nil {
		var ev *timelinev1.WatchEntriesResponse
		if ev, err = stream.Recv(); err == nil {
			err = sw.event(ev)
		}
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, errClientGone):
	case wt.serving.Err() != nil:
		_ = sw.error(shuttingDown())
	case r.Context().Err() != nil:
		// The client went away: nobody is left to tell.
	default:
		_ = sw.error(status.Convert(err))
	}
}

// watchRequest reads a WatchEntriesRequest from the query, as grpc-gateway would, and
// resumes it after Last-Event-ID (or lastEventId) when the client sent one: a browser
// reconnects with the URL it started with, so the resume point wins over snapshotSize.
func watchRequest(r *http.Request, parent string) (*timelinev1.WatchEntriesRequest, error) {
	query := r.URL.Query()
	lastID := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	field := "Last-Event-ID"
	if lastID == "" {
		lastID = query.Get(lastEventIDParam)
		field = lastEventIDParam
	}
	query.Del(lastEventIDParam)
	req := &timelinev1.WatchEntriesRequest{Parent: parent}
	if err := runtime.PopulateQueryParameters(req, query, watchQueryFilter); err != nil {
		return nil, (&apierror.Error{Code: codes.InvalidArgument, Message: err.Error()}).GRPCStatus().Err()
	}
	if lastID != "" {
		seq, err := strconv.ParseInt(lastID, 10, 64)
		if err != nil || seq < 0 {
			return nil, invalidField(field, "must be the id of an event: a sequence number")
		}
		req.Start = &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: seq}
	}
	return req, nil
}

// invalidField is INVALID_ARGUMENT with a field violation, as the services report it.
func invalidField(field, description string) error {
	return apierror.InvalidField(field, description).GRPCStatus().Err()
}

// shuttingDown is what the services say when they end streams on shutdown.
func shuttingDown() *status.Status { return apierror.ShuttingDown().GRPCStatus() }

// shutdownStreamErrors reports a stream that the gateway cut because it is stopping as
// the services would, UNAVAILABLE (reconnect), rather than as a cancelled call.
func shutdownStreamErrors(serving context.Context) runtime.StreamErrorHandlerFunc {
	return func(_ context.Context, err error) *status.Status {
		if status.Code(err) == codes.Canceled && serving.Err() != nil {
			return shuttingDown()
		}
		return status.Convert(err)
	}
}

// errClientGone is a write to a client that has gone.
var errClientGone = errors.New("client gone")

// sseWriter writes Server-Sent Events, flushing each.
type sseWriter struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	marshaler runtime.Marshaler
	buf       []byte
}

func (s *sseWriter) retry(d time.Duration) error {
	s.buf = append(s.buf[:0], "retry: "...)
	s.buf = strconv.AppendInt(s.buf, d.Milliseconds(), 10)
	s.buf = append(s.buf, '\n')
	return s.flush()
}

// event writes one event: its sequence as the id, its type in lower case as the event
// name, and the event as JSON. A heartbeat is a comment, which keeps proxies from closing
// an idle connection without waking the client.
//
// Only events end with a blank line: the retry hint and the heartbeats are lines of
// their own, so that no client, even one that dispatches blocks without data, sees an
// event that is not one.
func (s *sseWriter) event(ev *timelinev1.WatchEntriesResponse) error {
	if ev.GetType() == timelinev1.WatchEntriesResponse_HEARTBEAT {
		s.buf = append(s.buf[:0], ": heartbeat\n"...)
		return s.flush()
	}
	data, err := s.marshaler.Marshal(ev)
	if err != nil {
		return err
	}
	s.buf = append(s.buf[:0], "id: "...)
	s.buf = strconv.AppendInt(s.buf, ev.GetSequence(), 10)
	s.buf = append(s.buf, "\nevent: "...)
	s.buf = append(s.buf, strings.ToLower(ev.GetType().String())...)
	s.buf = append(s.buf, '\n')
	s.appendData(data)
	return s.flush()
}

// error writes the final error event: the google.rpc.Status as JSON, as in error bodies.
func (s *sseWriter) error(st *status.Status) error {
	data, err := s.marshaler.Marshal(st.Proto())
	if err != nil {
		return err
	}
	s.buf = append(s.buf[:0], "event: error\n"...)
	s.appendData(data)
	return s.flush()
}

// appendData appends data as "data:" lines and the blank line that ends the event. JSON
// from protojson is one line; a line break would still be kept, as another data line.
func (s *sseWriter) appendData(data []byte) {
	for {
		line, rest, more := cutLine(data)
		s.buf = append(s.buf, "data: "...)
		s.buf = append(s.buf, line...)
		s.buf = append(s.buf, '\n')
		if !more {
			break
		}
		data = rest
	}
	s.buf = append(s.buf, '\n')
}

// cutLine splits data at its first line break (CRLF, LF or CR).
func cutLine(data []byte) (line, rest []byte, found bool) {
	for i, c := range data {
		switch c {
		case '\n':
			return data[:i], data[i+1:], true
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				return data[:i], data[i+2:], true
			}
			return data[:i], data[i+1:], true
		}
	}
	return data, nil, false
}

func (s *sseWriter) flush() error {
	if _, err := s.w.Write(s.buf); err != nil {
		return errClientGone
	}
	if err := s.rc.Flush(); err != nil {
		return errClientGone
	}
	return nil
}
