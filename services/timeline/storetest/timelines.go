package storetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/timeline"
)

func testTimelines(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	full := newTimeline("istanbul")
	full.Summary = "Delegations meet at Dolmabahçe."
	full.Tags = []string{"ukraine", "russia"}
	full.CoverageStart, full.CoverageEnd = base.Add(-time.Hour), base.Add(48*time.Hour)
	createTimeline(t, s, full)
	got, err := s.GetTimeline(ctx, "istanbul")
	if err != nil || !reflect.DeepEqual(got, full) {
		t.Fatalf("GetTimeline = %+v, %v; want %+v", got, err, full)
	}
	_, err = s.GetTimeline(ctx, "nowhere")
	wantErr(t, err, timeline.ErrNotFound, "nowhere", "")

	t.Run("id taken", func(t *testing.T) {
		again := newTimeline("istanbul")
		again.Slug = "another-slug"
		wantErr(t, s.CreateTimeline(ctx, again), timeline.ErrAlreadyExists, "istanbul", "")
	})
	t.Run("slug taken", func(t *testing.T) {
		other := newTimeline("ankara")
		other.Slug = full.Slug
		err := s.CreateTimeline(ctx, other)
		var taken *timeline.SlugTakenError
		if !errors.Is(err, timeline.ErrSlugTaken) || !errors.As(err, &taken) || taken.TimelineID != "istanbul" || taken.Slug != full.Slug {
			t.Fatalf("create with a taken slug: %v", err)
		}
		if _, err := s.GetTimeline(ctx, "ankara"); !errors.Is(err, timeline.ErrNotFound) {
			t.Fatalf("the refused timeline was stored: %v", err)
		}
	})
	t.Run("GetTimelines", func(t *testing.T) {
		createTimeline(t, s, newTimeline("kyiv"))
		found, err := s.GetTimelines(ctx, []string{"kyiv", "nowhere", "istanbul"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tl := range found {
			got = append(got, tl.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"istanbul", "kyiv"}) {
			t.Fatalf("GetTimelines = %v", got)
		}
		if found, err := s.GetTimelines(ctx, nil); err != nil || len(found) != 0 {
			t.Fatalf("GetTimelines of none = %v, %v", found, err)
		}
	})

	t.Run("UpdateTimeline", func(t *testing.T) {
		createTimeline(t, s, newTimeline("moscow"))
		createTimeline(t, s, newTimeline("minsk"))
		cases := map[string]struct {
			change func(next *timeline.Timeline)
			want   error
		}{
			"at the stored revision": {change: func(next *timeline.Timeline) { next.Title = "Renamed" }},
			"from a stale revision":  {change: func(next *timeline.Timeline) { next.Revision = 1 }, want: timeline.ErrConflict},
			"from a later revision":  {change: func(next *timeline.Timeline) { next.Revision += 5 }, want: timeline.ErrConflict},
			"missing":                {change: func(next *timeline.Timeline) { next.ID = "nowhere" }, want: timeline.ErrNotFound},
			"to a taken slug":        {change: func(next *timeline.Timeline) { next.Slug = "talks-minsk" }, want: timeline.ErrSlugTaken},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				cur, err := s.GetTimeline(ctx, "moscow")
				if err != nil {
					t.Fatal(err)
				}
				next := *cur
				next.Revision++
				next.Status = timelinev1.Timeline_CLOSED
				next.UpdateTime = cur.UpdateTime.Add(time.Minute)
				c.change(&next)
				err = s.UpdateTimeline(ctx, &next)
				if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
					t.Fatalf("UpdateTimeline: %v, want %v", err, c.want)
				}
				want := cur
				if c.want == nil {
					want = &next
				}
				if got, err := s.GetTimeline(ctx, "moscow"); err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("after the update: %+v, %v; want %+v", got, err, want)
				}
			})
		}
	})
}

func testListTimelines(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	var all []*timeline.Timeline
	for i, id := range ids(9, "t") {
		tl := newTimeline(id)
		tl.CreateTime = base.Add(time.Duration(i/3) * time.Hour) // three at each time
		tl.Status = allTimelineStatuses[i%len(allTimelineStatuses)]
		if i%2 == 0 {
			tl.Tags = []string{"even"}
		}
		all = append(all, createTimeline(t, s, tl))
	}
	// The order: newest created first, then by id, descending.
	slices.SortFunc(all, func(a, b *timeline.Timeline) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	cases := map[string]struct {
		q    timeline.TimelineQuery
		keep func(*timeline.Timeline) bool
	}{
		"every status": {q: timeline.TimelineQuery{Statuses: allTimelineStatuses}, keep: func(*timeline.Timeline) bool { return true }},
		"some statuses": {
			q: timeline.TimelineQuery{Statuses: []timelinev1.Timeline_Status{timelinev1.Timeline_LIVE, timelinev1.Timeline_CLOSED}},
			keep: func(tl *timeline.Timeline) bool {
				return tl.Status == timelinev1.Timeline_LIVE || tl.Status == timelinev1.Timeline_CLOSED
			},
		},
		"by tag": {
			q:    timeline.TimelineQuery{Statuses: allTimelineStatuses, Tag: "even"},
			keep: func(tl *timeline.Timeline) bool { return len(tl.Tags) > 0 },
		},
		"by slug": {
			q:    timeline.TimelineQuery{Statuses: allTimelineStatuses, Slug: "talks-t04"},
			keep: func(tl *timeline.Timeline) bool { return tl.ID == "t04" },
		},
		"by slug, another status": {
			q:    timeline.TimelineQuery{Statuses: []timelinev1.Timeline_Status{timelinev1.Timeline_DRAFT}, Slug: "talks-t01"},
			keep: func(*timeline.Timeline) bool { return false },
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, tl := range all {
				if c.keep(tl) {
					want = append(want, tl.ID)
				}
			}
			q := c.q
			id := func(tl *timeline.Timeline) string { return tl.ID }
			checkPages(t, want, id, func(limit int, last *timeline.Timeline) ([]*timeline.Timeline, error) {
				q.Limit = limit
				if q.After = nil; last != nil {
					q.After = &timeline.TimelineCursor{CreateTime: last.CreateTime, ID: last.ID}
				}
				return s.ListTimelines(ctx, q)
			})
		})
	}
}

