// Package gateway serves the Timeline and Entity APIs as JSON over HTTP, translating each
// REST call into a gRPC call to the services (grpc-gateway), with the OpenAPI description
// at /openapi.json and a health check at /healthz.
//
// JSON follows protojson with grpc-gateway's field naming: camelCase names ("displayName"),
// enums as their names ("LIVE"), timestamps as RFC 3339 strings, int64 as strings. Fields
// with their zero value are left out of responses (an empty list, false, ""), so a missing
// nextPageToken means the last page. Unknown fields in a request body are an error rather
// than silently ignored, so that a misspelt field name is noticed.
package gateway

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// DefaultMaxBodyBytes is the largest request body accepted unless Options say otherwise.
const DefaultMaxBodyBytes = 1 << 20

//go:embed openapi/newsroom.swagger.json
var openAPI []byte

// Options configure the gateway.
type Options struct {
	// TimelineConn and EntityConn reach the two services; they may be the same connection
	// when one server hosts both. Required.
	TimelineConn *grpc.ClientConn
	EntityConn   *grpc.ClientConn
	// Logger receives one line per request (at debug level, or warn for 5xx). Defaults to
	// discarding.
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies; larger ones get 413. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// HealthTimeout bounds each backend's health check in /healthz. Default 2s.
	HealthTimeout time.Duration
}

// New returns the HTTP handler of the REST API.
func New(ctx context.Context, opts Options) (http.Handler, error) {
	if opts.TimelineConn == nil || opts.EntityConn == nil {
		return nil, errors.New("gateway: TimelineConn and EntityConn are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.HealthTimeout <= 0 {
		opts.HealthTimeout = 2 * time.Second
	}

	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: false, UseProtoNames: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithForwardResponseOption(etagHeader),
	)
	if err := timelinev1.RegisterTimelineServiceHandler(ctx, mux, opts.TimelineConn); err != nil {
		return nil, err
	}
	if err := entityv1.RegisterEntityServiceHandler(ctx, mux, opts.EntityConn); err != nil {
		return nil, err
	}
	if err := mux.HandlePath(http.MethodGet, "/openapi.json", serveOpenAPI); err != nil {
		return nil, err
	}
	h := newHealth(opts.HealthTimeout, map[string]*grpc.ClientConn{
		timelinev1.TimelineService_ServiceDesc.ServiceName: opts.TimelineConn,
		entityv1.EntityService_ServiceDesc.ServiceName:     opts.EntityConn,
	})
	if err := mux.HandlePath(http.MethodGet, "/healthz", h.serve); err != nil {
		return nil, err
	}
	return logRequests(opts.Logger, limitBody(mux, opts.MaxBodyBytes)), nil
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}

// incomingHeader forwards to the services the standard HTTP headers (as
// "grpcgateway-<name>", grpc-gateway's default) and the request id that proxies add, so
// that logs on both sides can be joined. Other headers are dropped: a client must not be
// able to set metadata the services trust.
func incomingHeader(key string) (string, bool) {
	if strings.EqualFold(key, "X-Request-Id") {
		return "x-request-id", true
	}
	return runtime.DefaultHeaderMatcher(key)
}

// etagHeader copies a resource's etag into the ETag response header (AIP-154), so that
// HTTP caches and clients that look for it there find it.
func etagHeader(_ context.Context, w http.ResponseWriter, m proto.Message) error {
	if r, ok := m.(interface{ GetEtag() string }); ok {
		if etag := r.GetEtag(); etag != "" && !strings.ContainsAny(etag, "\"\r\n") {
			w.Header().Set("ETag", `"`+etag+`"`)
		}
	}
	return nil
}
