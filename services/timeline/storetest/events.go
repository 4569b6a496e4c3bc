package storetest

import (
	"fmt"
	"maps"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/timeline"
)

func entryEvent(typ timelinev1.WatchEntriesResponse_Type, e *timeline.Entry, at time.Duration) *timeline.Event {
	return &timeline.Event{TimelineID: e.TimelineID, Type: typ, Time: base.Add(at), Entry: e}
}

func testEventLog(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	tl := createTimeline(t, s, newTimeline("t"))
	createTimeline(t, s, newTimeline("u"))
	first := createEntry(t, s, newEntry("t", "e1"))
	edited := edit(first, "Edited")
	edited.Status = timelinev1.Entry_RETRACTED
	var bulk []*timeline.Entry
	for _, id := range []string{"e2", "e3", "e4"} {
		bulk = append(bulk, newEntry("t", id))
	}
	if _, err := s.CreateEntries(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	retracted := entryEvent(timelinev1.WatchEntriesResponse_ENTRY_RETRACTED, edited, time.Second)
	retracted.PrevStatus = timelinev1.Entry_PUBLISHED
	one := []*timeline.Event{
		entryEvent(timelinev1.WatchEntriesResponse_ENTRY_CREATED, first, 0),
		retracted,
		{TimelineID: "t", Type: timelinev1.WatchEntriesResponse_TIMELINE_UPDATED, Time: base.Add(2 * time.Second), Timeline: tl},
	}
	for i, ev := range one {
		if err := s.AppendEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d got sequence number %d", i+1, ev.Seq)
		}
	}
	many := []*timeline.Event{
		entryEvent(timelinev1.WatchEntriesResponse_ENTRY_CREATED, bulk[0], 3*time.Second),
		entryEvent(timelinev1.WatchEntriesResponse_ENTRY_CREATED, bulk[1], 3*time.Second),
		entryEvent(timelinev1.WatchEntriesResponse_ENTRY_CREATED, bulk[2], 3*time.Second),
	}
	if err := s.AppendEvents(ctx, many); err != nil {
		t.Fatal(err)
	}
	for i, ev := range many {
		if ev.Seq != int64(len(one)+i+1) {
			t.Fatalf("bulk event %d got sequence number %d", i, ev.Seq)
		}
	}
	all := append(one, many...)

	t.Run("ReadEvents", func(t *testing.T) {
		cases := map[string]struct {
			timelineID   string
			after        int64
			limit        int
			first, count int64
		}{
			"all":                  {"t", 0, 100, 1, 6},
			"after 2, at most 2":   {"t", 2, 2, 3, 2},
			"after the last":       {"t", 6, 100, 0, 0},
			"another timeline":     {"u", 0, 100, 0, 0},
			"a timeline with none": {"nowhere", 0, 100, 0, 0},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				got, err := s.ReadEvents(ctx, c.timelineID, c.after, c.limit)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(got)) != c.count {
					t.Fatalf("%d events, want %d", len(got), c.count)
				}
				for i, ev := range got {
					checkEvent(t, ev, all[c.first-1+int64(i)])
				}
			})
		}
	})
	t.Run("LastSequence", func(t *testing.T) {
		for id, want := range map[string]int64{"t": 6, "u": 0, "nowhere": 0} {
			if got, err := s.LastSequence(ctx, id); err != nil || got != want {
				t.Errorf("LastSequence(%s) = %d, %v; want %d", id, got, err, want)
			}
		}
	})
	t.Run("LastSequences", func(t *testing.T) {
		u := createEntry(t, s, newEntry("u", "e1"))
		if err := s.AppendEvent(ctx, entryEvent(timelinev1.WatchEntriesResponse_ENTRY_CREATED, u, 0)); err != nil || u.Revision != 1 {
			t.Fatal(err)
		}
		got, err := s.LastSequences(ctx, []string{"t", "u", "nowhere"})
		if want := map[string]int64{"t": 6, "u": 1, "nowhere": 0}; err != nil || !maps.Equal(got, want) {
			t.Fatalf("LastSequences = %v, %v; want %v", got, err, want)
		}
		if got, err := s.LastSequences(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("LastSequences of none = %v, %v", got, err)
		}
	})
	t.Run("ReadEvents stops at a gap", func(t *testing.T) {
		r, ok := s.(EventRemover)
		if !ok {
			t.Skip("the store cannot remove an event")
		}
		r.RemoveEvent(t, "t", 4)
		got, err := s.ReadEvents(ctx, "t", 0, 100)
		if err != nil || len(got) != 3 || got[2].Seq != 3 {
			t.Fatalf("ReadEvents before the gap: %d events, %v", len(got), err)
		}
		got, err = s.ReadEvents(ctx, "t", 4, 100)
		if err != nil || len(got) != 2 || got[0].Seq != 5 {
			t.Fatalf("ReadEvents after the gap: %d events, %v", len(got), err)
		}
	})
}

// checkEvent fails the test unless got is want as read back: entries are compared by
// what watchers are sent of them.
func checkEvent(t *testing.T, got, want *timeline.Event) {
	t.Helper()
	describe := func(ev *timeline.Event) string {
		s := fmt.Sprintf("%s #%d %s at %s, before %s", ev.TimelineID, ev.Seq, ev.Type, ev.Time.Format(time.RFC3339Nano), ev.PrevStatus)
		if e := ev.Entry; e != nil {
			s += fmt.Sprintf(", entry %s/%s@%d %q %s", e.TimelineID, e.ID, e.Revision, e.Headline, e.Status)
		}
		if tl := ev.Timeline; tl != nil {
			s += fmt.Sprintf(", timeline %s@%d %q %s", tl.ID, tl.Revision, tl.Title, tl.Status)
		}
		return s
	}
	if g, w := describe(got), describe(want); g != w {
		t.Fatalf("event\n%s\nwant\n%s", g, w)
	}
}
