package timeline

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// FeedOptions tunes live delivery: how watchers are fed and how the first page of a
// timeline is kept in memory. Memory is bounded by MaxFollowed timelines, each holding
// at most PageSize entries and Ring events.
type FeedOptions struct {
	// Poll is how often the followed timelines look for events written by other
	// replicas (all of them with one query): the bound on their delivery latency and on
	// the staleness of hot reads.
	Poll time.Duration
	// Heartbeat is how long a watch stream may stay silent.
	Heartbeat time.Duration
	// Buffer is how many events a watcher may fall behind before it is ended.
	Buffer int
	// Ring is how many recent events each followed timeline keeps in memory for
	// watchers that resume; older ones are read from the database.
	Ring int
	// PageSize is how many of the latest entries each followed timeline keeps in
	// memory for first-page reads; at least twice the largest page, 100.
	PageSize int
	// Idle is how long a timeline that nobody watches or reads stays followed.
	Idle time.Duration
	// MaxFollowed bounds the timelines followed at once. To follow another, the one
	// least recently used that has no watcher is let go; when every one has watchers, a
	// new watch is refused with RESOURCE_EXHAUSTED (another replica may have room) and
	// reads go to the database.
	MaxFollowed int
	// FollowAfter is how many first-page reads of a timeline, within Idle, make it
	// followed when nobody watches it: one read alone goes to the database.
	FollowAfter int
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
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt(&o.Buffer, 256)
	defInt(&o.Ring, 256)
	defInt(&o.MaxFollowed, DefaultMaxFollowed)
	defInt(&o.FollowAfter, 2)
	o.PageSize = max(o.PageSize, 2*maxPageSize)
	return o
}

// DefaultMaxFollowed is how many timelines a server follows at most unless told.
const DefaultMaxFollowed = 500

// existenceCheck is how often the feed looks for followed timelines that were deleted
// through another replica: deletion writes no event.
const existenceCheck = time.Second

// feed follows the timelines that are being watched or read again and again: one topic
// each, which applies the timeline's events (written by any replica) in sequence order,
// fans them out to watchers, and keeps the timeline and its latest entries in memory. One
// goroutine polls the heads of every followed timeline with one query, and catches up
// those that moved.
type feed struct {
	store  Store
	logger *slog.Logger
	opts   FeedOptions

	mu      sync.Mutex
	topics  map[string]*topic
	demand  map[string]*demand // first-page reads of timelines not followed
	pending map[string]bool    // topics to catch up at once
	closed  bool

	wake    chan struct{}
	closing chan struct{}
	wg      sync.WaitGroup
}

// demand counts the recent reads of a timeline that is not followed.
type demand struct {
	reads int
	since time.Time
}

func newFeed(store Store, logger *slog.Logger, opts FeedOptions) *feed {
	f := &feed{
		store: store, logger: logger, opts: opts.withDefaults(),
		topics: map[string]*topic{}, demand: map[string]*demand{}, pending: map[string]bool{},
		wake: make(chan struct{}, 1), closing: make(chan struct{}),
	}
	f.wg.Add(1)
	go f.run()
	if n, ok := store.(Notifier); ok {
		f.wg.Add(1)
		go f.listen(n)
	}
	return f
}

// FeedStats is what the feed holds at one moment.
type FeedStats struct {
	// Followed is the number of timelines followed.
	Followed int
	// Watchers is the number of watch streams.
	Watchers int
}

func (f *feed) stats() FeedStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := FeedStats{Followed: len(f.topics)}
	for _, t := range f.topics {
		t.mu.Lock()
		st.Watchers += len(t.subs)
		t.mu.Unlock()
	}
	return st
}

// errFollowLimit refuses a watch when every followed timeline has watchers.
var errFollowLimit = apierror.ResourceExhausted(apierror.ReasonFollowLimit,
	"this server follows as many timelines as it may: retry later, or on another replica")

// errClosing ends watch streams when the server stops; clients resume elsewhere.
var errClosing = apierror.ShuttingDown()

