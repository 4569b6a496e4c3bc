package timeline_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/timeline"
	"github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

// The feed follows timelines for watchers and for repeated first-page reads, within a
// cap, and lets them go when idle. These tests watch it through Server.FeedStats.

// waitStats waits until the server's feed stats satisfy cond.
func waitStats(t *testing.T, srv *timeline.Server, what string, cond func(timeline.FeedStats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(srv.FeedStats()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: feed stats %+v", what, srv.FeedStats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// watchers waits until the server serves n watch streams.
func watchers(t *testing.T, srv *timeline.Server, n int) {
	t.Helper()
	waitStats(t, srv, fmt.Sprintf("%d watchers", n), func(s timeline.FeedStats) bool { return s.Watchers == n })
}

func firstPage(t *testing.T, client timelinev1.TimelineServiceClient, parent string) *timelinev1.ListEntriesResponse {
	t.Helper()
	resp, err := client.ListEntries(context.Background(), &timelinev1.ListEntriesRequest{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestFeedFollowsOnRepeatedDemand(t *testing.T) {
	e := newEnv(t, timeline.WithFeed(timeline.FeedOptions{FollowAfter: 3}))
	tl := liveTimeline(t, e)
	addEntry(t, e.tl, tl.GetName(), "Talks begin", timelinev1.Entry_PUBLISHED)
	for read := 1; read <= 2; read++ {
		if got := firstPage(t, e.tl, tl.GetName()); len(got.GetEntries()) != 1 {
			t.Fatalf("read %d: %d entries", read, len(got.GetEntries()))
		}
		if n := e.srv.FeedStats().Followed; n != 0 {
			t.Fatalf("after %d reads, %d timelines followed, want 0", read, n)
		}
	}
	// Filtered reads and later pages never come from memory, and do not count.
	if _, err := e.tl.ListEntries(context.Background(), &timelinev1.ListEntriesRequest{Parent: tl.GetName(), Order: timelinev1.Order_OLDEST_FIRST}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.FeedStats().Followed; n != 0 {
		t.Fatalf("after a filtered read, %d timelines followed, want 0", n)
	}
	if got := firstPage(t, e.tl, tl.GetName()); len(got.GetEntries()) != 1 {
		t.Fatalf("third read: %d entries", len(got.GetEntries()))
	}
	if n := e.srv.FeedStats().Followed; n != 1 {
		t.Fatalf("after 3 reads, %d timelines followed, want 1", n)
	}
	// From memory now, and up to date with writes.
	addEntry(t, e.tl, tl.GetName(), "Talks adjourn", timelinev1.Entry_PUBLISHED)
	if got := firstPage(t, e.tl, tl.GetName()); len(got.GetEntries()) != 2 || got.GetEntries()[0].GetHeadline() != "Talks adjourn" {
		t.Fatalf("followed first page: %v", got.GetEntries())
	}
}

func TestFeedRetiresIdleTimelines(t *testing.T) {
	e := newEnv(t, timeline.WithFeed(timeline.FeedOptions{Idle: 150 * time.Millisecond, Poll: 10 * time.Millisecond, FollowAfter: 1}))
	read := liveTimeline(t, e)
	watched := timelineWithSlug(t, e, "watched-story", timelinev1.Timeline_LIVE)
	events, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: watched.GetName()}, false)
	watchers(t, e.srv, 1)
	firstPage(t, e.tl, read.GetName())
	if n := e.srv.FeedStats().Followed; n != 2 {
		t.Fatalf("%d timelines followed, want 2", n)
	}
	// The one only read retires once idle; the watched one, unused for longer, stays
	// (both are looked at in the same pass), and keeps delivering.
	waitStats(t, e.srv, "the read timeline retires", func(s timeline.FeedStats) bool { return s.Followed == 1 })
	if st := e.srv.FeedStats(); st.Followed != 1 || st.Watchers != 1 {
		t.Fatalf("after the idle time: %+v, want the watched timeline still followed", st)
	}
	addEntry(t, e.tl, watched.GetName(), "Still watched", timelinev1.Entry_PUBLISHED)
	if ev := next(t, events); ev.GetEntry().GetHeadline() != "Still watched" {
		t.Fatalf("event = %v", ev)
	}
	// A retired timeline is followed again on demand, with what was written meanwhile.
	addEntry(t, e.tl, read.GetName(), "Written while not followed", timelinev1.Entry_PUBLISHED)
	if got := firstPage(t, e.tl, read.GetName()); len(got.GetEntries()) != 1 || e.srv.FeedStats().Followed != 2 {
		t.Fatalf("read after retirement: %v, %+v", got.GetEntries(), e.srv.FeedStats())
	}
}

func TestFeedCap(t *testing.T) {
	e := newEnv(t, timeline.WithFeed(timeline.FeedOptions{MaxFollowed: 2, FollowAfter: 1}))
	var stories []*timelinev1.Timeline
	for i := range 4 {
		tl := timelineWithSlug(t, e, fmt.Sprintf("story-%d", i), timelinev1.Timeline_LIVE)
		addEntry(t, e.tl, tl.GetName(), fmt.Sprintf("Story %d begins", i), timelinev1.Entry_PUBLISHED)
		stories = append(stories, tl)
	}
	// Reads fill the cap; the least recently used is let go for the next.
	for i := range 3 {
		firstPage(t, e.tl, stories[i].GetName())
	}
	if n := e.srv.FeedStats().Followed; n != 2 {
		t.Fatalf("after reading 3 timelines with a cap of 2, %d followed", n)
	}

	// Watchers take precedence over reads; when every followed timeline has one, a new
	// watch is refused and reads go to the database.
	ctx0, cancel0 := context.WithCancel(context.Background())
	defer cancel0()
	first, err := e.tl.WatchEntries(ctx0, &timelinev1.WatchEntriesRequest{Parent: stories[0].GetName()})
	if err != nil {
		t.Fatal(err)
	}
	watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: stories[1].GetName()}, false)
	watchers(t, e.srv, 2)
	refused, err := e.tl.WatchEntries(context.Background(), &timelinev1.WatchEntriesRequest{Parent: stories[2].GetName()})
	if err == nil {
		_, err = refused.Recv()
	}
	wantCode(t, err, codes.ResourceExhausted)
	if reason(err) != apierror.ReasonFollowLimit {
		t.Fatalf("watch over the cap: %v", err)
	}
	if got := firstPage(t, e.tl, stories[3].GetName()); len(got.GetEntries()) != 1 {
		t.Fatalf("read over the cap: %v", got.GetEntries())
	}
	if st := e.srv.FeedStats(); st.Followed != 2 {
		t.Fatalf("over the cap: %+v, want 2 followed", st)
	}

	// Once a watcher leaves, its timeline makes room.
	cancel0()
	_, _ = first.Recv()
	watchers(t, e.srv, 1)
	watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: stories[2].GetName()}, false)
	watchers(t, e.srv, 2)
	if st := e.srv.FeedStats(); st.Followed != 2 {
		t.Fatalf("after making room: %+v, want 2 followed", st)
	}
}

// countingStore is the real store, counting the calls the feed makes to follow heads.
type countingStore struct {
	timeline.Store
	last, lasts atomic.Int64
}

func (c *countingStore) LastSequence(ctx context.Context, id string) (int64, error) {
	c.last.Add(1)
	return c.Store.LastSequence(ctx, id)
}

func (c *countingStore) LastSequences(ctx context.Context, ids []string) (map[string]int64, error) {
	c.lasts.Add(1)
	return c.Store.LastSequences(ctx, ids)
}

// Every followed timeline's head is polled with one query, however many are followed.
func TestFeedPollsAllHeadsAtOnce(t *testing.T) {
	e := newEnv(t)
	store, err := mongostore.New(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingStore{Store: store}
	srv, err := timeline.NewServer(counting, e.ent, e.logger, timeline.WithFeed(timeline.FeedOptions{Poll: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	client := timelinev1.NewTimelineServiceClient(serve(t, e.logger, func(s *grpc.Server) { timelinev1.RegisterTimelineServiceServer(s, srv) }))
	const followed = 5
	for i := range followed {
		tl := timelineWithSlug(t, e, fmt.Sprintf("story-%d", i), timelinev1.Timeline_LIVE)
		watch(t, client, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	}
	watchers(t, srv, followed)
	loads := counting.last.Load()
	polls := counting.lasts.Load()
	deadline := time.Now().Add(10 * time.Second)
	for counting.lasts.Load() < polls+20 {
		if time.Now().After(deadline) {
			t.Fatal("the feed does not poll")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := counting.last.Load(); got != loads || loads > followed {
		t.Fatalf("%d single-head reads for %d timelines over %d polls, want one per timeline when it was loaded", got, followed, counting.lasts.Load()-polls)
	}
}

// A resume point past the last event is refused as SEQUENCE_AHEAD, but only once the
// replica has caught up: another replica may have written it.
func TestWatchSequenceAhead(t *testing.T) {
	e := newEnv(t)
	// A replica that never polls learns of others' writes only when it looks.
	b, bSrv := e.replica(t, timeline.WithFeed(timeline.FeedOptions{Poll: time.Hour}))
	tl := liveTimeline(t, e)
	watch(t, b, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	watchers(t, bSrv, 1)
	for i := range 3 {
		addEntry(t, e.tl, tl.GetName(), fmt.Sprintf("Update %d", i), timelinev1.Entry_PUBLISHED)
	}
	events, _ := watch(t, b, &timelinev1.WatchEntriesRequest{
		Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: 2},
	}, false)
	if ev := next(t, events); ev.GetSequence() != 3 || ev.GetEntry().GetHeadline() != "Update 2" {
		t.Fatalf("resumed after 2 on a replica that had not seen 3: %v", ev)
	}

	stream, err := b.WatchEntries(context.Background(), &timelinev1.WatchEntriesRequest{
		Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: 4},
	})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.OutOfRange)
	if reason(err) != apierror.ReasonSequenceAhead {
		t.Fatalf("resume past the end: %v, want SEQUENCE_AHEAD", err)
	}
}
