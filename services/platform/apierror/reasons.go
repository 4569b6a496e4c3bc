package apierror

import "strings"

// Domains of google.rpc.ErrorInfo: one per service, and one for what the gateway says on
// its own. A reason is unique within its domain.
const (
	DomainTimeline = "timeline.newsroom.api"
	DomainEntity   = "entity.newsroom.api"
	DomainGateway  = "gateway.newsroom.api"
)

// DomainOf is the domain of the errors of a gRPC method ("/newsroom.timeline.v1.TimelineService/GetEntry").
func DomainOf(fullMethod string) string {
	switch {
	case strings.HasPrefix(fullMethod, "/newsroom.timeline."):
		return DomainTimeline
	case strings.HasPrefix(fullMethod, "/newsroom.entity."):
		return DomainEntity
	}
	return DomainGateway
}

// Reasons of google.rpc.ErrorInfo. Each names a cause a client can act on; docs/api.md
// lists them with their codes.
const (
	// Requests.
	ReasonInvalidField     = "INVALID_FIELD"      // BadRequest names the fields
	ReasonInvalidPageToken = "INVALID_PAGE_TOKEN" // not a token of this list with these filters
	ReasonRequestTooLarge  = "REQUEST_TOO_LARGE"  // metadata max_bytes
	ReasonRouteNotFound    = "ROUTE_NOT_FOUND"    // no REST route for the path
	ReasonMethodNotAllowed = "METHOD_NOT_ALLOWED" // a REST route, another HTTP method

	// Access (services/platform/auth, and the gateway's limits on anonymous callers).
	ReasonCredentialsMissing = "CREDENTIALS_MISSING" // the call needs a credential and has none
	ReasonCredentialsInvalid = "CREDENTIALS_INVALID" // malformed, expired, not yet valid, unknown or revoked
	ReasonPermissionDenied   = "PERMISSION_DENIED"   // metadata permission, and timeline when the call is about one
	ReasonRateLimited        = "RATE_LIMITED"        // anonymous requests from one address; Retry-After says when to retry
	ReasonTooManyStreams     = "TOO_MANY_STREAMS"    // anonymous watch streams from one address

	// Concurrency and availability.
	ReasonEtagMismatch          = "ETAG_MISMATCH"
	ReasonDependencyUnavailable = "DEPENDENCY_UNAVAILABLE"
	ReasonShuttingDown          = "SHUTTING_DOWN"

	// Timelines and entries.
	ReasonTimelineNotFound      = "TIMELINE_NOT_FOUND"
	ReasonTimelineAlreadyExists = "TIMELINE_ALREADY_EXISTS"
	ReasonSlugTaken             = "SLUG_TAKEN"
	ReasonTimelineNotEmpty      = "TIMELINE_NOT_EMPTY"
	ReasonTimelineClosed        = "TIMELINE_CLOSED"
	ReasonTimelineArchived      = "TIMELINE_ARCHIVED"
	ReasonEntryNotFound         = "ENTRY_NOT_FOUND"
	ReasonEntryAlreadyExists    = "ENTRY_ALREADY_EXISTS"
	ReasonDuplicateEntry        = "DUPLICATE_ENTRY"
	ReasonNearDuplicateEntry    = "NEAR_DUPLICATE_ENTRY"

	// Watch streams.
	ReasonWatcherTooSlow = "WATCHER_TOO_SLOW"
	ReasonHistoryExpired = "HISTORY_EXPIRED"
	ReasonSequenceAhead  = "SEQUENCE_AHEAD"
	ReasonFollowLimit    = "FOLLOW_LIMIT" // the replica follows as many timelines as it may

	// Entities.
	ReasonEntityNotFound      = "ENTITY_NOT_FOUND"
	ReasonEntityAlreadyExists = "ENTITY_ALREADY_EXISTS"
	ReasonExternalIDTaken     = "EXTERNAL_ID_TAKEN"
)

// kindOf names the kind of resource a resource name is of: "TIMELINE", "ENTRY", "ENTITY",
// or "RESOURCE" when the name is none of those.
func kindOf(resource string) string {
	parts := strings.Split(resource, "/")
	switch {
	case len(parts) == 2 && parts[0] == "timelines":
		return "TIMELINE"
	case len(parts) == 4 && parts[0] == "timelines" && parts[2] == "entries":
		return "ENTRY"
	case len(parts) == 2 && parts[0] == "entities":
		return "ENTITY"
	}
	return "RESOURCE"
}
