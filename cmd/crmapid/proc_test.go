package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crmapi/crmapi/httpapi"
)

// The crash and shutdown tests run the real crmapid binary as a separate
// process, so that kill -9 and SIGTERM hit exactly what operators run.

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// crmapidBinary builds the crmapid binary once per test run.
func crmapidBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if binDir, binErr = os.MkdirTemp("", "crmapid-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "crmapid")
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// tailBuffer keeps the last bytes a process wrote, for failure reports.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailKeep = 64 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 2*tailKeep {
		b.buf = append([]byte(nil), b.buf[len(b.buf)-tailKeep:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// proc is one running crmapid serve.
type proc struct {
	cmd  *exec.Cmd
	URL  string // base URL, without the API prefix
	out  *tailBuffer
	done chan struct{}
	err  error // the process's exit, once done is closed
}

var listeningRE = regexp.MustCompile(`msg="crmapid listening" url=(http://\S+?)` + regexp.QuoteMeta(httpapi.Prefix))

// startProc runs "crmapid serve" on a free port with args and waits until
// it listens. The process is killed when the test ends if still running.
func startProc(tb testing.TB, args ...string) *proc {
	tb.Helper()
	bin := crmapidBinary(tb)
	all := append([]string{"serve", "--listen", "127.0.0.1:0", "--log-format", "text", "--log-level", "info"}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Env = append(os.Environ(), "CRMAPI_BOOTSTRAP_ORGANISATION=MAIN")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	p := &proc{cmd: cmd, out: &tailBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		// Only the start-up lines are scanned; the rest is kept as a tail.
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.out.Write([]byte(line + "\n"))
			if !found {
				if m := listeningRE.FindStringSubmatch(line); m != nil {
					found = true
					urls <- m[1]
				}
			}
		}
		io.Copy(p.out, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() { p.kill() })
	select {
	case p.URL = <-urls:
	case <-p.done:
		tb.Fatalf("crmapid exited before listening: %v\n%s", p.err, p.out)
	case <-time.After(60 * time.Second):
		p.kill()
		tb.Fatalf("crmapid did not listen within 60 s:\n%s", p.out)
	}
	return p
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *proc) kill() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// terminate sends SIGTERM and returns the exit status, or fails after the deadline.
func (p *proc) terminate(tb testing.TB, deadline time.Duration) error {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(deadline):
		p.kill()
		tb.Fatalf("crmapid still running %s after SIGTERM:\n%s", deadline, p.out)
		return nil
	}
}

// apiClient speaks the API over HTTP as a client program would.
type apiClient struct {
	base  string
	http  *http.Client
	token string
}

func newAPIClient(base string, conns int) *apiClient {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	return &apiClient{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// answer is the outcome of one call: an HTTP answer, or a transport error.
type answer struct {
	Status  int
	Code    string
	Message string
	Data    json.RawMessage
	Header  http.Header
	// Err is a transport error; Sent tells whether the request may have
	// reached the server (false only when the connection was refused).
	Err  error
	Sent bool
}

// post calls an API method with JSON parameters and an optional Idempotency-Key.
func (c *apiClient) post(ctx context.Context, path string, params map[string]any, key string) answer {
	body, err := json.Marshal(params)
	if err != nil {
		panic(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+httpapi.Prefix+path, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	// Sent is judged by whether any attempt got a connection, not by the
	// final error: net/http retries a request carrying an Idempotency-Key
	// on a fresh connection when a reused one dies, so "connection
	// refused" may follow an attempt that reached the server and applied.
	var connected atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	}))
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{Err: err, Sent: connected.Load() || !errors.Is(err, syscall.ECONNREFUSED)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{Err: err, Sent: true}
	}
	var env struct {
		Data   json.RawMessage
		Status httpapi.Status
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return answer{Status: resp.StatusCode, Err: fmt.Errorf("not the envelope: %q", raw), Sent: true}
	}
	return answer{Status: resp.StatusCode, Code: env.Status.Code, Message: env.Status.Message, Data: env.Data,
		Header: resp.Header, Sent: true}
}

// login logs in and keeps the token for later calls.
func (c *apiClient) login(tb testing.TB, username, password, org string) {
	tb.Helper()
	a := c.post(context.Background(), "authentication/token", map[string]any{"username": username, "password": password, "organisation": org}, "")
	if a.Err != nil || a.Status != 200 {
		tb.Fatalf("login: %d %s %v", a.Status, a.Code, a.Err)
	}
	var d struct{ Token string }
	if err := json.Unmarshal(a.Data, &d); err != nil {
		tb.Fatal(err)
	}
	c.token = d.Token
}

// list calls a list method and returns its rows.
func (c *apiClient) list(path string) ([]map[string]any, error) {
	return c.listWith(path, map[string]any{})
}

// listWith calls a list method with parameters and returns its rows.
func (c *apiClient) listWith(path string, params map[string]any) ([]map[string]any, error) {
	a := c.post(context.Background(), path, params, "")
	if a.Err != nil || a.Status != 200 {
		return nil, fmt.Errorf("%s: %d %s %v", path, a.Status, a.Code, a.Err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(a.Data, &rows); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return rows, nil
}
