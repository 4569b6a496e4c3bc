package command_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/services/platform/command"
)

type config struct {
	command.Common
	Addr string
	Only bool
}

func parse(args []string, env map[string]string) (config, error) {
	var c config
	f := command.NewFlags("test", &bytes.Buffer{}, func(k string) string { return env[k] })
	f.Common(&c.Common)
	f.String(&c.Addr, "grpc-addr", ":9091", "address")
	f.Bool(&c.Only, "db-only", false, "only")
	return c, f.ParseFlags(args)
}

func TestFlagsFromEnvironment(t *testing.T) {
	tests := map[string]struct {
		args     []string
		env      map[string]string
		want     config
		wantErr  string
		wantHelp bool
	}{
		"defaults": {
			want: config{Common: command.Common{LogFormat: "text", LogLevel: "info", ShutdownTimeout: 10 * time.Second}, Addr: ":9091"},
		},
		"environment": {
			env:  map[string]string{"GRPC_ADDR": ":1", "DB_ONLY": "true", "SHUTDOWN_TIMEOUT": "3s", "LOG_FORMAT": "json"},
			want: config{Common: command.Common{LogFormat: "json", LogLevel: "info", ShutdownTimeout: 3 * time.Second}, Addr: ":1", Only: true},
		},
		"flag wins over environment": {
			args: []string{"--grpc-addr", ":2", "--db-only=false", "--shutdown-timeout=1s"},
			env:  map[string]string{"GRPC_ADDR": ":1", "DB_ONLY": "true", "SHUTDOWN_TIMEOUT": "3s"},
			want: config{Common: command.Common{LogFormat: "text", LogLevel: "info", ShutdownTimeout: time.Second}, Addr: ":2"},
		},
		"bad boolean in environment":  {env: map[string]string{"DB_ONLY": "maybe"}, wantErr: "DB_ONLY"},
		"bad duration in environment": {env: map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, wantErr: "SHUTDOWN_TIMEOUT"},
		"unknown flag":                {args: []string{"--nope"}, wantErr: "nope"},
		"stray argument":              {args: []string{"serve"}, wantErr: "unexpected arguments"},
		"help":                        {args: []string{"-h"}, wantHelp: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parse(tc.args, tc.env)
			switch {
			case tc.wantHelp:
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("err = %v, want flag.ErrHelp", err)
				}
			case tc.wantErr != "":
				var usage *command.UsageError
				if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a UsageError mentioning %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case got != tc.want:
				t.Fatalf("config = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNewLogger(t *testing.T) {
	tests := map[string]struct {
		c       command.Common
		wantErr bool
		want    string // in the output of an info line
	}{
		"text":        {c: command.Common{LogFormat: "text", LogLevel: "info"}, want: "msg=hello"},
		"json":        {c: command.Common{LogFormat: "json", LogLevel: "debug"}, want: `"msg":"hello"`},
		"level above": {c: command.Common{LogFormat: "json", LogLevel: "warn"}, want: ""},
		"bad format":  {c: command.Common{LogFormat: "xml", LogLevel: "info"}, wantErr: true},
		"bad level":   {c: command.Common{LogFormat: "text", LogLevel: "loud"}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			logger, err := command.NewLogger(&out, tc.c)
			if tc.wantErr {
				var usage *command.UsageError
				if !errors.As(err, &usage) {
					t.Fatalf("err = %v, want a UsageError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			logger.Info("hello")
			if tc.want == "" && out.Len() > 0 || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("logged %q, want %q", out.String(), tc.want)
			}
		})
	}
}

func TestDialAddr(t *testing.T) {
	tests := map[string]string{
		"0.0.0.0:9090":   "127.0.0.1:9090",
		"[::]:9090":      "127.0.0.1:9090",
		"127.0.0.1:9090": "127.0.0.1:9090",
		"10.1.2.3:80":    "10.1.2.3:80",
	}
	for in, want := range tests {
		addr, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := command.DialAddr(addr); got != want {
			t.Errorf("DialAddr(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestServeStopsEveryServer(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	var stopped []string
	runner := func(name string, fail error) command.Runner {
		// Serve blocks until Stop, or fails at once with fail.
		quit := make(chan struct{})
		return command.Runner{
			Name: name,
			Serve: func() error {
				if fail != nil {
					return fail
				}
				<-quit
				return nil
			},
			Stop: func(time.Duration) {
				stopped = append(stopped, name)
				close(quit)
			},
		}
	}

	t.Run("context done", func(t *testing.T) {
		stopped = nil
		ctx, cancel := context.WithCancel(context.Background())
		a := runner("a", nil)
		b := runner("b", nil)
		cancel()
		if err := command.Serve(ctx, logger, time.Second, a, b); err != nil {
			t.Fatal(err)
		}
		if strings.Join(stopped, ",") != "a,b" {
			t.Fatalf("stopped %v, want a then b", stopped)
		}
	})
	t.Run("one fails", func(t *testing.T) {
		stopped = nil
		boom := errors.New("boom")
		a := runner("a", nil)
		b := runner("b", boom)
		if err := command.Serve(context.Background(), logger, time.Second, a, b); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		if strings.Join(stopped, ",") != "a,b" {
			t.Fatalf("stopped %v, want a then b", stopped)
		}
	})
}

func TestParseOperands(t *testing.T) {
	type cfg struct {
		Addr   string
		Batch  int
		DryRun bool
		Format string
	}
	tests := map[string]struct {
		args     []string
		env      map[string]string
		want     cfg
		operands []string
		wantErr  string
	}{
		"defaults": {want: cfg{Addr: "127.0.0.1:9090", Batch: 500, Format: "auto"}},
		"flags among operands": {
			args:     []string{"a.txt", "--dry-run", "-", "--batch", "10", "b.txt"},
			want:     cfg{Addr: "127.0.0.1:9090", Batch: 10, DryRun: true, Format: "auto"},
			operands: []string{"a.txt", "-", "b.txt"},
		},
		"operands after --": {
			args:     []string{"--format=jsonl", "--", "--dry-run", "x"},
			want:     cfg{Addr: "127.0.0.1:9090", Batch: 500, Format: "jsonl"},
			operands: []string{"--dry-run", "x"},
		},
		"prefixed environment": {
			env:  map[string]string{"NEWSROOM_ADDR": "h:1", "NEWSROOM_BATCH": "7", "ADDR": "nope"},
			want: cfg{Addr: "h:1", Batch: 7, Format: "auto"},
		},
		"local flags ignore the environment": {
			env:  map[string]string{"NEWSROOM_DRY_RUN": "true", "NEWSROOM_FORMAT": "ninjs", "DRY_RUN": "true", "FORMAT": "x"},
			want: cfg{Addr: "127.0.0.1:9090", Batch: 500, Format: "auto"},
		},
		"bad integer in environment": {env: map[string]string{"NEWSROOM_BATCH": "many"}, wantErr: "NEWSROOM_BATCH"},
		"bad integer flag":           {args: []string{"--batch", "x"}, wantErr: "batch"},
		"unknown flag after operand": {args: []string{"a.txt", "--nope"}, wantErr: "nope"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var c cfg
			f := command.NewFlags("ctl", &bytes.Buffer{}, func(k string) string { return tc.env[k] }).WithEnvPrefix("NEWSROOM_")
			f.String(&c.Addr, "addr", "127.0.0.1:9090", "address")
			f.Int(&c.Batch, "batch", 500, "batch")
			local := f.Local()
			local.Bool(&c.DryRun, "dry-run", false, "dry run")
			local.String(&c.Format, "format", "auto", "format")
			operands, err := f.ParseOperands(tc.args)
			if tc.wantErr != "" {
				var usage *command.UsageError
				if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a UsageError mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c != tc.want || strings.Join(operands, "|") != strings.Join(tc.operands, "|") {
				t.Fatalf("config %+v operands %q, want %+v %q", c, operands, tc.want, tc.operands)
			}
		})
	}
}

func TestUsageNamesEnvironmentVariables(t *testing.T) {
	var out bytes.Buffer
	var addr, format string
	f := command.NewFlags("ctl", &out, func(string) string { return "" }).WithEnvPrefix("NEWSROOM_")
	f.Synopsis("Usage: ctl [flags] FILE...\n")
	f.String(&addr, "addr", "", "address")
	f.Local().String(&format, "format", "", "format")
	if _, err := f.ParseOperands([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	help := out.String()
	if !strings.HasPrefix(help, "Usage: ctl [flags] FILE...\n\nFlags:\n") ||
		!strings.Contains(help, "(env NEWSROOM_ADDR)") || strings.Contains(help, "FORMAT") {
		t.Fatalf("help names the wrong variables:\n%s", help)
	}
}
