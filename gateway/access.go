package gateway

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// The gateway does not decide who may do what: it passes the client's credential
// ("Authorization: Bearer ...") to the services as the "authorization" metadata, and the
// services answer. What it does on its own is meet the public:
//
//   - CORS, so that pages on the origins it is told may call the API from browsers
//     (with "*", any page, for anonymous reads only);
//   - "WWW-Authenticate: Bearer" on every 401 (RFC 6750);
//   - limits per client address on requests without a credential: a token bucket
//     (429 with Retry-After), and a cap on their watch streams.

// ParseOrigins reads a comma-separated list of origins ("https://a.example,https://b.example"),
// or "*". Origins are compared exactly, as browsers send them: scheme, host and port.
func ParseOrigins(list string) ([]string, error) {
	var out []string
	for o := range strings.SplitSeq(list, ",") {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			continue
		case o == "*":
		case !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://"), strings.Count(o, "/") != 2:
			return nil, fmt.Errorf("--cors-origins: %q is not an origin (scheme://host[:port], no path)", o)
		}
		out = append(out, strings.TrimSuffix(o, "/"))
	}
	return out, nil
}

// ParsePrefixes reads a comma-separated list of addresses and CIDR prefixes.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for s := range strings.SplitSeq(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %w", err)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %w", err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// SetEdge sets the options that meet the public from the command line's forms: origins
// and proxies as comma-separated lists (ParseOrigins, ParsePrefixes).
func (o *Options) SetEdge(origins string, rate float64, streams int, proxies string) error {
	var err error
	if o.CORSOrigins, err = ParseOrigins(origins); err != nil {
		return err
	}
	if o.TrustedProxies, err = ParsePrefixes(proxies); err != nil {
		return err
	}
	if rate < 0 || streams < 0 {
		return fmt.Errorf("--anonymous-rate and --anonymous-streams must not be negative")
	}
	o.AnonymousRate, o.AnonymousStreams = rate, streams
	return nil
}

// edge is the gateway's part in access control.
type edge struct {
	mux     *runtime.ServeMux
	origins map[string]bool
	anyPage bool // "*"
	trusted []netip.Prefix
	limiter *limiter     // nil: no limit
	streams *streamCount // nil: no cap
}

func newEdge(mux *runtime.ServeMux, opts Options) *edge {
	e := &edge{mux: mux, origins: map[string]bool{}, trusted: opts.TrustedProxies}
	for _, o := range opts.CORSOrigins {
		if o == "*" {
			e.anyPage = true
		}
		e.origins[o] = true
	}
	if opts.AnonymousRate > 0 {
		e.limiter = newLimiter(opts.AnonymousRate)
	}
	if opts.AnonymousStreams > 0 {
		e.streams = &streamCount{max: opts.AnonymousStreams, open: map[netip.Addr]int{}}
	}
	return e
}

// Headers a page may send, and read, across origins.
const (
	corsRequestHeaders       = "Accept, Content-Type, If-None-Match, Last-Event-ID, X-Request-Id"
	corsExposedHeaders       = "ETag, X-Request-Id, Last-Event-ID, Retry-After, WWW-Authenticate"
	corsMethods              = "GET, HEAD, POST, PATCH, DELETE"
	corsAnonymousMethods     = "GET, HEAD"
	corsPreflightMaxAge      = "600"
	wwwAuthenticate          = `Bearer realm="newsroom"`
	wwwAuthenticateInvalid   = `Bearer realm="newsroom", error="invalid_token"`
	headerRetryAfter         = "Retry-After"
	headerWWWAuthenticate    = "WWW-Authenticate"
	headerAuthorization      = "Authorization"
	headerAccessControlAllow = "Access-Control-Allow-Origin"
)

// wrap puts the edge in front of next.
func (e *edge) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(e.origins) > 0 {
			w.Header().Add("Vary", "Origin")
			if origin := r.Header.Get("Origin"); origin != "" && (e.anyPage || e.origins[origin]) {
				if e.preflight(w, r, origin) {
					return
				}
			}
		}
		if e.limiter != nil && r.Header.Get(headerAuthorization) == "" {
			if wait, ok := e.limiter.take(e.client(r), time.Now()); !ok {
				secs := int(math.Ceil(wait.Seconds()))
				w.Header().Set(headerRetryAfter, strconv.Itoa(max(secs, 1)))
				e.refuse(w, r, apierror.ReasonRateLimited, "too many requests without a credential from this address: retry after Retry-After seconds")
				return
			}
		}
		next.ServeHTTP(&challenger{ResponseWriter: w, r: r}, r)
	})
}

