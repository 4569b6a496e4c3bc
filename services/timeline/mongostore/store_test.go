package mongostore_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/newsroomhq/newsroom/services/platform/testenv"
	"github.com/newsroomhq/newsroom/services/timeline"
	"github.com/newsroomhq/newsroom/services/timeline/mongostore"
	"github.com/newsroomhq/newsroom/services/timeline/storetest"
)

// testStore is a store on a database of its own, which tests can reach into.
type testStore struct {
	*mongostore.Store
	db *mongo.Database
}

func newTestStore(t *testing.T) testStore {
	t.Helper()
	db := testenv.Database(t)
	s, err := mongostore.New(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return testStore{Store: s, db: db}
}

// RemoveEvent implements storetest.EventRemover.
func (s testStore) RemoveEvent(t *testing.T, timelineID string, seq int64) {
	t.Helper()
	res, err := s.db.Collection("timeline_events").DeleteOne(t.Context(), bson.D{{Key: "timeline", Value: timelineID}, {Key: "seq", Value: seq}})
	if err != nil || res.DeletedCount != 1 {
		t.Fatalf("remove event %s/%d: %v", timelineID, seq, err)
	}
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) timeline.Store { return newTestStore(t) })
}
