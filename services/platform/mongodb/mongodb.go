// Package mongodb connects the services to their MongoDB database.
package mongodb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// DefaultDatabase is used when the URI names no database.
const DefaultDatabase = "newsroom"

// Connect opens a client to uri, checks that the server answers, and returns the database
// named in the URI's path (DefaultDatabase when it names none).
func Connect(ctx context.Context, uri string) (*mongo.Client, *mongo.Database, error) {
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return nil, nil, fmt.Errorf("parse MongoDB URI: %w", err)
	}
	name := cs.Database
	if name == "" {
		name = DefaultDatabase
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("newsroom"))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, nil, fmt.Errorf("ping MongoDB at %s: %w", cs.Hosts, err)
	}
	return client, client.Database(name), nil
}

// IsDuplicateKey reports whether err is a unique-index violation. MongoDB reports one as
// error 11000 on every write; FerretDB v1 does for inserts but, for updates, returns an
// InternalError carrying SQLite's message, which is recognised here too.
func IsDuplicateKey(err error) bool {
	if err == nil {
		return false
	}
	return mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed")
}
