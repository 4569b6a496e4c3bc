package timeline_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	entitystore "github.com/newsroomhq/newsroom/services/entity/mongostore"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
	"github.com/newsroomhq/newsroom/services/timeline"
	"github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is a Timeline service and the Entity service it checks mentions against, each on
// its own gRPC server and listener, talking over the wire, on a fresh database.
type env struct {
	tl     timelinev1.TimelineServiceClient
	ent    entityv1.EntityServiceClient
	db     *mongo.Database
	logger *slog.Logger
	srv    *timeline.Server
	target string // the first replica's address
}

func newEnv(t testing.TB, opts ...timeline.Option) *env {
	t.Helper()
	ctx := context.Background()
	db := testenv.Database(t)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	es, err := entitystore.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	entSrv, err := entity.NewServer(es, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(entSrv.Close)
	entConn := serve(t, logger, func(s *grpc.Server) { entityv1.RegisterEntityServiceServer(s, entSrv) })

	e := &env{ent: entityv1.NewEntityServiceClient(entConn), db: db, logger: logger}
	e.tl, e.srv = e.replica(t, opts...)
	return e
}

// dial opens another client connection to the first replica.
func (e *env) dial(t testing.TB) *grpc.ClientConn {
	t.Helper()
	return grpctest.Dial(t, e.target, grpctest.AdminKey)
}

// replica starts another Timeline service process on the same database and Entity
// service, as a deployment with several replicas has.
func (e *env) replica(t testing.TB, opts ...timeline.Option) (timelinev1.TimelineServiceClient, *timeline.Server) {
	t.Helper()
	ts, err := mongostore.New(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := timeline.NewServer(ts, e.ent, e.logger, opts...)
	if err != nil {
		t.Fatal(err)
	}
	conn := serve(t, e.logger, func(s *grpc.Server) { timelinev1.RegisterTimelineServiceServer(s, srv) })
	if e.target == "" {
		e.target = conn.Target()
	}
	t.Cleanup(srv.Close) // runs before the server stops: watch streams end first
	return timelinev1.NewTimelineServiceClient(conn), srv
}

func serve(t testing.TB, logger *slog.Logger, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	return grpctest.Serve(t, logger, register)
}

// story loads the fixture: its entities and a LIVE timeline holding every post, oldest
// first. It returns the timeline and the entries by fixture id.
func (e *env) story(t *testing.T) (*timelinev1.Timeline, map[string]*timelinev1.Entry) {
	t.Helper()
	ctx := context.Background()
	for _, f := range fixture.Entities() {
		if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: f.Entity, EntityId: f.ID}); err != nil {
			t.Fatalf("create entity %s: %v", f.ID, err)
		}
	}
	tl, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: fixture.Timeline()})
	if err != nil {
		t.Fatalf("create timeline: %v", err)
	}
	entries := map[string]*timelinev1.Entry{}
	for _, p := range fixture.Posts() {
		p.Entry.Mentions = p.MentionsIn(func(id string) string { return "entities/" + id })
		got, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: p.Entry, EntryId: p.ID})
		if err != nil {
			t.Fatalf("create entry %s: %v", p.ID, err)
		}
		entries[p.ID] = got
	}
	return tl, entries
}

// wantCode fails the test unless err has code want.
func wantCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("error = %v, want code %v", err, want)
	}
}

// wantField fails the test unless err is INVALID_ARGUMENT with a BadRequest naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, codes.InvalidArgument)
	var fields []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return
				}
				fields = append(fields, v.GetField())
			}
		}
	}
	t.Fatalf("error %v names fields %v, want %q", err, fields, field)
}
