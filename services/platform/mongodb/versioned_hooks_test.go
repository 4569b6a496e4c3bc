package mongodb

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

// These tests step into Versioned writes through its hooks, to hold the two defences
// against FerretDB's non-atomic replace in place: removing either makes one fail.

type doc struct {
	ID       string `bson:"_id"`
	Revision int64  `bson:"revision"`
	Count    int    `bson:"count"`
}

type docLog struct {
	ID       string `bson:"_id"`
	Of       string `bson:"of"`
	Revision int64  `bson:"revision"`
	Doc      *doc   `bson:"doc"`
}

func logEntry(d *doc) *docLog {
	return &docLog{ID: LogID(d.ID, d.Revision), Of: d.ID, Revision: d.Revision, Doc: d}
}

func hooked(t *testing.T, h *hooks) Versioned {
	t.Helper()
	db := testenv.Database(t)
	v := Versioned{Docs: db.Collection("docs"), Log: db.Collection("log"), Locks: NewLocks(), hooks: h}
	first := &doc{ID: "d", Revision: 1}
	if err := v.Insert(context.Background(), first.ID, first, logEntry(first)); err != nil {
		t.Fatal(err)
	}
	return v
}

// bump is one read-modify-write that retries on conflict, as the services do; it
// returns how many attempts it took.
func bump(ctx context.Context, v Versioned) (int, error) {
	for attempt := 1; ; attempt++ {
		var cur doc
		if err := v.Docs.FindOne(ctx, bson.D{{Key: "_id", Value: "d"}}).Decode(&cur); err != nil {
			return attempt, err
		}
		next := cur
		next.Revision++
		next.Count++
		err := v.Replace(ctx, "d", cur.Revision, &next, logEntry(&next))
		if !errors.Is(err, ErrConflict) {
			return attempt, err
		}
	}
}

func stored(t *testing.T, v Versioned) doc {
	t.Helper()
	var d doc
	if err := v.Docs.FindOne(context.Background(), bson.D{{Key: "_id", Value: "d"}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// FerretDB applies a replace by reading the row, then writing it, without holding it: a
// replace that overlaps another writer's can put back an older revision. Within one
// process, writes to one document therefore take turns (Locks): no two are ever between
// their claim and their replace at once.
func TestVersionedWritesToOneDocumentTakeTurns(t *testing.T) {
	var inside, most atomic.Int32
	v := hooked(t, &hooks{claimed: func(string) {
		n := inside.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // a slow replace, as under load
		inside.Add(-1)
	}})
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for range each {
				if _, err := bump(context.Background(), v); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := stored(t, v); got.Count != writers*each {
		t.Fatalf("after %d increments the count is %d", writers*each, got.Count)
	}
	if m := most.Load(); m != 1 {
		t.Fatalf("%d writes to one document were between claim and replace at once, want 1", m)
	}
}

// A claim whose acknowledgement was lost (the insert went through, the driver retried it
// and found the _id taken) is the writer's own: it must be applied once, not rolled
// forward as another writer's and then written again.
func TestVersionedLostClaimAcknowledgementAppliesOnce(t *testing.T) {
	lose := true
	v := hooked(t, &hooks{insertClaim: func(ctx context.Context, log *mongo.Collection, claim any) error {
		if _, err := log.InsertOne(ctx, claim); err != nil {
			return err
		}
		if lose {
			lose = false
			_, err := log.InsertOne(ctx, claim) // the retry of an insert that went through
			return err
		}
		return nil
	}})
	attempts, err := bump(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(t, v); got.Count != 1 || got.Revision != 2 || attempts != 1 {
		t.Fatalf("one increment whose claim lost its acknowledgement: %+v after %d attempts, want count 1 at revision 2 after 1", got, attempts)
	}
}
