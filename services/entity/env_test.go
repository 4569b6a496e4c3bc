package entity_test

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
	"google.golang.org/protobuf/proto"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/entity/mongostore"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is the Entity service on its own gRPC server and listener, on a fresh database.
type env struct {
	ent entityv1.EntityServiceClient
	srv *entity.Server
	db  *mongo.Database
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{db: testenv.Database(t)}
	e.ent, e.srv = e.replica(t, nil)
	return e
}

// replica starts another Entity service process on the env's database, as a deployment
// with several replicas has. wrap, when not nil, wraps its store.
func (e *env) replica(t testing.TB, wrap func(entity.Store) entity.Store) (entityv1.EntityServiceClient, *entity.Server) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	var store entity.Store
	store, err := mongostore.New(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		store = wrap(store)
	}
	srv, err := entity.NewServer(store, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close) // after the gRPC server stops: cleanups run last first
	conn := grpctest.Serve(t, logger, func(s *grpc.Server) { entityv1.RegisterEntityServiceServer(s, srv) })
	return entityv1.NewEntityServiceClient(conn), srv
}

// load creates the fixture's entities under their fixture ids and returns them by id.
func (e *env) load(t testing.TB) map[string]*entityv1.Entity {
	t.Helper()
	out := map[string]*entityv1.Entity{}
	for _, f := range fixture.Entities() {
		got, err := e.ent.CreateEntity(context.Background(), &entityv1.CreateEntityRequest{Entity: f.Entity, EntityId: f.ID})
		if err != nil {
			t.Fatalf("create entity %s: %v", f.ID, err)
		}
		out[f.ID] = got
	}
	return out
}

// fixtureEntity returns a copy of the fixture entity with id.
func fixtureEntity(t testing.TB, id string) *entityv1.Entity {
	t.Helper()
	for _, f := range fixture.Entities() {
		if f.ID == id {
			return proto.Clone(f.Entity).(*entityv1.Entity)
		}
	}
	t.Fatalf("no fixture entity %q", id)
	return nil
}

func (e *env) get(t *testing.T, name string) *entityv1.Entity {
	t.Helper()
	got, err := e.ent.GetEntity(context.Background(), &entityv1.GetEntityRequest{Name: name})
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return got
}

// wantCode fails the test unless err has code want.
func wantCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("error = %v, want code %v", err, want)
	}
}

// wantField fails the test unless err has code want and a BadRequest naming field.
func wantField(t *testing.T, err error, want codes.Code, field string) {
	t.Helper()
	wantCode(t, err, want)
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

func names(entities []*entityv1.Entity) []string {
	out := make([]string, len(entities))
	for i, e := range entities {
		out[i] = e.GetName()
	}
	return out
}

// A store starts again on a database that already has its collections, indexes and data.
func TestStoreRestart(t *testing.T) {
	e := newEnv(t)
	e.load(t)
	if _, err := mongostore.New(context.Background(), e.db); err != nil {
		t.Fatalf("second start on the same database: %v", err)
	}
}
