package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	authv1 "github.com/newsroomhq/newsroom/proto/newsroom/auth/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// Options configure a Guard.
type Options struct {
	// KeysFile is the API keys file (see KeysFile); empty for none.
	KeysFile string
	// KeysCheckEvery is how often, at most, the keys file is looked at for changes.
	// Default 1s.
	KeysCheckEvery time.Duration
	// OIDC accepts tokens from an identity provider when its Issuer is set.
	OIDC OIDC
	// AnonymousReads lets callers without credentials make public reads.
	AnonymousReads bool
	// StreamRecheck is how often the credential of an open stream (a watch) is checked
	// again: a stream whose key is revoked, or whose token expires, ends UNAUTHENTICATED.
	// Default 30s.
	StreamRecheck time.Duration
	// Logger receives changes of the keys file and failed authentications (at debug).
	Logger *slog.Logger
}

// Guard authenticates the callers of a gRPC server and enforces each method's rule.
type Guard struct {
	keys    *keyring
	tokens  *tokenVerifier // nil without OIDC
	anon    *Principal
	logger  *slog.Logger
	recheck time.Duration
	rules   sync.Map // full method -> *authv1.Rule, or nil for a method without one
}

// New returns a guard. With OIDC discovery, it fetches the issuer's configuration.
func New(ctx context.Context, opts Options) (*Guard, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.KeysCheckEvery <= 0 {
		opts.KeysCheckEvery = time.Second
	}
	if opts.StreamRecheck <= 0 {
		opts.StreamRecheck = 30 * time.Second
	}
	keys, err := newKeyring(opts.KeysFile, opts.KeysCheckEvery, opts.Logger)
	if err != nil {
		return nil, err
	}
	g := &Guard{keys: keys, anon: anonymous(opts.AnonymousReads), logger: opts.Logger, recheck: opts.StreamRecheck}
	if opts.OIDC.Enabled() {
		if g.tokens, err = newTokenVerifier(ctx, opts.OIDC); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// AddKey makes key valid, whatever the keys file says, as the caller name with roles on
// every timeline: for a service's own credential that a process makes for itself.
func (g *Guard) AddKey(name, key string, roles ...Role) {
	g.AddKeyOn(name, key, roles, []string{AllTimelines})
}

// AddKeyOn is AddKey with the roles granted on timelines (ids, or AllTimelines).
func (g *Guard) AddKeyOn(name, key string, roles []Role, timelines []string) {
	g.keys.add(key, NewPrincipal(name, APIKey, roles, timelines))
}

// errMissing and errInvalid are the two ways of failing to authenticate: both
// UNAUTHENTICATED, told apart by their reason.
func errMissing() *apierror.Error {
	return &apierror.Error{Code: codes.Unauthenticated, Reason: apierror.ReasonCredentialsMissing,
		Message: `this call needs a credential: send "authorization: Bearer <API key or token>"`}
}

func errInvalid(why string) *apierror.Error {
	return &apierror.Error{Code: codes.Unauthenticated, Reason: apierror.ReasonCredentialsInvalid,
		Message: "the credential is not valid: " + why}
}

// Authenticate returns the caller of an incoming call, from its "authorization"
// metadata: at most one "Bearer" credential, an API key or a token. Without one the
// caller is anonymous; with one that is not valid (malformed, unknown, revoked, expired,
// not yet valid, for another issuer or audience) it is UNAUTHENTICATED.
func (g *Guard) Authenticate(ctx context.Context) (*Principal, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get("authorization")
	switch {
	case len(values) == 0:
		return g.anon, nil
	case len(values) > 1:
		return nil, errInvalid("more than one authorization value")
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return nil, errInvalid(`want "Bearer <API key or token>"`)
	}
	if strings.HasPrefix(cred, KeyPrefix) {
		if p := g.keys.lookup(cred); p != nil {
			return g.withAnonymous(p), nil
		}
		return nil, errInvalid("unknown or revoked API key")
	}
	if g.tokens == nil {
		return nil, errInvalid("not an API key, and this server accepts no tokens")
	}
	p, err := g.tokens.verify(ctx, cred)
	if err != nil {
		g.logger.DebugContext(ctx, "token refused", "err", err)
		return nil, errInvalid("token refused")
	}
	return g.withAnonymous(p), nil
}

// withAnonymous gives p what callers without a credential get, too: a credential never
// takes away what anonymous callers may do.
func (g *Guard) withAnonymous(p *Principal) *Principal {
	if g.anon.publicReads {
		return p.withPublicReads()
	}
	return p
}

// public are the services every gRPC server carries besides the newsroom's own, which
// anyone may call: health checks (for load balancers and orchestrators) and reflection
// (the API's description, public anyway).
var public = []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}

// RuleOf returns the rule that the method ("/package.Service/Method") declares. ok is
// false for a method without one, which no one may call.
func RuleOf(fullMethod string) (rule *authv1.Rule, ok bool) {
	name := protoreflect.FullName(strings.ReplaceAll(strings.TrimPrefix(fullMethod, "/"), "/", "."))
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		return nil, false
	}
	m, isMethod := d.(protoreflect.MethodDescriptor)
	if !isMethod {
		return nil, false
	}
	rule, _ = proto.GetExtension(m.Options(), authv1.E_Rule).(*authv1.Rule)
	if rule.GetPermission() == authv1.Permission_PERMISSION_UNSPECIFIED {
		return nil, false
	}
	return rule, true
}

