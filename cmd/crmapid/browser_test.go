package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the Chromium the browser tests drive: $CRMAPI_CHROMIUM,
// Debian's /usr/bin/chromium, or chromium on the PATH. Without one the
// test is skipped, unless CRMAPI_REQUIRE_BROWSER=1 (as CI sets it), when it
// fails instead.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{os.Getenv("CRMAPI_CHROMIUM"), "/usr/bin/chromium", "chromium"} {
		if p == "" {
			continue
		}
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	if os.Getenv("CRMAPI_REQUIRE_BROWSER") == "1" {
		tb.Fatal("CRMAPI_REQUIRE_BROWSER=1 but no Chromium found at /usr/bin/chromium (apt-get install chromium) or $CRMAPI_CHROMIUM")
	}
	tb.Skip("browser tests skipped: no Chromium at /usr/bin/chromium; install it with apt-get install chromium " +
		"(or name one in CRMAPI_CHROMIUM); CRMAPI_REQUIRE_BROWSER=1 makes this a failure")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile, closed when
// the test ends; every action on the returned context shares timeout.
func newBrowser(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	path := chromiumPath(tb)
	profile := tb.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		// Root in a container has no user namespace to sandbox in.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Nothing but the server under test is reachable, so the browser
		// must not try to phone home.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	// Cleanups run last-in first-out: the browser has exited (cancelAlloc
	// waits for it) before its profile directory is removed.
	tb.Cleanup(cancelAlloc)
	tb.Cleanup(cancelTab)
	tb.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// do runs browser steps and fails the test on the first error.
func do(tb testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// text reads the text of the first element sel matches.
func text(tb testing.TB, ctx context.Context, sel string) string {
	tb.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// screenshot saves the whole page as name.png under
// $CRMAPI_CONSOLE_SCREENSHOTS, when it names a directory: that is how the
// pictures in docs/console/ are made.
func screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	dir := os.Getenv("CRMAPI_CONSOLE_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.Fatal(err)
	}
}
