// Command newsroomctl is the newsroom's command-line client, for batch importers and
// scripts: it imports live blog pages, JSON Lines and ninjs into a timeline, imports a
// gazetteer of entities, exports a timeline as JSON Lines or schema.org JSON-LD, and
// makes API keys,
// talking gRPC to a running newsroom at --addr (NEWSROOM_ADDR, default 127.0.0.1:9090).
// Run it without arguments for its commands, and "newsroomctl COMMAND -h" for their flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/command"
)

// Exit codes.
const (
	// ExitOK: everything was done; no item was invalid.
	ExitOK = 0
	// ExitFailed: an error stopped the command, or some items were invalid.
	ExitFailed = 1
	// ExitUsage: bad flags or arguments.
	ExitUsage = 2
)

// envPrefix starts the environment variables of the connection flags: --addr is
// NEWSROOM_ADDR, --timeout NEWSROOM_TIMEOUT, --key NEWSROOM_KEY.
const envPrefix = "NEWSROOM_"

const synopsis = `newsroomctl talks to a running newsroom over gRPC.

Usage:
  newsroomctl import --timeline SLUG [flags] [FILE...]   import entries (FILE "-" or none: stdin)
  newsroomctl entities import [flags] FILE...            import a gazetteer of entities (JSON Lines)
  newsroomctl export --timeline SLUG [flags]             write a timeline's entries to stdout
  newsroomctl keys new --name NAME --roles ROLES [flags]  make an API key and its keys file entry

Run "newsroomctl COMMAND -h" for the flags of a command.
Exit codes: 0 done, 1 an error or invalid items, 2 bad usage.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one command line and returns its exit code. Reports go to stdout; progress,
// warnings and errors to stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}).run(ctx, args)
}

// cli is one invocation: its streams and environment.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// errInvalidItems ends a command that ran to the end but found invalid input: its report
// says which, so nothing more is printed.
var errInvalidItems = errors.New("some items were invalid")

func (c *cli) run(ctx context.Context, args []string) int {
	err := c.dispatch(ctx, args)
	var usage *command.UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, errInvalidItems):
		return ExitFailed
	case errors.As(err, &usage):
		fmt.Fprintf(c.stderr, "newsroomctl: %v\n", err)
		return ExitUsage
	default:
		fmt.Fprintf(c.stderr, "newsroomctl: %v\n", err)
		return ExitFailed
	}
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, synopsis)
		return &command.UsageError{Err: errors.New("no command given")}
	}
	switch args[0] {
	case "import":
		return c.importEntries(ctx, args[1:])
	case "entities":
		if len(args) > 1 && args[1] == "import" {
			return c.importEntities(ctx, args[2:])
		}
		fmt.Fprint(c.stderr, synopsis)
		return &command.UsageError{Err: errors.New(`"entities" has one command: "entities import FILE..."`)}
	case "export":
		return c.export(ctx, args[1:])
	case "keys":
		return c.keys(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, synopsis)
		return nil
	}
	fmt.Fprint(c.stderr, synopsis)
	return &command.UsageError{Err: fmt.Errorf("unknown command %q", args[0])}
}

// connection are the flags every command has: where the newsroom is.
type connection struct {
	Addr    string
	Timeout time.Duration
	Key     string
}

// flags returns the flag set of a command, with the connection flags defined (the only
// ones read from the environment) and a flag set for the command's own flags.
func (c *cli) flags(name, usage string, conn *connection) (common, local *command.Flags) {
	f := command.NewFlags("newsroomctl "+name, c.stderr, c.getenv).WithEnvPrefix(envPrefix)
	f.Synopsis(usage)
	f.String(&conn.Addr, "addr", "127.0.0.1:9090", "gRPC address of the newsroom (plaintext)")
	f.Duration(&conn.Timeout, "timeout", 10*time.Minute, "how long the command may take; 0 for no limit")
	f.String(&conn.Key, "key", "", "API key (nrk_...) or token to call with; imports need an importer's, editor's or admin's")
	return f, f.Local()
}

// clients are the connection to the newsroom and its two services.
type clients struct {
	conn     *grpc.ClientConn
	addr     string
	timeline timelinev1.TimelineServiceClient
	entity   entityv1.EntityServiceClient
}

// dial connects to the newsroom and bounds ctx by the timeout. Connecting is lazy: an
// unreachable address shows in the first call (see describe).
func (conn connection) dial(ctx context.Context) (*clients, context.Context, context.CancelFunc, error) {
	if conn.Timeout < 0 {
		return nil, nil, nil, &command.UsageError{Err: errors.New("--timeout must not be negative")}
	}
	var opts []grpc.DialOption
	if conn.Key != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.Bearer(conn.Key)))
	}
	cc, err := command.Dial("addr", conn.Addr, opts...)
	if err != nil {
		return nil, nil, nil, &command.UsageError{Err: err}
	}
	cancel := context.CancelFunc(func() {})
	if conn.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, conn.Timeout)
	}
	cl := &clients{
		conn: cc, addr: conn.Addr,
		timeline: timelinev1.NewTimelineServiceClient(cc),
		entity:   entityv1.NewEntityServiceClient(cc),
	}
	return cl, ctx, func() { cancel(); _ = cc.Close() }, nil
}

// describe makes an error of a call readable: what was being done, the status code and
// message, and the fields at fault.
func (cl *clients) describe(what string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch st.Code() {
	case codes.Unavailable:
		return fmt.Errorf("%s: cannot reach the newsroom at %s (is it running? set --addr or NEWSROOM_ADDR): %s", what, cl.addr, st.Message())
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: timed out (see --timeout): %s", what, st.Message())
	case codes.Canceled:
		return fmt.Errorf("%s: canceled", what)
	case codes.Unauthenticated:
		return fmt.Errorf("%s: %s (set --key or NEWSROOM_KEY)", what, st.Message())
	}
	msg := fmt.Sprintf("%s: %s: %s", what, code.Code(st.Code()), st.Message())
	for _, v := range violations(st) {
		if !strings.Contains(msg, v) {
			msg += "; " + v
		}
	}
	return errors.New(msg)
}

// violations are the BadRequest field violations of a status, as "field: description".
func violations(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField()+": "+v.GetDescription())
			}
		}
	}
	return out
}

// reason is the ErrorInfo reason of a status error, or "".
func reason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// openInput opens a file operand; "-" is standard input. The label names it in reports.
func (c *cli) openInput(name string) (r io.ReadCloser, label string, err error) {
	if name == "-" {
		return io.NopCloser(c.stdin), "stdin", nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, name, err
	}
	return f, name, nil
}

// operands checks the file operands: none means standard input, which may be named once.
func operands(files []string) ([]string, error) {
	if len(files) == 0 {
		return []string{"-"}, nil
	}
	stdin := 0
	for _, f := range files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return nil, &command.UsageError{Err: errors.New(`standard input ("-") can be read only once`)}
	}
	return files, nil
}
