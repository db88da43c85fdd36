package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crmapi/crmapi/httpapi"
)

// heldRequest is a request the server has begun to handle (it asked for
// the body with "100 Continue") whose body the test holds back: a
// request provably in flight at the moment of a SIGTERM.
type heldRequest struct {
	conn net.Conn
	r    *bufio.Reader
	body []byte
	name string
}

// holdRequest sends a POST's headers with Expect: 100-continue and waits
// until the handler reads the body, which it then waits for.
func holdRequest(t *testing.T, base, token, path, key string, params map[string]any) *heldRequest {
	t.Helper()
	u, _ := url.Parse(base)
	body, _ := json.Marshal(params)
	conn := dial(t, u.Host)
	hdr := fmt.Sprintf("POST %s%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n", httpapi.Prefix, path, u.Host, token, len(body))
	if key != "" {
		hdr += "Idempotency-Key: " + key + "\r\n"
	}
	if _, err := io.WriteString(conn, hdr+"\r\n"); err != nil {
		t.Fatal(err)
	}
	h := &heldRequest{conn: conn, r: bufio.NewReader(conn), body: body, name: path}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(h.r, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("%s: want 100 Continue, got %v %v", path, resp, err)
	}
	return h
}

// finish sends the held body and returns the answer's data.
func (h *heldRequest) finish(t *testing.T) map[string]any {
	t.Helper()
	if _, err := h.conn.Write(h.body); err != nil {
		t.Fatalf("%s: sending the held body after SIGTERM: %v", h.name, err)
	}
	h.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(h.r, nil)
	if err != nil {
		t.Fatalf("%s: in flight at SIGTERM, but no answer: %v", h.name, err)
	}
	defer resp.Body.Close()
	var env struct {
		Data   map[string]any
		Status httpapi.Status
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: in flight at SIGTERM, answered %d %s", h.name, resp.StatusCode, raw)
	}
	return env.Data
}

// D2: SIGTERM under load. Requests in flight at the signal (held open
// mid-body, so provably in flight) finish with their answers; new
// connections are refused meanwhile; the process exits 0; after a restart
// every write answered 2xx, before or after the signal, is there.
func TestGracefulShutdown(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	engineConfigs(t, func(t *testing.T, database string) {
		args := []string{"--data-dir", t.TempDir(), "--demo", "--shutdown-grace", "30s"}
		if database != "" {
			args = append(args, "--database", database)
		}
		p := startProc(t, args...)
		c := newAPIClient(p.URL, crashWorkers)
		c.login(t, demoAdmin, demoPassword, demoOrganisation)
		fx := setupFixture(t, c)
		held := []*heldRequest{
			holdRequest(t, p.URL, c.token, "admin/units/create", "", map[string]any{"name": "held-unit"}),
			holdRequest(t, p.URL, c.token, "admin/users/create", "", map[string]any{"username": "held-user", "password": crashPassword}),
			holdRequest(t, p.URL, c.token, "admin/web_api_keys/create", "held-key", map[string]any{"name": "held-key"}),
		}

		// A load of writes, running until the server stops answering.
		h := newHistory()
		var wg sync.WaitGroup
		for id := range crashWorkers {
			w := &loadWorker{id: id, round: 1, h: h, fx: fx, rng: rand.New(rand.NewPCG(seed, uint64(id)))}
			wg.Go(func() { w.run(c) })
		}
		deadline := time.Now().Add(30 * time.Second)
		for h.counts().acked < 50 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}

		// New connections are refused while the held requests still run.
		u, _ := url.Parse(p.URL)
		refused := false
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			conn, err := net.DialTimeout("tcp", u.Host, time.Second)
			if err == nil {
				conn.Close()
				continue
			}
			if errors.Is(err, syscall.ECONNREFUSED) {
				refused = true
				break
			}
		}
		select {
		case <-p.done:
			t.Fatalf("crmapid exited with requests in flight: %v\n%s", p.err, p.out)
		default:
		}
		if !refused {
			t.Fatal("new connections still accepted 20 s after SIGTERM")
		}

		var made []map[string]any
		for _, hr := range held {
			made = append(made, hr.finish(t))
		}
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("crmapid still running 30 s after its last request:\n%s", p.out)
		}
		if p.err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0\n%s", p.err, p.out)
		}
		wg.Wait()

		// Nothing answered 2xx is lost.
		p = startProc(t, args...)
		c = newAPIClient(p.URL, 1)
		c.login(t, demoAdmin, demoPassword, demoOrganisation)
		resolveUnknown(t, c, h)
		checkHistory(t, c, h, 1, true)
		for i, list := range []string{"admin/units/list", "admin/users/list", "admin/web_api_keys/list"} {
			rows, err := c.list(list)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range rows {
				found = found || r["id"] == made[i]["id"]
			}
			if !found {
				t.Errorf("%s answered 200 during shutdown (id %v) but is not there after the restart", held[i].name, made[i]["id"])
			}
		}
		n := h.counts()
		t.Logf("SIGTERM after %d acknowledged writes; %d in-flight held requests answered 200; %d writes acknowledged in all, "+
			"%d unknown when the server closed; exit 0; lost 0", 50, len(held), n.acked, n.unknown+n.resolvedApplied+n.resolvedAbsent)
		if err := p.terminate(t, 30*time.Second); err != nil {
			t.Fatalf("second exit: %v", err)
		}
	})
}
