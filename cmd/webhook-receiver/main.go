// Command webhook-receiver is a tiny receiver of crmapi's signed webhooks,
// for trying them out and as an example to copy: it verifies each
// delivery's Crmapi-Signature with client.VerifyWebhook and prints the
// events it accepts.
//
//	go run ./cmd/webhook-receiver --secret whsec_… [--listen 127.0.0.1:9090]
//
// Register it with crmapi (crmapi webhooks create http://127.0.0.1:9090/),
// using the secret that command prints. A delivery whose signature does
// not match, or is older than five minutes, is refused with 400, so crmapi
// retries it; a repeated delivery of an event already printed (deliveries
// are at least once) is acknowledged and said to be a duplicate.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/crmapi/crmapi/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-receiver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("webhook-receiver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9090", "address to listen on")
	secret := fs.String("secret", os.Getenv("CRMAPI_WEBHOOK_SECRET"), "the endpoint's signing secret, whsec_… (CRMAPI_WEBHOOK_SECRET)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("--secret is required: the secret crmapi webhooks create printed")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newReceiver(*secret, stdout), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "listening on http://%s/ for crmapi webhooks\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// receiver verifies and prints deliveries.
type receiver struct {
	secret string
	now    func() time.Time

	mu   sync.Mutex
	out  io.Writer
	seen map[string]bool
}

func newReceiver(secret string, out io.Writer) *receiver {
	return &receiver{secret: secret, now: time.Now, out: out, seen: map[string]bool{}}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST webhooks here", http.StatusMethodNotAllowed)
		return
	}
	// The signature covers the raw body: read it whole, before any decoding.
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	ev, err := client.ParseWebhook(r.secret, req.Header.Get(client.SignatureHeader), body, r.now())
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		fmt.Fprintf(r.out, "REFUSED delivery %s: %v\n", req.Header.Get(client.DeliveryIDHeader), err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.seen[ev.ID] {
		fmt.Fprintf(r.out, "verified %s %s (duplicate, already printed)\n", ev.Type, ev.ID)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r.seen[ev.ID] = true
	var data bytes.Buffer
	if json.Indent(&data, ev.Data, "  ", "  ") != nil {
		data.Write(ev.Data)
	}
	fmt.Fprintf(r.out, "verified %s %s sequence %d at %s\n  %s\n", ev.Type, ev.ID, ev.Sequence, ev.CreatedDate, data.String())
	w.WriteHeader(http.StatusNoContent)
}
