// Package auth decides who is calling and what they may do: API keys from a keys file,
// OIDC tokens for people, and anonymous callers; roles granted per timeline; and one gRPC
// interceptor that enforces, for every method of every service, the rule the method
// declares beside its definition (the newsroom.auth.v1.rule option). Rules that depend on
// stored state (a contributor changes only drafts; the editor view of a timeline) are the
// services', through the Principal the interceptor puts in the context.
package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	authv1 "github.com/newsroomhq/newsroom/proto/newsroom/auth/v1"
)

// Permission is what a call needs (see the newsroom.auth.v1.Permission enum).
type Permission = authv1.Permission

// The permissions.
const (
	Read            = authv1.Permission_READ
	WriteEntries    = authv1.Permission_WRITE_ENTRIES
	PublishEntries  = authv1.Permission_PUBLISH_ENTRIES
	DeleteEntries   = authv1.Permission_DELETE_ENTRIES
	ImportEntries   = authv1.Permission_IMPORT_ENTRIES
	EditorView      = authv1.Permission_EDITOR_VIEW
	WriteTimelines  = authv1.Permission_WRITE_TIMELINES
	DeleteTimelines = authv1.Permission_DELETE_TIMELINES
	CreateEntities  = authv1.Permission_CREATE_ENTITIES
	UpdateEntities  = authv1.Permission_UPDATE_ENTITIES
	DeleteEntities  = authv1.Permission_DELETE_ENTITIES
)

// Role is a named set of permissions.
type Role string

// The roles, from the least to the most trusted; importer stands apart.
const (
	Reader      Role = "reader"
	Contributor Role = "contributor"
	Editor      Role = "editor"
	Importer    Role = "importer"
	Admin       Role = "admin"
)

// Roles are the permissions of each role: the table in docs/api.md, which a test holds
// to this one.
var Roles = map[Role][]Permission{
	Reader:      {Read},
	Contributor: {Read, WriteEntries, EditorView},
	Editor: {Read, WriteEntries, PublishEntries, DeleteEntries, ImportEntries, EditorView,
		WriteTimelines, CreateEntities, UpdateEntities},
	Importer: {Read, ImportEntries, CreateEntities},
	Admin: {Read, WriteEntries, PublishEntries, DeleteEntries, ImportEntries, EditorView,
		WriteTimelines, DeleteTimelines, CreateEntities, UpdateEntities, DeleteEntities},
}

// AllTimelines in a list of timelines grants on every timeline.
const AllTimelines = "*"

// Kind says how a caller was identified.
type Kind int

const (
	Anonymous Kind = iota
	APIKey
	Token
)

func (k Kind) String() string {
	switch k {
	case APIKey:
		return "key"
	case Token:
		return "token"
	}
	return "anonymous"
}

// Principal is the caller of one request: who it is and what it may do where.
type Principal struct {
	// Name is the API key's name or the token's subject; empty for anonymous callers.
	Name string
	Kind Kind
	// perms holds the permissions of the caller's roles.
	perms []Permission
	// timelines are the ids of the timelines the roles are granted on; nil for every
	// timeline.
	timelines []string
	// publicReads is set where anonymous callers may read: every caller may then read
	// every timeline, whatever its roles.
	publicReads bool
}

// NewPrincipal returns a caller holding roles on timelines (ids, or AllTimelines). Unknown
// roles grant nothing.
func NewPrincipal(name string, kind Kind, roles []Role, timelines []string) *Principal {
	p := &Principal{Name: name, Kind: kind}
	for _, r := range roles {
		for _, perm := range Roles[r] {
			if !slices.Contains(p.perms, perm) {
				p.perms = append(p.perms, perm)
			}
		}
	}
	if !slices.Contains(timelines, AllTimelines) {
		p.timelines = append([]string{}, timelines...)
		if p.timelines == nil {
			p.timelines = []string{}
		}
	}
	return p
}

// anonymous is a caller without credentials: public reads everywhere, or nothing.
func anonymous(reads bool) *Principal {
	return &Principal{Kind: Anonymous, publicReads: reads}
}

// withPublicReads is p, who may also read every timeline.
func (p *Principal) withPublicReads() *Principal {
	q := *p
	q.publicReads = true
	return &q
}

// Holds reports whether the caller holds perm on at least one timeline.
func (p *Principal) Holds(perm Permission) bool {
	if p == nil {
		return false
	}
	if perm == Read && p.publicReads {
		return true
	}
	return slices.Contains(p.perms, perm) && (p.timelines == nil || len(p.timelines) > 0)
}

// Can reports whether the caller holds perm on the timeline with this id.
func (p *Principal) Can(perm Permission, timelineID string) bool {
	if perm == Read && p != nil && p.publicReads {
		return true
	}
	return p.Holds(perm) && (p.timelines == nil || slices.Contains(p.timelines, timelineID))
}

// CanEverywhere reports whether the caller holds perm on every timeline.
func (p *Principal) CanEverywhere(perm Permission) bool {
	if perm == Read && p != nil && p.publicReads {
		return true
	}
	return p.Holds(perm) && p.timelines == nil
}

// Anonymous reports whether the caller sent no credential.
func (p *Principal) Anonymous() bool { return p == nil || p.Kind == Anonymous }

// String names the caller for logs: "key:wire-importer", "token:jane", "anonymous".
func (p *Principal) String() string {
	if p.Anonymous() {
		return "anonymous"
	}
	return fmt.Sprintf("%s:%s", p.Kind, p.Name)
}

type contextKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, contextKey{}, p)
}

// FromContext returns the caller of the request ctx belongs to. Outside a call that the
// interceptor let through, it is an anonymous caller without permissions.
func FromContext(ctx context.Context) *Principal {
	if p, ok := ctx.Value(contextKey{}).(*Principal); ok && p != nil {
		return p
	}
	return anonymous(false)
}

// TimelineOf returns the id of the timeline a resource name is in: "timelines/{id}", or
// anything inside it. ok is false for other names; "timelines/-" (every timeline) gives
// "-".
func TimelineOf(name string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(name, "timelines/")
	if !ok {
		return "", false
	}
	id, _, _ = strings.Cut(rest, "/")
	return id, id != ""
}
