package gateway_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/newsroomhq/newsroom/gateway"
	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// request sends a request with headers and returns the response, its body read.
func request(t *testing.T, method, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp
}

// servingBackend is a backend whose services are healthy: /healthz answers 200.
func servingBackend(t *testing.T) *backend {
	b := newBackend(t)
	b.health.SetServingStatus(timelinev1.TimelineService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	b.health.SetServingStatus(entityv1.EntityService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	return b
}

func TestCORS(t *testing.T) {
	b := servingBackend(t)
	exact := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn, CORSOrigins: []string{"https://live.example.org"}})
	anyPage := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn, CORSOrigins: []string{"*"}})
	none := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn})
	preflight := func(origin, method, headers string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}
	}
	tests := map[string]struct {
		url, method string
		header      map[string]string
		status      int
		allowOrigin string
		// allowHeaders must hold these (comma-separated); allowMethods likewise.
		allowHeaders, allowMethods string
	}{
		"preflight, allowed origin": {exact.URL + "/v1/timelines", http.MethodOptions, preflight("https://live.example.org", "POST", "authorization,content-type"),
			http.StatusNoContent, "https://live.example.org", "Authorization, Content-Type", "POST, PATCH, DELETE"},
		"preflight, other origin": {exact.URL + "/v1/timelines", http.MethodOptions, preflight("https://evil.example", "POST", "authorization"),
			http.StatusMethodNotAllowed, "", "", ""},
		"preflight, any page": {anyPage.URL + "/v1/timelines", http.MethodOptions, preflight("https://blog.example", "GET", "last-event-id"),
			http.StatusNoContent, "*", "Last-Event-ID, If-None-Match", "GET"},
		"read, allowed origin": {exact.URL + "/healthz", http.MethodGet, map[string]string{"Origin": "https://live.example.org"},
			http.StatusOK, "https://live.example.org", "", ""},
		"read, origin with another port": {exact.URL + "/healthz", http.MethodGet, map[string]string{"Origin": "https://live.example.org:8443"},
			http.StatusOK, "", "", ""},
		"read, any page": {anyPage.URL + "/healthz", http.MethodGet, map[string]string{"Origin": "https://blog.example"},
			http.StatusOK, "*", "", ""},
		"no CORS configured": {none.URL + "/healthz", http.MethodGet, map[string]string{"Origin": "https://live.example.org"},
			http.StatusOK, "", "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := request(t, tc.method, tc.url, tc.header)
			h := resp.Header
			if resp.StatusCode != tc.status || h.Get("Access-Control-Allow-Origin") != tc.allowOrigin {
				t.Fatalf("%d, Access-Control-Allow-Origin %q; want %d, %q", resp.StatusCode, h.Get("Access-Control-Allow-Origin"), tc.status, tc.allowOrigin)
			}
			for _, want := range strings.Split(tc.allowHeaders, ", ") {
				if want != "" && !strings.Contains(h.Get("Access-Control-Allow-Headers"), want) {
					t.Errorf("Access-Control-Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), want)
				}
			}
			for _, want := range strings.Split(tc.allowMethods, ", ") {
				if want != "" && !strings.Contains(h.Get("Access-Control-Allow-Methods"), want) {
					t.Errorf("Access-Control-Allow-Methods %q lacks %s", h.Get("Access-Control-Allow-Methods"), want)
				}
			}
			if tc.allowOrigin != "" {
				for _, exposed := range []string{"ETag", "X-Request-Id", "Last-Event-ID"} {
					if !strings.Contains(h.Get("Access-Control-Expose-Headers"), exposed) {
						t.Errorf("%s is not exposed: %q", exposed, h.Get("Access-Control-Expose-Headers"))
					}
				}
			}
			if tc.allowOrigin != "" && tc.allowOrigin != "*" && !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
			}
		})
	}
	// Any page may not send credentials, nor write.
	h := request(t, http.MethodOptions, anyPage.URL+"/v1/timelines", preflight("https://blog.example", "POST", "authorization")).Header
	if strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf(`"*" lets pages send %q with %q`, h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers"))
	}
}

func TestAnonymousRateLimit(t *testing.T) {
	b := servingBackend(t)
	trusted, err := gateway.ParsePrefixes("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	gw := newGateway(t, gateway.Options{TimelineConn: b.conn, EntityConn: b.conn, AnonymousRate: 2, TrustedProxies: trusted})
	from := func(client string) map[string]string { return map[string]string{"X-Forwarded-For": client} }
	for i := range 2 {
		if resp := request(t, http.MethodGet, gw.URL+"/healthz", from("203.0.113.7")); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	resp := request(t, http.MethodGet, gw.URL+"/healthz", from("203.0.113.7"))
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || retry < 1 {
		t.Fatalf("third request: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Another client behind the same proxy has its own bucket; a proxy not trusted
	// names no one (the spoofed header is the proxy's own address's).
	if resp := request(t, http.MethodGet, gw.URL+"/healthz", from("203.0.113.8")); resp.StatusCode != http.StatusOK {
		t.Errorf("another client: %d", resp.StatusCode)
	}
	// Requests with a credential are the services' to judge, not limited here.
	cred := from("203.0.113.7")
	cred["Authorization"] = "Bearer nrk_someone"
	if resp := request(t, http.MethodGet, gw.URL+"/healthz", cred); resp.StatusCode != http.StatusOK {
		t.Errorf("with a credential: %d", resp.StatusCode)
	}
	// The bucket fills again.
	waitFor(t, func() bool {
		return request(t, http.MethodGet, gw.URL+"/healthz", from("203.0.113.7")).StatusCode == http.StatusOK
	})
}

func TestAnonymousStreamCap(t *testing.T) {
	f := &fakeTimelines{watch: func(req *timelinev1.WatchEntriesRequest, stream timelinev1.TimelineService_WatchEntriesServer) error {
		if err := stream.Send(&timelinev1.WatchEntriesResponse{Type: timelinev1.WatchEntriesResponse_HEARTBEAT}); err != nil {
			return err
		}
		<-stream.Context().Done()
		return status.Error(codes.Canceled, "gone")
	}}
	gw := serveFake(t, f, gateway.Options{AnonymousStreams: 1})
	open := func(header map[string]string) (*http.Response, context.CancelFunc) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, gw.url+"/v1/timelines/live/entries:watch", nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp, cancel
	}
	first, closeFirst := open(nil)
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first stream: %d", first.StatusCode)
	}
	if second, _ := open(nil); second.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second anonymous stream: %d, want 429", second.StatusCode)
	}
	if sse, _ := open(map[string]string{"Accept": "text/event-stream"}); sse.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second anonymous stream (SSE): %d, want 429", sse.StatusCode)
	}
	if withKey, _ := open(map[string]string{"Authorization": "Bearer nrk_someone"}); withKey.StatusCode != http.StatusOK {
		t.Fatalf("a stream with a credential: %d", withKey.StatusCode)
	}
	// Once the first ends, there is room again.
	closeFirst()
	waitFor(t, func() bool {
		resp, cancel := open(nil)
		defer cancel()
		return resp.StatusCode == http.StatusOK
	})
}

func TestParseOrigins(t *testing.T) {
	for list, ok := range map[string]bool{
		"https://a.example, http://b.example:8080": true, "*": true, "": true,
		"a.example": false, "https://a.example/path": false, "ftp://a.example": false,
	} {
		if _, err := gateway.ParseOrigins(list); (err == nil) != ok {
			t.Errorf("ParseOrigins(%q): %v", list, err)
		}
	}
}