func (g *Guard) rule(fullMethod string) (*authv1.Rule, bool) {
	if r, ok := g.rules.Load(fullMethod); ok {
		rule, _ := r.(*authv1.Rule)
		return rule, rule != nil
	}
	rule, ok := RuleOf(fullMethod)
	g.rules.Store(fullMethod, rule)
	return rule, ok
}

// isPublic reports whether the method belongs to a service anyone may call.
func isPublic(fullMethod string) bool {
	service, _, _ := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	return slices.Contains(public, service)
}

// CheckServices returns an error naming every method of the services that declares no
// rule: such a method could never be called.
func CheckServices(services map[string]grpc.ServiceInfo) error {
	var missing []string
	for name, info := range services {
		if slices.Contains(public, name) {
			continue
		}
		for _, m := range info.Methods {
			full := "/" + name + "/" + m.Name
			if _, ok := RuleOf(full); !ok {
				missing = append(missing, full)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("methods without an access rule (option (newsroom.auth.v1.rule)): %s", strings.Join(missing, ", "))
	}
	return nil
}

// admit checks that p may make a call of the method with rule before its request is
// known: p must hold the permission somewhere.
func admit(p *Principal, rule *authv1.Rule) error {
	if p.Holds(rule.GetPermission()) {
		return nil
	}
	if p.Anonymous() {
		return errMissing()
	}
	return denied(rule.GetPermission(), "")
}

func denied(perm Permission, timeline string) *apierror.Error {
	e := &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.ReasonPermissionDenied,
		Metadata: map[string]string{"permission": perm.String()}}
	if timeline != "" {
		e.Message = fmt.Sprintf("%s is not granted on timelines/%s", perm, timeline)
		e.Metadata["timeline"] = "timelines/" + timeline
	} else {
		e.Message = fmt.Sprintf("%s is not granted", perm)
	}
	return e
}

// Authorize checks that p may make the call req with rule: the permission on the
// timeline the request names, or on every timeline when it names none (reads need it
// only somewhere: lists are narrowed by the services).
func Authorize(p *Principal, rule *authv1.Rule, req proto.Message) error {
	if err := admit(p, rule); err != nil {
		return err
	}
	perm := rule.GetPermission()
	id, scoped := "", false
	switch {
	case rule.GetTimelineField() != "":
		id, _ = TimelineOf(stringField(req, rule.GetTimelineField()))
		scoped = true
	case rule.GetTimelineIdField() != "":
		id = stringField(req, rule.GetTimelineIdField())
		scoped = true
	}
	switch {
	case scoped && id != "" && id != "-":
		if p.Can(perm, id) {
			return nil
		}
		if p.Anonymous() {
			return errMissing()
		}
		return denied(perm, id)
	case !scoped && perm == Read:
		return nil // admitted: held somewhere
	case p.CanEverywhere(perm):
		return nil
	case p.Anonymous():
		return errMissing()
	}
	e := denied(perm, "")
	e.Message += " on every timeline, which this call needs"
	return e
}

// stringField reads the string at a dotted field path of m ("entry.name"); "" when a
// part is missing.
func stringField(m proto.Message, path string) string {
	msg := m.ProtoReflect()
	parts := strings.Split(path, ".")
	for i, part := range parts {
		fd := msg.Descriptor().Fields().ByName(protoreflect.Name(part))
		if fd == nil {
			return ""
		}
		if i == len(parts)-1 {
			if fd.Kind() != protoreflect.StringKind || fd.IsList() {
				return ""
			}
			return msg.Get(fd).String()
		}
		if fd.Message() == nil || fd.IsList() || fd.IsMap() || !msg.Has(fd) {
			return ""
		}
		msg = msg.Get(fd).Message()
	}
	return ""
}

// UnaryInterceptor authenticates the caller, checks the method's rule against the
// request, and puts the caller in the context (FromContext).
func (g *Guard) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if isPublic(info.FullMethod) {
			return handler(ctx, req)
		}
		p, rule, err := g.start(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		m, ok := req.(proto.Message)
		if !ok {
			return nil, errors.New("auth: request is not a protobuf message")
		}
		if err := Authorize(p, rule, m); err != nil {
			return nil, err
		}
		return handler(NewContext(ctx, p), req)
	}
}

