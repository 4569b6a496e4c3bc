package stack_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/cmd/newsroom/stack/stacktest"
	"github.com/newsroomhq/newsroom/gateway"
	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/command"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
)

// BenchmarkHotRead measures the read most readers make, the latest page (20 entries,
// public view) of a timeline holding 10,000 entries, from concurrent keep-alive clients,
// each side by side with a baseline that does nothing but answer:
//
//   - rest/.../gateway: GET /v1/timelines/{t}/entries on the product as deployed (the
//     gateway keeps public hot reads for a second, so most requests never reach gRPC);
//   - rest/.../gateway-uncached: the same with the gateway keeping nothing, so that every
//     request is a gRPC call to the Timeline service (its page in memory) and JSON;
//   - rest/.../plain-handler: a bare net/http handler writing the same bytes from memory;
//   - grpc/.../service: ListEntries on the product's gRPC server (its interceptor chain);
//   - grpc/.../minimal-server: a bare grpc.NewServer returning the same prebuilt message.
//
// Clients, servers and the embedded database share this process and its cores, for the
// baselines too. Each iteration is one request; the metrics are requests per second,
// latency percentiles over every request of the run, and the process's CPU time per
// request.
//
//	go test -run '^$' -bench HotRead -benchtime 5s ./cmd/newsroom/stack/
func BenchmarkHotRead(b *testing.B) { benchmarkHotRead(b) }

// BenchmarkHotReadNoPoll is BenchmarkHotRead with the Timeline service polling the event
// log once an hour instead of every 50 ms. On the embedded database every lookup scans
// its collection, even by _id, so polling a 10,000-event log takes about a core by
// itself; on MongoDB the lookup is an index hit. Nothing else writes here, so the hot
// page stays correct.
func BenchmarkHotReadNoPoll(b *testing.B) {
	benchmarkHotRead(b, func(c *stack.Config) { c.Feed.Poll = time.Hour })
}

func benchmarkHotRead(b *testing.B, tune ...func(*stack.Config)) {
	const entries = 10_000
	ctx := context.Background()
	a := start(b, tune...)
	conn := dialGRPC(b, a.grpcAddr)
	parent := fillTimeline(b, conn, entries)
	path := "/v1/" + parent + "/entries"
	req := &timelinev1.ListEntriesRequest{Parent: parent}
	tl := timelinev1.NewTimelineServiceClient(conn)

	// The first read is a database query; the second makes the timeline followed, which
	// loads its latest entries from the database; later ones find them in memory.
	began := time.Now()
	page, err := tl.ListEntries(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	if len(page.GetEntries()) != 20 || page.GetNextPageToken() == "" {
		b.Fatalf("first page: %d entries, next page token %q", len(page.GetEntries()), page.GetNextPageToken())
	}
	b.Logf("first read (a database query): %v", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	if _, err := tl.ListEntries(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.Logf("second read (loads the page into memory): %v", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	if _, err := tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: parent, PageToken: page.GetNextPageToken()}); err != nil {
		b.Fatal(err)
	}
	b.Logf("second page (a database query): %v", time.Since(began).Round(time.Millisecond))

	// What the process spends with no request at all, which every figure below includes:
	// the Timeline service following the timeline (polling its events).
	idleCPU, idle := cpuTime(b), time.Now()
	time.Sleep(3 * time.Second)
	b.Logf("idle: %.0f%% of a core", 100*float64(cpuTime(b)-idleCPU)/float64(time.Since(idle)))

	quiet := slog.New(slog.DiscardHandler)
	uncached, err := gateway.New(ctx, gateway.Options{TimelineConn: conn, EntityConn: conn, Logger: quiet, HotReadTTL: -1})
	if err != nil {
		b.Fatal(err)
	}
	uncachedURL := "http://" + serveHTTP(b, uncached) + path
	body := get(b, a.base+path)
	if u := get(b, uncachedURL); !bytes.Equal(u, body) {
		b.Fatalf("the gateways disagree:\n%s\n%s", body, u)
	}
	plainURL := "http://" + serveHTTP(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})) + path
	minimal := dialGRPC(b, serveMinimalGRPC(b, page))
	b.Logf("the page: %d bytes of JSON, %d bytes of protobuf", len(body), proto.Size(page))

	for _, clients := range []int{32, 64} {
		for _, t := range []struct{ name, url string }{
			{"gateway", a.base + path},
			{"gateway-uncached", uncachedURL},
			{"plain-handler", plainURL},
		} {
			b.Run(fmt.Sprintf("rest/clients=%d/%s", clients, t.name), func(b *testing.B) { loadREST(b, clients, t.url, body) })
		}
	}
	for _, clients := range []int{32, 64} {
		for _, t := range []struct {
			name string
			conn *grpc.ClientConn
		}{{"service", conn}, {"minimal-server", minimal}} {
			b.Run(fmt.Sprintf("grpc/clients=%d/%s", clients, t.name), func(b *testing.B) { loadGRPC(b, clients, t.conn, req, page) })
		}
	}
}

