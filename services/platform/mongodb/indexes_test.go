package mongodb_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

// A store creates its indexes on every start: the second time they all exist already.
func TestCreateIndexesTwice(t *testing.T) {
	db := testenv.Database(t)
	ctx := context.Background()
	indexes := map[string][]mongo.IndexModel{
		"a": {
			{Keys: bson.D{{Key: "x", Value: 1}}, Options: options.Index().SetName("x").SetUnique(true)},
			{Keys: bson.D{{Key: "y", Value: 1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("y_id")},
			{Keys: bson.D{{Key: "z", Value: 1}}, Options: options.Index().SetName("z")},
		},
		"b": {mongodb.LogIndex()},
	}
	for range 2 {
		if err := mongodb.CreateIndexes(ctx, db, indexes); err != nil {
			t.Fatal(err)
		}
	}
	specs, err := db.Collection("a").Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range specs {
		names[s.Name] = true
	}
	for _, want := range []string{"_id_", "x", "y_id", "z"} {
		if !names[want] {
			t.Errorf("collection a has indexes %v, want %s", names, want)
		}
	}
}
