package timeline_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
)

// BenchmarkWatchFanout measures, for 1,000 watchers of one timeline, the time from an
// acknowledged CreateEntry to the entry's arrival at each watcher. Each iteration is one
// append delivered to every watcher; the percentiles are over every delivery. Watchers
// share 10 client connections, as they would share a few proxies.
//
// "other-replica" writes through a second replica, whose events reach the watchers'
// replica by polling the database (every 50 ms by default; MongoDB change streams
// wake it at once).
//
//	go test -run '^$' -bench WatchFanout -benchtime 200x ./services/timeline/
func BenchmarkWatchFanout(b *testing.B) {
	b.Run("same-replica", func(b *testing.B) { benchmarkWatchFanout(b, false) })
	b.Run("other-replica", func(b *testing.B) { benchmarkWatchFanout(b, true) })
}

func benchmarkWatchFanout(b *testing.B, otherReplica bool) {
	const watchers, conns = 1000, 10
	e := newEnv(b)
	writer := e.tl
	if otherReplica {
		writer, _ = e.replica(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tl, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	if err != nil {
		b.Fatal(err)
	}
	clients := make([]timelinev1.TimelineServiceClient, conns)
	for i := range clients {
		clients[i] = timelinev1.NewTimelineServiceClient(e.dial(b))
	}

	// sent[seq] and acked[seq] are when CreateEntry was called and returned for the event
	// with that sequence number.
	var mu sync.Mutex
	sent, acked := map[int64]time.Time{}, map[int64]time.Time{}
	var latencies, fromSend []time.Duration
	var received sync.WaitGroup
	ready := make(chan struct{}, watchers)
	for w := range watchers {
		stream, err := clients[w%conns].WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()})
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			ready <- struct{}{}
			var mine []time.Duration
			for {
				ev, err := stream.Recv()
				if err != nil {
					return
				}
				if ev.GetType() != timelinev1.WatchEntriesResponse_ENTRY_CREATED {
					continue
				}
				now := time.Now()
				mu.Lock()
				at, ok := acked[ev.GetSequence()]
				mu.Unlock()
				for !ok { // delivered before the writer saw its acknowledgement
					time.Sleep(50 * time.Microsecond)
					mu.Lock()
					at, ok = acked[ev.GetSequence()]
					mu.Unlock()
				}
				mine = append(mine, max(now.Sub(at), 0))
				mu.Lock()
				fromSend = append(fromSend, now.Sub(sent[ev.GetSequence()]))
				mu.Unlock()
				if len(mine) == b.N {
					mu.Lock()
					latencies = append(latencies, mine...)
					mu.Unlock()
					received.Done()
					return
				}
			}
		}()
		received.Add(1)
	}
	for range watchers {
		<-ready
	}
	for e.srv.FeedStats().Watchers < watchers { // every stream subscribed
		time.Sleep(time.Millisecond)
	}

	b.ResetTimer()
	for i := range b.N {
		mu.Lock()
		sent[int64(i+1)] = time.Now()
		mu.Unlock()
		entry, err := writer.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{
			Headline: fmt.Sprintf("Update %d", i), Body: "Delegations resumed talks in Istanbul.", Status: timelinev1.Entry_PUBLISHED,
		}})
		now := time.Now()
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		acked[int64(i+1)] = now
		mu.Unlock()
		_ = entry
		time.Sleep(20 * time.Millisecond) // a busy live blog, not a bulk import
	}
	received.Wait()
	b.StopTimer()
	// Deliveries often beat the acknowledgement (watchers are fed before the reply is
	// sent): those count as 0 from the ack. From the call, latency includes the write.
	slices.Sort(latencies)
	slices.Sort(fromSend)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(latencies, 0.50), "ack-p50-ms")
	b.ReportMetric(pct(latencies, 0.99), "ack-p99-ms")
	b.ReportMetric(pct(fromSend, 0.50), "call-p50-ms")
	b.ReportMetric(pct(fromSend, 0.99), "call-p99-ms")
	b.ReportMetric(float64(len(latencies)), "deliveries")
}
