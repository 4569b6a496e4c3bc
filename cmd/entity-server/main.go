// Command entity-server serves the Entity service (newsroom.entity.v1) over gRPC, on the
// MongoDB database named by MONGODB_URI. Run with -h for its flags; every flag can also be
// set through the environment variable of the same name in upper case (--grpc-addr,
// GRPC_ADDR).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/entity/mongostore"
	"github.com/newsroomhq/newsroom/services/platform/command"
	"github.com/newsroomhq/newsroom/services/platform/mongodb"
)

func main() { command.Main(run) }

// run parses args and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg struct {
		command.Common
		GRPCAddr   string
		MongoDBURI string
		Access     command.Access
		TLS        command.TLS
	}
	f := command.NewFlags("entity-server", stderr, getenv)
	f.Common(&cfg.Common)
	f.String(&cfg.GRPCAddr, "grpc-addr", ":9091", "address to serve gRPC on")
	f.String(&cfg.MongoDBURI, "mongodb-uri", "", "MongoDB connection string, with the database in its path (default database newsroom); required")
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

	client, db, err := mongodb.Connect(ctx, cfg.MongoDBURI)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	store, err := mongostore.New(ctx, db)
	if err != nil {
		return fmt.Errorf("entity store: %w", err)
	}
	svc, err := entity.NewServer(store, logger)
	if err != nil {
		return err
	}
	defer svc.Close() // after the gRPC server: calls in flight may wait for the linker
	srv, err := command.NewGRPCServer(ctx, logger, cfg.Access, cfg.TLS)
	if err != nil {
		return err
	}
	entityv1.RegisterEntityServiceServer(srv.Server, svc)
	srv.MarkServing()

	lis, err := command.Listen(ctx, "grpc-addr", cfg.GRPCAddr)
	if err != nil {
		return err
	}
	command.Announce(stdout, "gRPC API", command.DialAddr(lis.Addr()))
	logger.Info("entity service started", "grpc_addr", lis.Addr().String(), "database", db.Name())
	return command.Serve(ctx, logger, cfg.ShutdownTimeout, command.GRPC(srv, lis))
}
