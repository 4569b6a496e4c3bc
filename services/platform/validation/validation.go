// Package validation enforces the protovalidate rules written in the .proto files and
// reports violations as INVALID_ARGUMENT with google.rpc.BadRequest field violations.
package validation

import (
	"context"
	"errors"
	"fmt"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// Validator checks messages against their protovalidate rules.
type Validator struct {
	v protovalidate.Validator
}

// New returns a Validator. Rules are compiled lazily per message type and cached.
func New() (*Validator, error) {
	v, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("create protovalidate validator: %w", err)
	}
	return &Validator{v: v}, nil
}

// Check validates msg. Field paths in the returned error are prefixed with prefix (for
// example "timeline" when msg is the timeline inside an update request), so they name the
// field as the caller sent it. It returns nil or an *apierror.Error.
func (v *Validator) Check(msg proto.Message, prefix string) error {
	err := v.v.Validate(msg)
	if err == nil {
		return nil
	}
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		// A rule that cannot be evaluated is a bug in the rules, not in the request; still,
		// never let it through unchecked.
		return fmt.Errorf("evaluate validation rules for %s: %w", msg.ProtoReflect().Descriptor().FullName(), err)
	}
	violations := make([]apierror.FieldViolation, 0, len(verr.Violations))
	for _, viol := range verr.Violations {
		p := viol.Proto
		field := protovalidate.FieldPathString(p.GetField())
		if prefix != "" {
			if field == "" {
				field = prefix
			} else {
				field = prefix + "." + field
			}
		}
		violations = append(violations, apierror.FieldViolation{
			Field:       field,
			Description: p.GetMessage(),
			Reason:      p.GetRuleId(),
		})
	}
	return apierror.InvalidArgument(violations...)
}

// UnaryServerInterceptor validates every request before the handler sees it.
func (v *Validator) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if m, ok := req.(proto.Message); ok {
			if err := v.Check(m, ""); err != nil {
				return nil, err
			}
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor validates every message a client streams in.
func (v *Validator) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &validatingStream{ServerStream: ss, v: v})
	}
}

type validatingStream struct {
	grpc.ServerStream
	v *Validator
}

func (s *validatingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		return s.v.Check(pm, "")
	}
	return nil
}