// fillTimeline creates the fixture's entities and a live timeline holding n published
// entries (the fixture's posts over and over, numbered, with their mentions), imported
// over gRPC with ImportEntries in batches of 500. It returns the timeline's name.
func fillTimeline(b *testing.B, conn *grpc.ClientConn, n int) string {
	b.Helper()
	const batch = 500
	ctx := context.Background()
	ent := entityv1.NewEntityServiceClient(conn)
	for _, f := range fixture.Entities() {
		if _, err := ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: f.Entity, EntityId: f.ID}); err != nil {
			b.Fatalf("create entity %s: %v", f.ID, err)
		}
	}
	tl := timelinev1.NewTimelineServiceClient(conn)
	timeline, err := tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	if err != nil {
		b.Fatal(err)
	}
	posts := fixture.Posts()
	for _, p := range posts {
		p.Entry.Mentions = p.MentionsIn(func(id string) string { return "entities/" + id })
	}
	began := time.Now()
	stream, err := tl.StreamingImportEntries(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for first := 0; first < n; first += batch {
		req := &timelinev1.StreamingImportEntriesRequest{Parent: timeline.GetName()}
		if first == 0 {
			req.Options = &timelinev1.ImportOptions{DuplicatePolicy: timelinev1.DuplicatePolicy_ALLOW}
		}
		for i := first; i < min(first+batch, n); i++ {
			e := proto.Clone(posts[i%len(posts)].Entry).(*timelinev1.Entry)
			e.Headline = fmt.Sprintf("%s (%d)", e.GetHeadline(), i)
			e.OccurTime = timestamppb.New(fixture.Day().Add(time.Duration(i) * time.Second))
			req.Items = append(req.Items, &timelinev1.ImportItem{ImportKey: fmt.Sprintf("bench:%d", i), Entry: e})
		}
		if err := stream.Send(req); err != nil {
			b.Fatal(err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		b.Fatal(err)
	}
	if int(resp.GetCreated()) != n {
		b.Fatalf("imported %d of %d entries: %d duplicates, %d invalid", resp.GetCreated(), n, resp.GetDuplicates(), resp.GetInvalid())
	}
	b.Logf("imported %d entries in %v", n, time.Since(began).Round(time.Millisecond))
	return timeline.GetName()
}

// load sends b.N requests from the given number of concurrent clients, each waiting for
// its answer before sending the next, and reports throughput and latency percentiles.
func load(b *testing.B, clients int, do func() error) {
	b.Helper()
	// Warm up: every client's connection open, every pool filled.
	var wg sync.WaitGroup
	for range 2 * clients {
		wg.Go(func() {
			if err := do(); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}

	latencies := make([][]time.Duration, clients)
	var next atomic.Int64
	b.ResetTimer()
	cpuBefore := cpuTime(b)
	began := time.Now()
	for c := range clients {
		wg.Go(func() {
			mine := make([]time.Duration, 0, b.N/clients+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := do(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			latencies[c] = mine
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	cpu := cpuTime(b) - cpuBefore
	b.StopTimer()
	all := slices.Concat(latencies...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	// CPU time per request (clients, servers and database together) does not depend on
	// what else the machine runs, unlike the rates.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(all)), "cpu-us/req")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadREST GETs url and checks that every answer is 200 with the body want.
func loadREST(b *testing.B, clients int, url string, want []byte) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}}
	defer client.CloseIdleConnections()
	load(b, clients, func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
			return fmt.Errorf("GET %s = %d, %d bytes, want 200 with the first answer's %d bytes", url, resp.StatusCode, len(body), len(want))
		}
		return nil
	})
}

// loadGRPC calls ListEntries on conn and checks that every answer has want's entries.
func loadGRPC(b *testing.B, clients int, conn *grpc.ClientConn, req *timelinev1.ListEntriesRequest, want *timelinev1.ListEntriesResponse) {
	tl := timelinev1.NewTimelineServiceClient(conn)
	ctx := context.Background()
	load(b, clients, func() error {
		got, err := tl.ListEntries(ctx, req)
		if err != nil {
			return err
		}
		if len(got.GetEntries()) != len(want.GetEntries()) || got.GetNextPageToken() != want.GetNextPageToken() {
			return fmt.Errorf("ListEntries: %d entries, token %q; want %d, %q", len(got.GetEntries()), got.GetNextPageToken(), len(want.GetEntries()), want.GetNextPageToken())
		}
		return nil
	})
}

// get returns the body of a 200 answer to GET url.
func get(b *testing.B, url string) []byte {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s = %d %s (%v)", url, resp.StatusCode, body, err)
	}
	return body
}

// serveHTTP serves h on 127.0.0.1 until the benchmark ends and returns its address.
func serveHTTP(b *testing.B, h http.Handler) string {
	b.Helper()
	lis := listenLocal(b)
	srv := command.NewHTTPServer(h, slog.New(slog.DiscardHandler)) // as the commands serve
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(func() { _ = srv.Close() })
	return lis.Addr().String()
}

// minimalTimeline answers ListEntries with one prebuilt message and nothing else.
type minimalTimeline struct {
	timelinev1.UnimplementedTimelineServiceServer
	page *timelinev1.ListEntriesResponse
}

func (m minimalTimeline) ListEntries(context.Context, *timelinev1.ListEntriesRequest) (*timelinev1.ListEntriesResponse, error) {
	return m.page, nil
}

// serveMinimalGRPC serves page from a bare grpc.NewServer (no interceptors) until the
// benchmark ends and returns its address.
func serveMinimalGRPC(b *testing.B, page *timelinev1.ListEntriesResponse) string {
	b.Helper()
	lis := listenLocal(b)
	srv := grpc.NewServer()
	timelinev1.RegisterTimelineServiceServer(srv, minimalTimeline{page: page})
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func listenLocal(b *testing.B) net.Listener {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return lis
}

func dialGRPC(b *testing.B, addr string) *grpc.ClientConn {
	b.Helper()
	// As the admin: the benchmarks write their timelines (a server that has no guard
	// ignores the credential).
	return grpctest.Dial(b, addr, stacktest.AdminKey)
}
