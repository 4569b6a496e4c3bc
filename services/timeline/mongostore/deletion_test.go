package mongostore_test

import (
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// crashedDeletion stores a timeline with an entry, then marks it as a deletion that
// stopped there, marked at the given time.
func crashedDeletion(t *testing.T, s testStore, id, slug string, marked time.Time) {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := s.CreateTimeline(ctx, &timeline.Timeline{ID: id, Slug: slug, Title: id, Status: timelinev1.Timeline_LIVE, CreateTime: now, UpdateTime: now, Revision: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEntry(ctx, &timeline.Entry{TimelineID: id, ID: "old", Headline: "Old", Kind: timelinev1.Entry_UPDATE, Status: timelinev1.Entry_PUBLISHED, Revision: 1, CreateTime: now, UpdateTime: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Collection("timelines").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: marked}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTimeline(ctx, id); !errors.Is(err, timeline.ErrNotFound) {
		t.Fatalf("a timeline marked for deletion reads %v", err)
	}
}

// A deletion cut short is finished by the next timeline that needs its id or slug, once
// it has been left long enough not to be running still.
func TestAbandonedDeletionIsFinished(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	cases := map[string]struct {
		id, slug string
		marked   time.Time
		want     error
	}{
		"the same id":             {id: "gone", slug: "new-slug", marked: now.Add(-time.Hour)},
		"the same slug":           {id: "new", slug: "gone-slug", marked: now.Add(-time.Hour)},
		"the same id, just now":   {id: "gone", slug: "new-slug", marked: now, want: timeline.ErrAlreadyExists},
		"the same slug, just now": {id: "new", slug: "gone-slug", marked: now, want: timeline.ErrSlugTaken},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newTestStore(t)
			ctx := t.Context()
			crashedDeletion(t, s, "gone", "gone-slug", c.marked)
			err := s.CreateTimeline(ctx, &timeline.Timeline{ID: c.id, Slug: c.slug, Title: "New", Status: timelinev1.Timeline_DRAFT, CreateTime: now, UpdateTime: now, Revision: 1})
			if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
				t.Fatalf("CreateTimeline: %v, want %v", err, c.want)
			}
			left, lerr := s.ExistingEntries(ctx, "gone", []string{"old"})
			switch {
			case lerr != nil:
				t.Fatal(lerr)
			case c.want == nil && len(left) != 0:
				t.Fatal("the abandoned deletion was not finished")
			case c.want != nil && len(left) != 1:
				t.Fatal("a deletion that may still be running was taken over")
			}
			if c.want == nil {
				if got, err := s.GetTimeline(ctx, c.id); err != nil || got.Title != "New" {
					t.Fatalf("the new timeline: %+v, %v", got, err)
				}
			}
		})
	}
}

// UpdateTimeline takes a slug from an abandoned deletion as CreateTimeline does.
func TestAbandonedDeletionGivesUpItsSlug(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	crashedDeletion(t, s, "gone", "gone-slug", time.Now().Add(-time.Hour))
	now := time.Now().UTC().Truncate(time.Millisecond)
	tl := &timeline.Timeline{ID: "other", Slug: "other", Title: "Other", Status: timelinev1.Timeline_DRAFT, CreateTime: now, UpdateTime: now, Revision: 1}
	if err := s.CreateTimeline(ctx, tl); err != nil {
		t.Fatal(err)
	}
	next := *tl
	next.Slug, next.Revision = "gone-slug", 2
	if err := s.UpdateTimeline(ctx, &next); err != nil {
		t.Fatalf("UpdateTimeline to the abandoned slug: %v", err)
	}
	if left, err := s.ExistingEntries(ctx, "gone", []string{"old"}); err != nil || len(left) != 0 {
		t.Fatalf("the abandoned deletion left %v (%v)", left, err)
	}
}
