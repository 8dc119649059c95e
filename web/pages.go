package web

import (
	"html/template"

	"github.com/labstack/echo/v4"
)

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Status}} · 地名</title><style>body{font-family:sans-serif;margin:2em auto;max-width:32em;padding:0 1em;color:#222}</style></head>
<body><h1>{{.Status}}</h1><p>{{.Message}}</p><p><a href="/">返回首页</a></p></body></html>`))

// renderErrorPage shows an error as a small HTML page, for routes that
// serve people rather than scripts (the scan page, the web map).
func renderErrorPage(c echo.Context, status int, msg string) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return errorPage.Execute(c.Response(), map[string]any{"Status": status, "Message": msg})
}
