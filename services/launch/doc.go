// Package launch holds, in one package per binary, what the commands in cmd/ do: read
// flags and environment, connect, serve, and stop cleanly on SIGINT or SIGTERM. The
// commands' main functions only call them: these packages live under services/ so that
// they may use the services' internal packages.
//
//   - newsroom: the whole product in one process, on the embedded database by default.
//   - entityserver, timelineserver, gatewayserver: one service each, for deployment. They
//     do not link the embedded database.
package launch
