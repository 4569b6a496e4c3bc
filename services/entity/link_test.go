package entity_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/entity"
)

// linked renders a text's mentions as "entity=text@start" and its suggestions as "?text".
func linked(r *entityv1.LinkedText) string {
	var parts []string
	for _, m := range r.GetMentions() {
		parts = append(parts, strings.Join(m.GetEntities(), "+")+"="+m.GetText()+"@"+strconv.Itoa(int(m.GetStartOffset())))
	}
	for _, s := range r.GetSuggestions() {
		parts = append(parts, "?"+s.GetText())
	}
	return strings.Join(parts, " ")
}

func TestLinkEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	texts := []string{
		"Zelenskiy met Erdogan in Istanbul.",
		"ZELENSKY: Kyiv's delegation, led by Rustem Umerov, will stay. The Kremlin disagrees.",
		"no names here.",
	}
	resp, err := e.ent.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: texts})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"entities/zelensky=Zelenskiy@0 entities/erdogan=Erdogan@14 entities/istanbul=Istanbul@25",
		"entities/zelensky=ZELENSKY@0 entities/kyiv=Kyiv@10 entities/umerov=Rustem Umerov@36 entities/kremlin=The Kremlin@62",
		"",
	}
	for i, w := range want {
		if got := linked(resp.GetResults()[i]); got != w {
			t.Errorf("text %d:\n got %s\nwant %s", i, got, w)
		}
	}

	// A new alias is used at once by the replica that wrote it, and as soon as another
	// replica's linker has caught up there.
	other, otherSrv := e.replica(t, nil)
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: "entities/erdogan", Aliases: []string{"Erdogan", "Erdoğan", "Tayyip Erdogan", "Turkish president"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"aliases"}},
	}); err != nil {
		t.Fatal(err)
	}
	const text, alias = "The Turkish president hosted the talks.", "entities/erdogan=Turkish president@4"
	if got := link(t, e.ent, text); got != alias {
		t.Fatalf("writer links %q, want %q", got, alias)
	}
	awaitLinked(t, other, otherSrv, text, alias)

	_, err = e.ent.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{})
	wantField(t, err, codes.InvalidArgument, "texts")
}

// link links one text.
func link(t *testing.T, client entityv1.EntityServiceClient, text string) string {
	t.Helper()
	resp, err := client.LinkEntities(context.Background(), &entityv1.LinkEntitiesRequest{Texts: []string{text}})
	if err != nil {
		t.Fatal(err)
	}
	return linked(resp.GetResults()[0])
}

// awaitLinked waits, for a few seconds at most, until srv links text as want: after
// each of its builds it tries again.
func awaitLinked(t *testing.T, client entityv1.EntityServiceClient, srv *entity.Server, text, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		builds := srv.LinkerBuilds()
		got := link(t, client, text)
		if got == want {
			return
		}
		if err := srv.AwaitLinkerBuild(ctx, builds); err != nil {
			t.Fatalf("links %q, want %q: %v", got, want, err)
		}
	}
}

// heldNames is a store whose Names calls wait while it is held, and fail while failing:
// a linker build that takes as long as the test wants, or fails.
type heldNames struct {
	entity.Store
	mu      sync.Mutex
	release chan struct{} // closed to let held calls go on; nil when not held
	entered chan struct{} // a Names call is held
	failing atomic.Bool
}

func holdable(s entity.Store) entity.Store {
	return &heldNames{Store: s, entered: make(chan struct{}, 1)}
}

func (h *heldNames) hold() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.release = make(chan struct{})
}

func (h *heldNames) let() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.release)
	h.release = nil
}

// awaitHeld waits until a Names call is held.
func (h *heldNames) awaitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-h.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no linker build started")
	}
}

func (h *heldNames) Names(ctx context.Context) ([]entity.NameSet, error) {
	h.mu.Lock()
	release := h.release
	h.mu.Unlock()
	if release != nil {
		select {
		case h.entered <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if h.failing.Load() {
		return nil, errors.New("names unavailable")
	}
	return h.Store.Names(ctx)
}

// A replica's linker catches up with other replicas' writes in the background: its
// callers keep the linker they have meanwhile, however long the build takes.
func TestLinkerRebuildsOffTheRequestPath(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	var held *heldNames
	reader, readerSrv := e.replica(t, func(s entity.Store) entity.Store { held = holdable(s).(*heldNames); return held })
	const text = "Hakan Fidan met Erdogan."
	if got := link(t, reader, text); got != "entities/erdogan=Erdogan@16 ?Hakan Fidan" {
		t.Fatalf("links %q", got)
	}

	held.hold()
	if _, err := e.ent.CreateEntity(context.Background(), &entityv1.CreateEntityRequest{
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Hakan Fidan"}, EntityId: "fidan",
	}); err != nil {
		t.Fatal(err)
	}
	held.awaitHeld(t) // the reader noticed the write and is building
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := reader.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: []string{text}})
	if err != nil {
		t.Fatalf("LinkEntities during another replica's build: %v", err)
	}
	if got := linked(resp.GetResults()[0]); got != "entities/erdogan=Erdogan@16 ?Hakan Fidan" {
		t.Fatalf("links %q during the build, want the previous linker's result", got)
	}

	held.let()
	awaitLinked(t, reader, readerSrv, text, "entities/fidan=Hakan Fidan@0 entities/erdogan=Erdogan@16")
}

