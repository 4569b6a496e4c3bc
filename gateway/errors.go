package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
)

// Errors are google.rpc.Status as JSON ({"code", "message", "details"}), written by
// grpc-gateway's default handler, which maps the gRPC code to the HTTP status
// (INVALID_ARGUMENT and FAILED_PRECONDITION 400, NOT_FOUND 404, ALREADY_EXISTS and ABORTED
// 409, UNAVAILABLE 503, ...) and keeps the details, BadRequest field violations included.
// The gateway's own errors below use the same shape.

// errorResponse writes an error with grpc-gateway's default handler, marked never to be
// stored: caches may otherwise keep some, such as 404 and 405 (RFC 9111, 4.2.2).
func errorResponse(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", cachePrivate)
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// routingError answers requests that match no route: 404 for an unknown path, 405 for a
// known path with another method (grpc-gateway's default says 501 there).
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	var e *apierror.Error
	switch httpStatus {
	case http.StatusNotFound:
		e = &apierror.Error{Code: codes.NotFound, Reason: apierror.ReasonRouteNotFound,
			Message: fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)}
	case http.StatusMethodNotAllowed:
		e = &apierror.Error{Code: codes.Unimplemented, Reason: apierror.ReasonMethodNotAllowed,
			Message: fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)}
	case http.StatusBadRequest:
		e = &apierror.Error{Code: codes.InvalidArgument, Message: "malformed request path"}
	default:
		e = &apierror.Error{Code: codes.Internal, Message: "routing error"}
	}
	runtime.HTTPError(ctx, mux, m, w, r, &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: e.GRPCStatus().Err()})
}

// limitBody answers 413 to a request body larger than max. The body is read here, before
// the gateway decodes it (which it does in full anyway), because the decoding error would
// otherwise reach the client as a 400 that does not say what was wrong.
func limitBody(mux *runtime.ServeMux, next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			tooLarge(mux, w, r, max)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
			_ = r.Body.Close()
			if err != nil {
				_, out := runtime.MarshalerForRequest(mux, r)
				e := &apierror.Error{Code: codes.InvalidArgument, Message: "could not read the request body"}
				runtime.HTTPError(r.Context(), mux, out, w, r, e.GRPCStatus().Err())
				return
			}
			if int64(len(body)) > max {
				tooLarge(mux, w, r, max)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(mux *runtime.ServeMux, w http.ResponseWriter, r *http.Request, max int64) {
	st := (&apierror.Error{
		Code:     codes.InvalidArgument,
		Reason:   apierror.ReasonRequestTooLarge,
		Message:  fmt.Sprintf("request body is larger than %d bytes", max),
		Metadata: map[string]string{"max_bytes": strconv.FormatInt(max, 10)},
	}).GRPCStatus()
	// The rest of an oversized body is not worth reading: close the connection after
	// answering.
	w.Header().Set("Connection", "close")
	_, out := runtime.MarshalerForRequest(mux, r)
	runtime.HTTPError(r.Context(), mux, out, w, r, &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge, Err: st.Err()})
}

// logRequests logs every request once it is answered: server errors at warn, the rest at
// debug (the services log their calls too).
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		logger.Log(r.Context(), level, "http",
			"method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start),
			"request_id", r.Header.Get(apiheader.RequestID))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushing streams).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush keeps streaming responses streaming.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
