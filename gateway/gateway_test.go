package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/newsroomhq/newsroom/gateway"
	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// These tests cover what the gateway does on its own, in front of a gRPC server that
// has only health checking. The routes to the real services are tested with the whole
// product in cmd/newsroom/stack.

type backend struct {
	health *health.Server
	conn   *grpc.ClientConn
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	h := health.NewServer()
	healthpb.RegisterHealthServer(s, h)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return &backend{health: h, conn: dial(t, lis.Addr().String())}
}

func dial(t testing.TB, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func newGateway(t *testing.T, opts gateway.Options) *httptest.Server {
	t.Helper()
	h, err := gateway.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// send returns the status and the JSON object of a response.
func send(t *testing.T, method, url string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	if err := decodeJSON(resp, &out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, out
}

// decodeJSON decodes a JSON response body into v.
func decodeJSON(resp *http.Response, v any) error {
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("Content-Type %q, want JSON", ct)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func TestNewRequiresConnections(t *testing.T) {
	if _, err := gateway.New(context.Background(), gateway.Options{}); err == nil {
		t.Fatal("New without connections succeeded")
	}
}

func TestHealthz(t *testing.T) {
	b := newBackend(t)
	timelineSvc := timelinev1.TimelineService_ServiceDesc.ServiceName
	entitySvc := entityv1.EntityService_ServiceDesc.ServiceName
	down := dial(t, closedAddr(t))

	tests := map[string]struct {
		timeline, entity healthpb.HealthCheckResponse_ServingStatus
		entityConn       *grpc.ClientConn
		wantCode         int
		wantEntity       string
	}{
		"both serving": {
			timeline: healthpb.HealthCheckResponse_SERVING, entity: healthpb.HealthCheckResponse_SERVING,
			wantCode: http.StatusOK, wantEntity: "SERVING",
		},
		"entity not serving": {
			timeline: healthpb.HealthCheckResponse_SERVING, entity: healthpb.HealthCheckResponse_NOT_SERVING,
			wantCode: http.StatusServiceUnavailable, wantEntity: "NOT_SERVING",
		},
		"entity unreachable": {
			timeline: healthpb.HealthCheckResponse_SERVING, entity: healthpb.HealthCheckResponse_SERVING,
			entityConn: down, wantCode: http.StatusServiceUnavailable, wantEntity: "UNREACHABLE",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b.health.SetServingStatus(timelineSvc, tc.timeline)
			b.health.SetServingStatus(entitySvc, tc.entity)
			entityConn := b.conn
			if tc.entityConn != nil {
				entityConn = tc.entityConn
			}
			srv := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: entityConn})
			code, body := send(t, http.MethodGet, srv.URL+"/healthz", nil)
			if code != tc.wantCode {
				t.Fatalf("status %d, want %d: %v", code, tc.wantCode, body)
			}
			services, _ := body["services"].(map[string]any)
			if services[entitySvc] != tc.wantEntity || services[timelineSvc] != "SERVING" {
				t.Fatalf("services = %v, want entity %s and timeline SERVING", services, tc.wantEntity)
			}
			wantStatus := "SERVING"
			if tc.wantCode != http.StatusOK {
				wantStatus = "NOT_SERVING"
			}
			if body["status"] != wantStatus {
				t.Fatalf("status = %v, want %s", body["status"], wantStatus)
			}
		})
	}
}

func TestOpenAPI(t *testing.T) {
	b := newBackend(t)
	srv := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn})
	code, body := send(t, http.MethodGet, srv.URL+"/openapi.json", nil)
	if code != http.StatusOK || body["swagger"] != "2.0" {
		t.Fatalf("status %d, swagger %v", code, body["swagger"])
	}
	paths, _ := body["paths"].(map[string]any)
	for _, p := range []string{"/v1/timelines", "/v1/{parent}/entries", "/v1/entities", "/v1/entities:resolve"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("openapi.json has no path %s", p)
		}
	}
}

func TestGatewayErrors(t *testing.T) {
	b := newBackend(t)
	srv := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn, MaxBodyBytes: 100})
	big := `{"title": "` + strings.Repeat("x", 200) + `"}`

	tests := map[string]struct {
		method, path, body string
		wantStatus         int
		wantCode           float64 // google.rpc.Code in the body
		wantReason         string  // of the gateway's ErrorInfo, if it adds one
	}{
		"unknown path":            {http.MethodGet, "/v2/nothing", "", http.StatusNotFound, 5, apierror.ReasonRouteNotFound},
		"method not allowed":      {http.MethodPut, "/v1/timelines", "{}", http.StatusMethodNotAllowed, 12, apierror.ReasonMethodNotAllowed},
		"body too large":          {http.MethodPost, "/v1/timelines", big, http.StatusRequestEntityTooLarge, 3, apierror.ReasonRequestTooLarge},
		"malformed JSON":          {http.MethodPost, "/v1/timelines", "{", http.StatusBadRequest, 3, ""},
		"unknown JSON field":      {http.MethodPost, "/v1/timelines", `{"titel": "x"}`, http.StatusBadRequest, 3, ""},
		"service not on conn":     {http.MethodGet, "/v1/timelines", "", http.StatusNotImplemented, 12, ""},
		"openapi with POST":       {http.MethodPost, "/openapi.json", "", http.StatusMethodNotAllowed, 12, apierror.ReasonMethodNotAllowed},
		"bad enum in query":       {http.MethodGet, "/v1/timelines?view=SIDEWAYS", "", http.StatusBadRequest, 3, ""},
		"bad number in query":     {http.MethodGet, "/v1/timelines?pageSize=many", "", http.StatusBadRequest, 3, ""},
		"body too large, resolve": {http.MethodPost, "/v1/entities:resolve", `{"names": ["` + strings.Repeat("y", 200) + `"]}`, http.StatusRequestEntityTooLarge, 3, apierror.ReasonRequestTooLarge},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := send(t, tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if code != tc.wantStatus || body["code"] != tc.wantCode || body["message"] == "" {
				t.Fatalf("%s %s = %d %v, want %d with code %v and a message", tc.method, tc.path, code, body, tc.wantStatus, tc.wantCode)
			}
			if tc.wantReason == "" {
				return
			}
			details, _ := body["details"].([]any)
			var info map[string]any
			if len(details) == 1 {
				info, _ = details[0].(map[string]any)
			}
			if info["reason"] != tc.wantReason || info["domain"] != apierror.DomainGateway {
				t.Fatalf("details %v, want one ErrorInfo %s in %s", details, tc.wantReason, apierror.DomainGateway)
			}
		})
	}
}

func TestBodyTooLargeSaysWhy(t *testing.T) {
	b := newBackend(t)
	srv := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn, MaxBodyBytes: 10})
	// Sent without Content-Length, so the limit is found while reading.
	body := struct{ io.Reader }{strings.NewReader(`{"title": "far too long"}`)}
	code, resp := send(t, http.MethodPost, srv.URL+"/v1/timelines", body)
	details, _ := resp["details"].([]any)
	if code != http.StatusRequestEntityTooLarge || len(details) != 1 {
		t.Fatalf("status %d, body %v: want 413 with one detail", code, resp)
	}
	info, _ := details[0].(map[string]any)
	meta, _ := info["metadata"].(map[string]any)
	if info["@type"] != "type.googleapis.com/google.rpc.ErrorInfo" || info["reason"] != "REQUEST_TOO_LARGE" || meta["max_bytes"] != "10" {
		t.Fatalf("detail = %v, want ErrorInfo REQUEST_TOO_LARGE with max_bytes 10", info)
	}
}

// closedAddr is an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	return addr
}
