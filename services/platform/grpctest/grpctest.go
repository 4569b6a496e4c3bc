// Package grpctest serves services in tests the way the commands do: on a grpcserver
// (the real interceptor chain) over a real listener, with a client connection to it.
package grpctest

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
)

// Serve starts a server on 127.0.0.1, lets register add services to it, and returns a
// connection to it. Both are closed when the test ends.
func Serve(t testing.TB, logger *slog.Logger, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	srv, err := grpcserver.New(logger)
	if err != nil {
		t.Fatal(err)
	}
	register(srv.Server)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Stop(time.Second) })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
