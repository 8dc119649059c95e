// Package tiles serves vector tiles (MVT) of the gazetteer's layers from a
// registry of layers, with zoom limits and cache policy.
package tiles
