package storetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/timeline"
)

func testEntries(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	createTimeline(t, s, newTimeline("t"))
	full := &timeline.Entry{
		TimelineID: "t", ID: "full", Headline: "Zelensky arrives in Ankara",
		Body: "President Zelensky landed in Ankara on Thursday.", Kind: timelinev1.Entry_KEY_EVENT,
		Status: timelinev1.Entry_PUBLISHED, Pinned: true, OccurTime: base.Add(-time.Hour), PublishTime: base,
		Authors: []string{"a.reporter"}, Sources: []timeline.Source{{Name: "Wire", URL: "https://example.com/1"}, {Name: "Desk"}},
		Mentions: []timeline.Mention{
			{Entity: "entities/zelensky", Text: "Zelensky", Field: timelinev1.Mention_HEADLINE, Start: 0, End: 8},
			{Entity: "entities/ankara", Text: "Ankara", Field: timelinev1.Mention_BODY, Start: 28, End: 34},
		},
		Revision: 1, CreateTime: base, UpdateTime: base, ImportKey: "wire:1", NearDuplicateOf: "other",
	}
	full.Fingerprint = dedupe.Of(full.Headline, full.Body)
	createEntry(t, s, full)
	got, err := s.GetEntry(ctx, "t", "full")
	if err != nil || !reflect.DeepEqual(got, full) {
		t.Fatalf("GetEntry = %+v, %v; want %+v", got, err, full)
	}
	_, err = s.GetEntry(ctx, "t", "nothing")
	wantErr(t, err, timeline.ErrNotFound, "t", "nothing")

	t.Run("id taken", func(t *testing.T) {
		again := newEntry("t", "full")
		wantErr(t, s.CreateEntry(ctx, again), timeline.ErrAlreadyExists, "t", "full")
		if got, err := s.GetEntry(ctx, "t", "full"); err != nil || got.Headline != full.Headline {
			t.Fatalf("the entry after a refused create: %+v, %v", got, err)
		}
	})
	t.Run("the same id in another timeline", func(t *testing.T) {
		createTimeline(t, s, newTimeline("u"))
		createEntry(t, s, newEntry("u", "full"))
		if got, err := s.GetEntry(ctx, "t", "full"); err != nil || got.Headline != full.Headline {
			t.Fatalf("the first timeline's entry: %+v, %v", got, err)
		}
	})
	t.Run("no timeline", func(t *testing.T) {
		wantErr(t, s.CreateEntry(ctx, newEntry("nowhere", "e")), timeline.ErrNotFound, "nowhere", "")
		checkGone(t, s, "nowhere", []string{"e"})
	})
	t.Run("ExistingEntries", func(t *testing.T) {
		found, err := s.ExistingEntries(ctx, "t", []string{"nothing", "full", "other"})
		if err != nil || !slices.Equal(found, []string{"full"}) {
			t.Fatalf("ExistingEntries = %v, %v", found, err)
		}
		if found, err := s.ExistingEntries(ctx, "t", nil); err != nil || len(found) != 0 {
			t.Fatalf("ExistingEntries of none = %v, %v", found, err)
		}
	})
}

// listed is an entry of the ListEntries data set.
type listed struct {
	timeline, id string
	sort         time.Duration // after base; the occur time unless create is set
	create       bool          // no occur time: sorted by its create time
	status       timelinev1.Entry_Status
	kind         timelinev1.Entry_Kind
	mention      string
}

