// Package apierror defines the errors services return and the one mapping from those
// errors to gRPC status codes.
//
// Service code returns *Error values (or wraps them); anything else reaching the edge is
// an internal error: it is logged once and the caller gets a generic message.
package apierror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// Error is an error whose code and message are fit for the caller.
type Error struct {
	Code   codes.Code
	Reason string // UPPER_SNAKE_CASE, for google.rpc.ErrorInfo; see reasons.go
	// Domain of the reason; the domain of the method that returns the error when empty.
	Domain     string
	Message    string
	Violations []FieldViolation
	// Metadata goes into the ErrorInfo, for example {"max_bytes": "1048576"}.
	Metadata map[string]string
	Cause    error // logged, never sent
}

// FieldViolation names one bad field of a request, for google.rpc.BadRequest.
type FieldViolation struct {
	Field       string // path in the request, for example "timeline.slug"
	Description string
	Reason      string // optional rule id
}

func (e *Error) Error() string {
	msg := e.Code.String() + ": " + e.Message
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }

// NotFound reports a missing resource by its name; the reason names its kind
// (TIMELINE_NOT_FOUND, ENTRY_NOT_FOUND, ENTITY_NOT_FOUND).
func NotFound(resource string) *Error {
	return &Error{Code: codes.NotFound, Reason: kindOf(resource) + "_NOT_FOUND", Message: fmt.Sprintf("%s not found", resource)}
}

// AlreadyExists reports a create of a resource whose name is taken; the reason names its
// kind (TIMELINE_ALREADY_EXISTS, ...).
func AlreadyExists(resource string) *Error {
	return &Error{Code: codes.AlreadyExists, Reason: kindOf(resource) + "_ALREADY_EXISTS", Message: fmt.Sprintf("%s already exists", resource)}
}

// Conflict reports a create or update that collides with another resource on a value
// that must be unique (a slug, an external id); reason says which.
func Conflict(reason, format string, args ...any) *Error {
	return &Error{Code: codes.AlreadyExists, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Aborted reports an etag that no longer matches: the resource changed since it was read.
func Aborted(resource string) *Error {
	return &Error{
		Code:    codes.Aborted,
		Reason:  ReasonEtagMismatch,
		Message: fmt.Sprintf("%s was changed by someone else: read it again and retry with its new etag", resource),
	}
}

// FailedPrecondition reports a request that the resource's state forbids.
func FailedPrecondition(reason, format string, args ...any) *Error {
	return &Error{Code: codes.FailedPrecondition, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Unavailable reports a dependency that cannot be reached; the caller may retry.
func Unavailable(message string, cause error) *Error {
	return &Error{Code: codes.Unavailable, Reason: ReasonDependencyUnavailable, Message: message, Cause: cause}
}

// InvalidArgument reports bad fields.
func InvalidArgument(violations ...FieldViolation) *Error {
	msg := "invalid request"
	if len(violations) > 0 {
		v := violations[0]
		msg = fmt.Sprintf("invalid %s: %s", v.Field, v.Description)
		if len(violations) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(violations)-1)
		}
	}
	return &Error{Code: codes.InvalidArgument, Reason: ReasonInvalidField, Message: msg, Violations: violations}
}

// InvalidField reports one bad field.
func InvalidField(field, description string) *Error {
	return InvalidArgument(FieldViolation{Field: field, Description: description})
}

// Status converts err to a gRPC status. Errors that are not *Error, status errors or
// context errors become INTERNAL with a generic message, and their cause is logged.
func Status(ctx context.Context, logger *slog.Logger, method string, err error) *status.Status {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		domain := e.Domain
		if domain == "" {
			domain = DomainOf(method)
		}
		return e.status(domain)
	}
	if _, ok := status.FromError(err); ok {
		// Already a status, for example from a downstream gRPC call passed through on purpose.
		return status.Convert(err)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded")
	}
	logger.ErrorContext(ctx, "internal error", "method", method, "err", err)
	return status.New(codes.Internal, "internal error")
}

// GRPCStatus is e as a status, in e's domain (DomainGateway when it has none): for
// errors made outside a service's method, such as the gateway's own.
func (e *Error) GRPCStatus() *status.Status {
	domain := e.Domain
	if domain == "" {
		domain = DomainGateway
	}
	return e.status(domain)
}

func (e *Error) status(domain string) *status.Status {
	st := status.New(e.Code, e.Message)
	var details []protoadapt.MessageV1
	if e.Reason != "" {
		details = append(details, &errdetails.ErrorInfo{Reason: e.Reason, Domain: domain, Metadata: e.Metadata})
	}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field:       v.Field,
				Description: v.Description,
				Reason:      v.Reason,
			})
		}
		details = append(details, br)
	}
	if len(details) == 0 {
		return st
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st
	}
	return withDetails
}

// ResourceExhausted reports a limit the caller went past; reason says which.
func ResourceExhausted(reason, message string) *Error {
	return &Error{Code: codes.ResourceExhausted, Reason: reason, Message: message}
}

// OutOfRange reports a position (a sequence number, say) outside what exists or is kept.
func OutOfRange(reason, format string, args ...any) *Error {
	return &Error{Code: codes.OutOfRange, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ShuttingDown ends the calls and streams of a server that is stopping: the client
// resumes on another replica, or here once it is back.
func ShuttingDown() *Error {
	return &Error{Code: codes.Unavailable, Reason: ReasonShuttingDown,
		Message: "the server is shutting down: resume from the last sequence received"}
}

// InvalidPageToken reports a page token that is not from a previous page of the same list.
func InvalidPageToken() *Error {
	e := InvalidField("page_token", "not a token from a previous page of this list with the same filters")
	e.Reason = ReasonInvalidPageToken
	return e
}
