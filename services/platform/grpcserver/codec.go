package grpcserver

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
)

// grpc-go reports a request that does not decode (a string field holding invalid UTF-8,
// say) as INTERNAL, which blames the server for the client's bytes. requestCodec lets
// the decode error through to the interceptors instead, which answer INVALID_ARGUMENT.
type requestCodec struct {
	encoding.CodecV2
	failed *sync.Map // request message -> decode error
}

func newRequestCodec() requestCodec {
	return requestCodec{CodecV2: encoding.GetCodecV2("proto"), failed: new(sync.Map)}
}

func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if err := c.CodecV2.Unmarshal(data, v); err != nil {
		c.failed.Store(v, err)
	}
	return nil
}

// check returns INVALID_ARGUMENT if req failed to decode, and forgets it.
func (c requestCodec) check(req any) error {
	err, ok := c.failed.LoadAndDelete(req)
	if !ok {
		return nil
	}
	return status.Errorf(codes.InvalidArgument, "request is not a valid protobuf message: %v", err)
}

func (c requestCodec) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := c.check(req); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

func (c requestCodec) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &checkedStream{ServerStream: ss, codec: c})
	}
}

type checkedStream struct {
	grpc.ServerStream
	codec requestCodec
}

func (s *checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.codec.check(m)
}
