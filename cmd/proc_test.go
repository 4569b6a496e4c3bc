// Package cmd_test tests the binaries as built: what they link, and how they behave as
// processes (addresses, signals, the database they share).
package cmd_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const module = "github.com/newsroomhq/newsroom"

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary returns the path of a command built from cmd/name; all of them are built once
// per test run.
func binary(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "newsroom-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), module+"/cmd/...")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// proc is a running binary whose stdout announces what it serves ("REST API: http://...").
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stderr *syncBuffer
	lines  chan string
	seen   map[string]string
	exited chan struct{}
	err    error // set when exited is closed
}

// flagEnv are the variables the binaries read; the tests set them explicitly, so that a
// developer's own settings do not leak in.
var flagEnv = []string{
	"MONGODB_URI", "HTTP_ADDR", "GRPC_ADDR", "DATA_DIR", "DB_ONLY", "DB_ADDR",
	"ENTITY_ADDR", "TIMELINE_ADDR", "LOG_FORMAT", "LOG_LEVEL", "SHUTDOWN_TIMEOUT", "NEWSROOM_ADDR", "NEWSROOM_TIMEOUT",
	"NEWSROOM_KEY", "API_KEYS_FILE", "ANONYMOUS", "ENTITY_API_KEY", "OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_FILE",
	"OIDC_ROLES_CLAIM", "OIDC_TIMELINES_CLAIM", "TLS_CERT", "TLS_KEY", "TLS_CA", "TLS_CLIENT_CA", "CORS_ORIGINS",
	"ANONYMOUS_RATE", "ANONYMOUS_STREAMS", "TRUSTED_PROXIES",
}

func run(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t, name), args...)
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(flagEnv, key) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	p := &proc{t: t, name: name, cmd: cmd, stderr: &syncBuffer{}, lines: make(chan string, 16), seen: map[string]string{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, p.stderr.String())
		}
	})
	return p
}

// addr waits for the line "label: value ..." on stdout and returns value.
func (p *proc) addr(label string) string {
	p.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		if v, ok := p.seen[label]; ok {
			return v
		}
		select {
		case line, ok := <-p.lines:
			if !ok {
				<-p.exited
				p.t.Fatalf("%s exited (%v) before announcing %q", p.name, p.err, label)
			}
			if k, v, found := strings.Cut(line, ":"); found {
				if f := strings.Fields(v); len(f) > 0 {
					p.seen[strings.TrimSpace(k)] = f[0]
				}
			}
		case <-timeout:
			p.t.Fatalf("%s did not announce %q in time", p.name, label)
		}
	}
}

// stop sends SIGTERM and fails the test unless the process exits cleanly, in time.
func (p *proc) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("signal %s: %v", p.name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s did not stop within 30s of SIGTERM", p.name)
	}
	if p.err != nil {
		p.t.Fatalf("%s exited with %v after SIGTERM", p.name, p.err)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
