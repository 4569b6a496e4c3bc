package cmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The client as a process: a live blog page on standard input into a running newsroom,
// exit codes, and an export.
func TestNewsroomctl(t *testing.T) {
	srv := run(t, "newsroom", nil, "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0")
	addr := srv.addr("gRPC API")
	key := srv.addr("Admin key")
	page, err := os.ReadFile("newsroomctl/testdata/ankara-liveblog.txt")
	if err != nil {
		t.Fatal(err)
	}
	ctl := func(stdin []byte, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(binary(t, "newsroomctl"), args...)
		cmd.Env = append(os.Environ(), "NEWSROOM_ADDR="+addr, "NEWSROOM_TIMEOUT=1m", "NEWSROOM_KEY="+key)
		cmd.Stdin = bytes.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}

	if code, _, stderr := ctl(nil, "import"); code != 2 || !strings.Contains(stderr, "--timeline is required") {
		t.Fatalf("import without --timeline: exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := ctl(page, "import", "--timeline", "ankara", "-")
	if code != 0 || !strings.Contains(stdout, "created:          10") {
		t.Fatalf("import: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = ctl(nil, "export", "--timeline", "ankara", "--format", "jsonld")
	var doc struct {
		Type    string `json:"@type"`
		Updates []any  `json:"liveBlogUpdate"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); code != 0 || err != nil || doc.Type != "LiveBlogPosting" || len(doc.Updates) != 10 {
		t.Fatalf("export: exit %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	srv.stop()
}
