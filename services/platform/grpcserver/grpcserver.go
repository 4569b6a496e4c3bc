// Package grpcserver builds the gRPC servers of the services: the same interceptor chain
// (error mapping, panic recovery, logging, access, validation), health checking and server
// reflection everywhere.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/validation"
)

// Server is a gRPC server with health checking and reflection registered.
type Server struct {
	*grpc.Server
	Health *health.Server
}

// Guard authenticates the caller of every call and enforces the method's access rule
// (services/platform/auth.Guard).
type Guard interface {
	UnaryInterceptor() grpc.UnaryServerInterceptor
	StreamInterceptor() grpc.StreamServerInterceptor
}

// New returns a server whose every call is guarded, validated, logged and has its errors
// mapped by apierror. Register services on it, then call MarkServing.
func New(logger *slog.Logger, guard Guard, opts ...grpc.ServerOption) (*Server, error) {
	if guard == nil {
		return nil, errors.New("grpcserver: a guard is required: no server is open by accident")
	}
	v, err := validation.New()
	if err != nil {
		return nil, err
	}
	codec := newRequestCodec()
	base := []grpc.ServerOption{
		grpc.ForceServerCodecV2(codec),
		grpc.ChainUnaryInterceptor(unaryErrors(logger), codec.unary(), guard.UnaryInterceptor(), v.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(streamErrors(logger), codec.stream(), guard.StreamInterceptor(), v.StreamServerInterceptor()),
		// Long-lived streams (watchers) sit behind proxies: let clients ping.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
	s := grpc.NewServer(append(base, opts...)...)
	h := health.NewServer()
	healthpb.RegisterHealthServer(s, h)
	reflection.Register(s)
	return &Server{Server: s, Health: h}, nil
}

// MarkServing reports every registered service, and the server as a whole, as SERVING.
func (s *Server) MarkServing() {
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for name := range s.GetServiceInfo() {
		s.Health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
}

// Stop marks the server NOT_SERVING, lets in-flight calls finish for up to timeout, then
// closes what is left.
func (s *Server) Stop(timeout time.Duration) {
	s.Health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		s.Server.Stop()
	}
}

func unaryErrors(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
			err = finish(ctx, logger, info.FullMethod, start, err)
		}()
		return handler(ctx, req)
	}
}

func streamErrors(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		start := time.Now()
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
			err = finish(ss.Context(), logger, info.FullMethod, start, err)
		}()
		return handler(srv, ss)
	}
}

func finish(ctx context.Context, logger *slog.Logger, method string, start time.Time, err error) error {
	st := apierror.Status(ctx, logger, method, err)
	code := codes.OK
	if st != nil {
		code = st.Code()
	}
	level := slog.LevelDebug
	if code == codes.Internal || code == codes.Unknown {
		level = slog.LevelError
	}
	logger.Log(ctx, level, "rpc", "method", method, "code", code.String(), "duration", time.Since(start))
	if st == nil {
		return nil
	}
	return st.Err()
}