// watch returns the topic of a timeline for a watch stream, following it if need be.
// The caller holds the topic until it calls release.
func (f *feed) watch(ctx context.Context, timelineID string) (*topic, error) {
	t, err := f.acquire(timelineID, true)
	if err != nil {
		return nil, err
	}
	if err := f.ready(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// read returns the topic of a timeline for a first-page read, when it is followed or
// has been read often enough to be worth following; nil otherwise. The caller holds a
// topic it gets until it calls release.
func (f *feed) read(ctx context.Context, timelineID string) (*topic, error) {
	t, err := f.acquire(timelineID, false)
	if t == nil || err != nil {
		return nil, err
	}
	if err := f.ready(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// acquire returns the topic of a timeline and holds it. A read follows a timeline only
// on repeated demand, and only where there is room; a watch always does, making room
// if it must.
func (f *feed) acquire(timelineID string, watching bool) (*topic, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errClosing
	}
	now := time.Now()
	t, ok := f.topics[timelineID]
	if !ok {
		if !watching && !f.demanded(timelineID, now) {
			return nil, nil
		}
		if len(f.topics) >= f.opts.MaxFollowed && !f.evict() {
			if watching {
				return nil, errFollowLimit
			}
			return nil, nil
		}
		delete(f.demand, timelineID)
		t = f.start(timelineID)
	}
	t.refs++
	t.lastUse = now
	return t, nil
}

// demanded counts a read of a timeline that is not followed and reports whether there
// have been enough of them lately. Callers hold f.mu.
func (f *feed) demanded(timelineID string, now time.Time) bool {
	d := f.demand[timelineID]
	if d == nil || now.Sub(d.since) > f.opts.Idle {
		if d == nil && len(f.demand) >= 4*f.opts.MaxFollowed {
			f.forgetOldDemand(now)
		}
		d = &demand{since: now}
		f.demand[timelineID] = d
	}
	d.reads++
	return d.reads >= f.opts.FollowAfter
}

// forgetOldDemand keeps the demand table bounded: reads older than Idle no longer count,
// and when there are too many recent ones, they are all forgotten. Callers hold f.mu.
func (f *feed) forgetOldDemand(now time.Time) {
	for id, d := range f.demand {
		if now.Sub(d.since) > f.opts.Idle {
			delete(f.demand, id)
		}
	}
	if len(f.demand) >= 4*f.opts.MaxFollowed {
		clear(f.demand)
	}
}

// evict lets go of the topic least recently used that nobody holds, and reports whether
// there was one. Callers hold f.mu.
func (f *feed) evict() bool {
	var lru *topic
	for _, t := range f.topics {
		if t.refs == 0 && (lru == nil || t.lastUse.Before(lru.lastUse)) {
			lru = t
		}
	}
	if lru == nil {
		return false
	}
	f.retire(lru)
	return true
}

// start begins following a timeline: it loads in the background, so that a caller that
// gives up does not fail the others waiting for it. Callers hold f.mu.
func (f *feed) start(timelineID string) *topic {
	t := &topic{id: timelineID, feed: f, subs: map[*watcher]struct{}{}, ready: make(chan struct{})}
	f.topics[timelineID] = t
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		ctx, cancel := f.lifetime()
		defer cancel()
		if err := t.load(ctx); err != nil {
			t.err = err
			f.mu.Lock()
			if f.topics[t.id] == t {
				delete(f.topics, t.id)
			}
			f.mu.Unlock()
		}
		close(t.ready)
	}()
	return t
}

// ready waits until t is loaded; on failure it releases t.
func (f *feed) ready(ctx context.Context, t *topic) error {
	select {
	case <-t.ready:
	case <-ctx.Done():
		f.release(t)
		return ctx.Err()
	}
	if t.err != nil {
		f.release(t)
		return t.err
	}
	return nil
}

// release gives back a topic that acquire returned.
func (f *feed) release(t *topic) {
	f.mu.Lock()
	t.refs--
	t.lastUse = time.Now()
	f.mu.Unlock()
}

// retire stops following t, ending its watchers. Callers hold f.mu.
func (f *feed) retire(t *topic) {
	if f.topics[t.id] == t {
		delete(f.topics, t.id)
	}
	delete(f.pending, t.id)
	t.stop()
}

// run polls the heads of the followed timelines, catches up those that moved or were
// poked, and lets go of those that are idle or deleted, until the feed closes.
func (f *feed) run() {
	defer f.wg.Done()
	ctx, cancel := f.lifetime()
	defer cancel()
	poll := time.NewTicker(f.opts.Poll)
	defer poll.Stop()
	lastCheck := time.Now()
	for {
		select {
		case <-f.closing:
			f.mu.Lock()
			for _, t := range f.topics {
				f.retire(t)
			}
			f.mu.Unlock()
			return
		case <-f.wake:
			f.catchUp(ctx, f.takePending())
			continue
		case <-poll.C:
		}
		if err := f.poll(ctx); err != nil && ctx.Err() == nil {
			f.logger.Warn("poll followed timelines", "err", err)
		}
		if time.Since(lastCheck) >= existenceCheck {
			lastCheck = time.Now()
			if err := f.checkExistence(ctx); err != nil && ctx.Err() == nil {
				f.logger.Warn("check followed timelines", "err", err)
			}
		}
		f.retireIdle()
	}
}

// loaded returns the topics that have finished loading, and their timelines' ids.
func (f *feed) loaded() ([]*topic, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	topics := make([]*topic, 0, len(f.topics))
	ids := make([]string, 0, len(f.topics))
	for _, t := range f.topics {
		select {
		case <-t.ready:
			topics = append(topics, t)
			ids = append(ids, t.id)
		default:
		}
	}
	return topics, ids
}

// poll reads the head of every followed timeline with one query, and catches up those
// that moved, or that need their page again.
func (f *feed) poll(ctx context.Context) error {
	topics, ids := f.loaded()
	if len(topics) == 0 {
		return nil
	}
	heads, err := f.store.LastSequences(ctx, ids)
	if err != nil {
		return err
	}
	var moved []*topic
	for _, t := range topics {
		t.mu.Lock()
		behind := heads[t.id] > t.head || t.page == nil
		t.mu.Unlock()
		if behind {
			moved = append(moved, t)
		}
	}
	f.catchUp(ctx, moved)
	return nil
}

func (f *feed) catchUp(ctx context.Context, topics []*topic) {
	for _, t := range topics {
		if err := t.catchUp(ctx); err != nil && ctx.Err() == nil {
			f.logger.Warn("follow timeline", "timeline", t.id, "err", err)
		}
	}
}

// checkExistence marks gone, with one query, the followed timelines that were deleted.
func (f *feed) checkExistence(ctx context.Context) error {
	topics, ids := f.loaded()
	if len(topics) == 0 {
		return nil
	}
	found, err := f.store.GetTimelines(ctx, ids)
	if err != nil {
		return err
	}
	exists := make(map[string]bool, len(found))
	for _, tl := range found {
		exists[tl.ID] = true
	}
	for _, t := range topics {
		if !exists[t.id] {
			t.mu.Lock()
			t.gone = true
			t.mu.Unlock()
		}
	}
	return nil
}

// retireIdle lets go of the topics of deleted timelines, and of those nobody held for
// Idle.
func (f *feed) retireIdle() {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	for _, t := range f.topics {
		t.mu.Lock()
		gone := t.gone
		t.mu.Unlock()
		if gone || t.refs == 0 && now.Sub(t.lastUse) > f.opts.Idle {
			f.retire(t)
		}
	}
	f.forgetOldDemand(now)
}

// poke asks the poller to catch a timeline up now rather than at the next poll.
func (f *feed) poke(timelineID string) {
	f.mu.Lock()
	f.pending[timelineID] = true
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *feed) takePending() []*topic {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*topic
	for id := range f.pending {
		if t := f.topics[id]; t != nil {
			select {
			case <-t.ready:
				out = append(out, t)
			default: // loading catches up by itself
			}
		}
	}
	clear(f.pending)
	return out
}

// listen pokes followed timelines as the database reports their new events, where it
// can (MongoDB change streams); polling stays on as the safety net.
func (f *feed) listen(n Notifier) {
	defer f.wg.Done()
	ctx, cancel := f.lifetime()
	defer cancel()
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
			_, followed := f.topics[id]
			f.mu.Unlock()
			if followed {
				f.poke(id)
			}
		}
	}
}

