package timeline_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
	"github.com/newsroomhq/newsroom/services/timeline"
)

type event = *timelinev1.WatchEntriesResponse

// fastFeed makes other replicas' writes and heartbeats arrive quickly in tests.
var fastFeed = timeline.WithFeed(timeline.FeedOptions{Poll: 20 * time.Millisecond, Heartbeat: 200 * time.Millisecond})

// watch opens a watch stream and returns a channel of its events (heartbeats left out
// unless asked) and a function returning the error that ended it.
func watch(t *testing.T, client timelinev1.TimelineServiceClient, req *timelinev1.WatchEntriesRequest, heartbeats bool) (<-chan event, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := client.WatchEntries(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan event, 10000)
	var end error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(events)
		for {
			ev, err := stream.Recv()
			if err != nil {
				end = err
				return
			}
			if ev.GetType() != timelinev1.WatchEntriesResponse_HEARTBEAT || heartbeats {
				events <- ev
			}
		}
	}()
	return events, func() error { <-done; return end }
}

// next returns the next event, failing the test when none comes in time.
func next(t *testing.T, events <-chan event) event {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return nil
}

func addEntry(t *testing.T, client timelinev1.TimelineServiceClient, parent, headline string, status timelinev1.Entry_Status) *timelinev1.Entry {
	t.Helper()
	e, err := client.CreateEntry(context.Background(), &timelinev1.CreateEntryRequest{
		Parent: parent, Entry: &timelinev1.Entry{Headline: headline, Status: status},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestWatchFromNow(t *testing.T) {
	e := newEnv(t, fastFeed)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	addEntry(t, e.tl, tl.GetName(), "Before the watch", timelinev1.Entry_PUBLISHED)

	events, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR}, true)
	hb := next(t, events)
	if hb.GetType() != timelinev1.WatchEntriesResponse_HEARTBEAT || hb.GetSequence() != 1 {
		t.Fatalf("first message of an idle stream = %v, want a heartbeat at 1", hb)
	}
	created := addEntry(t, e.tl, tl.GetName(), "Delegations arrive", timelinev1.Entry_PUBLISHED)
	pinned, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry: &timelinev1.Entry{Name: created.GetName(), Pinned: true}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pinned"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.tl.UpdateTimeline(ctx, &timelinev1.UpdateTimelineRequest{Timeline: &timelinev1.Timeline{Name: tl.GetName(), Status: timelinev1.Timeline_CLOSED}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: created.GetName()}); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ timelinev1.WatchEntriesResponse_Type
		seq int64
	}{
		{timelinev1.WatchEntriesResponse_ENTRY_CREATED, 2},
		{timelinev1.WatchEntriesResponse_ENTRY_PINNED, 3},
		{timelinev1.WatchEntriesResponse_TIMELINE_UPDATED, 4},
		{timelinev1.WatchEntriesResponse_ENTRY_DELETED, 5},
	}
	for _, w := range want {
		ev := next(t, events)
		for ev.GetType() == timelinev1.WatchEntriesResponse_HEARTBEAT {
			ev = next(t, events)
		}
		if ev.GetType() != w.typ || ev.GetSequence() != w.seq {
			t.Fatalf("event = %v %d, want %v %d", ev.GetType(), ev.GetSequence(), w.typ, w.seq)
		}
		switch w.typ {
		case timelinev1.WatchEntriesResponse_ENTRY_PINNED:
			if ev.GetEntry().GetEtag() != pinned.GetEtag() || !ev.GetEntry().GetPinned() {
				t.Fatalf("pinned event carries %v, want %v", ev.GetEntry(), pinned)
			}
		case timelinev1.WatchEntriesResponse_TIMELINE_UPDATED:
			if ev.GetTimeline().GetStatus() != timelinev1.Timeline_CLOSED {
				t.Fatalf("timeline event carries %v", ev.GetTimeline())
			}
		case timelinev1.WatchEntriesResponse_ENTRY_DELETED:
			if ev.GetEntry().GetName() != created.GetName() || ev.GetEntry().GetHeadline() != "" {
				t.Fatalf("deletion event carries %v, want the name only", ev.GetEntry())
			}
		}
	}
}

