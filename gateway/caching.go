package gateway

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
)

// Reads (GET) are answered with validators and caching rules, for browsers and CDNs:
//
//   - ETag: a resource's own etag (AIP-154) where the response is one resource, so that
//     the header and the body agree; otherwise a hash of the body. Both are strong.
//   - If-None-Match with a current ETag: 304 without a body.
//   - Cache-Control on the hot reads, a timeline and its entries: short while the
//     timeline is LIVE, long once it is CLOSED or ARCHIVED, and never stored for the
//     editor view or for errors (every error of a read is "private, no-store").
//
// The response is held in memory until the handler returns (reads are small, and the
// gateway marshals them whole anyway), so that its hash can be a header.

const (
	cacheLive    = "public, max-age=2, stale-while-revalidate=10"
	cacheSettled = "public, max-age=300"
	cachePrivate = "private, no-store"
)

// readRoute tells the hot reads apart from the others.
type readRoute int

const (
	otherRead    readRoute = iota
	timelineRead           // GetTimeline
	entriesRead            // ListEntries of one timeline
)

// publicView reports whether a read asks for the public view (the default).
func publicView(rawQuery string) bool {
	if rawQuery == "" {
		return true
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false
	}
	v, ok := q["view"]
	if !ok {
		return true
	}
	if len(v) != 1 {
		return false
	}
	switch v[0] {
	case "PUBLIC", "1", "VIEW_UNSPECIFIED", "0":
		return true
	}
	return false
}

// cacheControl is the caching rule of a successful hot read.
func cacheControl(public bool, st timelinev1.Timeline_Status) string {
	if !public {
		return cachePrivate
	}
	switch st {
	case timelinev1.Timeline_CLOSED, timelinev1.Timeline_ARCHIVED:
		return cacheSettled
	case timelinev1.Timeline_DRAFT:
		return cachePrivate
	}
	// LIVE, or not known: a short life is always safe.
	return cacheLive
}

// response is a read held in memory: its status, headers and body. Once finished it is
// not changed, so that the hot cache can share it between requests.
type response struct {
	status int
	header http.Header
	body   []byte
	// timelineStatus is the status of the timeline the response is about, when the
	// response says (a Timeline) or the service reported it (apiheader.TimelineStatus).
	timelineStatus timelinev1.Timeline_Status
}

// capture is the http.ResponseWriter that the gateway's mux writes a read to.
type capture struct{ resp response }

func newCapture() *capture { return &capture{resp: response{header: http.Header{}}} }

func (c *capture) Header() http.Header { return c.resp.header }

func (c *capture) WriteHeader(code int) {
	if c.resp.status == 0 {
		c.resp.status = code
	}
}

func (c *capture) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	c.resp.body = append(c.resp.body, p...)
	return len(p), nil
}

// finish sets the validators and caching rules of a read.
func (r *response) finish(route readRoute, public bool) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	h := r.header
	// The body is whole: no chunking, and no gRPC trailers (asked for with "TE:
	// trailers") after it.
	h.Del("Transfer-Encoding")
	h.Del("Trailer")
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			delete(h, k)
		}
	}
	if r.status != http.StatusOK {
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", cachePrivate)
		}
		return
	}
	if h.Get("ETag") == "" {
		h.Set("ETag", bodyETag(r.body))
	}
	if route != otherRead {
		h.Set("Cache-Control", cacheControl(public, r.timelineStatus))
	}
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
}

// cacheable reports whether shared caches, the gateway's included, may keep r.
func (r *response) cacheable() bool {
	return r.status == http.StatusOK && strings.HasPrefix(r.header.Get("Cache-Control"), "public")
}

// write sends r in answer to req: 304 without a body when req already holds it.
func (r *response) write(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	if r.status == http.StatusOK && notModified(req.Header.Values("If-None-Match"), r.header.Get("ETag")) {
		h.Del("Content-Type")
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

// bodyETag is a strong entity tag of body.
func bodyETag(body []byte) string {
	var sum [8]byte
	var out [2 + 2*len(sum)]byte
	h := xxhash.Sum64(body)
	for i := range sum {
		sum[i] = byte(h >> (56 - 8*i))
	}
	out[0] = '"'
	hex.Encode(out[1:], sum[:])
	out[len(out)-1] = '"'
	return string(out[:])
}

// notModified evaluates If-None-Match (RFC 9110, 13.1.2) against the current etag: true
// when one of the listed tags matches it (weak comparison), or the list is "*".
func notModified(ifNoneMatch []string, etag string) bool {
	if etag == "" {
		return false
	}
	current := strings.TrimPrefix(etag, "W/")
	for _, list := range ifNoneMatch {
		for tag := range strings.SplitSeq(list, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				return true
			}
			if tag = strings.TrimPrefix(tag, "W/"); tag != "" && tag == current {
				return true
			}
		}
	}
	return false
}

// describeResponse is the mux's forward-response option: it copies a resource's etag
// into the ETag header (AIP-154), and notes on a captured read the status of the
// timeline it is about.
func describeResponse(ctx context.Context, w http.ResponseWriter, m proto.Message) error {
	if r, ok := m.(interface{ GetEtag() string }); ok {
		if etag := r.GetEtag(); etag != "" && !strings.ContainsAny(etag, "\"\r\n") {
			w.Header().Set("ETag", `"`+etag+`"`)
		}
	}
	if c, ok := w.(*capture); ok {
		c.resp.timelineStatus = reportedStatus(ctx, m)
	}
	return nil
}

// reportedStatus is the timeline's status as the response gives it: the timeline itself,
// or the service's apiheader.TimelineStatus header.
func reportedStatus(ctx context.Context, m proto.Message) timelinev1.Timeline_Status {
	if t, ok := m.(*timelinev1.Timeline); ok {
		return t.GetStatus()
	}
	if md, ok := runtime.ServerMetadataFromContext(ctx); ok {
		if v := md.HeaderMD.Get(apiheader.TimelineStatus); len(v) > 0 {
			return timelinev1.Timeline_Status(timelinev1.Timeline_Status_value[v[0]])
		}
	}
	return timelinev1.Timeline_STATUS_UNSPECIFIED
}

// outgoingHeader keeps the gateway's own gRPC response headers, and the gRPC content
// type, out of HTTP responses; others go out as grpc-gateway's "Grpc-Metadata-<name>".
func outgoingHeader(key string) (string, bool) {
	switch strings.ToLower(key) {
	case apiheader.TimelineStatus, "content-type":
		return "", false
	}
	return runtime.MetadataHeaderPrefix + key, true
}
