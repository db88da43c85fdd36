package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
)

// engineConfigs runs fn on the real program over SQLite and over a fresh
// PostgreSQL database.
func engineConfigs(t *testing.T, fn func(t *testing.T, database string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, testdb.FreshPostgresURL(t)) })
}

// S5: resource limits through the real program. A body over 1 MiB is a
// 413 answered without waiting for the rest of it; headers over 64 KiB a
// 431; connections that do not finish their headers within
// --read-header-timeout are closed, while normal requests keep being
// answered. Deadlines bound every wait; no latency is asserted.
func TestResourceLimits(t *testing.T) {
	engineConfigs(t, func(t *testing.T, database string) {
		m, _ := startMain(t, Config{Demo: true, Database: database, ReadHeaderTimeout: time.Second})
		addr := m.listener.Addr().String()
		path := httpapi.Prefix + "admin/units/create"

		t.Run("declared body over 1 MiB", func(t *testing.T) {
			conn := dial(t, addr)
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
				path, 2*httpapi.MaxBodyBytes)
			conn.Write(bytes.Repeat([]byte(" "), 64<<10)) // and never the rest
			resp := readResponse(t, conn, 10*time.Second)
			wantAPIError(t, resp, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
		})

		t.Run("streamed body over 1 MiB", func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				chunk := bytes.Repeat([]byte(" "), 64<<10)
				for range 2 * httpapi.MaxBodyBytes / len(chunk) {
					if _, err := pw.Write(chunk); err != nil {
						return // the server answered and closed: enough
					}
				}
				pw.Close()
			}()
			req, _ := http.NewRequest("POST", m.URL()+path, pr) // no length: chunked
			client := &http.Client{Timeout: 10 * time.Second}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			wantAPIError(t, resp, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE")
			pr.Close()
		})

		t.Run("headers over 64 KiB", func(t *testing.T) {
			conn := dial(t, addr)
			fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 80<<10))
			resp := readResponse(t, conn, 10*time.Second)
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("status %d, want 431", resp.StatusCode)
			}
		})

		t.Run("slow headers closed", func(t *testing.T) {
			const slow = 20
			var wg sync.WaitGroup
			errs := make(chan error, slow+1)
			for i := range slow {
				wg.Go(func() {
					conn := dial(t, addr)
					fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\n", path)
					if i == 0 {
						// One trickles a header byte at a time, which a
						// per-read timeout would never stop.
						for range 40 {
							if _, err := conn.Write([]byte("X")); err != nil {
								break
							}
							time.Sleep(100 * time.Millisecond)
						}
					}
					// Closed by the server: EOF (or a 408 and then EOF).
					if err := waitClosed(conn, 15*time.Second); err != nil {
						errs <- fmt.Errorf("slow connection %d: %w", i, err)
					}
				})
			}
			// Meanwhile normal requests are answered.
			for range 20 {
				resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(m.URL() + "/healthz")
				if err != nil || resp.StatusCode != 200 {
					errs <- fmt.Errorf("a normal request during the slow connections: %v %v", resp, err)
					break
				}
				resp.Body.Close()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	})
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readResponse(t *testing.T, conn net.Conn, within time.Duration) *http.Response {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(within))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", within, err)
	}
	return resp
}

// waitClosed reads until the server closes the connection.
func waitClosed(conn net.Conn, within time.Duration) error {
	conn.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("still open after %s", within)
	}
	return nil // EOF or reset: closed
}

func wantAPIError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != status || !strings.Contains(string(body), `"code":"`+code+`"`) {
		t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, status, code)
	}
}
