// Package grpctest serves services in tests the way the commands do: on a grpcserver
// (the real interceptor chain, access control included) over a real listener, with a
// client connection to it that calls as an admin.
package grpctest

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
)

// AdminKey is the API key of the admin that Serve's guard knows and its connection
// sends. For tests only.
const AdminKey = auth.KeyPrefix + "test-admin"

// Guard returns a guard that allows anonymous reads and knows AdminKey.
func Guard(t testing.TB) *auth.Guard {
	t.Helper()
	g, err := auth.New(context.Background(), auth.Options{AnonymousReads: true})
	if err != nil {
		t.Fatal(err)
	}
	g.AddKey("test-admin", AdminKey, auth.Admin)
	return g
}

// Serve starts a server guarded by Guard on 127.0.0.1, lets register add services to
// it, and returns a connection to it that calls with AdminKey. Both are closed when the
// test ends.
func Serve(t testing.TB, logger *slog.Logger, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	return ServeGuarded(t, logger, Guard(t), register)
}

// ServeGuarded is Serve with the guard given.
func ServeGuarded(t testing.TB, logger *slog.Logger, guard *auth.Guard, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	srv, err := grpcserver.New(logger, guard)
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
	return Dial(t, lis.Addr().String(), AdminKey)
}

// Dial returns a connection to target that calls with the credential cred, or without
// one when cred is empty; it is closed when the test ends.
func Dial(t testing.TB, target, cred string) *grpc.ClientConn {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if cred != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.Bearer(cred)))
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
