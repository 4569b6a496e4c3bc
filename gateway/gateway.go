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
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
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
	// CORSOrigins are the origins whose pages may call the API from browsers (exact
	// "scheme://host[:port]"), or "*" for any page, without credentials (ParseOrigins).
	CORSOrigins []string
	// AnonymousRate limits requests without a credential: so many a second per client
	// address, in bursts of as many; 0 for no limit.
	AnonymousRate float64
	// AnonymousStreams caps the watch streams one address holds at once without a
	// credential; 0 for no cap.
	AnonymousStreams int
	// TrustedProxies are the proxies whose X-Forwarded-For names the client (ParsePrefixes).
	TrustedProxies []netip.Prefix
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

	timelines := timelinev1.NewTimelineServiceClient(opts.TimelineConn)
	statusTTL := max(opts.HotReadTTL, time.Second)
	rt, err := newRoutes()
	if err != nil {
		return nil, err
	}
	rt.reads = &reads{statuses: newStatusMemo(timelines, statusTTL)}
	if opts.HotReadTTL > 0 {
		rt.reads.cache = newHotCache(opts.HotReadTTL, opts.HotReadBytes)
	}
	rt.watcher = &watcher{client: timelines, retry: opts.SSERetry, serving: ctx, route: rt.watch}

	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: false, UseProtoNames: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithErrorHandler(errorResponse),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithForwardResponseOption(describeResponse),
		runtime.WithStreamErrorHandler(shutdownStreamErrors(ctx)),
		runtime.WithMiddlewares(rt.middleware),
	)
	rt.watcher.mux = mux
	rt.edge = newEdge(mux, opts)
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
	return logRequests(opts.Logger, rt.edge.wrap(limitBody(mux, mux, opts.MaxBodyBytes))), nil
}

// routes adds the gateway's own behaviour to grpc-gateway's routes: caching of reads,
// forgetting what a write makes stale, and the Server-Sent Events form of the watch
// stream. It tells routes apart by the one a request matched and its path parameters,
// never by the URL, so that a route is described once, in the .proto files.
type routes struct {
	// Path templates as runtime.HTTPPattern gives them, of GetTimeline, ListEntries and
	// WatchEntries.
	timeline, entries, watch string

	reads   *reads
	watcher *watcher
	edge    *edge
}

// newRoutes reads the path templates from the google.api.http options that grpc-gateway
// generated the routes from, so that the two cannot drift apart.
func newRoutes() (*routes, error) {
	var rt routes
	for method, template := range map[protoreflect.Name]*string{"GetTimeline": &rt.timeline, "ListEntries": &rt.entries, "WatchEntries": &rt.watch} {
		name := protoreflect.FullName(timelinev1.TimelineService_ServiceDesc.ServiceName).Append(method)
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		m, ok := d.(protoreflect.MethodDescriptor)
		rule, _ := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
		if !ok || rule.GetGet() == "" {
			return nil, fmt.Errorf("gateway: %s has no GET route", name)
		}
		*template = rule.GetGet()
	}
	return &rt, nil
}

// middleware wraps the handler of every route of the mux.
func (rt *routes) middleware(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		// The matched pattern, not runtime.HTTPPathPattern: the generated handler sets
		// that only once it runs, after the middleware.
		pattern, _ := runtime.HTTPPattern(r.Context())
		route := pattern.String()
		switch {
		case route == rt.watch:
			release, ok := rt.edge.openStream(w, r)
			if !ok {
				return
			}
			defer release()
			rt.watcher.serve(w, r, params, next)
		case r.Method == http.MethodGet:
			kind, timeline := rt.hotRead(route, params)
			rt.reads.serve(w, r, kind, timeline, func(w http.ResponseWriter) { next(w, r, params) })
		default:
			next(w, r, params)
			// Whatever the outcome: a failed write may still have changed something.
			for _, name := range params {
				if timeline, ok := timelineOf(name); ok {
					rt.reads.written(timeline)
				}
			}
		}
	}
}

// hotRead tells the hot reads, of one timeline or of its entries, from the other GET
// routes, and names their timeline.
func (rt *routes) hotRead(route string, params map[string]string) (readRoute, string) {
	switch route {
	case rt.timeline:
		if timeline, ok := timelineOf(params["name"]); ok {
			return timelineRead, timeline
		}
	case rt.entries:
		if timeline, ok := timelineOf(params["parent"]); ok {
			return entriesRead, timeline
		}
	}
	return otherRead, ""
}

// timelineOf returns the timeline, "timelines/{timeline}", that a resource name is in:
// the timeline itself, or an entry or revision of it. "timelines/-" stands for every
// timeline (AIP-159) and is none. The services check the rest of the name.
func timelineOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "timelines/")
	id, _, _ := strings.Cut(rest, "/")
	if !ok || id == "" || id == "-" {
		return "", false
	}
	return "timelines/" + id, true
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
	if strings.EqualFold(key, apiheader.RequestID) {
		return apiheader.RequestID, true
	}
	return runtime.DefaultHeaderMatcher(key)
}
