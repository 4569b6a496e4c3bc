package timeline

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// FeedOptions tunes live delivery: how watchers are fed and how the first page of a
// timeline is kept in memory.
type FeedOptions struct {
	// Poll is how often a followed timeline looks for events written by other
	// replicas: the bound on their delivery latency and on the staleness of hot reads.
	Poll time.Duration
	// Heartbeat is how long a watch stream may stay silent.
	Heartbeat time.Duration
	// Buffer is how many events a watcher may fall behind before it is ended.
	Buffer int
	// Ring is how many recent events each followed timeline keeps in memory for
	// watchers that resume; older ones are read from the database.
	Ring int
	// PageSize is how many of the latest entries each followed timeline keeps in
	// memory for first-page reads; at least the largest page, 100.
	PageSize int
	// Idle is how long a timeline nobody watches or reads stays followed.
	Idle time.Duration
}

func (o FeedOptions) withDefaults() FeedOptions {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Poll, 50*time.Millisecond)
	def(&o.Heartbeat, 10*time.Second)
	def(&o.Idle, 2*time.Minute)
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.Ring <= 0 {
		o.Ring = 1024
	}
	o.PageSize = max(o.PageSize, 2*maxPageSize)
	return o
}

// feed follows the timelines that are being watched or read: one topic each, which
// tails the timeline's events (written by any replica) in sequence order, fans them out
// to watchers, and keeps the timeline and its latest entries in memory.
type feed struct {
	store  Store
	logger *slog.Logger
	opts   FeedOptions

	mu      sync.Mutex
	topics  map[string]*topic
	closing chan struct{}
	closed  bool
	wg      sync.WaitGroup
}

func newFeed(store Store, logger *slog.Logger, opts FeedOptions) *feed {
	f := &feed{store: store, logger: logger, opts: opts.withDefaults(), topics: map[string]*topic{}, closing: make(chan struct{})}
	if n, ok := store.(Notifier); ok {
		f.wg.Add(1)
		go f.listen(n)
	}
	return f
}

// listen wakes followed timelines as the database reports their new events, where it
// can (MongoDB change streams); polling stays on as the safety net.
func (f *feed) listen(n Notifier) {
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-f.closing
		cancel()
	}()
	for attempt := 0; ctx.Err() == nil; attempt++ {
		ch, err := n.Notifications(ctx)
		if err != nil {
			if attempt == 0 {
				f.logger.Info("the database does not push changes: watchers of other replicas' writes poll", "every", f.opts.Poll, "reason", err)
				return
			}
			f.logger.Warn("change stream lost", "err", err)
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
			continue
		}
		for id := range ch {
			f.mu.Lock()
			t := f.topics[id]
			f.mu.Unlock()
			if t != nil {
				t.poke()
			}
		}
	}
}

// errClosing ends watch streams when the server stops; clients resume elsewhere.
var errClosing = apierror.ShuttingDown()