func testDeleteTimeline(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	cases := map[string]struct {
		id       string
		revision int64 // of the stored revision, 1: 0 for any
		force    bool
		entries  bool
		want     error
	}{
		"at its revision":         {id: "t", revision: 1},
		"at any revision":         {id: "t"},
		"at another revision":     {id: "t", revision: 2, want: timeline.ErrConflict},
		"missing":                 {id: "nowhere", want: timeline.ErrNotFound},
		"with entries":            {id: "t", entries: true, want: timeline.ErrNotEmpty},
		"with entries, forced":    {id: "t", entries: true, force: true},
		"at its revision, forced": {id: "t", revision: 1, force: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			ctx := t.Context()
			tl := createTimeline(t, s, newTimeline("t"))
			var entries []*timeline.Entry
			if c.entries {
				for _, id := range ids(3, "e") {
					entries = append(entries, createEntry(t, s, newEntry("t", id)))
				}
				if err := s.UpdateEntry(ctx, entries[0], edit(entries[0], "Edited")); err != nil {
					t.Fatal(err)
				}
				if err := s.AppendEvent(ctx, &timeline.Event{TimelineID: "t", Type: timelinev1.WatchEntriesResponse_ENTRY_CREATED, Time: base, Entry: entries[1]}); err != nil {
					t.Fatal(err)
				}
			}
			err := s.DeleteTimeline(ctx, c.id, c.revision, c.force)
			if c.want != nil {
				wantErr(t, err, c.want, c.id, "")
				// Refused: everything is as it was.
				if got, err := s.GetTimeline(ctx, "t"); err != nil || !reflect.DeepEqual(got, tl) {
					t.Fatalf("after a refused delete: %+v, %v", got, err)
				}
				if found, err := s.ExistingEntries(ctx, "t", ids(3, "e")); err != nil || len(found) != len(entries) {
					t.Fatalf("after a refused delete: entries %v, %v", found, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DeleteTimeline: %v", err)
			}
			if _, err := s.GetTimeline(ctx, "t"); !errors.Is(err, timeline.ErrNotFound) {
				t.Fatalf("after the delete: %v", err)
			}
			checkGone(t, s, "t", ids(3, "e"))
			// The id is free again, and the new timeline has nothing of the old.
			createTimeline(t, s, newTimeline("t"))
			checkGone(t, s, "t", ids(3, "e"))
		})
	}
}

// checkGone fails the test unless the timeline holds none of these entries, no revision
// of them, and no event.
func checkGone(t *testing.T, s timeline.Store, timelineID string, entryIDs []string) {
	t.Helper()
	ctx := t.Context()
	if found, err := s.ExistingEntries(ctx, timelineID, entryIDs); err != nil || len(found) != 0 {
		t.Fatalf("entries %v of timeline %s are left (%v)", found, timelineID, err)
	}
	if listed, err := s.ListEntries(ctx, timeline.EntryQuery{TimelineID: timelineID, Statuses: allEntryStatuses, Limit: 1000}); err != nil || len(listed) != 0 {
		t.Fatalf("timeline %s lists entries %v (%v)", timelineID, keys(listed), err)
	}
	for _, id := range entryIDs {
		revs, err := s.ListRevisions(ctx, timeline.RevisionQuery{TimelineID: timelineID, EntryID: id, Before: 1 << 40, Statuses: allEntryStatuses, Limit: 10})
		if err != nil || len(revs) != 0 {
			t.Fatalf("%d revisions of %s/%s are left (%v)", len(revs), timelineID, id, err)
		}
	}
	if last, err := s.LastSequence(ctx, timelineID); err != nil || last != 0 {
		t.Fatalf("timeline %s: last sequence %d (%v)", timelineID, last, err)
	}
	if events, err := s.ReadEvents(ctx, timelineID, 0, 10); err != nil || len(events) != 0 {
		t.Fatalf("timeline %s: %d events left (%v)", timelineID, len(events), err)
	}
}
