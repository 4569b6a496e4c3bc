// Package testenv gives tests a real database: the embedded FerretDB server, or the
// MongoDB server named by MONGODB_URI when it is set.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/newsroomhq/newsroom/services/platform/embeddb"
)

// One embedded server per test binary: starting FerretDB takes a moment, and each test
// gets a database of its own on it anyway.
var (
	once    sync.Once
	uri     string
	dataDir string
	srv     *embeddb.Server
	errOnce error
)

// Main runs the package's tests and stops the shared embedded server afterwards. Call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if srv != nil {
		srv.Stop()
	}
	if dataDir != "" {
		_ = os.RemoveAll(dataDir)
	}
	os.Exit(code)
}

// URI returns the address of the test database server, starting the embedded one on first
// use.
func URI(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if u := os.Getenv("MONGODB_URI"); u != "" {
			uri = u
			return
		}
		dataDir, errOnce = os.MkdirTemp("", "newsroom-testdb-")
		if errOnce != nil {
			return
		}
		srv, errOnce = embeddb.Start(context.Background(), embeddb.Config{DataDir: dataDir})
		if errOnce == nil {
			uri = srv.URI()
		}
	})
	if errOnce != nil {
		t.Fatalf("start test database: %v", errOnce)
	}
	return uri
}

// Database returns a new, empty database on the test server, dropped when the test ends.
func Database(t testing.TB) *mongo.Database {
	t.Helper()
	name := NewDatabaseName()
	client, err := mongo.Connect(options.Client().ApplyURI(URI(t)))
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	db := client.Database(name)
	t.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	return db
}

// NewDatabaseName returns a database name no other test uses.
func NewDatabaseName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("test_%s", hex.EncodeToString(b[:]))
}