func testListEntries(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	createTimeline(t, s, newTimeline("a"))
	createTimeline(t, s, newTimeline("b"))
	const (
		pub, draft, gone = timelinev1.Entry_PUBLISHED, timelinev1.Entry_DRAFT, timelinev1.Entry_RETRACTED
		upd, kev, sum    = timelinev1.Entry_UPDATE, timelinev1.Entry_KEY_EVENT, timelinev1.Entry_SUMMARY
	)
	data := []listed{
		// Four at one time: the ids decide.
		{"a", "a1", time.Hour, false, pub, upd, "entities/x"},
		{"a", "a2", time.Hour, false, draft, kev, ""},
		{"a", "a3", time.Hour, false, pub, kev, "entities/x"},
		{"a", "a10", time.Hour, false, pub, upd, "entities/y"},
		{"a", "a4", 2 * time.Hour, true, gone, upd, "entities/y"},
		{"a", "a5", 0, false, pub, sum, "entities/x"},
		{"a", "a6", 3 * time.Hour, false, pub, upd, ""},
		// Another timeline, one at the same time as those above.
		{"b", "b1", time.Hour, false, pub, upd, "entities/x"},
		{"b", "b2", 30 * time.Minute, false, draft, kev, "entities/x"},
	}
	var all []*timeline.Entry
	for _, d := range data {
		e := newEntry(d.timeline, d.id)
		e.Status, e.Kind = d.status, d.kind
		if d.create {
			e.CreateTime = base.Add(d.sort)
		} else {
			e.OccurTime = base.Add(d.sort)
		}
		if d.mention != "" {
			e.Mentions = []timeline.Mention{{Entity: d.mention, Text: "Entry", Field: timelinev1.Mention_HEADLINE, Start: 0, End: 5}}
		}
		all = append(all, createEntry(t, s, e))
	}
	cases := map[string]timeline.EntryQuery{
		"every entry":             {TimelineID: "a", Statuses: allEntryStatuses},
		"oldest first":            {TimelineID: "a", Statuses: allEntryStatuses, OldestFirst: true},
		"published":               {TimelineID: "a", Statuses: []timelinev1.Entry_Status{pub}},
		"draft and retracted":     {TimelineID: "a", Statuses: []timelinev1.Entry_Status{draft, gone}},
		"key events":              {TimelineID: "a", Statuses: allEntryStatuses, Kinds: []timelinev1.Entry_Kind{kev}},
		"updates and summaries":   {TimelineID: "a", Statuses: allEntryStatuses, Kinds: []timelinev1.Entry_Kind{upd, sum}, OldestFirst: true},
		"from a time":             {TimelineID: "a", Statuses: allEntryStatuses, Start: base.Add(time.Hour)},
		"before a time":           {TimelineID: "a", Statuses: allEntryStatuses, End: base.Add(time.Hour)},
		"between two times":       {TimelineID: "a", Statuses: allEntryStatuses, Start: base.Add(time.Hour), End: base.Add(3 * time.Hour)},
		"by create time":          {TimelineID: "a", Statuses: allEntryStatuses, Start: base.Add(2 * time.Hour), End: base.Add(2*time.Hour + time.Millisecond)},
		"mentioning":              {TimelineID: "a", Statuses: allEntryStatuses, Mentions: "entities/x"},
		"mentioning, published":   {TimelineID: "a", Statuses: []timelinev1.Entry_Status{pub}, Mentions: "entities/y"},
		"across timelines":        {Statuses: allEntryStatuses, Mentions: "entities/x"},
		"across, oldest first":    {Statuses: allEntryStatuses, Mentions: "entities/x", OldestFirst: true},
		"across, every entry":     {Statuses: allEntryStatuses},
		"across, filtered":        {Statuses: []timelinev1.Entry_Status{pub}, Kinds: []timelinev1.Entry_Kind{upd}, Start: base.Add(time.Minute)},
		"another timeline":        {TimelineID: "b", Statuses: allEntryStatuses},
		"a timeline with nothing": {TimelineID: "c", Statuses: allEntryStatuses},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			checkPages(t, expected(all, q), key, func(limit int, last *timeline.Entry) ([]*timeline.Entry, error) {
				q.Limit = limit
				if q.After = nil; last != nil {
					q.After = &timeline.EntryCursor{SortTime: last.SortTime(), TimelineID: last.TimelineID, EntryID: last.ID}
				}
				return s.ListEntries(ctx, q)
			})
		})
	}
}

// expected is what ListEntries returns for q from entries, by key: the contract's
// filters and order, written out.
func expected(entries []*timeline.Entry, q timeline.EntryQuery) []string {
	var out []*timeline.Entry
	for _, e := range entries {
		st := e.SortTime()
		switch {
		case q.TimelineID != "" && e.TimelineID != q.TimelineID,
			!slices.Contains(q.Statuses, e.Status),
			len(q.Kinds) > 0 && !slices.Contains(q.Kinds, e.Kind),
			!q.Start.IsZero() && st.Before(q.Start),
			!q.End.IsZero() && !st.Before(q.End),
			q.Mentions != "" && !slices.ContainsFunc(e.Mentions, func(m timeline.Mention) bool { return m.Entity == q.Mentions }):
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *timeline.Entry) int {
		c := a.SortTime().Compare(b.SortTime())
		if c == 0 {
			c = strings.Compare(key(a), key(b))
		}
		if !q.OldestFirst {
			c = -c
		}
		return c
	})
	return append([]string{}, keys(out)...)
}

// editedEntry stores timeline t and its entry e at revision 2, and returns both revisions.
func editedEntry(t *testing.T, s timeline.Store) (first, second *timeline.Entry) {
	t.Helper()
	createTimeline(t, s, newTimeline("t"))
	first = createEntry(t, s, newEntry("t", "e"))
	second = edit(first, "Second")
	if err := s.UpdateEntry(t.Context(), first, second); err != nil {
		t.Fatal(err)
	}
	return first, second
}

