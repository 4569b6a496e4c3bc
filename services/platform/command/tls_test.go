package command_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/command"
	"github.com/newsroomhq/newsroom/services/platform/grpcserver"
)

// pki is a CA and certificates it signed, as PEM files.
type pki struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	CAFile string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{dir: t.TempDir(), ca: ca, caKey: key}
	p.CAFile = p.write(t, "ca.pem", "CERTIFICATE", der)
	return p
}

func (p *pki) write(t *testing.T, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issue returns the certificate and key files of a new certificate for 127.0.0.1.
func (p *pki) issue(t *testing.T, name string, usage x509.ExtKeyUsage) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+"-key.pem", "EC PRIVATE KEY", keyDER)
}

// serveTLS serves gRPC health checks with the server settings, and returns the address.
func serveTLS(t *testing.T, settings command.TLS) string {
	t.Helper()
	guard, err := auth.New(context.Background(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := settings.GRPCServerOptions()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := grpcserver.New(slog.New(slog.DiscardHandler), guard, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkServing()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Server.Stop)
	return lis.Addr().String()
}

// healthy reports whether a health check through a connection with client settings
// succeeds.
func healthy(t *testing.T, addr string, client command.TLS) bool {
	t.Helper()
	opts, err := client.DialOptions()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := command.Dial("addr", addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	return err == nil
}

func TestTLS(t *testing.T) {
	p := newPKI(t)
	serverCert, serverKey := p.issue(t, "server", x509.ExtKeyUsageServerAuth)
	clientCert, clientKey := p.issue(t, "client", x509.ExtKeyUsageClientAuth)
	other := newPKI(t)

	tlsOnly := serveTLS(t, command.TLS{Cert: serverCert, Key: serverKey})
	mutual := serveTLS(t, command.TLS{Cert: serverCert, Key: serverKey, ClientCA: p.CAFile})
	tests := map[string]struct {
		addr   string
		client command.TLS
		want   bool
	}{
		"TLS":                           {tlsOnly, command.TLS{CA: p.CAFile}, true},
		"TLS, plaintext client":         {tlsOnly, command.TLS{}, false},
		"TLS, another CA":               {tlsOnly, command.TLS{CA: other.CAFile}, false},
		"mutual TLS":                    {mutual, command.TLS{CA: p.CAFile, Cert: clientCert, Key: clientKey}, true},
		"mutual TLS, no client cert":    {mutual, command.TLS{CA: p.CAFile}, false},
		"mutual TLS, server cert as ID": {mutual, command.TLS{CA: p.CAFile, Cert: serverCert, Key: serverKey}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := healthy(t, tc.addr, tc.client); got != tc.want {
				t.Fatalf("health check succeeded: %v, want %v", got, tc.want)
			}
		})
	}

	// The HTTP listener.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis, err = command.TLS{Cert: serverCert, Key: serverKey}.Listener(lis)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	pem, err := os.ReadFile(p.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + lis.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("HTTPS: %d, %v", resp.StatusCode, resp.TLS)
	}

	// Settings that cannot work are refused.
	if _, err := (command.TLS{ClientCA: p.CAFile}).Server(); err == nil {
		t.Error("--tls-client-ca without a certificate was accepted")
	}
	if _, err := (command.TLS{CA: serverKey}).DialOptions(); err == nil {
		t.Error("a CA file without certificates was accepted")
	}
}