// A replica links what it wrote as soon as the write returned: its callers wait for a
// linker built after the write, and before the first build for that one.
func TestLinkerReadsItsWrites(t *testing.T) {
	e := newEnv(t)
	var held *heldNames
	client, _ := e.replica(t, func(s entity.Store) entity.Store {
		held = holdable(s).(*heldNames)
		held.hold()
		return held
	})
	ctx := context.Background()
	req := &entityv1.LinkEntitiesRequest{Texts: []string{"Hakan Fidan met Erdogan."}}
	wantWait := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		resp, err := client.LinkEntities(ctx, req)
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("LinkEntities %s = %v, %v: want it to wait for the build", what, resp, err)
		}
	}
	held.awaitHeld(t)
	wantWait("before the first build")
	held.let()
	if got := link(t, client, req.GetTexts()[0]); got != "?Hakan Fidan ?Erdogan" {
		t.Fatalf("links %q", got)
	}

	held.hold()
	if _, err := client.CreateEntity(ctx, &entityv1.CreateEntityRequest{
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Hakan Fidan"}, EntityId: "fidan",
	}); err != nil {
		t.Fatal(err)
	}
	held.awaitHeld(t)
	wantWait("during the build after a write")
	held.let()
	if got := link(t, client, req.GetTexts()[0]); got != "entities/fidan=Hakan Fidan@0 ?Erdogan" {
		t.Fatalf("links %q after the write", got)
	}

	// Writes one after the other, each linked by the next call.
	for i := range 10 {
		name := fmt.Sprintf("Envoy Number%c", 'A'+i)
		created, err := client.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: name}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := link(t, client, name+" arrived."), created.GetName()+"="+name+"@0"; got != want {
			t.Fatalf("links %q right after the create, want %q", got, want)
		}
	}
}

// A failed build fails the calls waiting for it, rather than keeping them waiting; the
// next call tries again.
func TestLinkerBuildFails(t *testing.T) {
	e := newEnv(t)
	var held *heldNames
	client, _ := e.replica(t, func(s entity.Store) entity.Store { held = holdable(s).(*heldNames); return held })
	link(t, client, "first build")
	held.failing.Store(true)
	ctx := context.Background()
	if _, err := client.CreateEntity(ctx, &entityv1.CreateEntityRequest{
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Hakan Fidan"}, EntityId: "fidan",
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := client.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: []string{"Hakan Fidan"}})
	wantCode(t, err, codes.Internal)
	held.failing.Store(false)
	if got := link(t, client, "Hakan Fidan"); got != "entities/fidan=Hakan Fidan@0" {
		t.Fatalf("links %q once the names are back", got)
	}
}

// A burst of writes costs a few builds, not one a write: builds nobody waits for are a
// gap apart, and the writes made during a build make one more between them.
func TestLinkerBuildsCoalesce(t *testing.T) {
	e := newEnv(t)
	var held *heldNames
	client, srv := e.replica(t, func(s entity.Store) entity.Store { held = holdable(s).(*heldNames); return held })
	link(t, client, "first build")
	const writes = 100

	before, start := srv.LinkerBuilds(), time.Now()
	burst(t, client, "Delegate", writes)
	elapsed := time.Since(start)
	if got := link(t, client, "Delegate 99 spoke."); !strings.Contains(got, "=Delegate 99@0") {
		t.Fatalf("last write not linked: %q", got)
	}
	// One build a gap while the writes went on, one for the call above, one spare.
	builds := srv.LinkerBuilds() - before
	if most := int64(elapsed/entity.RebuildGap) + 3; builds < 1 || builds > most {
		t.Fatalf("%d builds for %d writes in %v, want 1 to %d", builds, writes, elapsed, most)
	}

	t.Logf("%d builds for %d writes in %v", builds, writes, elapsed)

	// The same writes while one build takes all the time they do.
	held.hold()
	before = srv.LinkerBuilds()
	burst(t, client, "Envoy", 1)
	held.awaitHeld(t)
	burst(t, client, "Envoy", writes)
	held.let()
	if got := link(t, client, "Envoy 99 spoke."); !strings.Contains(got, "=Envoy 99@0") {
		t.Fatalf("last write not linked: %q", got)
	}
	// The held build, one for the writes during it, and perhaps one for the call above.
	if builds := srv.LinkerBuilds() - before; builds < 2 || builds > 3 {
		t.Fatalf("%d builds for %d writes during one build, want 2 or 3", builds, writes)
	}
}

// burst creates n entities named "{prefix} {i}", by several writers at once.
func burst(t *testing.T, client entityv1.EntityServiceClient, prefix string, n int) {
	t.Helper()
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				if _, err := client.CreateEntity(context.Background(), &entityv1.CreateEntityRequest{
					Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: fmt.Sprintf("%s %d", prefix, i)},
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// A closed server's LinkEntities calls fail at once as UNAVAILABLE; closing twice is fine.
func TestLinkerClose(t *testing.T) {
	e := newEnv(t)
	link(t, e.ent, "first build")
	e.srv.Close()
	e.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Hakan Fidan"},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := e.ent.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: []string{"Hakan Fidan"}})
	wantCode(t, err, codes.Unavailable)
}
