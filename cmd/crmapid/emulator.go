package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/partner/emulator"
)

// cmdEmulator runs the partner emulator on its own, for a crmapid started
// with --partner-url pointing at it (or for trying the protocol by hand).
func cmdEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", env("CRMAPI_EMULATOR_LISTEN", "127.0.0.1:8081"), "address to listen on (CRMAPI_EMULATOR_LISTEN)")
	key := fs.String("api-key", env("CRMAPI_PARTNER_KEY", ""), "API key callers must send; generated and printed when empty (CRMAPI_PARTNER_KEY)")
	public := fs.String("public-url", env("CRMAPI_EMULATOR_PUBLIC_URL", ""), "base of the sign-up links; default http://<listen address>")
	var faults emulator.FaultConfig
	fs.Float64Var(&faults.ErrorRate, "error-rate", 0, "share of calls answered 503 without being applied")
	fs.Float64Var(&faults.SlowRate, "slow-rate", 0, "share of calls held for --slow-delay before being served")
	fs.DurationVar(&faults.SlowDelay, "slow-delay", 3*time.Second, "how long slow calls are held")
	fs.Float64Var(&faults.LostAnswerRate, "lost-answer-rate", 0, "share of calls applied whose answer is lost")
	fs.Int64Var(&faults.Seed, "seed", 1, "seed of the fault draws")
	delay := fs.Duration("processing-delay", time.Minute, "how long, on the emulator clock, a charge stays PENDING")
	price := fs.String("price", "7.99", "price of the offer per billing period")
	currency := fs.String("currency", "EUR", "currency of the price")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("emulator: unexpected argument %q", fs.Arg(0))
	}
	if *key == "" {
		*key = crmapi.RandomToken(16)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if *public == "" {
		*public = "http://" + ln.Addr().String()
	}
	emu := emulator.New(emulator.Options{APIKey: *key, PublicURL: *public, ProcessingDelay: *delay,
		PriceAmount: *price, Currency: *currency})
	if err := emu.SetFaults(faults); err != nil {
		ln.Close()
		return fmt.Errorf("faults: %w", err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "partner emulator listening on %s (API key %s)\n"+
		"serve against it:   crmapid serve --partner-url %s --partner-key %s\n"+
		"move its clock on:  curl -s -X POST %s/admin/clock/advance -H 'Authorization: Bearer %s' -d '{\"duration\":\"744h\"}'\n",
		*public, *key, *public, *key, *public, *key)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
