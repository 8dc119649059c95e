package gazetteer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/diming/diming"
)

// MaxReportFileSize is the largest report file accepted: 10 MiB, enough for
// a scanned report of some dozens of pages.
const MaxReportFileSize = 10 << 20

// reportFileTypes are the accepted documents by extension, with the type
// their content must sniff as: PDF and OFD (the national format of
// official documents), Word documents and scans.
var reportFileTypes = map[string]struct{ contentType, sniffed string }{
	".pdf":  {"application/pdf", "application/pdf"},
	".ofd":  {"application/ofd", "application/zip"},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
	".jpg":  {"image/jpeg", "image/jpeg"},
	".jpeg": {"image/jpeg", "image/jpeg"},
	".png":  {"image/png", "image/png"},
}

// NewReportFile checks an uploaded report file (name and content) and
// returns it with its type and checksum; the type comes from the content
// and must agree with the extension. Invalid (field "file").
func NewReportFile(name string, content []byte) (*ReportFile, error) {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	bad := func(msg string) (*ReportFile, error) {
		return nil, diming.E("gazetteer.NewReportFile", diming.Invalid, msg, map[string]string{"file": msg})
	}
	switch {
	case len(content) == 0:
		return bad("文件是空的")
	case len(content) > MaxReportFileSize:
		return bad("文件超过 10 MB，请压缩或拆分后再上传")
	case name == "" || name == "." || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200:
		return bad("文件名无效（最多 200 个字）")
	}
	t, ok := reportFileTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		return bad("只接受 PDF、OFD、DOCX、JPEG 或 PNG 文件")
	}
	sniffed := http.DetectContentType(content)
	if i := strings.IndexByte(sniffed, ';'); i >= 0 {
		sniffed = sniffed[:i]
	}
	if sniffed != t.sniffed || (t.sniffed == "application/pdf" && !bytes.HasPrefix(content, []byte("%PDF-"))) {
		return bad("文件内容与扩展名 " + path.Ext(name) + " 不符")
	}
	sum := sha256.Sum256(content)
	return &ReportFile{Name: name, ContentType: t.contentType, Size: len(content), SHA256: hex.EncodeToString(sum[:]), Content: content}, nil
}
