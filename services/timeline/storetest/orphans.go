package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/services/timeline"
)

// testNoOrphans deletes timelines while entries are being created in them: no entry may
// outlive its timeline, and every create that succeeded must have had its entry deleted
// with the timeline or, when the delete was refused, must still have it.
func testNoOrphans(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	cases := map[string]struct {
		force bool
		// waitForOne starts the delete once an entry exists: with force, entries are
		// then swept while others are being created; without, the delete must refuse.
		waitForOne bool
	}{
		"forced, while creating":        {force: true},
		"forced, after the first entry": {force: true, waitForOne: true},
		"not forced, while creating":    {},
		"not forced, after an entry":    {waitForOne: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			ctx := t.Context()
			const rounds, writers, each = 3, 4, 6
			for round := range rounds {
				id := fmt.Sprintf("t%d", round)
				createTimeline(t, s, newTimeline(id))
				var mu sync.Mutex
				var created, failed []string
				one := make(chan struct{})
				var once sync.Once
				start := make(chan struct{})
				var wg sync.WaitGroup
				for w := range writers {
					wg.Go(func() {
						<-start
						for i := range each {
							e := newEntry(id, fmt.Sprintf("w%d-%d", w, i))
							err := s.CreateEntry(ctx, e)
							mu.Lock()
							switch {
							case err == nil:
								created = append(created, e.ID)
								once.Do(func() { close(one) })
							case errors.Is(err, timeline.ErrNotFound):
								failed = append(failed, e.ID)
							default:
								t.Errorf("create %s/%s: %v", id, e.ID, err)
							}
							mu.Unlock()
						}
					})
				}
				close(start)
				if c.waitForOne {
					select {
					case <-one:
					case <-time.After(10 * time.Second):
						t.Fatal("no entry was created")
					}
				}
				delErr := s.DeleteTimeline(ctx, id, 0, c.force)
				wg.Wait()
				all := append(slices.Clone(created), failed...)
				switch {
				case delErr == nil:
					// Each create takes effect before the delete (which then sees its
					// entry) or after it (and fails).
					if !c.force && len(created) > 0 {
						t.Fatalf("round %d: deleted without force, after creating %v", round, created)
					}
					if _, err := s.GetTimeline(ctx, id); !errors.Is(err, timeline.ErrNotFound) {
						t.Fatalf("round %d: the deleted timeline reads %v", round, err)
					}
					checkGone(t, s, id, all)
				case !c.force && errors.Is(delErr, timeline.ErrNotEmpty):
					if _, err := s.GetTimeline(ctx, id); err != nil {
						t.Fatalf("round %d: the timeline whose delete was refused: %v", round, err)
					}
					found, err := s.ExistingEntries(ctx, id, all)
					if err != nil {
						t.Fatal(err)
					}
					slices.Sort(found)
					slices.Sort(created)
					if !slices.Equal(found, created) {
						t.Fatalf("round %d: after a refused delete the timeline has %v, want the %d created %v", round, found, len(created), created)
					}
				default:
					t.Fatalf("round %d: DeleteTimeline(force %v): %v", round, c.force, delErr)
				}
			}
		})
	}
}
