// Package command is the start-up the binaries in cmd/ share: flags that take their
// defaults from the environment, the logger, signal handling, and running servers until
// they are told to stop.
package command

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Flags is a flag set in which every flag --foo-bar can also be set through the
// environment variable FOO_BAR. A flag on the command line wins over the environment,
// which wins over the built-in default.
type Flags struct {
	fs        *flag.FlagSet
	getenv    func(string) string // nil: flags without an environment variable
	envPrefix string
	errs      *[]error
}

// NewFlags returns an empty flag set for the command name. getenv is os.Getenv, or a
// map lookup in tests.
func NewFlags(name string, stderr io.Writer, getenv func(string) string) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &Flags{fs: fs, getenv: getenv, errs: new([]error)}
}

// WithEnvPrefix returns the same flag set, whose flags defined through the result take
// their environment variable with prefix before the name: with "NEWSROOM_", --addr is set
// through NEWSROOM_ADDR. For client tools, whose short flag names would otherwise collide
// with other programs' variables.
func (f *Flags) WithEnvPrefix(prefix string) *Flags {
	g := *f
	g.envPrefix = prefix
	return &g
}

// Local returns the same flag set, whose flags defined through the result have no
// environment variable: for the flags of one invocation (a file format, a dry run) that a
// variable left in the environment must not change.
func (f *Flags) Local() *Flags {
	g := *f
	g.getenv = nil
	return &g
}

// Synopsis sets what -h and a bad flag print before the flags: how to call the command.
func (f *Flags) Synopsis(text string) {
	f.fs.Usage = func() {
		fmt.Fprint(f.fs.Output(), strings.TrimRight(text, "\n")+"\n\nFlags:\n")
		f.fs.PrintDefaults()
	}
}

// EnvName is the environment variable for a flag: "grpc-addr" -> "GRPC_ADDR".
func EnvName(flagName string) string {
	return strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *Flags) env(name string) (string, bool) {
	if f.getenv == nil {
		return "", false
	}
	v := f.getenv(f.envPrefix + EnvName(name))
	return v, v != ""
}

func (f *Flags) usage(name, text string) string {
	if f.getenv == nil {
		return text
	}
	return fmt.Sprintf("%s (env %s)", text, f.envPrefix+EnvName(name))
}

// String defines a string flag.
func (f *Flags) String(p *string, name, def, text string) {
	if v, ok := f.env(name); ok {
		def = v
	}
	f.fs.StringVar(p, name, def, f.usage(name, text))
}

// Bool defines a boolean flag; the environment variable takes the values strconv.ParseBool
// accepts.
func (f *Flags) Bool(p *bool, name string, def bool, text string) {
	f.fs.BoolVar(p, name, envDefault(f, name, def, strconv.ParseBool), f.usage(name, text))
}

// Duration defines a duration flag ("10s", "1m30s").
func (f *Flags) Duration(p *time.Duration, name string, def time.Duration, text string) {
	f.fs.DurationVar(p, name, envDefault(f, name, def, time.ParseDuration), f.usage(name, text))
}

// Int defines an integer flag.
func (f *Flags) Int(p *int, name string, def int, text string) {
	f.fs.IntVar(p, name, envDefault(f, name, def, strconv.Atoi), f.usage(name, text))
}

// envDefault is the flag's environment variable parsed, or def when it is unset. A value
// that does not parse is reported by Parse.
func envDefault[T any](f *Flags, name string, def T, parse func(string) (T, error)) T {
	v, ok := f.env(name)
	if !ok {
		return def
	}
	x, err := parse(v)
	if err != nil {
		*f.errs = append(*f.errs, fmt.Errorf("%s=%q: %w", f.envPrefix+EnvName(name), v, err))
		return def
	}
	return x
}

// Parse parses the command line. It returns flag.ErrHelp for -h, and an error for a bad
// flag, a bad environment variable, or stray arguments.
func (f *Flags) Parse(args []string) error {
	operands, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(operands) > 0 {
		return fmt.Errorf("unexpected arguments: %q", operands)
	}
	return nil
}

// ParseOperands parses a command line whose flags and operands (file names, say) may come
// in any order, and returns the operands. After "--" everything is an operand; "-" alone is
// one (standard input, by convention). Errors are as for ParseFlags.
func (f *Flags) ParseOperands(args []string) ([]string, error) {
	operands, err := f.parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		err = &UsageError{Err: err}
	}
	return operands, err
}

// parse parses flags anywhere among the operands, which the standard flag package stops
// at.
func (f *Flags) parse(args []string) ([]string, error) {
	var operands []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			operands = append(operands, rest...)
			break
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
	if len(*f.errs) > 0 {
		return nil, errors.Join(*f.errs...)
	}
	return operands, nil
}

// Common are the settings every binary has.
type Common struct {
	LogFormat       string
	LogLevel        string
	ShutdownTimeout time.Duration
}

// Common defines --log-format, --log-level and --shutdown-timeout.
func (f *Flags) Common(c *Common) {
	f.String(&c.LogFormat, "log-format", "text", `log format: "text" or "json"`)
	f.String(&c.LogLevel, "log-level", "info", `log level: "debug", "info", "warn" or "error"`)
	f.Duration(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish on shutdown")
}