// TestWatchResumeExact disconnects a watcher again and again while entries are written,
// and checks that every event arrives once, in order.
func TestWatchResumeExact(t *testing.T) {
	e := newEnv(t, fastFeed)
	tl := liveTimeline(t, e)
	const total = 60
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := range total {
			addEntry(t, e.tl, tl.GetName(), fmt.Sprintf("Update %d", i), timelinev1.Entry_PUBLISHED)
		}
	}()
	// The last event can arrive before the last write's answer: let it come back
	// before the connection closes.
	defer func() { <-written }()
	var got []int64
	var after int64
	for len(got) < total {
		ctx, cancel := context.WithCancel(context.Background())
		stream, err := e.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{
			Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: after},
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 7 { // a few events per connection, then hang up
			ev, err := stream.Recv()
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetType() == timelinev1.WatchEntriesResponse_HEARTBEAT {
				continue
			}
			got = append(got, ev.GetSequence())
			after = ev.GetSequence()
			if len(got) == total {
				break
			}
		}
		cancel()
	}
	for i, seq := range got {
		if seq != int64(i+1) {
			t.Fatalf("sequences received across reconnects: %v", got)
		}
	}
}

// TestWatchSnapshotThenChanges starts watchers with a snapshot while a writer adds and
// edits entries, and checks that snapshot plus events rebuild exactly what is stored.
func TestWatchSnapshotThenChanges(t *testing.T) {
	e := newEnv(t, fastFeed)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	var names []string
	for i := range 10 {
		names = append(names, addEntry(t, e.tl, tl.GetName(), fmt.Sprintf("Early %d", i), timelinev1.Entry_PUBLISHED).GetName())
	}
	var wg sync.WaitGroup
	var written atomic.Int32
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			addEntry(t, e.tl, tl.GetName(), fmt.Sprintf("Late %d", i), timelinev1.Entry_PUBLISHED)
			if _, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: names[i%10], Body: fmt.Sprintf("edit %d", i)}}); err != nil {
				t.Error(err)
			}
			written.Add(1)
		}
	}()
	// The snapshot is taken while the writes go on.
	waitFor(t, func() bool { return written.Load() > 0 })
	events, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{
		Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_SnapshotSize{SnapshotSize: 100},
	}, false)
	wg.Wait()

	snap := next(t, events)
	if snap.GetType() != timelinev1.WatchEntriesResponse_SNAPSHOT || snap.GetTimeline().GetName() != tl.GetName() {
		t.Fatalf("first message = %v, want a snapshot", snap.GetType())
	}
	state := map[string]*timelinev1.Entry{}
	for _, en := range snap.GetEntries() {
		state[en.GetName()] = en
	}
	seq := snap.GetSequence()
	last, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for seq < 50 { // 10 + 20 creates + 20 edits
		ev := next(t, events)
		if ev.GetSequence() != seq+1 && ev.GetSequence() <= seq {
			t.Fatalf("event %d after %d: repeated or out of order", ev.GetSequence(), seq)
		}
		seq = ev.GetSequence()
		prev, had := state[ev.GetEntry().GetName()]
		if had && prev.GetRevision() >= ev.GetEntry().GetRevision() {
			t.Fatalf("event %d repeats revision %d of %s, already in the snapshot", seq, ev.GetEntry().GetRevision(), prev.GetName())
		}
		state[ev.GetEntry().GetName()] = ev.GetEntry()
	}
	if len(state) != len(last.GetEntries()) {
		t.Fatalf("snapshot plus events hold %d entries, the timeline %d", len(state), len(last.GetEntries()))
	}
	for _, en := range last.GetEntries() {
		if got := state[en.GetName()]; got.GetEtag() != en.GetEtag() {
			t.Fatalf("%s: rebuilt %v, stored %v", en.GetName(), got, en)
		}
	}
}

