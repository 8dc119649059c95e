package ogc

import "context"

// Encoding is how the store writes a feature's geometry and properties.
type Encoding int

const (
	// GeoJSON writes the geometry as a GeoJSON object and the properties
	// as one JSON object.
	GeoJSON Encoding = iota
	// KML writes a KML geometry element and each property as text.
	KML
	// WKT writes well-known text and each property as text.
	WKT
)

// Row is one feature as the store wrote it. Its slices are valid only
// during the callback that receives it.
type Row struct {
	Key  []byte
	Geom []byte // nil: no geometry
	// Feature is the whole GeoJSON Feature but its id (GeoJSON encoding).
	Feature []byte
	// Values are the properties as text in the collection's order (KML
	// and WKT encodings); nil for NULL.
	Values [][]byte
}

// Store runs queries; data.DB implements it.
type Store interface {
	// Features streams the selected features in key order to fn, at most
	// limit of them (0: all).
	Features(ctx context.Context, q Query, enc Encoding, limit int, fn func(*Row) error) error
	// CountFeatures is numberMatched: the features selected over all pages.
	CountFeatures(ctx context.Context, q Query) (int64, error)
}
