package ogc

import "encoding/json"

// OpenAPI returns the OpenAPI 3.0 description of the API at base, with
// one items path per collection the caller may see (staff ones only for
// signed-in callers).
func OpenAPI(base string, reg []*Collection, staff bool) []byte {
	param := func(name, in, desc string, schema map[string]any, required bool) map[string]any {
		style := "form"
		if in == "path" {
			style = "simple"
		}
		return map[string]any{"name": name, "in": in, "description": desc, "required": required, "schema": schema, "style": style, "explode": false}
	}
	str := map[string]any{"type": "string"}
	common := []any{
		param("f", "query", "json 或 html", map[string]any{"type": "string", "enum": []string{"json", "html"}}, false),
	}
	itemsParams := []any{
		param("limit", "query", "每页要素数（1–10000，默认 100）", map[string]any{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}, false),
		param("bbox", "query", "minLon,minLat,maxLon,maxLat（bbox-crs 为 EPSG:4490 时纬度在前）", map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}, false),
		param("bbox-crs", "query", "bbox 的坐标参考系", map[string]any{"type": "string", "enum": CRSList}, false),
		param("crs", "query", "输出的坐标参考系", map[string]any{"type": "string", "enum": CRSList}, false),
		param("datetime", "query", "日期或区间（RFC 3339，../ 表示开放），按有效期筛选", str, false),
		param("filter", "query", "CQL2 文本：属性与值的比较，AND/OR/NOT，LIKE、IN、BETWEEN、IS NULL", str, false),
		param("filter-lang", "query", "cql2-text", map[string]any{"type": "string", "enum": []string{"cql2-text"}}, false),
		param("cursor", "query", "分页游标：用 next 链接，不要手工填写", str, false),
	}
	resp := func(desc, mt string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{mt: map[string]any{"schema": map[string]any{"type": "object"}}}}
	}
	errResp := map[string]any{"description": "参数有误：OGC 异常 JSON {code, description}", "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"type": "object", "properties": map[string]any{"code": str, "description": str}}}}}
	get := func(summary string, params []any, ok map[string]any) map[string]any {
		return map[string]any{"get": map[string]any{"summary": summary, "parameters": params,
			"responses": map[string]any{"200": ok, "400": errResp, "404": errResp}}}
	}
	paths := map[string]any{
		"/":            get("着陆页", common, resp("着陆页", "application/json")),
		"/conformance": get("符合的标准", common, resp("conformsTo", "application/json")),
		"/api":         get("本 OpenAPI 文档", nil, resp("OpenAPI 3.0", "application/json")),
		"/collections": get("集合列表", common, resp("collections", "application/json")),
	}
	for _, c := range reg {
		if c.Staff && !staff {
			continue
		}
		props := append([]any{}, common...)
		props = append(props, itemsParams...)
		for _, p := range c.Props {
			t := map[string]any{"type": string(p.Type)}
			if p.Type == Date {
				t = map[string]any{"type": "string", "format": "date"}
			}
			props = append(props, param(p.Name, "query", p.Title+"（等于）", t, false))
		}
		path := "/collections/" + c.ID
		paths[path] = get(c.Title, common, resp("集合说明", "application/json"))
		paths[path+"/queryables"] = get(c.Title+"：可筛选的属性", nil, resp("JSON Schema", "application/schema+json"))
		paths[path+"/items"] = get(c.Title+"：要素", props, resp("GeoJSON FeatureCollection", "application/geo+json"))
		paths[path+"/items/{featureId}"] = get(c.Title+"：单个要素", append(append([]any{}, common...),
			param("featureId", "path", "要素编号", str, true)), resp("GeoJSON Feature", "application/geo+json"))
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "diming 地名 · OGC API – Features", "version": "1.0.0"},
		"servers": []any{map[string]any{"url": base}},
		"paths":   paths,
	}
	b, _ := json.Marshal(doc)
	return b
}