// StreamInterceptor is UnaryInterceptor for streams: the caller is admitted when the
// stream starts, and every request message it sends is checked against the rule.
func (g *Guard) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if isPublic(info.FullMethod) {
			return handler(srv, ss)
		}
		p, rule, err := g.start(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		if err := admit(p, rule); err != nil {
			return err
		}
		ctx, cancel := context.WithCancelCause(NewContext(ss.Context(), p))
		defer cancel(nil)
		if !p.Anonymous() {
			go g.watchCredential(ctx, ss.Context(), cancel)
		}
		err = handler(srv, &guardedStream{ServerStream: ss, ctx: ctx, p: p, rule: rule})
		if cause := context.Cause(ctx); errors.Is(cause, errRevoked) {
			return errInvalid("the credential was revoked or expired while the stream was open")
		}
		return err
	}
}

// errRevoked ends a stream whose credential is no longer valid.
var errRevoked = errors.New("credential no longer valid")

// watchCredential authenticates the stream's caller again every g.recheck, from its
// incoming metadata, and cancels the stream when that fails.
func (g *Guard) watchCredential(ctx, incoming context.Context, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(g.recheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if p, err := g.Authenticate(incoming); err != nil || p.Anonymous() {
				cancel(errRevoked)
				return
			}
		}
	}
}

// start authenticates the caller of a method and finds the method's rule.
func (g *Guard) start(ctx context.Context, method string) (*Principal, *authv1.Rule, error) {
	rule, ok := g.rule(method)
	if !ok {
		return nil, nil, &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.ReasonPermissionDenied,
			Message: method + " declares no access rule: no one may call it"}
	}
	p, err := g.Authenticate(ctx)
	if err != nil {
		return nil, nil, err
	}
	return p, rule, nil
}

type guardedStream struct {
	grpc.ServerStream
	ctx  context.Context
	p    *Principal
	rule *authv1.Rule
}

func (s *guardedStream) Context() context.Context { return s.ctx }

func (s *guardedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	msg, ok := m.(proto.Message)
	if !ok {
		return errors.New("auth: request is not a protobuf message")
	}
	return Authorize(s.p, s.rule, msg)
}
