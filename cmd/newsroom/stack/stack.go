// Package stack assembles the whole product in one process: the Entity and Timeline
// services on one gRPC server, and the REST gateway in front of them. The Timeline
// service and the gateway reach the services through the gRPC listener, exactly as
// separate processes would, so the all-in-one process behaves like the deployed topology.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"

	"github.com/newsroomhq/newsroom/gateway"
	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	entitystore "github.com/newsroomhq/newsroom/services/entity/mongostore"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/command"
	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
	"github.com/newsroomhq/newsroom/services/timeline"
	timelinestore "github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

// Config is what the stack runs on. The stack takes over both listeners.
type Config struct {
	DB           *mongo.Database
	Logger       *slog.Logger
	GRPCListener net.Listener
	HTTPListener net.Listener
	// ShutdownTimeout bounds the drain of each server when Run's context ends. Default 10s.
	ShutdownTimeout time.Duration
	// Feed tunes the Timeline service's live delivery; zero values are its defaults.
	Feed timeline.FeedOptions
	// Gateway tunes the REST gateway; its connections and logger are the stack's.
	Gateway gateway.Options
	// Guard decides who may call the services. Required. The stack adds to it the
	// Timeline service's own key, with which it calls the Entity service.
	Guard *auth.Guard
	// TLS, when it has a certificate, serves both listeners with TLS; its CA must then
	// verify that certificate, since the stack calls its own gRPC listener.
	TLS command.TLS
}

// Stack is the assembled product, ready to Run.
type Stack struct {
	cfg      Config
	grpc     *grpcserver.Server
	http     *http.Server
	conn     *grpc.ClientConn // the gateway's: it carries the callers' credentials
	own      *grpc.ClientConn // the Timeline service's, with its own credential
	entity   *entity.Server
	timeline *timeline.Server
}

// New builds the stores (creating their indexes), the services and the gateway.
func New(ctx context.Context, cfg Config) (*Stack, error) {
	if cfg.DB == nil || cfg.Logger == nil || cfg.GRPCListener == nil || cfg.HTTPListener == nil || cfg.Guard == nil {
		return nil, errors.New("stack: DB, Logger, GRPCListener, HTTPListener and Guard are required")
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	s := &Stack{cfg: cfg}
	if err := s.build(ctx); err != nil {
		if s.conn != nil {
			_ = s.conn.Close()
		}
		if s.own != nil {
			_ = s.own.Close()
		}
		if s.entity != nil {
			s.entity.Close()
		}
		return nil, err
	}
	return s, nil
}

func (s *Stack) build(ctx context.Context) error {
	logger := s.cfg.Logger
	// Two connections to our own gRPC listener: the gateway's, which passes on each
	// caller's credential, and the Timeline service's, which calls the Entity service
	// with a key of its own. They connect lazily, once Run serves.
	dialOpts, err := s.cfg.TLS.DialOptions()
	if err != nil {
		return err
	}
	self := command.DialAddr(s.cfg.GRPCListener.Addr())
	if s.conn, err = command.Dial("grpc-addr", self, dialOpts...); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	key, _, err := auth.NewKey("timeline-service", []auth.Role{auth.Editor}, []string{auth.AllTimelines})
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	s.cfg.Guard.AddKey("timeline-service", key, auth.Editor)
	if s.own, err = command.Dial("grpc-addr", self, append(dialOpts, grpc.WithPerRPCCredentials(auth.Bearer(key)))...); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	conn := s.conn

	es, err := entitystore.New(ctx, s.cfg.DB)
	if err != nil {
		return fmt.Errorf("stack: entity store: %w", err)
	}
	s.entity, err = entity.NewServer(es, logger.With("service", "entity"))
	if err != nil {
		return fmt.Errorf("stack: entity service: %w", err)
	}
	ts, err := timelinestore.New(ctx, s.cfg.DB)
	if err != nil {
		return fmt.Errorf("stack: timeline store: %w", err)
	}
	s.timeline, err = timeline.NewServer(ts, entityv1.NewEntityServiceClient(s.own), logger.With("service", "timeline"), timeline.WithFeed(s.cfg.Feed))
	if err != nil {
		return fmt.Errorf("stack: timeline service: %w", err)
	}

	tlsOpts, err := s.cfg.TLS.GRPCServerOptions()
	if err != nil {
		return err
	}
	if s.cfg.HTTPListener, err = s.cfg.TLS.Listener(s.cfg.HTTPListener); err != nil {
		return err
	}
	s.grpc, err = grpcserver.New(logger, s.cfg.Guard, tlsOpts...)
	if err != nil {
		return fmt.Errorf("stack: gRPC server: %w", err)
	}
	entityv1.RegisterEntityServiceServer(s.grpc.Server, s.entity)
	timelinev1.RegisterTimelineServiceServer(s.grpc.Server, s.timeline)
	s.grpc.MarkServing()

	gw := s.cfg.Gateway
	gw.TimelineConn, gw.EntityConn, gw.Logger = conn, conn, logger.With("component", "gateway")
	h, err := gateway.New(ctx, gw)
	if err != nil {
		return fmt.Errorf("stack: gateway: %w", err)
	}
	s.http = command.NewHTTPServer(h, logger)
	return nil
}

// FeedStats is what the Timeline service follows for live delivery and hot reads.
func (s *Stack) FeedStats() timeline.FeedStats { return s.timeline.FeedStats() }

// GRPCAddr is the address to dial for the gRPC API.
func (s *Stack) GRPCAddr() string { return command.DialAddr(s.cfg.GRPCListener.Addr()) }

// HTTPAddr is the host:port of the REST API.
func (s *Stack) HTTPAddr() string { return command.DialAddr(s.cfg.HTTPListener.Addr()) }

// Run serves until ctx is done, then drains: watch streams end first (clients resume
// elsewhere), then the gateway (its requests still need the services), then the gRPC
// server; last the Entity service stops building its linker. It returns an error only
// when a server failed.
func (s *Stack) Run(ctx context.Context) error {
	defer func() { _ = s.conn.Close(); _ = s.own.Close() }()
	defer s.entity.Close() // once the gRPC server has stopped
	return command.Serve(ctx, s.cfg.Logger, s.cfg.ShutdownTimeout,
		command.OnStop("watch streams", s.timeline.Close),
		command.HTTP(s.http, s.cfg.HTTPListener),
		command.GRPC(s.grpc, s.cfg.GRPCListener),
	)
}
