// Package api is the wire contract between the cardagent desktop agent and
// identityd: request and response types with their Validate methods, the
// stable error codes, the routes, and the bytes a card signs at login.
// openapi.yaml beside this file documents the whole protocol.
//
// It holds no logic beyond validation and imports only the standard library,
// so the agent's client and the backend agree on exactly these types.
package api
