// Command crmapid is the crmapi server: it serves the CRM.COM v2 API and
// manages its database, organisations, users and keys.
//
//	crmapid serve [--demo] [--database postgres://…]
//	crmapid migrate
//	crmapid bootstrap --organisation NAME [--username admin]
//	crmapid units|users|keys|accounts|usage …
//	crmapid emulator [--listen 127.0.0.1:8081]
//	crmapid netflix attention|retry --organisation NAME
//	crmapid version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crmapid:", err)
		os.Exit(1)
	}
}

const usage = `crmapid: the crmapi server

Commands:
  serve       run the server (SQLite in ./data by default; --demo loads demo data)
  migrate     bring the database schema up to date and exit
  bootstrap   create an organisation with a unit and an admin user
  units       list or add units:            units list|add --organisation ORG [NAME]
  users       manage users:                 users list|add|set-password|disable|enable --organisation ORG …
  keys        manage web API keys:          keys list|create|revoke --organisation ORG …
  accounts    manage accounts receivable:   accounts list|check|create|pay|credit|suspend|activate|terminate --organisation ORG …
  usage       usage authorisations:         usage services|list --organisation ORG …, usage expire
  seed        fill the demo organisation with a large data set: seed --scale 0.01 (see docs/performance.md)
  explain     run each hot path once and print the plan of every statement it ran
  check       verify the books and Netflix charges of every organisation; exits non-zero when anything is wrong
  bench       load benchmark with a same-run ceiling (see docs/performance.md)
  emulator    run the Netflix partner emulator on its own: emulator --listen 127.0.0.1:8081
  netflix     Netflix partner work needing attention: netflix attention|retry --organisation ORG …
  version     print the version

Every command takes the database flags (--data-dir, --database); run
"crmapid COMMAND -h" for its flags. Each flag has a CRMAPI_* variable.
`

// run dispatches a command line; main and the tests both use it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "bootstrap":
		return cmdBootstrap(ctx, rest, stdout, stderr)
	case "units":
		return cmdUnits(ctx, rest, stdout, stderr)
	case "users":
		return cmdUsers(ctx, rest, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "check":
		return cmdCheck(ctx, rest, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, rest, stdout, stderr)
	case "explain":
		return cmdExplain(ctx, rest, stdout, stderr)
	case "accounts":
		return cmdAccounts(ctx, rest, stdout, stderr)
	case "usage":
		return cmdUsage(ctx, rest, stdout, stderr)
	case "emulator":
		return cmdEmulator(ctx, rest, stdout, stderr)
	case "netflix":
		return cmdNetflix(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "crmapid", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