// TestWatchDrafts checks that readers get no events about drafts, only an entry's
// appearance when published and its removal when retracted, while editors get all.
func TestWatchDrafts(t *testing.T) {
	e := newEnv(t, fastFeed)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	public, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	editor, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR}, false)
	watchers(t, e.srv, 2)

	draft := addEntry(t, e.tl, tl.GetName(), "Unconfirmed: talks moved", timelinev1.Entry_DRAFT)
	if _, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: draft.GetName(), Body: "still checking"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: draft.GetName(), Status: timelinev1.Entry_PUBLISHED}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{Entry: &timelinev1.Entry{Name: draft.GetName(), Status: timelinev1.Entry_RETRACTED}}); err != nil {
		t.Fatal(err)
	}
	secret := addEntry(t, e.tl, tl.GetName(), "Embargoed", timelinev1.Entry_DRAFT)
	if _, err := e.tl.DeleteEntry(ctx, &timelinev1.DeleteEntryRequest{Name: secret.GetName()}); err != nil {
		t.Fatal(err)
	}
	addEntry(t, e.tl, tl.GetName(), "Marker", timelinev1.Entry_PUBLISHED)

	var editorTypes []string
	for range 7 {
		editorTypes = append(editorTypes, next(t, editor).GetType().String())
	}
	if got := strings.Join(editorTypes, " "); got != "ENTRY_CREATED ENTRY_UPDATED ENTRY_UPDATED ENTRY_RETRACTED ENTRY_CREATED ENTRY_DELETED ENTRY_CREATED" {
		t.Fatalf("editor events: %s", got)
	}
	appeared := next(t, public)
	if appeared.GetType() != timelinev1.WatchEntriesResponse_ENTRY_CREATED || appeared.GetSequence() != 3 || appeared.GetEntry().GetBody() != "still checking" {
		t.Fatalf("reader's first event = %v", appeared)
	}
	gone := next(t, public)
	if gone.GetType() != timelinev1.WatchEntriesResponse_ENTRY_RETRACTED || gone.GetEntry().GetName() != draft.GetName() || gone.GetEntry().GetHeadline() != "" {
		t.Fatalf("reader's second event = %v, want the retraction by name only", gone)
	}
	if marker := next(t, public); marker.GetEntry().GetHeadline() != "Marker" || marker.GetSequence() != 7 {
		t.Fatalf("reader's third event = %v, want the marker", marker)
	}

	// A draft timeline cannot be watched by readers.
	dtl := timelineWithSlug(t, e, "draft-story", timelinev1.Timeline_DRAFT)
	stream, err := e.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: dtl.GetName()})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.NotFound)
}

