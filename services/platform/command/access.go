package command

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
)

// Access is who may call a server: API keys, tokens, anonymous callers.
type Access struct {
	APIKeysFile string
	OIDC        auth.OIDC
	// Anonymous is "read" (public reads without a credential) or "none".
	Anonymous string
}

// Access defines the flags of Access: --api-keys-file, --oidc-*, --anonymous.
func (f *Flags) Access(a *Access) {
	f.String(&a.APIKeysFile, "api-keys-file", "", "JSON file of the API keys (stored as SHA-256), read again when it changes")
	f.String(&a.OIDC.Issuer, "oidc-issuer", "", "accept tokens (JWT) from this OpenID Connect issuer")
	f.String(&a.OIDC.Audience, "oidc-audience", "", "the audience tokens must be for (required with --oidc-issuer)")
	f.String(&a.OIDC.JWKSFile, "oidc-jwks-file", "", "the issuer's keys from this JWKS file rather than from discovery")
	f.String(&a.OIDC.RolesClaim, "oidc-roles-claim", "roles", "the token claim that holds the roles")
	f.String(&a.OIDC.TimelinesClaim, "oidc-timelines-claim", "timelines", "the token claim that holds the timeline ids the roles are granted on (absent: every timeline)")
	f.String(&a.Anonymous, "anonymous", "read", `what callers without a credential may do: "read" (public reads) or "none"`)
}

// AnonymousReads reports whether callers without a credential may make public reads.
func (a Access) AnonymousReads() (bool, error) {
	switch a.Anonymous {
	case "read", "":
		return true, nil
	case "none":
		return false, nil
	}
	return false, &UsageError{Err: fmt.Errorf(`--anonymous %q: want "read" or "none"`, a.Anonymous)}
}

// Guard returns the guard of a gRPC server with these settings. A server that can
// authenticate no one serves public reads only, and says so.
func (a Access) Guard(ctx context.Context, logger *slog.Logger) (*auth.Guard, error) {
	reads, err := a.AnonymousReads()
	if err != nil {
		return nil, err
	}
	if a.APIKeysFile == "" && !a.OIDC.Enabled() {
		logger.Warn("no --api-keys-file and no --oidc-issuer: no credential is accepted, and only public reads can be made")
	}
	g, err := auth.New(ctx, auth.Options{KeysFile: a.APIKeysFile, OIDC: a.OIDC, AnonymousReads: reads, Logger: logger})
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return g, nil
}

// NewGRPCServer returns the gRPC server of a service: guarded as access says, serving TLS
// as t says.
func NewGRPCServer(ctx context.Context, logger *slog.Logger, access Access, t TLS) (*grpcserver.Server, error) {
	guard, err := access.Guard(ctx, logger)
	if err != nil {
		return nil, err
	}
	opts, err := t.GRPCServerOptions()
	if err != nil {
		return nil, err
	}
	return grpcserver.New(logger, guard, opts...)
}

// TLS configures TLS on a process's listeners and on its connections to other services.
type TLS struct {
	// Cert and Key are the process's certificate: served on every listener, and shown to
	// services that ask for client certificates.
	Cert, Key string
	// CA verifies the services this process calls; empty to call them in plaintext.
	CA string
	// ClientCA, when set, makes the listeners require client certificates it signed
	// (mutual TLS).
	ClientCA string
}

// TLS defines the flags of TLS: --tls-cert, --tls-key, --tls-ca, --tls-client-ca.
func (f *Flags) TLS(t *TLS) {
	f.String(&t.Cert, "tls-cert", "", "PEM certificate to serve TLS with (with --tls-key); also the client certificate for mutual TLS")
	f.String(&t.Key, "tls-key", "", "PEM private key of --tls-cert")
	f.String(&t.CA, "tls-ca", "", "PEM CA certificates to verify the services called with; unset: call them in plaintext")
	f.String(&t.ClientCA, "tls-client-ca", "", "require client certificates signed by these PEM CA certificates (mutual TLS)")
}

// Server returns the TLS configuration of the listeners, or nil to serve plaintext.
func (t TLS) Server() (*tls.Config, error) {
	if t.Cert == "" && t.Key == "" {
		if t.ClientCA != "" {
			return nil, &UsageError{Err: errors.New("--tls-client-ca needs --tls-cert and --tls-key")}
		}
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--tls-cert, --tls-key: %w", err)}
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.ClientCA != "" {
		pool, err := certPool("tls-client-ca", t.ClientCA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// GRPCServerOptions are the options of a gRPC server for these settings.
func (t TLS) GRPCServerOptions() ([]grpc.ServerOption, error) {
	cfg, err := t.Server()
	if err != nil || cfg == nil {
		return nil, err
	}
	return []grpc.ServerOption{grpc.Creds(credentials.NewTLS(cfg))}, nil
}

// Listener wraps lis in TLS when it is configured.
func (t TLS) Listener(lis net.Listener) (net.Listener, error) {
	cfg, err := t.Server()
	if err != nil || cfg == nil {
		return lis, err
	}
	cfg.NextProtos = []string{"h2", "http/1.1"}
	return tls.NewListener(lis, cfg), nil
}

// DialOptions are the options of connections to other services: TLS verified with CA,
// with this process's certificate for services that require one.
func (t TLS) DialOptions() ([]grpc.DialOption, error) {
	if t.CA == "" {
		return nil, nil
	}
	pool, err := certPool("tls-ca", t.CA)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if t.Cert != "" && t.Key != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--tls-cert, --tls-key: %w", err)}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(cfg))}, nil
}

func certPool(flagName, path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, &UsageError{Err: fmt.Errorf("--%s: %w", flagName, err)}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &UsageError{Err: fmt.Errorf("--%s %s: no PEM certificate in it", flagName, path)}
	}
	return pool, nil
}

// Edge is how the REST gateway meets the public: browsers on other origins, and limits
// on callers without credentials.
type Edge struct {
	// CORSOrigins is a comma-separated list of exact origins, or "*".
	CORSOrigins string
	// AnonymousRate is requests a second per client address without a credential.
	AnonymousRate float64
	// AnonymousStreams is the most watch streams at once per address without a credential.
	AnonymousStreams int
	// TrustedProxies is a comma-separated list of addresses or CIDR prefixes of proxies
	// whose X-Forwarded-For is believed.
	TrustedProxies string
}

// Edge defines the flags of Edge: --cors-origins, --anonymous-rate, --anonymous-streams,
// --trusted-proxies.
func (f *Flags) Edge(e *Edge) {
	f.String(&e.CORSOrigins, "cors-origins", "", `origins whose browser pages may call the REST API, comma-separated ("https://live.example.org"), or "*" for anonymous reads from any page`)
	f.fs.Float64Var(&e.AnonymousRate, "anonymous-rate", envDefault(f, "anonymous-rate", 20, parseFloat), f.usage("anonymous-rate", "requests a second that one client address may make without a credential (token bucket, bursts of as many); 0 for no limit"))
	f.Int(&e.AnonymousStreams, "anonymous-streams", 10, "watch streams one client address may hold at once without a credential; 0 for no limit")
	f.String(&e.TrustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDR prefixes of proxies whose X-Forwarded-For names the client")
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
