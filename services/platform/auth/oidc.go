package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// OIDC configures the verification of tokens from the newsroom's identity provider.
type OIDC struct {
	// Issuer is the token's required "iss"; its discovery document gives the keys unless
	// JWKSFile does.
	Issuer string
	// Audience is the token's required "aud".
	Audience string
	// JWKSFile is a local JSON Web Key Set, for sites without access to the issuer (and
	// for tests). It is read again when a token names a key id it does not hold.
	JWKSFile string
	// RolesClaim names the claim holding the roles: a list of strings, or one string of
	// roles separated by spaces; a dotted path reaches into objects ("realm_access.roles").
	// Default "roles".
	RolesClaim string
	// TimelinesClaim names the claim holding the timeline ids the roles are granted on;
	// absent means every timeline. Default "timelines".
	TimelinesClaim string
}

// Enabled reports whether tokens are accepted at all.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// asymmetric are the signing algorithms accepted: public-key ones only, so that a key
// set's public keys can never be used as a shared secret (and "none" never is).
var asymmetric = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// tokenVerifier checks tokens and turns them into principals.
type tokenVerifier struct {
	cfg      OIDC
	verifier *oidc.IDTokenVerifier
}

func newTokenVerifier(ctx context.Context, cfg OIDC) (*tokenVerifier, error) {
	if cfg.Audience == "" {
		return nil, errors.New("--oidc-audience is required with --oidc-issuer")
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.TimelinesClaim == "" {
		cfg.TimelinesClaim = "timelines"
	}
	config := &oidc.Config{ClientID: cfg.Audience, SupportedSigningAlgs: asymmetric}
	var v *oidc.IDTokenVerifier
	if cfg.JWKSFile != "" {
		ks := &fileKeySet{path: cfg.JWKSFile}
		if err := ks.reload(); err != nil {
			return nil, fmt.Errorf("--oidc-jwks-file: %w", err)
		}
		v = oidc.NewVerifier(cfg.Issuer, ks, config)
	} else {
		// Discovery, then keys from the issuer's jwks_uri, fetched again for an unknown
		// key id.
		p, err := oidc.NewProvider(ctx, cfg.Issuer)
		if err != nil {
			return nil, fmt.Errorf("--oidc-issuer: discovery: %w", err)
		}
		v = p.Verifier(config)
	}
	return &tokenVerifier{cfg: cfg, verifier: v}, nil
}

// verify checks the token's signature, issuer, audience, expiry and not-before time, and
// returns its principal.
func (t *tokenVerifier) verify(ctx context.Context, raw string) (*Principal, error) {
	tok, err := t.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if tok.Subject == "" {
		return nil, errors.New("token has no subject")
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, err
	}
	roles, err := stringsClaim(claims, t.cfg.RolesClaim)
	if err != nil {
		return nil, err
	}
	timelines := []string{AllTimelines}
	if v, present := claimAt(claims, t.cfg.TimelinesClaim); present {
		if timelines, err = stringsOf(v, t.cfg.TimelinesClaim); err != nil {
			return nil, err
		}
	}
	rs := make([]Role, 0, len(roles))
	for _, r := range roles {
		rs = append(rs, Role(r)) // roles of other applications grant nothing here
	}
	return NewPrincipal(tok.Subject, Token, rs, timelines), nil
}

// claimAt follows a dotted path into the claims.
func claimAt(claims map[string]any, path string) (any, bool) {
	var cur any = claims
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func stringsClaim(claims map[string]any, path string) ([]string, error) {
	v, ok := claimAt(claims, path)
	if !ok {
		return nil, nil
	}
	return stringsOf(v, path)
}

// stringsOf reads a claim that is a list of strings, or one string of words.
func stringsOf(v any, name string) ([]string, error) {
	switch v := v.(type) {
	case string:
		return strings.Fields(v), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("claim %s: want strings", name)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("claim %s: want a list of strings", name)
}

// fileKeySet verifies signatures with the keys of a local JWKS file, read again (at most
// once a second) when a token names a key id the set does not hold: keys are rotated by
// adding the new one to the file.
type fileKeySet struct {
	path string

	mu     sync.Mutex
	keys   jose.JSONWebKeySet
	loaded time.Time
}

func (s *fileKeySet) reload() error {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return err
	}
	for _, k := range set.Keys {
		if !k.Valid() || !k.IsPublic() {
			return fmt.Errorf("key %q: want public keys only", k.KeyID)
		}
	}
	s.keys, s.loaded = set, time.Now()
	return nil
}

// VerifySignature implements oidc.KeySet. The verifier has already checked the algorithm.
func (s *fileKeySet) VerifySignature(_ context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, asymmetricAlgs())
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("want exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := s.find(kid)
	if len(keys) == 0 {
		return nil, fmt.Errorf("no key with id %q", kid)
	}
	for _, k := range keys {
		if payload, err := jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("signature does not verify")
}

// find returns the keys with id kid (every key when kid is empty), reading the file again
// when there is none.
func (s *fileKeySet) find(kid string) []jose.JSONWebKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	match := func() []jose.JSONWebKey {
		if kid == "" {
			return s.keys.Keys
		}
		return s.keys.Key(kid)
	}
	keys := match()
	if len(keys) == 0 && time.Since(s.loaded) >= time.Second {
		if err := s.reload(); err == nil {
			keys = match()
		}
	}
	return keys
}

func asymmetricAlgs() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(asymmetric))
	for i, a := range asymmetric {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}