// close stops following every timeline and ends every watch stream.
func (f *feed) close() {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		close(f.closing)
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// follow returns the topic of a timeline, starting to follow it if need be.
func (f *feed) follow(ctx context.Context, timelineID string) (*topic, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, errClosing
	}
	t, ok := f.topics[timelineID]
	if !ok {
		t = &topic{id: timelineID, feed: f, subs: map[*watcher]struct{}{}, wake: make(chan struct{}, 1), ready: make(chan struct{})}
		f.topics[timelineID] = t
		f.wg.Add(1)
		go t.run()
	}
	t.lastUse = time.Now()
	f.mu.Unlock()
	select {
	case <-t.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if t.err != nil {
		return nil, t.err
	}
	return t, nil
}

// published hands the feed an event this replica just wrote, so that watchers here get
// it without waiting for a poll.
func (f *feed) published(ev *Event) {
	f.mu.Lock()
	t := f.topics[ev.TimelineID]
	f.mu.Unlock()
	if t == nil {
		return
	}
	t.mu.Lock()
	applied := t.apply(ev)
	t.mu.Unlock()
	if !applied {
		t.poke() // an earlier event is missing here: read it from the database
	}
}

// forget stops following a deleted timeline, ending its watch streams with NOT_FOUND.
func (f *feed) forget(timelineID string) {
	f.mu.Lock()
	t := f.topics[timelineID]
	f.mu.Unlock()
	if t != nil {
		t.mu.Lock()
		t.gone = true
		t.mu.Unlock()
		t.poke()
	}
}

// topic is one followed timeline.
type topic struct {
	id    string
	feed  *feed
	wake  chan struct{}
	ready chan struct{} // closed once head, timeline and page are loaded
	err   error         // why loading failed, set before ready is closed

	mu       sync.Mutex
	loaded   bool     // head, timeline and page are set; events apply from here on
	head     int64    // last event applied
	ring     []*Event // the latest events, contiguous, ending at head
	timeline *Timeline
	page     *page
	subs     map[*watcher]struct{}
	lastUse  time.Time
	gone     bool // the timeline was deleted
}

func (t *topic) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// run loads the topic, then tails the timeline's events until the topic is idle, the
// timeline is deleted, or the feed closes.
func (t *topic) run() {
	f := t.feed
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-f.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := t.load(ctx); err != nil {
		t.err = err
		f.mu.Lock()
		if f.topics[t.id] == t {
			delete(f.topics, t.id)
		}
		f.mu.Unlock()
		close(t.ready)
		return
	}
	close(t.ready)
	poll := time.NewTicker(f.opts.Poll)
	defer poll.Stop()
	lastCheck := time.Now()
	for {
		select {
		case <-f.closing:
			t.stop()
			return
		case <-t.wake:
		case <-poll.C:
		}
		if err := t.catchUp(ctx); err != nil && ctx.Err() == nil {
			f.logger.Warn("follow timeline", "timeline", t.id, "err", err)
		}
		// Deletion writes no event: look for it now and then.
		if time.Since(lastCheck) >= time.Second {
			lastCheck = time.Now()
			if _, err := f.store.GetTimeline(ctx, t.id); isNotFound(err) {
				t.mu.Lock()
				t.gone = true
				t.mu.Unlock()
			}
		}
		if t.retire() {
			return
		}
	}
}

func isNotFound(err error) bool {
	var e *apierror.Error
	return errors.As(err, &e) && e.Code == apierror.NotFound("").Code
}

// retire stops the topic when its timeline is gone or nobody used it for a while.
func (t *topic) retire() bool {
	f := t.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	t.mu.Lock()
	idle := len(t.subs) == 0 && time.Since(t.lastUse) > f.opts.Idle
	gone := t.gone
	t.mu.Unlock()
	if !idle && !gone {
		return false
	}
	delete(f.topics, t.id)
	t.stop()
	return true
}

// stop ends the topic's watchers.
func (t *topic) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for w := range t.subs {
		w.end(t.endReason())
		delete(t.subs, w)
	}
}

func (t *topic) endReason() error {
	if t.gone {
		return apierror.NotFound(timelineName(t.id))
	}
	return errClosing
}

// load reads the head, the timeline and its latest entries. The page may already
// reflect events after the head (their writes land before their events): applying
// those events again is harmless, as the page keeps the highest revision of each entry.
func (t *topic) load(ctx context.Context) error {
	f := t.feed
	head, err := f.store.LastSequence(ctx, t.id)
	if err != nil {
		return err
	}
	tl, err := f.store.GetTimeline(ctx, t.id)
	if err != nil {
		return err
	}
	p, err := loadPage(ctx, f.store, t.id, f.opts.PageSize)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.head, t.timeline, t.page, t.loaded = head, tl, p, true
	t.mu.Unlock()
	return t.catchUp(ctx)
}

// catchUp reads and applies every event after the head.
func (t *topic) catchUp(ctx context.Context) error {
	f := t.feed
	const batch = 256
	for {
		t.mu.Lock()
		head, refill := t.head, t.page == nil
		t.mu.Unlock()
		if refill {
			p, err := loadPage(ctx, f.store, t.id, f.opts.PageSize)
			if err != nil {
				return err
			}
			t.mu.Lock()
			if t.page == nil {
				t.page = p
			}
			t.mu.Unlock()
		}
		// The head is one small document: reading it is what polling costs while
		// nothing happens.
		last, err := f.store.LastSequence(ctx, t.id)
		if err != nil {
			return err
		}
		if last <= head {
			return nil
		}
		events, err := f.store.ReadEvents(ctx, t.id, head, batch)
		if err != nil {
			return err
		}
		t.mu.Lock()
		for _, ev := range events {
			t.apply(ev)
		}
		t.mu.Unlock()
		if len(events) < batch {
			return nil
		}
	}
}

// apply applies the event that follows the head, and reports whether ev was it.
// Callers hold t.mu.
func (t *topic) apply(ev *Event) bool {
	if !t.loaded || ev.Seq != t.head+1 {
		return false
	}
	t.head = ev.Seq
	t.ring = append(t.ring, ev)
	if n := len(t.ring) - t.feed.opts.Ring; n > 0 {
		t.ring = slices.Delete(t.ring, 0, n)
	}
	if ev.Timeline != nil {
		t.timeline = ev.Timeline
	}
	// An entry read back for an event (bulk imports refer to their entries) may be gone
	// since: its revision is 0 and its deletion is a later event.
	if ev.Entry != nil && ev.Entry.Revision > 0 && t.page != nil && !t.page.apply(ev) {
		t.page = nil // the window lost an entry it cannot replace: reload it
		t.poke()
	}
	for w := range t.subs {
		if !w.offer(ev) {
			delete(t.subs, w)
		}
	}
	return true
}

