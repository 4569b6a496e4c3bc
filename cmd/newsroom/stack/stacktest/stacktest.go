// Package stacktest starts the whole product (stack.New) for a test: both services and the
// gateway on listeners of their own, on a fresh database from testenv. Packages using it
// call testenv.Main from their TestMain.
package stacktest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
	"github.com/newsroomhq/newsroom/services/timeline"
)

// Newsroom is a running stack.
type Newsroom struct {
	// GRPCAddr is the address to dial for the gRPC API.
	GRPCAddr string
	// HTTPAddr is the host:port of the REST API.
	HTTPAddr string
	// FeedStats tells how many timelines and watch streams the Timeline service has:
	// what tests wait for instead of sleeping.
	FeedStats func() timeline.FeedStats
	// AdminKey is an API key with the admin role on every timeline.
	AdminKey string
	// Guard is the stack's guard: tests add keys of other roles to it (AddKey).
	Guard *auth.Guard
	// Stop stops the stack, at most once, and returns what its Run returned. The test's
	// cleanup calls it too.
	Stop func() error
}

// AdminKey is the admin's API key in every stack that Start starts, unless tune replaces
// the guard. For tests only.
const AdminKey = auth.KeyPrefix + "stacktest-admin"

// Start starts the stack on 127.0.0.1, its configuration changed by tune, and stops it
// when the test ends, failing the test if it failed.
func Start(t testing.TB, tune ...func(*stack.Config)) *Newsroom {
	t.Helper()
	listen := func() net.Listener {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return lis
	}
	guard, err := auth.New(context.Background(), auth.Options{AnonymousReads: true})
	if err != nil {
		t.Fatal(err)
	}
	guard.AddKey("admin", AdminKey, auth.Admin)
	cfg := stack.Config{
		Guard:        guard,
		DB:           testenv.Database(t),
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		GRPCListener: listen(),
		HTTPListener: listen(),
	}
	for _, f := range tune {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := stack.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stack: %v", err)
		}
	})
	return &Newsroom{GRPCAddr: st.GRPCAddr(), HTTPAddr: st.HTTPAddr(), FeedStats: st.FeedStats, Stop: stop, AdminKey: AdminKey, Guard: cfg.Guard}
}
