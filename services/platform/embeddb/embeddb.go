// Package embeddb runs the embedded MongoDB-compatible database (FerretDB with its SQLite
// backend) in-process, for trying the product and for tests. The production service
// binaries never import it: they are given a MONGODB_URI.
package embeddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Server is a running embedded database.
type Server struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// Config says where the embedded database keeps its files and listens.
type Config struct {
	// DataDir holds one SQLite file per database; created if missing.
	DataDir string
	// Addr is the TCP address to listen on; "127.0.0.1:0" picks a free port.
	Addr string
	// Logger receives FerretDB's own log. It logs every failed command (a duplicate key,
	// for instance) at WARN, so give it a quiet handler unless debugging.
	Logger *slog.Logger
}

// Start starts the database and waits until it answers a ping.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded database: data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded database: create data dir: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: cfg.Addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s := &Server{uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// URI is the mongodb:// address of the running database.
func (s *Server) URI() string { return s.uri }

// Stop closes the listener and the SQLite files and waits until they are closed.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(s.uri))
	if err != nil {
		return fmt.Errorf("embedded database: connect: %w", err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	for {
		err := client.Ping(ctx, nil)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded database did not start: %w", errors.Join(err, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
