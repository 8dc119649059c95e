package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const changesUsage = "usage: DIMING_TOKEN=dmt_… diming changes pull -out FILE [-url URL]"

// changesCommand is `diming changes pull`: append the change feed of a
// running server to a file, one change a line (NDJSON), resuming after
// the cursor of the file's last complete line. Run it again (from cron)
// to fetch what is new.
func changesCommand(ctx context.Context, cfg Config, args []string, token string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "pull" {
		return errors.New(changesUsage)
	}
	fs := flag.NewFlagSet("changes pull", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "the NDJSON file to append to (created when missing)")
	base := fs.String("url", cfg.PublicURL, "the server's base URL")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" || token == "" {
		return errors.New(changesUsage + "\n（需要 -out 文件，以及环境变量 DIMING_TOKEN 中的 API 令牌）")
	}
	n, cursor, err := pullChanges(ctx, strings.TrimRight(*base, "/"), token, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "取得 %d 条变更，写入 %s；下次从游标 %q 继续\n", n, *out, cursor)
	return nil
}

// pullChanges appends the feed after the file's last cursor to the file
// and returns how many changes it added and the last cursor.
func pullChanges(ctx context.Context, base, token, path string) (int, string, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	cursor, size, err := lastCursor(f)
	if err != nil {
		return 0, "", err
	}
	// A line cut short by an earlier interrupted pull is dropped: it is
	// fetched again.
	if err := f.Truncate(size); err != nil {
		return 0, "", err
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/export/changes?after="+url.QueryEscape(cursor), nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Timeout: time.Hour}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return 0, "", fmt.Errorf("服务器答复 %s：%s", res.Status, bytes.TrimSpace(b))
	}
	w := bufio.NewWriterSize(f, 256<<10)
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		c, ok := lineCursor(line)
		if !ok {
			return n, cursor, fmt.Errorf("服务器发来无法识别的一行：%.80s", line)
		}
		w.Write(line)
		w.WriteByte('\n')
		cursor = c
		n++
	}
	if err := w.Flush(); err != nil {
		return n, cursor, err
	}
	if err := sc.Err(); err != nil {
		return n, cursor, fmt.Errorf("下载中断（已写入 %d 条，重新运行即可继续）：%w", n, err)
	}
	return n, cursor, f.Sync()
}

// lastCursor returns the cursor of the file's last complete line and the
// size of the file up to the end of that line.
func lastCursor(f *os.File) (string, int64, error) {
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	end := st.Size()
	const chunk = 64 << 10
	var tail []byte
	for off := end; off > 0 && bytes.Count(tail, []byte("\n")) < 2; {
		n := int64(chunk)
		if off < n {
			n = off
		}
		off -= n
		b := make([]byte, n)
		if _, err := f.ReadAt(b, off); err != nil {
			return "", 0, err
		}
		tail = append(b, tail...)
	}
	cut := bytes.LastIndexByte(tail, '\n')
	if cut < 0 {
		return "", 0, nil
	}
	size := end - int64(len(tail)-cut-1)
	lines := tail[:cut]
	last := lines[bytes.LastIndexByte(lines, '\n')+1:]
	c, ok := lineCursor(last)
	if !ok {
		return "", 0, fmt.Errorf("文件最后一行没有游标，不像是 diming changes pull 写的")
	}
	return c, size, nil
}

func lineCursor(line []byte) (string, bool) {
	var c struct {
		Cursor string `json:"cursor"`
	}
	if err := json.Unmarshal(line, &c); err != nil || c.Cursor == "" {
		return "", false
	}
	return c.Cursor, true
}
