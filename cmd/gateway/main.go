// Command gateway serves the REST API (JSON over HTTP, described at /openapi.json) in
// front of the Timeline and Entity services, with a health check at /healthz. Run with -h
// for its flags; every flag can also be set through the environment variable of the same
// name in upper case (--http-addr, HTTP_ADDR).
package main

import "github.com/newsroomhq/newsroom/services/launch/gatewayserver"

func main() { gatewayserver.Main() }