// lifetime is a context that ends when the feed closes, for its own goroutines.
func (f *feed) lifetime() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-f.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

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
		f.poke(ev.TimelineID) // an earlier event is missing here: read it from the database
	}
}

// forget stops following a deleted timeline, ending its watch streams with NOT_FOUND.
func (f *feed) forget(timelineID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.topics[timelineID]; t != nil {
		t.mu.Lock()
		t.gone = true
		t.mu.Unlock()
		f.retire(t)
	}
	delete(f.demand, timelineID)
}

// topic is one followed timeline.
type topic struct {
	id    string
	feed  *feed
	ready chan struct{} // closed once head, timeline and page are loaded
	err   error         // why loading failed, set before ready is closed

	// Guarded by feed.mu.
	refs    int // watch streams and reads holding the topic
	lastUse time.Time

	mu       sync.Mutex
	loaded   bool     // head, timeline and page are set; events apply from here on
	head     int64    // last event applied
	ring     []*Event // the latest events, contiguous, ending at head
	timeline *Timeline
	page     *page
	subs     map[*watcher]struct{}
	gone     bool // the timeline was deleted
	stopped  bool // no longer followed: its watchers were ended
}

// stop ends the topic's watchers, and any that subscribe later.
func (t *topic) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
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

// catchUp reads and applies every event after the head that the log holds, refilling the
// page first if it was dropped.
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
		t.feed.poke(t.id)
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
	t.addLocked(w)
	return t.head
}

// addLocked subscribes w, or ends it at once when the topic was stopped. Callers hold
// t.mu.
func (t *topic) addLocked(w *watcher) {
	if t.stopped {
		w.end(t.endReason())
		return
	}
	t.subs[w] = struct{}{}
}

func (t *topic) unsubscribe(w *watcher) {
	t.mu.Lock()
	delete(t.subs, w)
	t.mu.Unlock()
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
