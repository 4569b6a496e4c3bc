package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/newsroomhq/newsroom/gateway"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// BenchmarkHotRead compares the gateway answering the latest entries of a live timeline,
// which every reader asks for, with a bare net/http handler writing the same bytes
// (plain-handler): by default (gateway, answers kept for a second), revalidated with
// If-None-Match as CDNs do (gateway-304), and with nothing kept (gateway-uncached, a gRPC
// call and JSON marshaling each time). Run it with
// go test -run '^$' -bench HotRead ./gateway/
func BenchmarkHotRead(b *testing.B) {
	f := &fakeTimelines{reportStatus: true, headline: "Delegations arrive at Dolmabahce Palace", page: 20}
	f.set("t", timelinev1.Timeline_LIVE)
	cached := serveFake(b, f, gateway.Options{})
	uncached := serveFake(b, f, gateway.Options{HotReadTTL: -1})
	path := "/v1/timelines/t/entries"

	resp, err := http.Get(cached.url + path)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	etag := resp.Header.Get("ETag")
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(plain.Close)

	for name, tc := range map[string]struct {
		url         string
		ifNoneMatch string
		want        int
	}{
		"gateway":          {cached.url + path, "", http.StatusOK},
		"gateway-304":      {cached.url + path, etag, http.StatusNotModified},
		"gateway-uncached": {uncached.url + path, "", http.StatusOK},
		"plain-handler":    {plain.URL + path, "", http.StatusOK},
	} {
		b.Run(name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, err := http.NewRequest(http.MethodGet, tc.url, nil)
					if err != nil {
						b.Error(err)
						return
					}
					if tc.ifNoneMatch != "" {
						req.Header.Set("If-None-Match", tc.ifNoneMatch)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != tc.want {
						b.Errorf("status %d, want %d", resp.StatusCode, tc.want)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
