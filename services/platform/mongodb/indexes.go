package mongodb

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// CreateIndexes creates the indexes, by collection, that do not exist yet. Stores call it
// on every start.
//
// Each index is created in a call of its own: FerretDB v1 fails (it drops the connection)
// on a createIndexes that names two or more indexes that already exist, which is what a
// restart on existing data sends.
func CreateIndexes(ctx context.Context, db *mongo.Database, indexes map[string][]mongo.IndexModel) error {
	for _, coll := range slices.Sorted(maps.Keys(indexes)) {
		for _, model := range indexes[coll] {
			if _, err := db.Collection(coll).Indexes().CreateOne(ctx, model); err != nil {
				return fmt.Errorf("create index on %s: %w", coll, err)
			}
		}
	}
	return nil
}
