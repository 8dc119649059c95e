// Package web is the HTTP face of diming and the only importer of echo:
// the JSON API, the server-rendered public pages, the embedded web map,
// authentication (sessions with CSRF for browsers, tokens for scripts),
// health, readiness and metrics.
package web
