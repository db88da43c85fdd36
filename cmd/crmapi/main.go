// Command crmapi is the command-line client of a crmapi server, built on
// the Go SDK (package client): log in once, then call any API method.
//
//	crmapi login --server http://127.0.0.1:8080 --organisation DEMO --username admin
//	crmapi usage create --account ACR0000000001 --amount 50
//	crmapi usage show UA0000000001
//	crmapi call usage_authorisations/show usage_authorisation_identifier.id=…
//
// Each command of the table (commands.go) calls one API method; options
// that name an entity take its number (ACR…, UA…), its id, or FIELD=VALUE.
// Output is a readable table, or JSON with --json. The exit code tells the
// class of error (see exitCode).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/crmapi/crmapi/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(exitCode(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)))
}

// Exit codes by error class, so scripts can branch without parsing text.
const (
	exitOK          = 0
	exitInternal    = 1 // GENERAL_ERROR, network failures, anything unexpected
	exitUsage       = 2 // the command line itself is wrong
	exitAuth        = 3 // not logged in, bad or expired token, permission denied
	exitInvalid     = 4 // the server refused the parameters
	exitNotFound    = 5 // the entity does not exist
	exitRefused     = 6 // a business rule refused it (life cycle, funds, limits, conflicts)
	exitUnavailable = 7 // rate limited, partner or database unavailable: retry later
)

// errUsage marks command-line mistakes.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usagef(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var u errUsage
	if errors.As(err, &u) {
		return exitUsage
	}
	if errors.Is(err, errNotLoggedIn) {
		return exitAuth
	}
	var e *client.Error
	if !errors.As(err, &e) {
		return exitInternal
	}
	switch e.Code {
	case "INVALID_TOKEN", "EXPIRED_TOKEN", "AUTHENTICATION_FAILED", "PERMISSION_DENIED":
		return exitAuth
	case "MANDATORY_PARAMETER_MISSING", "INVALID_PARAMETER", "ONLY_ONE_SEMI_OPTIONAL_ALLOWED", "REQUEST_TOO_LARGE", "METHOD_NOT_ALLOWED":
		return exitInvalid
	case "NOT_FOUND":
		return exitNotFound
	case "RATE_LIMITED", "PARTNER_UNAVAILABLE", "SERVICE_UNAVAILABLE", "IDEMPOTENCY_REQUEST_IN_PROGRESS":
		return exitUnavailable
	case "GENERAL_ERROR":
		return exitInternal
	}
	return exitRefused
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	app := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	err := app.dispatch(ctx, args)
	if err != nil {
		fmt.Fprintln(stderr, "crmapi:", err)
	}
	return err
}
