package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// racers is how many goroutines each race starts.
const racers = 8

// race runs op from racers goroutines at once and returns what each returned.
func race(op func(i int) error) []error {
	out := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			out[i] = op(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// oneWins fails the test unless exactly one of errs is nil and every other is lost; it
// returns the winner.
func oneWins(t *testing.T, errs []error, lost error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("racers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, lost):
			t.Fatalf("racer %d: %v, want %v", i, err, lost)
		}
	}
	if winner < 0 {
		t.Fatalf("no racer won: %v", errs)
	}
	return winner
}

func testConcurrency(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	t.Run("one create of a timeline id wins", func(t *testing.T) {
		s := newStore(t)
		won := oneWins(t, race(func(i int) error {
			tl := newTimeline("t")
			tl.Slug = fmt.Sprintf("slug-%d", i)
			return s.CreateTimeline(t.Context(), tl)
		}), timeline.ErrAlreadyExists)
		if got, err := s.GetTimeline(t.Context(), "t"); err != nil || got.Slug != fmt.Sprintf("slug-%d", won) {
			t.Fatalf("the stored timeline: %+v, %v; want the winner's", got, err)
		}
	})
	t.Run("one create of an entry id wins", func(t *testing.T) {
		s := newStore(t)
		createTimeline(t, s, newTimeline("t"))
		won := oneWins(t, race(func(i int) error {
			e := newEntry("t", "e")
			e.Headline = fmt.Sprintf("Racer %d", i)
			return s.CreateEntry(t.Context(), e)
		}), timeline.ErrAlreadyExists)
		if got, err := s.GetEntry(t.Context(), "t", "e"); err != nil || got.Headline != fmt.Sprintf("Racer %d", won) {
			t.Fatalf("the stored entry: %+v, %v; want the winner's", got, err)
		}
	})
	t.Run("one update of an entry from a revision wins", func(t *testing.T) {
		s := newStore(t)
		createTimeline(t, s, newTimeline("t"))
		e := createEntry(t, s, newEntry("t", "e"))
		won := oneWins(t, race(func(i int) error {
			return s.UpdateEntry(t.Context(), e, edit(e, fmt.Sprintf("Racer %d", i)))
		}), timeline.ErrConflict)
		got, err := s.GetEntry(t.Context(), "t", "e")
		if err != nil || got.Headline != fmt.Sprintf("Racer %d", won) || got.Revision != 2 {
			t.Fatalf("the stored entry: %+v, %v; want the winner's", got, err)
		}
		revs, err := s.ListRevisions(t.Context(), timeline.RevisionQuery{TimelineID: "t", EntryID: "e", Before: 3, Statuses: allEntryStatuses, Limit: 10})
		if err != nil || len(revs) != 2 || revs[0].Headline != got.Headline || revs[1].Headline != e.Headline {
			t.Fatalf("revisions after the race: %v, %v", revs, err)
		}
	})
	t.Run("one update of a timeline from a revision wins", func(t *testing.T) {
		s := newStore(t)
		tl := createTimeline(t, s, newTimeline("t"))
		won := oneWins(t, race(func(i int) error {
			next := *tl
			next.Title = fmt.Sprintf("Racer %d", i)
			next.Revision++
			return s.UpdateTimeline(t.Context(), &next)
		}), timeline.ErrConflict)
		if got, err := s.GetTimeline(t.Context(), "t"); err != nil || got.Title != fmt.Sprintf("Racer %d", won) || got.Revision != 2 {
			t.Fatalf("the stored timeline: %+v, %v; want the winner's", got, err)
		}
	})
	t.Run("appends get distinct, dense numbers", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		createTimeline(t, s, newTimeline("t"))
		const rounds = 4
		var mu sync.Mutex
		bySeq := map[int64]string{}
		errs := race(func(i int) error {
			for r := range rounds {
				var events []*timeline.Event
				for k := range 1 + r%2*2 { // one, then three
					e := newEntry("t", fmt.Sprintf("r%d-%d-%d", i, r, k))
					events = append(events, entryEvent(timelinev1.WatchEntriesResponse_ENTRY_UPDATED, e, 0))
				}
				var err error
				if len(events) == 1 {
					err = s.AppendEvent(ctx, events[0])
				} else {
					err = s.AppendEvents(ctx, events)
				}
				if err != nil {
					return err
				}
				mu.Lock()
				for _, ev := range events {
					if other, taken := bySeq[ev.Seq]; taken {
						mu.Unlock()
						return fmt.Errorf("sequence number %d given to %s and %s", ev.Seq, other, ev.Entry.ID)
					}
					bySeq[ev.Seq] = ev.Entry.ID
				}
				mu.Unlock()
			}
			return nil
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		total := int64(len(bySeq))
		if want := int64(racers * rounds * 2); total != want {
			t.Fatalf("%d events numbered, want %d", total, want)
		}
		for seq := int64(1); seq <= total; seq++ {
			if _, ok := bySeq[seq]; !ok {
				t.Fatalf("sequence number %d missing of 1 to %d", seq, total)
			}
		}
		if last, err := s.LastSequence(ctx, "t"); err != nil || last != total {
			t.Fatalf("LastSequence = %d, %v; want %d", last, err, total)
		}
		read, err := s.ReadEvents(ctx, "t", 0, int(total)+10)
		if err != nil || int64(len(read)) != total {
			t.Fatalf("ReadEvents: %d events, %v; want %d", len(read), err, total)
		}
		got := make([]string, len(read))
		want := make([]string, len(read))
		for i, ev := range read {
			got[i] = fmt.Sprintf("%d %s", ev.Seq, ev.Entry.ID)
			want[i] = fmt.Sprintf("%d %s", i+1, bySeq[int64(i+1)])
		}
		if !slices.Equal(got, want) {
			t.Fatalf("events read back %v, want %v", got, want)
		}
	})
}
