package stack_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/cmd/newsroom/stack/stacktest"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// api is the whole product on a fresh database, driven through its REST gateway.
type api struct {
	t        testing.TB
	base     string
	grpcAddr string
	nr       *stacktest.Newsroom
}

func start(t testing.TB, tune ...func(*stack.Config)) *api {
	t.Helper()
	a, _ := startStoppable(t, tune...)
	return a
}

// startStoppable starts the stack, its configuration changed by tune, and returns a
// function that stops it (at most once) and returns what Run returned.
func startStoppable(t testing.TB, tune ...func(*stack.Config)) (*api, func() error) {
	t.Helper()
	nr := stacktest.Start(t, tune...)
	return &api{t: t, base: "http://" + nr.HTTPAddr, grpcAddr: nr.GRPCAddr, nr: nr}, nr.Stop
}

// waitWatchers waits until the Timeline service serves n watch streams, and reports
// whether it did in time (the test has failed otherwise). Safe in any goroutine.
func (a *api) waitWatchers(n int) bool {
	a.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for a.nr.FeedStats().Watchers != n {
		if time.Now().After(deadline) {
			a.t.Errorf("%d watch streams, want %d", a.nr.FeedStats().Watchers, n)
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// response is a decoded JSON response.
type response struct {
	status int
	header http.Header
	body   obj
}

// obj is a JSON object, with accessors that keep the tests short.
type obj map[string]any

func (o obj) str(key string) string { s, _ := o[key].(string); return s }
func (o obj) obj(key string) obj    { m, _ := o[key].(map[string]any); return m }

func (o obj) list(key string) []obj {
	items, _ := o[key].([]any)
	out := make([]obj, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)
	}
	return out
}

// call sends body (a string as is, anything else as JSON) and decodes the JSON answer.
func (a *api) call(method, path string, body any) response {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	a.credential(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(data, &out.body); err != nil {
		a.t.Fatalf("%s %s: %d, body is not a JSON object: %q", method, path, resp.StatusCode, data)
	}
	return out
}

// credential makes req the admin's when it needs more than public reads: a write, or a
// read in the editor view. Public reads go without, as most readers' do (and so may be
// answered from the gateway's memory).
func (a *api) credential(req *http.Request) {
	if req.Method != http.MethodGet || req.URL.Query().Get("view") == "EDITOR" {
		req.Header.Set("Authorization", "Bearer "+a.nr.AdminKey)
	}
}

// must calls and fails the test unless the answer has status want.
func (a *api) must(want int, method, path string, body any) obj {
	a.t.Helper()
	r := a.call(method, path, body)
	if r.status != want {
		a.t.Fatalf("%s %s = %d %v, want %d", method, path, r.status, r.body, want)
	}
	return r.body
}

// wantError fails the test unless r is an error with this HTTP status and gRPC code and,
// when field is set, a BadRequest violation naming field.
func wantError(t *testing.T, r response, status int, code float64, field string) {
	t.Helper()
	if r.status != status || r.body["code"] != code || r.body.str("message") == "" {
		t.Fatalf("got %d %v, want %d with code %v and a message", r.status, r.body, status, code)
	}
	if field == "" {
		return
	}
	for _, d := range r.body.list("details") {
		if d.str("@type") != "type.googleapis.com/google.rpc.BadRequest" {
			continue
		}
		for _, v := range d.list("fieldViolations") {
			if v.str("field") == field {
				return
			}
		}
	}
	t.Fatalf("error %v has no field violation for %q", r.body, field)
}
