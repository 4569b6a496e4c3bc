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
	// HotReadTTL is how long the gateway keeps a public read of a timeline or of its
	// entries to answer the same request again. Default 500ms, so that with the Timeline
	// service's own bound (its poll, 50ms) a write through another replica or gateway
	// shows within a second; negative turns it off.
	HotReadTTL time.Duration
	// HotReadBytes bounds the memory those reads take. Default 64 MiB.
	HotReadBytes int
	// SSERetry is the reconnection delay that Server-Sent Events clients are given.
	// Default 2s.
	SSERetry time.Duration
}

// New returns the HTTP handler of the REST API. ctx is the gateway's life: when it ends,
// the gateway ends its open watch streams (UNAVAILABLE, as the services do when they
// stop), so that they do not hold up the server's shutdown.
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
	if opts.HotReadTTL == 0 {
		opts.HotReadTTL = 500 * time.Millisecond
	}
	if opts.HotReadBytes <= 0 {
		opts.HotReadBytes = 64 << 20
	}
	if opts.SSERetry <= 0 {
		opts.SSERetry = 2 * time.Second
	}

	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: false, UseProtoNames: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithForwardResponseOption(describeResponse),
		runtime.WithStreamErrorHandler(shutdownStreamErrors(ctx)),
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
	timelines := timelinev1.NewTimelineServiceClient(opts.TimelineConn)
	statusTTL := max(opts.HotReadTTL, time.Second)
	rt := &router{
		serving: ctx,
		mux:     mux,
		reads:   &reads{mux: mux, statuses: newStatusMemo(timelines, statusTTL)},
		watch:   &watcher{mux: mux, client: timelines, retry: opts.SSERetry, serving: ctx},
	}
	if opts.HotReadTTL > 0 {
		rt.reads.cache = newHotCache(opts.HotReadTTL, opts.HotReadBytes)
	}
	return logRequests(opts.Logger, limitBody(mux, rt, opts.MaxBodyBytes)), nil
}

// router sends the watch route and the reads to the gateway's own handlers, which call
// on the mux, and everything else to the mux.
type router struct {
	serving context.Context
	mux     *runtime.ServeMux
	reads   *reads
	watch   *watcher
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodHead, http.MethodOptions:
		rt.mux.ServeHTTP(w, r)
		return
	default:
		rt.mux.ServeHTTP(w, r)
		if timeline, ok := writtenTimeline(r.URL.Path); ok {
			rt.reads.written(timeline)
		}
		return
	}
	parent, ok := watchParent(r.URL.Path)
	if !ok {
		rt.reads.serve(w, r)
		return
	}
	if wantsEventStream(r) {
		rt.watch.serve(w, r, parent)
		return
	}
	// Newline-delimited JSON, by grpc-gateway; ended when the gateway stops.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(rt.serving, cancel)()
	startStream(w)
	rt.mux.ServeHTTP(w, r.WithContext(ctx))
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
