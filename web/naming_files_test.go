package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/diming/diming"
)

// upload posts a report as multipart/form-data with a file.
func (c *client) upload(path string, fields map[string]string, filename string, content []byte) (int, map[string]any) {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := w.CreateFormFile("file", filename)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", c.csrf)
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestNamingReportFiles: an expert attaches the expert review as a PDF;
// staff of the county download it byte for byte; files that are empty,
// too large, of another type or disguised are refused on the file field
// and nothing is stored; another county's staff cannot read it; the
// database refuses to delete it.
func TestNamingReportFiles(t *testing.T) {
	env := newNamingEnv(t)
	town := env.firstTown(t)
	mustUser(t, env.db, "nf-outsider", "330602", diming.RoleCommittee)
	committee, expert, outsider := newClient(t, env.srv.URL), newClient(t, env.srv.URL), newClient(t, env.srv.URL)
	committee.login("nm-committee2")
	expert.login("nm-expert")
	outsider.login("nf-outsider")
	st, app := committee.do("POST", "/api/v1/naming/applications", map[string]any{"name": "镜湖路", "category": 5, "division_code": town,
		"applicant": "若耶县交通运输局", "reasons": "新建道路", "location": "城区西侧", "size_nature": "长约 700 米", "required_reports": []string{"expert"}})
	if st != 201 {
		t.Fatalf("create = %d %v", st, app)
	}
	id := int(app["id"].(float64))
	base := fmt.Sprintf("/api/v1/naming/applications/%d", id)
	for _, a := range []string{"submit", "accept"} {
		_, cur := committee.do("GET", base, nil)
		if st, out := committee.do("POST", base+"/actions/"+a, map[string]any{"version": cur["version"]}); st != 200 {
			t.Fatalf("%s = %d %v", a, st, out)
		}
	}
	fields := map[string]string{"kind": "expert", "title": "镜湖路命名专家论证报告", "body": "同意命名。"}
	pdf := append([]byte("%PDF-1.4\n% 专家论证报告\n"), bytes.Repeat([]byte("0123456789\n"), 500)...)

	refused := []struct {
		name     string
		filename string
		content  []byte
		status   int
	}{
		{"empty", "报告.pdf", nil, 422},
		{"text posing as PDF", "报告.pdf", []byte("plain text, not a PDF"), 422},
		{"executable", "报告.exe", []byte("MZ\x90\x00"), 422},
		{"too large", "报告.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...), 413},
	}
	for _, tt := range refused {
		st, out := expert.upload(base+"/reports", fields, tt.filename, tt.content)
		e, _ := out["error"].(map[string]any)
		msg, _ := e["message"].(string)
		f, _ := e["fields"].(map[string]any)
		if st != tt.status || !hasHan(msg) || (st == 422 && f["file"] == nil) {
			t.Errorf("%s: upload = %d %v, want %d with a Chinese message on the file field", tt.name, st, out, tt.status)
		}
	}
	if _, cur := committee.do("GET", base, nil); len(cur["reports"].([]any)) != 0 {
		t.Fatalf("refused uploads stored reports: %v", cur["reports"])
	}

	st, rep := expert.upload(base+"/reports", fields, "镜湖路 专家论证.pdf", pdf)
	if st != 201 || rep["file"] == nil {
		t.Fatalf("upload = %d %v", st, rep)
	}
	file := rep["file"].(map[string]any)
	if file["content_type"] != "application/pdf" || int(file["size"].(float64)) != len(pdf) || len(file["sha256"].(string)) != 64 {
		t.Errorf("stored file = %v", file)
	}
	get := func(c *client) (*http.Response, []byte) {
		res, err := c.http.Get(env.srv.URL + file["url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, body := get(committee)
	if res.StatusCode != 200 || !bytes.Equal(body, pdf) || res.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''%E9%95%9C") {
		t.Errorf("download = %d %s %q, %d bytes (want %d)", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), len(body), len(pdf))
	}
	if res, _ := get(outsider); res.StatusCode != 404 {
		t.Errorf("download by another county's member = %d, want 404", res.StatusCode)
	}
	if _, cur := committee.do("GET", base, nil); !strings.Contains(toJSON(cur["reports"]), "镜湖路 专家论证.pdf") {
		t.Errorf("application reports lack the file: %v", cur["reports"])
	}
	if _, err := env.db.Pool.Exec(t.Context(), `DELETE FROM naming_files WHERE report_id=$1`, int64(rep["id"].(float64))); err == nil {
		t.Errorf("deleting a report file succeeded; files are never deleted")
	}
	var audited bool
	_ = env.db.Pool.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity='naming_application' AND entity_id=$1
		AND action='naming.report' AND after::text ILIKE '%sha256%' AND after::text NOT ILIKE '%"content"%')`, fmt.Sprint(id)).Scan(&audited)
	if !audited {
		t.Errorf("the upload is not audited with its checksum")
	}
}
