// Package apiheader names the headers (gRPC metadata keys) that the services and the
// gateway both use, so that each is spelled once.
package apiheader

const (
	// RequestID joins the log lines of one request across the gateway and the services.
	RequestID = "x-request-id"
	// TimelineStatus is a response header of the Timeline service: the status of the
	// timeline a response is about, from which the gateway chooses how long caches may
	// keep it.
	TimelineStatus = "x-timeline-status"
)
