package ogc

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/diming/diming"
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

// ParseExport parses a bulk export's parameters: division (a code; its
// descendants' rows), format, and the items filters (datetime, property
// filters, filter). It returns the query, the format and a file name.
func ParseExport(c *Collection, params url.Values) (Query, Format, string, error) {
	v := url.Values{}
	for k, vs := range params {
		v[k] = vs
	}
	division, format := v.Get("division"), v.Get("format")
	delete(v, "division")
	delete(v, "format")
	for _, k := range []string{"limit", "cursor", "crs", "f"} {
		if v.Has(k) {
			return Query{}, Format{}, "", invalid(k, fmt.Sprintf("导出不接受参数 %s：导出总是全部要素，坐标为 CRS84（经度、纬度）", k))
		}
	}
	f, err := ParseFormat(format)
	if err != nil {
		return Query{}, f, "", err
	}
	q, err := ParseItems(c, v)
	if err != nil {
		return q, f, "", err
	}
	q.Limit = 0
	name := c.ID
	if division != "" {
		if !diming.IsDivisionCode(division) {
			return q, f, "", invalid("division", fmt.Sprintf("division 须为 6、9 或 12 位区划代码（收到 %q）", division))
		}
		q.Prefixes = append(q.Prefixes, diming.CodePrefix(division))
		name += "-" + division
	}
	return q, f, name + "." + f.Ext, nil
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

// AppendFeature appends one GeoJSON Feature, with its id, from a row the
// store wrote in the GeoJSON encoding.
func AppendFeature(buf []byte, c *Collection, r *Row) []byte {
	buf = append(buf, `{"id":`...)
	if c.KeyInt {
		buf = append(buf, r.Key...)
	} else {
		buf = appendJSONString(buf, string(r.Key))
	}
	buf = append(buf, ',')
	return append(buf, r.Feature[1:]...)
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
