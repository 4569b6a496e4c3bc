package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// health answers /healthz by asking each backend, over grpc.health.v1, about the service
// the gateway needs from it.
type health struct {
	timeout  time.Duration
	backends map[string]healthpb.HealthClient // by service name
}

func newHealth(timeout time.Duration, conns map[string]*grpc.ClientConn) *health {
	h := &health{timeout: timeout, backends: map[string]healthpb.HealthClient{}}
	for service, conn := range conns {
		h.backends[service] = healthpb.NewHealthClient(conn)
	}
	return h
}

// healthReport is the /healthz body: "SERVING" overall when every service is; each
// service's health status, or "UNREACHABLE" when the check failed.
type healthReport struct {
	Status   string            `json:"status"`
	Services map[string]string `json:"services"`
}

func (h *health) check(ctx context.Context) healthReport {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	rep := healthReport{Status: healthpb.HealthCheckResponse_SERVING.String(), Services: map[string]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for service, client := range h.backends {
		wg.Go(func() {
			state := "UNREACHABLE"
			resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
			if err == nil {
				state = resp.GetStatus().String()
			}
			mu.Lock()
			defer mu.Unlock()
			rep.Services[service] = state
			if state != healthpb.HealthCheckResponse_SERVING.String() {
				rep.Status = healthpb.HealthCheckResponse_NOT_SERVING.String()
			}
		})
	}
	wg.Wait()
	return rep
}

func (h *health) serve(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	rep := h.check(r.Context())
	code := http.StatusOK
	if rep.Status != healthpb.HealthCheckResponse_SERVING.String() {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(rep)
}