// preflight sets the CORS headers of a request from an allowed origin, and answers it
// when it is a preflight.
func (e *edge) preflight(w http.ResponseWriter, r *http.Request, origin string) bool {
	h := w.Header()
	if e.anyPage {
		h.Set(headerAccessControlAllow, "*")
	} else {
		h.Set(headerAccessControlAllow, origin)
	}
	h.Set("Access-Control-Expose-Headers", corsExposedHeaders)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	// Any page ("*") may only read without a credential: Authorization is not among the
	// headers it may send, nor writes among its methods.
	if e.anyPage && !e.origins[origin] {
		h.Set("Access-Control-Allow-Methods", corsAnonymousMethods)
		h.Set("Access-Control-Allow-Headers", corsRequestHeaders)
	} else {
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", headerAuthorization+", "+corsRequestHeaders)
	}
	h.Set("Access-Control-Max-Age", corsPreflightMaxAge)
	h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// refuse answers 429 with a reason of the gateway's.
func (e *edge) refuse(w http.ResponseWriter, r *http.Request, reason, message string) {
	_, out := runtime.MarshalerForRequest(e.mux, r)
	err := &apierror.Error{Code: codes.ResourceExhausted, Reason: reason, Message: message}
	runtime.HTTPError(r.Context(), e.mux, out, w, r, err.GRPCStatus().Err())
}

// openStream counts a watch stream of a client without a credential; release ends it.
// ok is false (and the request answered 429) when the client holds too many already.
func (e *edge) openStream(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	if e.streams == nil || r.Header.Get(headerAuthorization) != "" {
		return func() {}, true
	}
	client := e.client(r)
	if !e.streams.open1(client) {
		e.refuse(w, r, apierror.ReasonTooManyStreams, fmt.Sprintf("at most %d watch streams at once per address without a credential", e.streams.max))
		return nil, false
	}
	return func() { e.streams.close1(client) }, true
}

// client is the address a request comes from: its peer, or, when the peer is a trusted
// proxy, the last address in X-Forwarded-For that is not one.
func (e *edge) client(r *http.Request) netip.Addr {
	peer := remoteAddr(r.RemoteAddr)
	if !e.isTrusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed list: believe nothing in it
		}
		if a = a.Unmap(); !e.isTrusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

func (e *edge) isTrusted(a netip.Addr) bool {
	for _, p := range e.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// limiter is a token bucket per client address: rate tokens a second, as many at most.
type limiter struct {
	rate  float64
	burst float64

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the addresses remembered; full buckets are forgotten first (a new
// one is the same).
const maxBuckets = 100_000

func newLimiter(rate float64) *limiter {
	return &limiter{rate: rate, burst: math.Max(rate, 1), buckets: map[netip.Addr]*bucket{}}
}

// take takes a token for a request from a, or says how long until there is one.
func (l *limiter) take(a netip.Addr, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) >= maxBuckets || now.Sub(l.swept) > time.Minute {
		l.sweep(now)
	}
	b, ok := l.buckets[a]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[a] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

func (l *limiter) sweep(now time.Time) {
	l.swept = now
	for a, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, a)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets) // under a flood of addresses: start again
	}
}

// streamCount counts the open watch streams of each address.
type streamCount struct {
	max  int
	mu   sync.Mutex
	open map[netip.Addr]int
}

func (s *streamCount) open1(a netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[a] >= s.max {
		return false
	}
	s.open[a]++
	return true
}

func (s *streamCount) close1(a netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[a]--; s.open[a] <= 0 {
		delete(s.open, a)
	}
}

// challenger sets "WWW-Authenticate: Bearer" on every 401 (RFC 6750), whoever writes it
// (grpc-gateway would put the status message there): the client sent no credential, or
// one that is not valid.
type challenger struct {
	http.ResponseWriter
	r *http.Request
}

func (c *challenger) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		if c.r.Header.Get(headerAuthorization) == "" {
			c.Header().Set(headerWWWAuthenticate, wwwAuthenticate)
		} else {
			c.Header().Set(headerWWWAuthenticate, wwwAuthenticateInvalid)
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushing streams, deadlines).
func (c *challenger) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush keeps streaming responses streaming.
func (c *challenger) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
