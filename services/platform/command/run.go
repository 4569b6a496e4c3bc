package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
)

// RunFunc is a command's body: it parses args, runs until ctx is cancelled (SIGINT or
// SIGTERM) and returns nil after a clean stop.
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs run under a context cancelled by SIGINT or SIGTERM and exits: 0 after a clean
// stop or -h, 2 for bad flags, 1 for any other error.
func Main(run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// UsageError marks an error in the command line or environment.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func exitCode(err error, stderr io.Writer) int {
	var usage *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "error:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
}

// ParseFlags parses args and wraps a failure as a UsageError (flag.ErrHelp passes through).
func (f *Flags) ParseFlags(args []string) error {
	err := f.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &UsageError{Err: err}
}

// NewLogger returns a logger writing to w in format "text" or "json" from level up.
func NewLogger(w io.Writer, c Common) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, &UsageError{Err: fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &UsageError{Err: fmt.Errorf("log format %q: want text or json", c.LogFormat)}
}

// Announce prints one "label: value" line of what a command serves, for people and for
// the tests that start the binaries and read their addresses.
func Announce(w io.Writer, label, value string) {
	fmt.Fprintf(w, "%-10s %s\n", label+":", value)
}

// Runner is one server of a process: Serve blocks until the server stops; Stop drains it
// within timeout.
type Runner struct {
	Name  string
	Serve func() error
	Stop  func(timeout time.Duration)
}

// GRPC runs s on lis.
func GRPC(s *grpcserver.Server, lis net.Listener) Runner {
	return Runner{
		Name: "grpc",
		Serve: func() error {
			if err := s.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				return fmt.Errorf("gRPC server on %s: %w", lis.Addr(), err)
			}
			return nil
		},
		Stop: s.Stop,
	}
}

// HTTP runs s on lis.
func HTTP(s *http.Server, lis net.Listener) Runner {
	return Runner{
		Name: "http",
		Serve: func() error {
			if err := s.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("HTTP server on %s: %w", lis.Addr(), err)
			}
			return nil
		},
		Stop: func(timeout time.Duration) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if err := s.Shutdown(ctx); err != nil {
				_ = s.Close()
			}
		},
	}
}

// OnStop is a runner that only waits, then calls stop when its turn in the shutdown
// comes: for work that has its place in the order, such as ending long-lived streams
// before the servers that carry them drain.
func OnStop(name string, stop func()) Runner {
	done := make(chan struct{})
	return Runner{
		Name:  name,
		Serve: func() error { <-done; return nil },
		Stop: func(time.Duration) {
			stop()
			close(done)
		},
	}
}

// Serve runs every runner until ctx is done or one of them fails, then stops them in the
// order given (put the servers that call others first), each within timeout. It returns
// the first failure.
func Serve(ctx context.Context, logger *slog.Logger, timeout time.Duration, runners ...Runner) error {
	errs := make(chan error, len(runners))
	for _, r := range runners {
		go func() { errs <- r.Serve() }()
	}
	var first error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case first = <-errs:
		if first == nil {
			first = errors.New("a server stopped unexpectedly")
		}
		logger.Error("server failed, shutting down", "err", first)
	}
	for _, r := range runners {
		start := time.Now()
		r.Stop(timeout)
		logger.Debug("stopped", "server", r.Name, "duration", time.Since(start))
	}
	return first
}

// NewHTTPServer returns an HTTP server for h with timeouts suited to an API behind a
// load balancer.
func NewHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Listen opens a TCP listener on addr, naming the flag in the error.
func Listen(ctx context.Context, flagName, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	return lis, nil
}

// DialAddr is the address to dial to reach a listener: an unspecified host (":9090",
// "0.0.0.0:9090", "[::]:9090") becomes 127.0.0.1, which a dual-stack listener also accepts.
func DialAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// Dial returns a client connection to a service at addr, named by flagName in errors.
// Connections are plaintext unless opts say otherwise (TLS.DialOptions), and carry no
// credential unless opts give one.
func Dial(flagName, addr string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("--%s %q: %w", flagName, addr, err)
	}
	return conn, nil
}
