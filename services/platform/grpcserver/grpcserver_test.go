package grpcserver_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
)

// rawCodec sends the bytes it is given, as a client that does not use protobuf might.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return v.([]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *(v.(*[]byte)) = data; return nil }
func (rawCodec) Name() string                       { return "proto" }

func TestUndecodableRequestIsInvalidArgument(t *testing.T) {
	guard, err := auth.New(context.Background(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := grpcserver.New(slog.New(slog.NewTextHandler(io.Discard, nil)), guard)
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkServing()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Server.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx := context.Background()

	tests := map[string]struct {
		req  []byte
		want codes.Code
	}{
		"valid":               {[]byte{0x0a, 0x00}, codes.OK},                          // service: ""
		"invalid utf-8":       {[]byte{0x0a, 0x02, 0xff, 0xfe}, codes.InvalidArgument}, // service: "\xff\xfe"
		"truncated":           {[]byte{0x0a, 0x05, 'a'}, codes.InvalidArgument},
		"unknown wire type":   {[]byte{0x0f}, codes.InvalidArgument},
		"unknown field is ok": {[]byte{0x10, 0x01}, codes.OK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var resp []byte
			err := conn.Invoke(ctx, healthpb.Health_Check_FullMethodName, tc.req, &resp, grpc.ForceCodec(rawCodec{}))
			if got := status.Code(err); got != tc.want {
				t.Fatalf("code = %v (%v), want %v", got, err, tc.want)
			}
		})
	}
	// The server still answers normal clients.
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health after bad requests: %v, %v", resp, err)
	}
}

func TestGuardIsRequired(t *testing.T) {
	if _, err := grpcserver.New(slog.New(slog.DiscardHandler), nil); err == nil {
		t.Fatal("a server without a guard was made")
	}
}
