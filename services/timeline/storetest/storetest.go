// Package storetest is the contract of timeline.Store: one suite of tests that every
// implementation must pass, role by role (timelines, entries with their revisions,
// fingerprints, the event log), concurrency included.
//
// A store's package runs it with a function that returns a new, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) timeline.Store { ... })
//	}
//
// The MongoDB store (package mongostore) runs it against the embedded database, or the
// server that MONGODB_URI names. To hold it to a MongoDB replica set:
//
//	MONGODB_URI=mongodb://host:27017/?replicaSet=rs0 go test ./services/timeline/mongostore/ ./services/entity/mongostore/
package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// EventRemover is a store from which a test can remove one event, to make a gap in the
// log: where the store under test is one, the suite checks that ReadEvents stops there.
type EventRemover interface {
	RemoveEvent(t *testing.T, timelineID string, seq int64)
}

// Run runs the whole contract; newStore returns a new, empty store for each test.
func Run(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	t.Run("Timelines", func(t *testing.T) { testTimelines(t, newStore) })
	t.Run("ListTimelines", func(t *testing.T) { testListTimelines(t, newStore) })
	t.Run("DeleteTimeline", func(t *testing.T) { testDeleteTimeline(t, newStore) })
	t.Run("Entries", func(t *testing.T) { testEntries(t, newStore) })
	t.Run("ListEntries", func(t *testing.T) { testListEntries(t, newStore) })
	t.Run("UpdateEntry", func(t *testing.T) { testUpdateEntry(t, newStore) })
	t.Run("DeleteEntry", func(t *testing.T) { testDeleteEntry(t, newStore) })
	t.Run("CreateEntries", func(t *testing.T) { testCreateEntries(t, newStore) })
	t.Run("Fingerprints", func(t *testing.T) { testFingerprints(t, newStore) })
	t.Run("EventLog", func(t *testing.T) { testEventLog(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore) })
	t.Run("NoOrphans", func(t *testing.T) { testNoOrphans(t, newStore) })
}

// base is the time the suite's data starts at: whole milliseconds in UTC, as stored.
var base = time.Date(2025, 5, 16, 9, 0, 0, 0, time.UTC)

var (
	allEntryStatuses    = []timelinev1.Entry_Status{timelinev1.Entry_DRAFT, timelinev1.Entry_PUBLISHED, timelinev1.Entry_RETRACTED}
	allTimelineStatuses = []timelinev1.Timeline_Status{timelinev1.Timeline_DRAFT, timelinev1.Timeline_LIVE, timelinev1.Timeline_CLOSED, timelinev1.Timeline_ARCHIVED}
)

func newTimeline(id string) *timeline.Timeline {
	return &timeline.Timeline{
		ID: id, Title: "Talks in " + id, Slug: "talks-" + id, Status: timelinev1.Timeline_LIVE,
		CreateTime: base, UpdateTime: base, Revision: 1,
	}
}

func newEntry(timelineID, id string) *timeline.Entry {
	e := &timeline.Entry{
		TimelineID: timelineID, ID: id, Headline: "Entry " + id, Kind: timelinev1.Entry_UPDATE,
		Status: timelinev1.Entry_PUBLISHED, Revision: 1, CreateTime: base, UpdateTime: base,
	}
	e.Fingerprint = dedupe.Of(e.Headline, e.Body)
	return e
}

func createTimeline(t *testing.T, s timeline.Store, tl *timeline.Timeline) *timeline.Timeline {
	t.Helper()
	if err := s.CreateTimeline(t.Context(), tl); err != nil {
		t.Fatalf("create timeline %s: %v", tl.ID, err)
	}
	return tl
}

func createEntry(t *testing.T, s timeline.Store, e *timeline.Entry) *timeline.Entry {
	t.Helper()
	if err := s.CreateEntry(t.Context(), e); err != nil {
		t.Fatalf("create entry %s/%s: %v", e.TimelineID, e.ID, err)
	}
	return e
}

// wantErr fails the test unless err is target, about the timeline or entry named.
func wantErr(t *testing.T, err, target error, timelineID, entryID string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
	var res *timeline.ResourceError
	if !errors.As(err, &res) || res.TimelineID != timelineID || res.EntryID != entryID {
		t.Fatalf("error %v is not about %q/%q", err, timelineID, entryID)
	}
}

// edit returns a copy of e at its next revision, with a new headline.
func edit(e *timeline.Entry, headline string) *timeline.Entry {
	next := *e
	next.Headline = headline
	next.Fingerprint = dedupe.Of(next.Headline, next.Body)
	next.Revision++
	next.UpdateTime = e.UpdateTime.Add(time.Second)
	return &next
}

func key(e *timeline.Entry) string { return e.TimelineID + "/" + e.ID }

func keys(entries []*timeline.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = key(e)
	}
	return out
}

func ids(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

// checkPages fails the test unless list, given a page size and the last item of the
// page before (nil for the first page), lists want by key: in one page, and in pages of
// two, which the keyset must take through items of equal sort keys.
func checkPages[T any](t *testing.T, want []string, key func(T) string, list func(limit int, last T) ([]T, error)) {
	t.Helper()
	var none T
	keysOf := func(items []T) []string {
		out := []string{}
		for _, it := range items {
			out = append(out, key(it))
		}
		return out
	}
	all, err := list(100, none)
	if err != nil {
		t.Fatal(err)
	}
	if want == nil {
		want = []string{}
	}
	if got := keysOf(all); !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	paged, last := []string{}, none
	for range len(want) + 1 {
		page, err := list(2, last)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, keysOf(page)...)
		if len(page) < 2 {
			break
		}
		last = page[len(page)-1]
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("listed in pages of two %v, want %v", paged, want)
	}
}