func timelineWithSlug(t *testing.T, e *env, slug string, status timelinev1.Timeline_Status) *timelinev1.Timeline {
	t.Helper()
	tl, err := e.tl.CreateTimeline(context.Background(), &timelinev1.CreateTimelineRequest{
		Timeline: &timelinev1.Timeline{Title: "Another story", Slug: slug, Status: status},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// TestWatchSlowConsumer checks that a watcher that stops reading is ended with a
// resumable error while another keeps receiving, and that it resumes without loss.
func TestWatchSlowConsumer(t *testing.T) {
	e := newEnv(t, timeline.WithFeed(timeline.FeedOptions{Buffer: 4, Heartbeat: time.Hour}))
	tl := liveTimeline(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow, err := e.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	fast, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	watchers(t, e.srv, 2)

	// Large entries fill the stream's flow-control window quickly.
	const total = 40
	body := strings.Repeat("Negotiators met again behind closed doors. ", 1000)
	for i := range total {
		if _, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{
			Headline: fmt.Sprintf("Round %d", i), Body: body, Status: timelinev1.Entry_PUBLISHED,
		}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range total {
		if ev := next(t, fast); ev.GetSequence() != int64(i+1) {
			t.Fatalf("fast watcher got %d, want %d", ev.GetSequence(), i+1)
		}
	}
	var last int64
	for {
		ev, err := slow.Recv()
		if err != nil {
			wantCode(t, err, codes.ResourceExhausted)
			if reason(err) != "WATCHER_TOO_SLOW" {
				t.Fatalf("slow watcher ended with %v", err)
			}
			break
		}
		if ev.GetSequence() != last+1 {
			t.Fatalf("slow watcher got %d after %d", ev.GetSequence(), last)
		}
		last = ev.GetSequence()
	}
	if last >= total {
		t.Fatalf("the slow watcher received all %d events: the test did not make it slow", last)
	}
	rest, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{
		Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: last},
	}, false)
	for seq := last + 1; seq <= total; seq++ {
		if ev := next(t, rest); ev.GetSequence() != seq {
			t.Fatalf("resumed watcher got %d, want %d", ev.GetSequence(), seq)
		}
	}
}

func reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// TestWatchAcrossReplicas writes through several replicas at once and checks that a
// watcher on another one receives every event once, in order.
func TestWatchAcrossReplicas(t *testing.T) {
	e := newEnv(t, fastFeed)
	b, _ := e.replica(t, fastFeed)
	c, _ := e.replica(t, fastFeed)
	tl := liveTimeline(t, e)
	events, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	watchers(t, e.srv, 1)

	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		client := []timelinev1.TimelineServiceClient{b, c, e.tl, b}[w]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				addEntry(t, client, tl.GetName(), fmt.Sprintf("Writer %d, update %d", w, i), timelinev1.Entry_PUBLISHED)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for seq := int64(1); seq <= writers*each; seq++ {
		ev := next(t, events)
		if ev.GetSequence() != seq {
			t.Fatalf("event %d arrived as number %d", ev.GetSequence(), seq)
		}
		if seen[ev.GetEntry().GetHeadline()] {
			t.Fatalf("%q delivered twice", ev.GetEntry().GetHeadline())
		}
		seen[ev.GetEntry().GetHeadline()] = true
	}
	// Hot first pages on every replica catch up with the others' writes.
	for _, client := range []timelinev1.TimelineServiceClient{e.tl, b, c} {
		waitFor(t, func() bool {
			page, err := client.ListEntries(context.Background(), &timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: 100})
			return err == nil && len(page.GetEntries()) == writers*each
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWatchErrors(t *testing.T) {
	e := newEnv(t, fastFeed)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	for i := range 5 {
		addEntry(t, e.tl, tl.GetName(), fmt.Sprintf("Update %d", i), timelinev1.Entry_PUBLISHED)
	}
	recvErr := func(client timelinev1.TimelineServiceClient, req *timelinev1.WatchEntriesRequest) error {
		stream, err := client.WatchEntries(ctx, req)
		if err != nil {
			return err
		}
		for {
			if _, err := stream.Recv(); err != nil {
				return err
			}
		}
	}
	ahead := recvErr(e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: 9}})
	wantCode(t, ahead, codes.OutOfRange)

	// History no longer kept: a replica that has nothing in memory must read it from the
	// database, and finds it gone.
	if _, err := e.db.Collection("timeline_events").DeleteMany(ctx, bson.D{{Key: "timeline", Value: strings.TrimPrefix(tl.GetName(), "timelines/")}, {Key: "seq", Value: bson.D{{Key: "$lte", Value: 3}}}}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := e.replica(t, fastFeed)
	expired := recvErr(fresh, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: 1}})
	wantCode(t, expired, codes.OutOfRange)
	if reason(expired) != "HISTORY_EXPIRED" {
		t.Fatalf("expired history: %v", expired)
	}

	wantField(t, recvErr(e.tl, &timelinev1.WatchEntriesRequest{Parent: "timelines/"}), "parent")
	wantField(t, recvErr(e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_SnapshotSize{SnapshotSize: 101}}), "snapshot_size")
	wantField(t, recvErr(e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_AfterSequence{AfterSequence: -1}}), "after_sequence")
	wantCode(t, recvErr(e.tl, &timelinev1.WatchEntriesRequest{Parent: "timelines/missing"}), codes.NotFound)
}

// TestWatchEndsOnShutdownAndDeletion checks that streams end cleanly, with a code a
// client can act on.
func TestWatchEndsOnShutdownAndDeletion(t *testing.T) {
	e := newEnv(t, fastFeed)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	other := timelineWithSlug(t, e, "other-story", timelinev1.Timeline_LIVE)
	_, endDeleted := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: other.GetName()}, false)
	b, bSrv := e.replica(t, fastFeed)
	_, endShutdown := watch(t, b, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	watchers(t, e.srv, 1)
	watchers(t, bSrv, 1)

	if _, err := e.tl.DeleteTimeline(ctx, &timelinev1.DeleteTimelineRequest{Name: other.GetName()}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, endDeleted(), codes.NotFound)
	bSrv.Close()
	wantCode(t, endShutdown(), codes.Unavailable)
}

