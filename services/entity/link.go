package entity

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/linker"
)

const (
	// linkPoll is how often the linker asks whether another replica changed an entity.
	linkPoll = time.Second
	// rebuildGap is the least time between two builds that no caller waits for: a burst
	// of writes costs a build per gap, not one per write.
	rebuildGap = time.Second
	// buildTimeout bounds one build, so that a stuck database does not stop the builder
	// for good.
	buildTimeout = time.Minute
)

// links keeps a linker over every entity's names. One goroutine builds it, off the
// request path, and swaps it in whole; callers only read it.
//
// Read-your-writes: every write of this replica bumps wanted, and a build takes the
// wanted generation before it reads the names, so a linker of generation g knows every
// write that bumped wanted to g or below. A caller waits for the generation wanted when
// it started.
type links struct {
	names  NameSource
	logger *slog.Logger
	cur    atomic.Pointer[linkSet]
	wanted atomic.Uint64
	// waiting counts callers waiting for a build: then the builder does not wait out
	// rebuildGap.
	waiting atomic.Int32
	wake    chan struct{} // a write or a waiting caller; holds one, so wake-ups coalesce
	stop    context.CancelFunc
	done    chan struct{}
}

// linkSet is what one build published; never changed after.
type linkSet struct {
	linker  *linker.Linker // nil before the first build
	gen     uint64         // the wanted generation it was built at
	version string         // the NamesVersion it was built at
	builds  int64          // builds so far, this one included
	// err is why the latest build failed (with the previous linker kept), or errStopped.
	err error
	// replaced is closed when a newer set is published.
	replaced chan struct{}
}

func (s *linkSet) knows(gen uint64) bool { return s.linker != nil && s.gen >= gen }

// newLinks starts the builder; close stops it.
func newLinks(names NameSource, logger *slog.Logger) *links {
	ctx, cancel := context.WithCancel(context.Background())
	l := &links{names: names, logger: logger, wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	l.wanted.Store(1) // the first build; the empty set below is generation 0
	l.cur.Store(&linkSet{replaced: make(chan struct{})})
	go l.run(ctx)
	return l
}

func (l *links) close() {
	l.stop()
	<-l.done
}

// changed records a write of this replica that has finished.
func (l *links) changed() {
	l.wanted.Add(1)
	l.poke()
}

func (l *links) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// linker returns a linker that knows every write this replica finished before the
// call, and those of other replicas up to about linkPoll ago. It waits for a build
// while it has to, as long as ctx allows.
func (l *links) linker(ctx context.Context) (*linker.Linker, error) {
	want := l.wanted.Load()
	s := l.cur.Load()
	if s.knows(want) {
		return s.linker, nil
	}
	if errors.Is(s.err, errStopped) {
		return nil, s.err
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	l.poke()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.replaced:
		}
		s = l.cur.Load()
		switch {
		case s.knows(want):
			return s.linker, nil
		case s.err != nil:
			return nil, s.err // a build tried since the call failed
		}
	}
}

// run builds a linker at once, then whenever this replica wrote or NamesVersion moved.
func (l *links) run(ctx context.Context) {
	defer close(l.done)
	poll := time.NewTicker(linkPoll)
	defer poll.Stop()
	last := time.Now()
	l.build(ctx)
	for {
		select {
		case <-ctx.Done():
			l.publish(&linkSet{builds: l.cur.Load().builds, err: errStopped})
			return
		case <-poll.C:
		case <-l.wake:
		}
		if l.settle(ctx, last) && l.due(ctx) {
			last = time.Now()
			l.build(ctx)
		}
	}
}

// settle waits out rebuildGap after the build that started at last, unless a caller
// waits for a build. It reports false when ctx ended.
func (l *links) settle(ctx context.Context, last time.Time) bool {
	t := time.NewTimer(time.Until(last.Add(rebuildGap)))
	defer t.Stop()
	for l.waiting.Load() == 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-l.wake: // perhaps a caller that waits
		}
	}
	return ctx.Err() == nil
}

// due reports whether the linker may miss a write: one of this replica's, or one that
// moved NamesVersion. When it cannot tell, a build finds out, and reports a failure.
func (l *links) due(ctx context.Context) bool {
	s := l.cur.Load()
	if !s.knows(l.wanted.Load()) || s.err != nil {
		return true
	}
	version, err := l.names.NamesVersion(ctx)
	return err != nil || version != s.version
}

// build reads every entity's names and publishes a linker over them; a failure is
// published too, for the callers waiting.
func (l *links) build(ctx context.Context) {
	prev := l.cur.Load()
	gen := l.wanted.Load() // before the names: they hold every write up to gen
	bctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	version, err := l.names.NamesVersion(bctx)
	var sets []NameSet
	if err == nil {
		sets, err = l.names.Names(bctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return // stopping
		}
		if prev.err == nil { // once an outage
			l.logger.WarnContext(ctx, "entity linker: build failed; keeping the previous one", "err", err)
		}
		l.publish(&linkSet{linker: prev.linker, gen: prev.gen, version: prev.version, builds: prev.builds, err: err})
		return
	}
	var names []linker.Name
	for _, set := range sets {
		for _, n := range set.Names {
			names = append(names, linker.Name{Entity: entityName(set.ID), Text: n})
		}
	}
	if prev.err != nil {
		l.logger.InfoContext(ctx, "entity linker: built again")
	}
	l.publish(&linkSet{linker: linker.New(names), gen: gen, version: version, builds: prev.builds + 1})
}

// publish swaps s in and wakes the callers waiting for it. Only the builder calls it.
func (l *links) publish(s *linkSet) {
	s.replaced = make(chan struct{})
	close(l.cur.Swap(s).replaced)
}

// LinkEntities implements entityv1.EntityServiceServer.
func (s *Server) LinkEntities(ctx context.Context, req *entityv1.LinkEntitiesRequest) (*entityv1.LinkEntitiesResponse, error) {
	l, err := s.links.linker(ctx)
	if err != nil {
		return nil, apiError(err, "")
	}
	resp := &entityv1.LinkEntitiesResponse{Results: make([]*entityv1.LinkedText, len(req.GetTexts()))}
	for i, text := range req.GetTexts() {
		matches := l.Link(text)
		out := &entityv1.LinkedText{}
		for _, m := range matches {
			out.Mentions = append(out.Mentions, &entityv1.EntityMention{
				Entities: m.Entities, Text: m.Text, StartOffset: int32(m.Start), EndOffset: int32(m.End),
			})
		}
		for _, sg := range linker.Suggest(text, matches) {
			out.Suggestions = append(out.Suggestions, &entityv1.NameSuggestion{
				Text: sg.Text, StartOffset: int32(sg.Start), EndOffset: int32(sg.End),
			})
		}
		resp.Results[i] = out
	}
	return resp, nil
}
