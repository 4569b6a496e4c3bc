// Package authtest is an identity provider for tests: a signing key, its JWKS file, valid
// tokens, and the forged, stale and misdirected tokens that must be refused.
package authtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The issuer and audience of the tokens.
const (
	Issuer   = "https://sso.newsroom.example"
	Audience = "newsroom-api"
)

// IDP signs tokens with one RSA key, published in a JWKS file.
type IDP struct {
	Key *rsa.PrivateKey
	KID string
	// JWKSFile holds the public key.
	JWKSFile string
}

// New returns an identity provider whose JWKS file is in a temporary folder.
func New(t testing.TB) *IDP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &IDP{Key: key, KID: "k1", JWKSFile: filepath.Join(t.TempDir(), "jwks.json")}
	p.WriteJWKS(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: p.KID, Algorithm: "RS256", Use: "sig"})
	return p
}

// WriteJWKS replaces the JWKS file with keys.
func (p *IDP) WriteJWKS(t testing.TB, keys ...jose.JSONWebKey) {
	t.Helper()
	data, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.JWKSFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Claims are a valid token's claims: subject, roles, valid from a minute ago for an hour.
func Claims(subject string, roles ...string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": Issuer, "aud": Audience, "sub": subject, "roles": roles,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// Token signs claims with the provider's key.
func (p *IDP) Token(t testing.TB, claims map[string]any) string {
	t.Helper()
	return Sign(t, p.Key, jose.RS256, p.KID, claims)
}

// Sign signs claims with key and alg under kid.
func Sign(t testing.TB, key any, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(v any) string {
	data, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(data)
}

// Attacks are tokens for the claims of a valid one (Claims(subject, roles...)) that a
// server must refuse, by name: expired, not yet valid, for another issuer or audience,
// unsigned ("alg": "none"), signed with HMAC keyed by the public key, by an unknown key
// id, by another key under the known id, with a tampered payload.
func (p *IDP) Attacks(t testing.TB, subject string, roles ...string) map[string]string {
	t.Helper()
	with := func(k string, v any) map[string]any {
		c := Claims(subject, roles...)
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := p.Token(t, Claims(subject, roles...))
	parts := strings.Split(valid, ".")
	pubDER, err := x509.MarshalPKIXPublicKey(&p.Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	head := b64(map[string]any{"alg": "HS256", "typ": "JWT", "kid": p.KID})
	body := b64(Claims(subject, roles...))
	mac := hmac.New(sha256.New, pubDER)
	mac.Write([]byte(head + "." + body))
	admin := Claims(subject, "admin")
	return map[string]string{
		"expired":              p.Token(t, with("exp", time.Now().Add(-time.Minute).Unix())),
		"not yet valid":        p.Token(t, with("nbf", time.Now().Add(time.Hour).Unix())),
		"wrong issuer":         p.Token(t, with("iss", "https://evil.example")),
		"wrong audience":       p.Token(t, with("aud", "another-api")),
		"no expiry":            p.Token(t, with("exp", nil)),
		"alg none":             b64(map[string]any{"alg": "none", "typ": "JWT"}) + "." + body + ".",
		"HMAC, public key":     head + "." + body + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)),
		"unknown kid":          Sign(t, other, jose.RS256, "k2", Claims(subject, roles...)),
		"known kid, other key": Sign(t, other, jose.RS256, p.KID, Claims(subject, roles...)),
		"tampered payload":     parts[0] + "." + b64(admin) + "." + parts[2],
		"empty signature":      parts[0] + "." + parts[1] + ".",
		"not a token":          "hello",
	}
}
