package mongostore_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
	"github.com/newsroomhq/newsroom/services/timeline"
	"github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func entryEvent(id string) *timeline.Event {
	return &timeline.Event{
		TimelineID: "story", Type: timelinev1.WatchEntriesResponse_ENTRY_CREATED, Time: time.Now().UTC().Truncate(time.Millisecond),
		Entry: &timeline.Entry{TimelineID: "story", ID: id, Headline: id, Kind: timelinev1.Entry_UPDATE, Status: timelinev1.Entry_PUBLISHED, Revision: 1},
	}
}

// Several stores (replicas) appending at once get dense, distinct sequence numbers.
func TestAppendEventSequencesAreDense(t *testing.T) {
	ctx := context.Background()
	db := testenv.Database(t)
	var stores []*mongostore.Store
	for range 3 {
		s, err := mongostore.New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	const each = 15
	var mu sync.Mutex
	seqs := map[int64]string{}
	var wg sync.WaitGroup
	for i, s := range stores {
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range each {
					ev := entryEvent(string(rune('a'+i)) + string(rune('a'+w)) + string(rune('a'+n)))
					if err := s.AppendEvent(ctx, ev); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if other, dup := seqs[ev.Seq]; dup {
						t.Errorf("sequence %d given to %s and %s", ev.Seq, other, ev.Entry.ID)
					}
					seqs[ev.Seq] = ev.Entry.ID
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	total := int64(len(stores) * 2 * each)
	for seq := int64(1); seq <= total; seq++ {
		if _, ok := seqs[seq]; !ok {
			t.Fatalf("sequence %d missing from %d events", seq, total)
		}
	}
	// A store that never saw the timeline finds its last number: from the head, which
	// on FerretDB replicas raising it at once may leave behind (see appendEvents), and
	// from the log after it.
	cold, err := mongostore.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	last, err := cold.LastSequence(ctx, "story")
	if err != nil || last < 1 || last > total {
		t.Fatalf("LastSequence = %d, %v; want 1 to %d", last, err, total)
	}
	if rest, err := cold.ReadEvents(ctx, "story", last, 1000); err != nil || last+int64(len(rest)) != total {
		t.Fatalf("LastSequence = %d and %d events after it (%v), want %d in all", last, len(rest), err, total)
	}
	events, err := cold.ReadEvents(ctx, "story", total-5, 100)
	if err != nil || len(events) != 5 || events[0].Seq != total-4 || events[0].Entry.ID != seqs[total-4] {
		t.Fatalf("ReadEvents after %d: %d events (%v)", total-5, len(events), err)
	}
}

func TestNotificationsNeedChangeStreams(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("the embedded server is the one known not to push changes")
	}
	s, err := mongostore.New(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notifications(context.Background()); !errors.Is(err, timeline.ErrNoNotifications) {
		t.Fatalf("Notifications on the embedded server: %v, want ErrNoNotifications", err)
	}
}
