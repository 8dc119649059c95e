package ogc

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Format is a bulk-export file format.
type Format struct {
	Name, Ext, MediaType string
	Enc                  Encoding
}

// Formats are the bulk-export formats by name.
var Formats = []Format{
	{"geojson", "geojson", "application/geo+json", GeoJSON},         // RFC 7946 FeatureCollection
	{"geojsonseq", "geojsons", "application/geo+json-seq", GeoJSON}, // RFC 8142: RS before each feature
	{"ndjson", "geojsonl", "application/x-ndjson", GeoJSON},         // one feature a line
	{"kml", "kml", "application/vnd.google-earth.kml+xml", KML},
	{"csv", "csv", "text/csv; charset=utf-8", WKT},
}

// ParseFormat returns the named format; the message lists the others.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		s = "geojson"
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		if f.Name == s {
			return f, nil
		}
		names[i] = f.Name
	}
	return Format{}, invalid("format", fmt.Sprintf("不支持的导出格式 format=%q：可用 %s", s, strings.Join(names, ", ")))
}

// Export streams the query's features to w in format f, one row at a
// time, and returns how many it wrote. progress, when set, is told the
// count as it grows.
func Export(ctx context.Context, st Store, q Query, f Format, w io.Writer, progress func(int64)) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var n int64
	c := q.Coll
	var cw *csv.Writer
	var buf []byte
	switch f.Name {
	case "geojson":
		buf = append(buf, `{"type":"FeatureCollection","name":`...)
		buf = appendJSONString(buf, c.ID)
		buf = append(buf, `,"features":[`...)
	case "kml":
		buf = appendKMLHeader(buf, c)
	case "csv":
		cw = csv.NewWriter(bw)
		head := append([]string{"id"}, c.PropNames()...)
		if err := cw.Write(append(head, "WKT")); err != nil {
			return 0, err
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return 0, err
	}
	rec := make([]string, len(c.Props)+2)
	err := st.Features(ctx, q, f.Enc, 0, func(r *Row) error {
		buf = buf[:0]
		switch f.Name {
		case "geojson":
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = AppendFeature(buf, c, r)
		case "geojsonseq":
			buf = append(buf, 0x1e)
			buf = append(AppendFeature(buf, c, r), '\n')
		case "ndjson":
			buf = append(AppendFeature(buf, c, r), '\n')
		case "kml":
			buf = appendPlacemark(buf, c, r)
		case "csv":
			rec[0] = string(r.Key)
			for i, v := range r.Values {
				rec[i+1] = string(v)
			}
			rec[len(rec)-1] = string(r.Geom)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		n++
		if progress != nil {
			progress(n)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	buf = buf[:0]
	switch f.Name {
	case "geojson":
		buf = append(buf, "]}\n"...)
	case "kml":
		buf = append(buf, "</Folder></Document></kml>\n"...)
	case "csv":
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// AppendFeature appends one GeoJSON Feature built from a row the store
// wrote in the GeoJSON encoding.
func AppendFeature(buf []byte, c *Collection, r *Row) []byte {
	buf = append(buf, `{"type":"Feature","id":`...)
	if c.KeyInt {
		buf = append(buf, r.Key...)
	} else {
		buf = appendJSONString(buf, string(r.Key))
	}
	buf = append(buf, `,"geometry":`...)
	if r.Geom == nil {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, r.Geom...)
	}
	buf = append(buf, `,"properties":`...)
	buf = append(buf, r.Props...)
	return append(buf, '}')
}

func appendJSONString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(buf, b...)
}

var kmlTypes = map[Type]string{String: "string", Integer: "int", Number: "double", Boolean: "bool", Date: "string"}

func appendKMLHeader(buf []byte, c *Collection) []byte {
	buf = append(buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<kml xmlns="http://www.opengis.net/kml/2.2"><Document id="root_doc">`...)
	buf = append(buf, `<Schema name="`+c.ID+`" id="`+c.ID+`">`...)
	for _, p := range c.Props {
		buf = append(buf, `<SimpleField name="`+p.Name+`" type="`+kmlTypes[p.Type]+`"></SimpleField>`...)
	}
	buf = append(buf, "</Schema>\n<Folder><name>"...)
	buf = appendXML(buf, c.ID)
	return append(buf, "</name>\n"...)
}

func appendPlacemark(buf []byte, c *Collection, r *Row) []byte {
	buf = append(buf, "<Placemark><name>"...)
	name := r.Key
	for i, p := range c.Props {
		if (p.Name == "name" || p.Name == "full_text" || p.Name == "number") && r.Values[i] != nil {
			name = r.Values[i]
			break
		}
	}
	buf = appendXML(buf, string(name))
	buf = append(buf, `</name><ExtendedData><SchemaData schemaUrl="#`+c.ID+`">`...)
	for i, p := range c.Props {
		if r.Values[i] == nil {
			continue
		}
		buf = append(buf, `<SimpleData name="`+p.Name+`">`...)
		buf = appendXML(buf, string(r.Values[i]))
		buf = append(buf, "</SimpleData>"...)
	}
	buf = append(buf, "</SchemaData></ExtendedData>"...)
	buf = append(buf, r.Geom...)
	return append(buf, "</Placemark>\n"...)
}

// appendXML escapes text for XML, dropping what XML 1.0 cannot hold.
func appendXML(buf []byte, s string) []byte {
	for _, ch := range s {
		switch ch {
		case '<':
			buf = append(buf, "&lt;"...)
		case '>':
			buf = append(buf, "&gt;"...)
		case '&':
			buf = append(buf, "&amp;"...)
		case '"':
			buf = append(buf, "&quot;"...)
		default:
			if ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' || ch == utf8.RuneError {
				continue
			}
			buf = utf8.AppendRune(buf, ch)
		}
	}
	return buf
}