func testUpdateEntry(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	first, second := editedEntry(t, s)
	cases := map[string]struct {
		prev *timeline.Entry
		want error
	}{
		"from a stale revision": {prev: first, want: timeline.ErrConflict},
		"from a later revision": {prev: edit(second, "Ahead"), want: timeline.ErrConflict},
		"missing":               {prev: newEntry("t", "nothing"), want: timeline.ErrNotFound},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			wantErr(t, s.UpdateEntry(ctx, c.prev, edit(c.prev, "Refused")), c.want, "t", c.prev.ID)
			if got, err := s.GetEntry(ctx, "t", "e"); err != nil || !reflect.DeepEqual(got, second) {
				t.Fatalf("after a refused update: %+v, %v", got, err)
			}
		})
	}

	t.Run("revisions", func(t *testing.T) {
		// Revisions 1 to 4: draft, published, retracted, published.
		cur := second
		for _, st := range []timelinev1.Entry_Status{timelinev1.Entry_RETRACTED, timelinev1.Entry_PUBLISHED} {
			next := edit(cur, "At "+st.String())
			next.Status = st
			if err := s.UpdateEntry(ctx, cur, next); err != nil {
				t.Fatal(err)
			}
			cur = next
		}
		if got, err := s.GetEntry(ctx, "t", "e"); err != nil || !reflect.DeepEqual(got, cur) {
			t.Fatalf("the entry after its updates: %+v, %v", got, err)
		}
		revisions := func(before int64, limit int, statuses ...timelinev1.Entry_Status) []int64 {
			t.Helper()
			found, err := s.ListRevisions(ctx, timeline.RevisionQuery{TimelineID: "t", EntryID: "e", Before: before, Statuses: statuses, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range found {
				out = append(out, r.Revision)
			}
			return out
		}
		cases := map[string]struct {
			got, want []int64
		}{
			"older than the current": {revisions(4, 10, allEntryStatuses...), []int64{3, 2, 1}},
			"older than 3":           {revisions(3, 10, allEntryStatuses...), []int64{2, 1}},
			"a page of one":          {revisions(3, 1, allEntryStatuses...), []int64{2}},
			"published only":         {revisions(4, 10, timelinev1.Entry_PUBLISHED), []int64{2, 1}},
			"retracted only":         {revisions(4, 10, timelinev1.Entry_RETRACTED), []int64{3}},
		}
		for name, c := range cases {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s: revisions %v, want %v", name, c.got, c.want)
			}
		}
		found, err := s.ListRevisions(ctx, timeline.RevisionQuery{TimelineID: "t", EntryID: "e", Before: 3, Statuses: allEntryStatuses, Limit: 1})
		if err != nil || len(found) != 1 || !reflect.DeepEqual(found[0], second) {
			t.Fatalf("revision 2: %+v, %v; want %+v", found, err, second)
		}
	})
}

func testDeleteEntry(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	cases := map[string]struct {
		id       string
		revision int64 // the stored one is 2
		want     error
	}{
		"at its revision":     {id: "e", revision: 2},
		"at any revision":     {id: "e"},
		"at another revision": {id: "e", revision: 1, want: timeline.ErrConflict},
		"missing":             {id: "nothing", want: timeline.ErrNotFound},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			ctx := t.Context()
			_, second := editedEntry(t, s)
			err := s.DeleteEntry(ctx, "t", c.id, c.revision)
			if c.want != nil {
				wantErr(t, err, c.want, "t", c.id)
				if got, err := s.GetEntry(ctx, "t", "e"); err != nil || !reflect.DeepEqual(got, second) {
					t.Fatalf("after a refused delete: %+v, %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DeleteEntry: %v", err)
			}
			_, err = s.GetEntry(ctx, "t", "e")
			wantErr(t, err, timeline.ErrNotFound, "t", "e")
			// A new entry under the id starts without the old one's history.
			createEntry(t, s, newEntry("t", "e"))
			if revs, err := s.ListRevisions(ctx, timeline.RevisionQuery{TimelineID: "t", EntryID: "e", Before: 10, Statuses: allEntryStatuses, Limit: 10}); err != nil || len(revs) != 0 {
				t.Fatalf("the deleted entry's revisions are left: %d (%v)", len(revs), err)
			}
		})
	}
}

func testCreateEntries(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	createTimeline(t, s, newTimeline("t"))
	taken := createEntry(t, s, newEntry("t", "e01"))
	var batch []*timeline.Entry
	for _, id := range ids(4, "e") {
		batch = append(batch, newEntry("t", id))
	}
	outcomes, err := s.CreateEntries(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != len(batch) {
		t.Fatalf("%d outcomes for %d entries", len(outcomes), len(batch))
	}
	for i, e := range batch {
		if e.ID == taken.ID {
			wantErr(t, outcomes[i], timeline.ErrAlreadyExists, "t", e.ID)
			continue
		}
		if outcomes[i] != nil {
			t.Fatalf("outcome of %s: %v", e.ID, outcomes[i])
		}
		if got, err := s.GetEntry(ctx, "t", e.ID); err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("GetEntry(%s) = %+v, %v", e.ID, got, err)
		}
	}
	if none, err := s.CreateEntries(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("CreateEntries of none: %v, %v", none, err)
	}
	t.Run("no timeline", func(t *testing.T) {
		_, err := s.CreateEntries(ctx, []*timeline.Entry{newEntry("nowhere", "e1"), newEntry("nowhere", "e2")})
		wantErr(t, err, timeline.ErrNotFound, "nowhere", "")
		checkGone(t, s, "nowhere", []string{"e1", "e2"})
	})
	if !errors.Is(outcomes[1], timeline.ErrAlreadyExists) {
		t.Fatalf("outcome of the taken id: %v", outcomes[1])
	}
}
