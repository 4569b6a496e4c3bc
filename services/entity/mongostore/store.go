// Package mongostore keeps entities in MongoDB.
package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Store implements entity.Store on MongoDB.
type Store struct {
	db *mongo.Database
}

// New returns a Store on db, creating its indexes.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	return &Store{db: db}, nil
}