// ListEntries tells the timeline's status in a response header, from memory or not.
func TestListEntriesStatusHeader(t *testing.T) {
	e := newEnv(t)
	tl := liveTimeline(t, e)
	addEntry(t, e.tl, tl.GetName(), "Talks begin", timelinev1.Entry_PUBLISHED)
	for name, req := range map[string]*timelinev1.ListEntriesRequest{
		"first page": {Parent: tl.GetName()},
		"filtered":   {Parent: tl.GetName(), Order: timelinev1.Order_OLDEST_FIRST},
	} {
		var md metadata.MD
		if _, err := e.tl.ListEntries(context.Background(), req, grpc.Header(&md)); err != nil {
			t.Fatal(err)
		}
		if got := md.Get(apiheader.TimelineStatus); len(got) != 1 || got[0] != "LIVE" {
			t.Errorf("%s: %s = %q, want [LIVE]", name, apiheader.TimelineStatus, got)
		}
	}
}

// A timeline set back to DRAFT is gone for public watchers: their streams end NOT_FOUND,
// and nothing written to it afterwards reaches them.
func TestWatchEndsWhenTimelineTurnsDraft(t *testing.T) {
	e := newEnv(t, fastFeed)
	tl := liveTimeline(t, e)
	public, publicEnd := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, false)
	editor, _ := watch(t, e.tl, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR}, false)
	watchers(t, e.srv, 2)
	if _, err := e.tl.UpdateTimeline(context.Background(), &timelinev1.UpdateTimelineRequest{
		Timeline: &timelinev1.Timeline{Name: tl.GetName(), Status: timelinev1.Timeline_DRAFT}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}); err != nil {
		t.Fatal(err)
	}
	addEntry(t, e.tl, tl.GetName(), "Written to a draft", timelinev1.Entry_PUBLISHED)
	ended := make(chan error, 1)
	go func() { ended <- publicEnd() }()
	select {
	case err := <-ended:
		if status.Code(err) != codes.NotFound {
			t.Errorf("public stream ended with %v, want NOT_FOUND", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the public stream goes on after its timeline turned DRAFT")
	}
	for ev := range public {
		t.Errorf("a public watcher got %v", ev)
	}
	if ev := next(t, editor); ev.GetType() != timelinev1.WatchEntriesResponse_TIMELINE_UPDATED {
		t.Errorf("editor got %v first", ev)
	}
	if ev := next(t, editor); ev.GetEntry().GetHeadline() != "Written to a draft" {
		t.Errorf("editor got %v", ev)
	}
}
