package gateway_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
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
	st, err := f.status(req.GetParent())
	if err != nil {
		return nil, err
	}
	if report {
		if err := grpc.SetHeader(ctx, metadata.Pairs("x-timeline-status", st.String())); err != nil {
			return nil, err
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
}

func serveFake(t testing.TB, f *fakeTimelines, opts gateway.Options) *fakeGateway {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
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
	srv := httptest.NewUnstartedServer(h)
	// Timeouts far shorter than a stream, which must not cut it.
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	return &fakeGateway{url: srv.URL, srv: srv, stop: cancel}
}