// since returns the events after seq kept in memory, and whether they are all there.
// Callers hold t.mu.
func (t *topic) since(seq int64) ([]*Event, bool) {
	if seq >= t.head {
		return nil, true
	}
	if len(t.ring) == 0 || t.ring[0].Seq > seq+1 {
		return nil, false
	}
	return slices.Clone(t.ring[seq+1-t.ring[0].Seq:]), true
}

// touch records a read, which keeps the topic followed.
func (t *topic) touch() {
	t.feed.mu.Lock()
	t.lastUse = time.Now()
	t.feed.mu.Unlock()
}

// watcher is one watch stream's subscription.
type watcher struct {
	events chan *Event
	done   chan struct{} // closed when the topic drops the watcher
	reason error         // why, set before done is closed
	once   sync.Once
}

func newWatcher(buffer int) *watcher {
	return &watcher{events: make(chan *Event, buffer), done: make(chan struct{})}
}

// offer queues ev, or ends a watcher whose buffer is full; it reports whether the
// watcher is still subscribed.
func (w *watcher) offer(ev *Event) bool {
	select {
	case w.events <- ev:
		return true
	default:
		w.end(apierror.ResourceExhausted(apierror.ReasonWatcherTooSlow,
			"the stream fell more than its buffer behind: resume from the last sequence received"))
		return false
	}
}

func (w *watcher) end(reason error) {
	w.once.Do(func() {
		w.reason = reason
		close(w.done)
	})
}

// subscribe adds a watcher whose events start after the current head, which it returns.
func (t *topic) subscribe(w *watcher) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.subs[w] = struct{}{}
	return t.head
}

func (t *topic) unsubscribe(w *watcher) {
	t.mu.Lock()
	delete(t.subs, w)
	t.mu.Unlock()
	t.touch()
}

// page is a timeline's latest entries, in every status, newest first as ListEntries
// orders them.
type page struct {
	entries  []*Entry
	complete bool // holds every entry of the timeline
	size     int
}

func loadPage(ctx context.Context, store Store, timelineID string, size int) (*page, error) {
	found, err := store.ListEntries(ctx, EntryQuery{
		TimelineID: timelineID,
		Statuses:   []timelinev1.Entry_Status{timelinev1.Entry_DRAFT, timelinev1.Entry_PUBLISHED, timelinev1.Entry_RETRACTED},
		Limit:      size,
	})
	if err != nil {
		return nil, err
	}
	return &page{entries: found, complete: len(found) < size, size: size}, nil
}

// newer reports whether a sorts before b in newest-first order.
func newer(a, b *Entry) bool {
	at, bt := a.SortTime(), b.SortTime()
	if !at.Equal(bt) {
		return at.After(bt)
	}
	return a.ID > b.ID
}

// apply brings the page up to date with an entry event. It reports false when the page
// can no longer say what the latest entries are (it lost one and holds only a window).
func (p *page) apply(ev *Event) bool {
	e := ev.Entry
	i := slices.IndexFunc(p.entries, func(x *Entry) bool { return x.ID == e.ID })
	if i >= 0 && p.entries[i].Revision > e.Revision {
		return true // the page already holds a later revision
	}
	if i >= 0 {
		p.entries = slices.Delete(p.entries, i, i+1)
	}
	if ev.Type == timelinev1.WatchEntriesResponse_ENTRY_DELETED {
		return i < 0 || p.complete
	}
	at, _ := slices.BinarySearchFunc(p.entries, e, func(x, target *Entry) int {
		if newer(x, target) {
			return -1
		}
		return 1
	})
	if at == len(p.entries) && !p.complete {
		return i < 0 // sorts beyond the window: not kept
	}
	p.entries = slices.Insert(p.entries, at, e)
	if len(p.entries) > p.size {
		p.entries = p.entries[:p.size]
		p.complete = false
	}
	return true
}

// first returns the first n entries that pass keep, and whether more may follow; ok is
// false when the page cannot tell (it holds too few of them and not every entry).
func (p *page) first(n int, keep func(*Entry) bool) (out []*Entry, more, ok bool) {
	for _, e := range p.entries {
		if !keep(e) {
			continue
		}
		if len(out) == n {
			return out, true, true
		}
		out = append(out, e)
	}
	return out, false, p.complete
}
