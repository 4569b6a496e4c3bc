package mongodb_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type counter struct {
	ID       string `bson:"_id"`
	Revision int64  `bson:"revision"`
	Count    int    `bson:"count"`
	Slug     string `bson:"slug,omitempty"`
}

type counterLog struct {
	ID       string   `bson:"_id"`
	Of       string   `bson:"of"`
	Revision int64    `bson:"revision"`
	Doc      *counter `bson:"doc"`
}

func logOf(c *counter) *counterLog {
	return &counterLog{ID: mongodb.LogID(c.ID, c.Revision), Of: c.ID, Revision: c.Revision, Doc: c}
}

func newVersioned(t *testing.T) mongodb.Versioned {
	t.Helper()
	db := testenv.Database(t)
	return mongodb.Versioned{Docs: db.Collection("docs"), Log: db.Collection("log"), Locks: mongodb.NewLocks()}
}

func read(t *testing.T, v mongodb.Versioned, id string) counter {
	t.Helper()
	var c counter
	if err := v.Docs.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// increment is a read-modify-write that retries on conflict, as the services do.
func increment(ctx context.Context, v mongodb.Versioned, id string) error {
	for {
		var c counter
		if err := v.Docs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
			return err
		}
		next := c
		next.Revision++
		next.Count++
		err := v.Replace(ctx, id, c.Revision, &next, logOf(&next))
		if !errors.Is(err, mongodb.ErrConflict) {
			return err
		}
	}
}

func TestVersionedConcurrentWritersLoseNothing(t *testing.T) {
	ctx := context.Background()
	v := newVersioned(t)
	c := &counter{ID: "c", Revision: 1}
	if err := v.Insert(ctx, c.ID, c, logOf(c)); err != nil {
		t.Fatal(err)
	}
	const writers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := increment(ctx, v, "c"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := read(t, v, "c")
	if got.Count != writers*each || got.Revision != writers*each+1 {
		t.Fatalf("after %d increments: %+v", writers*each, got)
	}
	n, err := v.Log.CountDocuments(ctx, bson.D{{Key: "of", Value: "c"}})
	if err != nil || n != writers*each+1 {
		t.Fatalf("log holds %d revisions (%v), want %d", n, err, writers*each+1)
	}
}

func TestVersionedOutcomes(t *testing.T) {
	ctx := context.Background()
	v := newVersioned(t)
	c := &counter{ID: "c", Revision: 1}
	if err := v.Insert(ctx, c.ID, c, logOf(c)); err != nil {
		t.Fatal(err)
	}
	if err := v.Insert(ctx, c.ID, c, logOf(c)); !mongodb.IsDuplicateKey(err) {
		t.Fatalf("second insert: %v, want a duplicate key", err)
	}

	stale := &counter{ID: "c", Revision: 5, Count: 9}
	if err := v.Replace(ctx, "c", 4, stale, logOf(stale)); !errors.Is(err, mongodb.ErrConflict) {
		t.Fatalf("replace at a wrong revision: %v, want ErrConflict", err)
	}
	if n, _ := v.Log.CountDocuments(ctx, bson.D{{Key: "_id", Value: "c@5"}}); n != 0 {
		t.Fatal("a refused replace left its claim in the log")
	}

	gone := &counter{ID: "nope", Revision: 2}
	if err := v.Replace(ctx, "nope", 1, gone, logOf(gone)); !errors.Is(err, mongodb.ErrGone) {
		t.Fatalf("replace of a missing document: %v, want ErrGone", err)
	}

	// A writer that claimed revision 2 and stopped before replacing: the next writer rolls
	// its document forward instead of being blocked by the claim.
	orphan := &counter{ID: "c", Revision: 2, Count: 42}
	if _, err := v.Log.InsertOne(ctx, logOf(orphan)); err != nil {
		t.Fatal(err)
	}
	mine := &counter{ID: "c", Revision: 2, Count: 1}
	if err := v.Replace(ctx, "c", 1, mine, logOf(mine)); !errors.Is(err, mongodb.ErrConflict) {
		t.Fatalf("replace over an orphaned claim: %v, want ErrConflict", err)
	}
	if got := read(t, v, "c"); got.Count != 42 || got.Revision != 2 {
		t.Fatalf("orphaned claim not rolled forward: %+v", got)
	}

	if err := v.Delete(ctx, "c", 1); !errors.Is(err, mongodb.ErrConflict) {
		t.Fatalf("delete at a stale revision: %v, want ErrConflict", err)
	}
	if err := v.Delete(ctx, "c", 2); err != nil {
		t.Fatal(err)
	}
	if err := v.Delete(ctx, "c", 0); !errors.Is(err, mongodb.ErrGone) {
		t.Fatalf("delete of a deleted document: %v, want ErrGone", err)
	}
	if n, _ := v.Log.CountDocuments(ctx, bson.D{{Key: "of", Value: "c"}}); n != 0 {
		t.Fatalf("delete left %d log entries", n)
	}

	// A log left behind by a deletion cut short never leaks into a new document of the
	// same id.
	leftover := &counter{ID: "d", Revision: 2, Count: 99}
	if _, err := v.Log.InsertOne(ctx, logOf(leftover)); err != nil {
		t.Fatal(err)
	}
	d := &counter{ID: "d", Revision: 1}
	if err := v.Insert(ctx, d.ID, d, logOf(d)); err != nil {
		t.Fatal(err)
	}
	if err := increment(ctx, v, "d"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, v, "d"); got.Count != 1 || got.Revision != 2 {
		t.Fatalf("stale log leaked into a new document: %+v", got)
	}
}

func TestVersionedUniqueKeyViolationLeavesNoClaim(t *testing.T) {
	ctx := context.Background()
	v := newVersioned(t)
	if _, err := v.Docs.Indexes().CreateOne(ctx, mongoUniqueSlug()); err != nil {
		t.Fatal(err)
	}
	a := &counter{ID: "a", Revision: 1, Slug: "a"}
	b := &counter{ID: "b", Revision: 1, Slug: "b"}
	for _, c := range []*counter{a, b} {
		if err := v.Insert(ctx, c.ID, c, logOf(c)); err != nil {
			t.Fatal(err)
		}
	}
	clash := &counter{ID: "b", Revision: 2, Slug: "a"}
	if err := v.Replace(ctx, "b", 1, clash, logOf(clash)); !mongodb.IsDuplicateKey(err) {
		t.Fatalf("replace onto a taken slug: %v, want a duplicate key", err)
	}
	if err := increment(ctx, v, "b"); err != nil {
		t.Fatalf("write after a refused one: %v", err)
	}
	if got := read(t, v, "b"); got.Slug != "b" || got.Count != 1 {
		t.Fatalf("after refused rename and an increment: %+v", got)
	}
}

func mongoUniqueSlug() mongo.IndexModel {
	return mongo.IndexModel{Keys: bson.D{{Key: "slug", Value: 1}}, Options: options.Index().SetUnique(true).SetSparse(true)}
}
