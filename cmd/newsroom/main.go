// Command newsroom runs the whole product in one process: the Timeline and Entity
// services over gRPC and the REST gateway in front of them, on an embedded database that
// keeps its files in --data-dir, or on the MongoDB named by MONGODB_URI. With --db-only it
// serves just the embedded database, for the separate service binaries to share.
//
// Run with -h for its flags; every flag can also be set through the environment variable
// of the same name in upper case (--http-addr, HTTP_ADDR).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/gateway"
	"github.com/newsroomhq/newsroom/services/platform/command"
	"github.com/newsroomhq/newsroom/services/platform/embeddb"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
)

func main() { command.Main(run) }

type config struct {
	command.Common
	HTTPAddr   string
	GRPCAddr   string
	DataDir    string
	DBOnly     bool
	DBAddr     string
	MongoDBURI string
	Followed   int
	Access     command.Access
	TLS        command.TLS
	Edge       command.Edge
}

// run parses args and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	f := command.NewFlags("newsroom", stderr, getenv)
	f.Common(&cfg.Common)
	f.String(&cfg.HTTPAddr, "http-addr", "127.0.0.1:8080", "address to serve the REST API on")
	f.String(&cfg.GRPCAddr, "grpc-addr", "127.0.0.1:9090", "address to serve gRPC on")
	f.String(&cfg.DataDir, "data-dir", "data", "directory of the embedded database's files, kept across restarts")
	f.Bool(&cfg.DBOnly, "db-only", false, "serve only the embedded database, for separate service processes")
	f.String(&cfg.DBAddr, "db-addr", "", "address of the embedded database (default 127.0.0.1:27017 with --db-only, a free port otherwise)")
	f.String(&cfg.MongoDBURI, "mongodb-uri", "", "MongoDB to use instead of the embedded database")
	f.Int(&cfg.Followed, "max-followed-timelines", timeline.DefaultMaxFollowed, "most timelines followed at once for watchers and hot reads")
	f.Access(&cfg.Access)
	f.TLS(&cfg.TLS)
	f.Edge(&cfg.Edge)
	if err := f.ParseFlags(args); err != nil {
		return err
	}
	if cfg.DBOnly && cfg.MongoDBURI != "" {
		return &command.UsageError{Err: errors.New("--db-only serves the embedded database: unset MONGODB_URI")}
	}
	logger, err := command.NewLogger(stderr, cfg.Common)
	if err != nil {
		return err
	}
	if cfg.DBOnly {
		return serveDB(ctx, cfg, logger, stdout, stderr)
	}
	return serveAll(ctx, cfg, logger, stdout, stderr)
}

// startDB starts the embedded database on addr.
func startDB(ctx context.Context, cfg config, addr string, stderr io.Writer) (*embeddb.Server, error) {
	// The database logs every failed command, duplicate keys included, at warn: only
	// show its log when debugging.
	dbLog := command.Common{LogFormat: cfg.LogFormat, LogLevel: "error"}
	if cfg.LogLevel == "debug" {
		dbLog.LogLevel = "debug"
	}
	logger, err := command.NewLogger(stderr, dbLog)
	if err != nil {
		return nil, err
	}
	db, err := embeddb.Start(ctx, embeddb.Config{DataDir: cfg.DataDir, Addr: addr, Logger: logger.With("component", "embedded-db")})
	if err != nil {
		return nil, fmt.Errorf("--db-addr %s, --data-dir %s: %w", addr, cfg.DataDir, err)
	}
	return db, nil
}

func serveDB(ctx context.Context, cfg config, logger *slog.Logger, stdout, stderr io.Writer) error {
	addr := cfg.DBAddr
	if addr == "" {
		addr = "127.0.0.1:27017"
	}
	db, err := startDB(ctx, cfg, addr, stderr)
	if err != nil {
		return err
	}
	command.Announce(stdout, "Database", fmt.Sprintf("%s (embedded, files in %s)", db.URI(), cfg.DataDir))
	logger.Info("embedded database started", "uri", db.URI(), "data_dir", cfg.DataDir)
	<-ctx.Done()
	logger.Info("shutting down")
	db.Stop()
	return nil
}

func serveAll(ctx context.Context, cfg config, logger *slog.Logger, stdout, stderr io.Writer) error {
	uri, dbNote := cfg.MongoDBURI, "from MONGODB_URI"
	if uri == "" {
		addr := cfg.DBAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		db, err := startDB(ctx, cfg, addr, stderr)
		if err != nil {
			return err
		}
		defer db.Stop()
		uri, dbNote = db.URI(), "embedded, files in "+cfg.DataDir
	}
	client, db, err := mongodb.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()

	guard, keys, err := openAccess(ctx, cfg, logger)
	if err != nil {
		return err
	}
	var gw gateway.Options
	if err := gw.SetEdge(cfg.Edge.CORSOrigins, cfg.Edge.AnonymousRate, cfg.Edge.AnonymousStreams, cfg.Edge.TrustedProxies); err != nil {
		return &command.UsageError{Err: err}
	}
	if cfg.TLS.Cert != "" && cfg.TLS.CA == "" {
		return &command.UsageError{Err: errors.New("--tls-cert needs --tls-ca, which must verify it: the services call each other through the gRPC listener")}
	}

	grpcLis, err := command.Listen(ctx, "grpc-addr", cfg.GRPCAddr)
	if err != nil {
		return err
	}
	httpLis, err := command.Listen(ctx, "http-addr", cfg.HTTPAddr)
	if err != nil {
		_ = grpcLis.Close()
		return err
	}
	st, err := stack.New(ctx, stack.Config{
		DB: db, Logger: logger, GRPCListener: grpcLis, HTTPListener: httpLis, ShutdownTimeout: cfg.ShutdownTimeout,
		Feed: timeline.FeedOptions{MaxFollowed: cfg.Followed}, Guard: guard, TLS: cfg.TLS, Gateway: gw,
	})
	if err != nil {
		_ = grpcLis.Close()
		_ = httpLis.Close()
		return err
	}
	scheme := "http://"
	if cfg.TLS.Cert != "" {
		scheme = "https://"
	}
	command.Announce(stdout, "REST API", scheme+st.HTTPAddr())
	command.Announce(stdout, "gRPC API", st.GRPCAddr())
	command.Announce(stdout, "Database", fmt.Sprintf("%s (%s)", redact(uri), dbNote))
	keys.announce(stdout)
	logger.Info("newsroom started", "http_addr", st.HTTPAddr(), "grpc_addr", st.GRPCAddr(), "database", db.Name())
	return st.Run(ctx)
}

// redact hides the password of a connection string before it is printed.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "MONGODB_URI"
	}
	return u.Redacted()
}
