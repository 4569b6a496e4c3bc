package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/newsroomhq/newsroom/gateway"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
)

// fakeTimelines is a Timeline service whose answers the tests set, for what the gateway
// does with them; the real service is tested through the gateway in
// cmd/newsroom/stack.
type fakeTimelines struct {
	timelinev1.UnimplementedTimelineServiceServer

	mu       sync.Mutex
	statuses map[string]timelinev1.Timeline_Status // by timeline id
	headline string                                // of the entries listed
	page     int                                   // how many entries are listed; 1 when 0
	// reportStatus has ListEntries send the timeline's status in its response header.
	reportStatus bool
	// listGate, when set, holds ListEntries until it is closed.
	listGate chan struct{}

	lists, gets atomic.Int64
	// calls counts the unary calls by method and the resource they name, as in
	// "ListEntries timelines/t".
	calls map[string]int

	// watch answers WatchEntries.
	watch func(req *timelinev1.WatchEntriesRequest, stream timelinev1.TimelineService_WatchEntriesServer) error
}

func (f *fakeTimelines) status(name string) (timelinev1.Timeline_Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.statuses[strings.TrimPrefix(name, "timelines/")]
	if !ok {
		return 0, status.Errorf(codes.NotFound, "%s not found", name)
	}
	return st, nil
}

func (f *fakeTimelines) GetTimeline(_ context.Context, req *timelinev1.GetTimelineRequest) (*timelinev1.Timeline, error) {
	f.gets.Add(1)
	st, err := f.status(req.GetName())
	if err != nil {
		return nil, err
	}
	return &timelinev1.Timeline{Name: req.GetName(), Title: "Talks", Status: st, Etag: "rev-" + st.String()}, nil
}

func (f *fakeTimelines) ListEntries(ctx context.Context, req *timelinev1.ListEntriesRequest) (*timelinev1.ListEntriesResponse, error) {
	f.lists.Add(1)
	f.mu.Lock()
	gate, report, headline, page := f.listGate, f.reportStatus, f.headline, max(f.page, 1)
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	// timelines/- lists the entries of every timeline, which have no one status.
	if req.GetParent() != "timelines/-" {
		st, err := f.status(req.GetParent())
		if err != nil {
			return nil, err
		}
		if report {
			if err := grpc.SetHeader(ctx, metadata.Pairs(apiheader.TimelineStatus, st.String())); err != nil {
				return nil, err
			}
		}
	}
	resp := &timelinev1.ListEntriesResponse{}
	for i := range page {
		resp.Entries = append(resp.Entries, &timelinev1.Entry{
			Name: fmt.Sprintf("%s/entries/e%d", req.GetParent(), i), Headline: headline,
			Body: "The delegations met for two hours; a joint statement is expected this evening.",
		})
	}
	return resp, nil
}

func (f *fakeTimelines) ListTimelines(context.Context, *timelinev1.ListTimelinesRequest) (*timelinev1.ListTimelinesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &timelinev1.ListTimelinesResponse{}
	for id, st := range f.statuses {
		resp.Timelines = append(resp.Timelines, &timelinev1.Timeline{Name: "timelines/" + id, Status: st})
	}
	return resp, nil
}

func (f *fakeTimelines) GetEntry(_ context.Context, req *timelinev1.GetEntryRequest) (*timelinev1.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &timelinev1.Entry{Name: req.GetName(), Headline: f.headline}, nil
}

func (f *fakeTimelines) UpdateTimeline(_ context.Context, req *timelinev1.UpdateTimelineRequest) (*timelinev1.Timeline, error) {
	name := req.GetTimeline().GetName()
	if _, err := f.status(name); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses[strings.TrimPrefix(name, "timelines/")] = req.GetTimeline().GetStatus()
	f.headline = req.GetTimeline().GetTitle()
	return req.GetTimeline(), nil
}

func (f *fakeTimelines) WatchEntries(req *timelinev1.WatchEntriesRequest, stream timelinev1.TimelineService_WatchEntriesServer) error {
	if f.watch == nil {
		return status.Error(codes.Unimplemented, "no watch")
	}
	return f.watch(req, stream)
}

// count is a unary interceptor that counts the calls.
func (f *fakeTimelines) count(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	key := path.Base(info.FullMethod)
	switch r := req.(type) {
	case interface{ GetParent() string }:
		key += " " + r.GetParent()
	case interface{ GetName() string }:
		key += " " + r.GetName()
	}
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[key]++
	f.mu.Unlock()
	return handler(ctx, req)
}

// callCount is how many calls count has seen under key.
func (f *fakeTimelines) callCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

func (f *fakeTimelines) set(id string, st timelinev1.Timeline_Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statuses == nil {
		f.statuses = map[string]timelinev1.Timeline_Status{}
	}
	f.statuses[id] = st
}

// fakeGateway is the gateway in front of a fake Timeline service.
type fakeGateway struct {
	url  string
	srv  *httptest.Server
	stop context.CancelFunc // ends the gateway's life, as a shutdown does
	// arrived counts the requests that have reached the gateway.
	arrived atomic.Int64
}

func serveFake(t testing.TB, f *fakeTimelines, opts gateway.Options) *fakeGateway {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.UnaryInterceptor(f.count))
	timelinev1.RegisterTimelineServiceServer(s, f)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn := dial(t, lis.Addr().String())
	opts.TimelineConn, opts.EntityConn = conn, conn

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h, err := gateway.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	gw := &fakeGateway{stop: cancel}
	gw.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw.arrived.Add(1)
		h.ServeHTTP(w, r)
	}))
	// Timeouts far shorter than a stream, which must not cut it.
	gw.srv.Config.ReadTimeout = 300 * time.Millisecond
	gw.srv.Config.WriteTimeout = 300 * time.Millisecond
	gw.srv.Start()
	t.Cleanup(gw.srv.Close)
	gw.url = gw.srv.URL
	return gw
}

// waitPastTimeouts waits until the server's read and write deadlines of a request that
// it had read by then have passed, so that a stream still open has outlived them.
func (gw *fakeGateway) waitPastTimeouts(t *testing.T, then time.Time) {
	t.Helper()
	deadline := then.Add(max(gw.srv.Config.ReadTimeout, gw.srv.Config.WriteTimeout))
	waitFor(t, func() bool { return time.Now().After(deadline) })
}
