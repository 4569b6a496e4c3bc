package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apiheader"
)

// The hot reads, a live timeline's latest entries above all, are asked for by every
// reader at once. The gateway keeps each public one for a moment (HotReadTTL, default
// half a second, well within what CDNs are told to keep it) and answers the same request
// again from memory, with one call to the service for all the requests that miss at the
// same time. A write through the gateway drops what it keeps of that timeline, so its
// own clients read their writes at once; writes through another gateway or over gRPC
// show within HotReadTTL.

// reads answers GET requests other than the watch route.
type reads struct {
	cache    *hotCache // nil when off
	statuses *statusMemo
}

// serve answers r with the response that fetch has the route's handler write; timeline
// names the timeline of a hot read.
func (rd *reads) serve(w http.ResponseWriter, r *http.Request, route readRoute, timeline string, fetch func(http.ResponseWriter)) {
	// An answer to a request with credentials is never marked public: a CDN would keep
	// it for callers without them (RFC 9111, 3.5), and where anonymous callers may not
	// read that would hand it to anyone.
	public := route != otherRead && publicView(r.URL.RawQuery) && sharedRequest(r)
	read := func() *response { return rd.fetch(r, route, timeline, public, fetch) }
	if rd.cache != nil && public {
		rd.cache.serve(w, r, r.URL.Path+"?"+r.URL.RawQuery, timeline, read)
		return
	}
	read().write(w, r)
}

// sharedRequest reports whether the answer to r may be shared with other clients: not
// when it carries credentials, which may one day change what the services show.
func sharedRequest(r *http.Request) bool {
	return r.Header.Get("Authorization") == "" && r.Header.Get("Cookie") == ""
}

// fetch captures what the handler writes and finishes the response.
func (rd *reads) fetch(r *http.Request, route readRoute, timeline string, public bool, handler func(http.ResponseWriter)) *response {
	c := newCapture()
	handler(c)
	resp := &c.resp
	if route == entriesRead && public && resp.status <= http.StatusOK && resp.timelineStatus == timelinev1.Timeline_STATUS_UNSPECIFIED {
		resp.timelineStatus = rd.statuses.lookup(r.Context(), timeline, r.Header.Get(apiheader.RequestID))
	}
	resp.finish(route, public)
	return resp
}

// written forgets what is kept of a timeline that a write may have changed.
func (rd *reads) written(timeline string) {
	if rd.cache != nil {
		rd.cache.invalidate(timeline)
	}
	rd.statuses.forget(timeline)
}

// hotCache keeps public hot reads for a moment, by URL.
type hotCache struct {
	ttl      time.Duration
	maxBytes int

	mu      sync.Mutex
	entries map[string]*hotEntry
	flights map[string]*flight
	bytes   int
	// gen counts invalidations: a response fetched across one is not kept, as it may
	// predate the write.
	gen uint64
}

type hotEntry struct {
	resp     *response
	timeline string
	expires  time.Time
	size     int
}

// flight is a fetch in progress that other requests for the same URL wait for.
type flight struct {
	done chan struct{}
	resp *response // set before done is closed when it may be shared
}

func newHotCache(ttl time.Duration, maxBytes int) *hotCache {
	return &hotCache{ttl: ttl, maxBytes: maxBytes, entries: map[string]*hotEntry{}, flights: map[string]*flight{}}
}

func (c *hotCache) serve(w http.ResponseWriter, r *http.Request, key, timeline string, fetch func() *response) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		if time.Now().Before(e.expires) {
			c.mu.Unlock()
			e.resp.write(w, r)
			return
		}
		c.remove(key, e)
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.resp != nil {
				f.resp.write(w, r)
				return
			}
		case <-r.Context().Done():
		}
		fetch().write(w, r)
		return
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	gen := c.gen
	c.mu.Unlock()

	var resp *response
	defer func() {
		c.mu.Lock()
		delete(c.flights, key)
		if resp != nil && resp.cacheable() && c.gen == gen {
			f.resp = resp
			c.store(key, &hotEntry{resp: resp, timeline: timeline, expires: time.Now().Add(c.ttl), size: len(key) + len(resp.body) + 512})
		}
		c.mu.Unlock()
		close(f.done)
	}()
	resp = fetch()
	resp.write(w, r)
}

// store keeps e, making room if need be: first by dropping what has expired, then
// anything. A response too large to be worth it is not kept.
func (c *hotCache) store(key string, e *hotEntry) {
	if e.size > c.maxBytes/16 {
		return
	}
	if old, ok := c.entries[key]; ok {
		c.remove(key, old)
	}
	if c.bytes+e.size > c.maxBytes {
		now := time.Now()
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				c.remove(k, old)
			}
		}
	}
	for k, old := range c.entries {
		if c.bytes+e.size <= c.maxBytes {
			break
		}
		c.remove(k, old)
	}
	c.entries[key] = e
	c.bytes += e.size
}

func (c *hotCache) remove(key string, e *hotEntry) {
	delete(c.entries, key)
	c.bytes -= e.size
}

func (c *hotCache) invalidate(timeline string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.timeline == timeline {
			c.remove(k, e)
		}
	}
}

// statusMemo learns the status of timelines whose entries are read, when the service
// does not report it with the entries: from GetTimeline, kept for a moment.
type statusMemo struct {
	client timelinev1.TimelineServiceClient
	ttl    time.Duration

	mu    sync.Mutex
	known map[string]statusSeen
}

type statusSeen struct {
	status  timelinev1.Timeline_Status
	expires time.Time
}

// statusMemoSize bounds the timelines remembered; past it, the memo starts again.
const statusMemoSize = 10_000

func newStatusMemo(client timelinev1.TimelineServiceClient, ttl time.Duration) *statusMemo {
	return &statusMemo{client: client, ttl: ttl, known: map[string]statusSeen{}}
}

// lookup returns the status of the timeline named "timelines/{timeline}", or
// STATUS_UNSPECIFIED when it cannot be had.
func (m *statusMemo) lookup(ctx context.Context, timeline, requestID string) timelinev1.Timeline_Status {
	now := time.Now()
	m.mu.Lock()
	seen, ok := m.known[timeline]
	m.mu.Unlock()
	if ok && now.Before(seen.expires) {
		return seen.status
	}
	// Only the request id goes along: the lookup is the gateway's, not the client's.
	if requestID != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, apiheader.RequestID, requestID)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	t, err := m.client.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: timeline})
	if err != nil {
		return timelinev1.Timeline_STATUS_UNSPECIFIED
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.known) >= statusMemoSize {
		clear(m.known)
	}
	m.known[timeline] = statusSeen{status: t.GetStatus(), expires: now.Add(m.ttl)}
	return t.GetStatus()
}

func (m *statusMemo) forget(timeline string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.known, timeline)
}
