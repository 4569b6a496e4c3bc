// Command timeline-server serves the Timeline service (newsroom.timeline.v1) over gRPC, on
// the MongoDB database named by MONGODB_URI, checking mentions against the Entity service
// at ENTITY_ADDR. Run with -h for its flags; every flag can also be set through the
// environment variable of the same name in upper case (--grpc-addr, GRPC_ADDR).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/command"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
	"github.com/newsroomhq/newsroom/services/timeline"
	"github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

func main() { command.Main(run) }

// run parses args and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg struct {
		command.Common
		GRPCAddr   string
		EntityAddr string
		MongoDBURI string
		Followed   int
		EntityKey  string
		Access     command.Access
		TLS        command.TLS
	}
	f := command.NewFlags("timeline-server", stderr, getenv)
	f.Common(&cfg.Common)
	f.String(&cfg.GRPCAddr, "grpc-addr", ":9092", "address to serve gRPC on")
	f.String(&cfg.EntityAddr, "entity-addr", "127.0.0.1:9091", "gRPC address of the Entity service, which mentions are checked against")
	f.String(&cfg.MongoDBURI, "mongodb-uri", "", "MongoDB connection string, with the database in its path (default database newsroom); required")
	f.Int(&cfg.Followed, "max-followed-timelines", timeline.DefaultMaxFollowed, "most timelines followed at once for watchers and hot reads")
	f.String(&cfg.EntityKey, "entity-api-key", "", "the service's own API key for the Entity service (an editor's: it checks mentions and creates entities for imports)")
	f.Access(&cfg.Access)
	f.TLS(&cfg.TLS)
	if err := f.ParseFlags(args); err != nil {
		return err
	}
	if cfg.MongoDBURI == "" {
		return &command.UsageError{Err: errors.New("MONGODB_URI (or --mongodb-uri) is required")}
	}
	logger, err := command.NewLogger(stderr, cfg.Common)
	if err != nil {
		return err
	}

	dialOpts, err := cfg.TLS.DialOptions()
	if err != nil {
		return err
	}
	if cfg.EntityKey != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(auth.Bearer(cfg.EntityKey)))
	} else {
		logger.Warn("no --entity-api-key: the Entity service sees this service as anonymous; mentions are checked only where anonymous reads are allowed, and imports cannot create entities")
	}
	entities, err := command.Dial("entity-addr", cfg.EntityAddr, dialOpts...)
	if err != nil {
		return err
	}
	defer func() { _ = entities.Close() }()
	client, db, err := mongodb.Connect(ctx, cfg.MongoDBURI)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	store, err := mongostore.New(ctx, db)
	if err != nil {
		return fmt.Errorf("timeline store: %w", err)
	}
	svc, err := timeline.NewServer(store, entityv1.NewEntityServiceClient(entities), logger,
		timeline.WithFeed(timeline.FeedOptions{MaxFollowed: cfg.Followed}))
	if err != nil {
		return err
	}
	srv, err := command.NewGRPCServer(ctx, logger, cfg.Access, cfg.TLS)
	if err != nil {
		return err
	}
	timelinev1.RegisterTimelineServiceServer(srv.Server, svc)
	srv.MarkServing()

	lis, err := command.Listen(ctx, "grpc-addr", cfg.GRPCAddr)
	if err != nil {
		return err
	}
	command.Announce(stdout, "gRPC API", command.DialAddr(lis.Addr()))
	logger.Info("timeline service started", "grpc_addr", lis.Addr().String(), "database", db.Name(), "entity_addr", cfg.EntityAddr)
	// Watch streams end first: the gRPC server's drain waits for every stream.
	return command.Serve(ctx, logger, cfg.ShutdownTimeout, command.OnStop("watch streams", svc.Close), command.GRPC(srv, lis))
}
