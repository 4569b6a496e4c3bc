// Command gateway serves the REST API (JSON over HTTP, described at /openapi.json) in
// front of the Timeline and Entity services, with a health check at /healthz. Run with -h
// for its flags; every flag can also be set through the environment variable of the same
// name in upper case (--http-addr, HTTP_ADDR).
package main

import (
	"context"
	"io"

	"github.com/newsroomhq/newsroom/gateway"
	"github.com/newsroomhq/newsroom/services/platform/command"
)

func main() { command.Main(run) }

// run parses args and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg struct {
		command.Common
		HTTPAddr     string
		TimelineAddr string
		EntityAddr   string
		TLS          command.TLS
		Edge         command.Edge
	}
	f := command.NewFlags("gateway", stderr, getenv)
	f.Common(&cfg.Common)
	f.String(&cfg.HTTPAddr, "http-addr", ":8080", "address to serve the REST API on")
	f.String(&cfg.TimelineAddr, "timeline-addr", "127.0.0.1:9092", "gRPC address of the Timeline service")
	f.String(&cfg.EntityAddr, "entity-addr", "127.0.0.1:9091", "gRPC address of the Entity service")
	f.TLS(&cfg.TLS)
	f.Edge(&cfg.Edge)
	if err := f.ParseFlags(args); err != nil {
		return err
	}
	logger, err := command.NewLogger(stderr, cfg.Common)
	if err != nil {
		return err
	}

	var gw gateway.Options
	if err := gw.SetEdge(cfg.Edge.CORSOrigins, cfg.Edge.AnonymousRate, cfg.Edge.AnonymousStreams, cfg.Edge.TrustedProxies); err != nil {
		return &command.UsageError{Err: err}
	}
	dialOpts, err := cfg.TLS.DialOptions()
	if err != nil {
		return err
	}
	timelines, err := command.Dial("timeline-addr", cfg.TimelineAddr, dialOpts...)
	if err != nil {
		return err
	}
	defer func() { _ = timelines.Close() }()
	entities, err := command.Dial("entity-addr", cfg.EntityAddr, dialOpts...)
	if err != nil {
		return err
	}
	defer func() { _ = entities.Close() }()
	gw.TimelineConn, gw.EntityConn, gw.Logger = timelines, entities, logger
	h, err := gateway.New(ctx, gw)
	if err != nil {
		return err
	}

	lis, err := command.Listen(ctx, "http-addr", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	if lis, err = cfg.TLS.Listener(lis); err != nil {
		return err
	}
	command.Announce(stdout, "REST API", "http://"+command.DialAddr(lis.Addr()))
	logger.Info("gateway started", "http_addr", lis.Addr().String(), "timeline_addr", cfg.TimelineAddr, "entity_addr", cfg.EntityAddr)
	return command.Serve(ctx, logger, cfg.ShutdownTimeout, command.HTTP(command.NewHTTPServer(h, logger), lis))
}
