package gateway_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/newsroomhq/newsroom/gateway"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// echoTimelines answers GetTimeline with the metadata it received, as the summary.
type echoTimelines struct {
	timelinev1.UnimplementedTimelineServiceServer
}

func (echoTimelines) GetTimeline(ctx context.Context, req *timelinev1.GetTimelineRequest) (*timelinev1.Timeline, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var keys []string
	for k, v := range md {
		keys = append(keys, k+"="+strings.Join(v, ","))
	}
	return &timelinev1.Timeline{Name: req.GetName(), Summary: strings.Join(keys, ";"), Etag: "e1"}, nil
}

func TestHeaders(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	timelinev1.RegisterTimelineServiceServer(s, echoTimelines{})
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn := dial(t, lis.Addr().String())
	srv := newGateway(t, gateway.Options{TimelineConn: conn, EntityConn: conn})

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/timelines/t", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Request-Id", "req-42")
	req.Header.Set("Authorization", "Bearer token")
	req.Header.Set("Grpc-Metadata-Role", "admin") // must not become trusted metadata
	req.Header.Set("X-Other", "dropped")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct{ Summary string }
	if err := decodeJSON(resp, &body); err != nil {
		t.Fatal(err)
	}
	md := ";" + body.Summary + ";"
	for _, want := range []string{";x-request-id=req-42;", ";grpcgateway-authorization=Bearer token;"} {
		if !strings.Contains(md, want) {
			t.Errorf("backend metadata %q lacks %q", body.Summary, want)
		}
	}
	for _, unwanted := range []string{"role=", "x-other"} {
		if strings.Contains(md, unwanted) {
			t.Errorf("backend metadata %q has %q", body.Summary, unwanted)
		}
	}
	if got := resp.Header.Get("ETag"); got != `"e1"` {
		t.Errorf("ETag = %q, want %q", got, `"e1"`)
	}
}
