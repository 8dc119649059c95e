package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/diming/diming"
	"github.com/diming/diming/web"
)

// TestLoginLockedInBrowser signs in through the sign-in page until the
// account locks: the form then says, in Chinese, that it is locked and
// when to try again, even for the right password. With
// DIMING_SCREENSHOT_DIR set it saves the form at desktop and phone size.
func TestLoginLockedInBrowser(t *testing.T) {
	p := diming.LoginPolicy{AccountFailures: 2, AddressFailures: 1000, Window: time.Minute, BaseLock: 5 * time.Minute,
		MaxLock: 5 * time.Minute, Forget: time.Hour}
	srv, _, _ := mapServer(t, nil, web.Config{LoginPolicy: p})
	ctx, console := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login?next=/work"), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`))); err != nil {
		t.Fatalf("open the sign-in page: %v\n%s", err, console)
	}
	try := func(pw string) string {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.form-error').textContent = ''`)); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`input[name=username]`), "mapper"),
			chromedp.SetValue(chromedp.CSS(`input[name=password]`), pw), chromedp.Click(chromedp.CSS(`button[type=submit]`)))
		if err != nil {
			t.Fatalf("submit: %v\n%s", err, console)
		}
		var msg string
		for range 50 {
			time.Sleep(100 * time.Millisecond)
			if msg, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(e => e.hidden ? '' : e.textContent)(document.querySelector('.form-error'))`)); err == nil && msg != "" {
				break
			}
		}
		return msg
	}
	if msg := try("wrong password 1"); !strings.Contains(msg, "不正确") {
		t.Fatalf("first wrong password shows %q", msg)
	}
	try("wrong password 2")
	msg := try("correct horse battery")
	if !strings.Contains(msg, "锁定") || !strings.Contains(msg, "北京时间") {
		t.Fatalf("the right password on a locked account shows %q, want the Chinese lock message with the time", msg)
	}
	if dir := os.Getenv("DIMING_SCREENSHOT_DIR"); dir != "" {
		for _, size := range []struct {
			name string
			w, h int64
		}{{"desktop", 1366, 768}, {"phone", 390, 844}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Sleep(time.Second)); err != nil {
				t.Fatal(err)
			}
			shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "login-locked-"+size.name+".png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
