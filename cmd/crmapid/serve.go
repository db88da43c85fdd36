package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/service"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	m := &Main{Out: stdout}
	m.Config.bind(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Log.Info("crmapid shutting down: finishing in-flight requests")
	return m.Close()
}

// prepareData loads the demo when asked, and on the first start of an
// empty database without the demo creates an organisation and an admin
// whose generated password is printed once.
func (m *Main) prepareData(ctx context.Context) error {
	if m.Config.Demo {
		return m.loadDemo(ctx)
	}
	empty, err := m.Services.Auth.IsEmpty(ctx)
	if err != nil || !empty {
		return err
	}
	res, err := m.Services.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: env("CRMAPI_BOOTSTRAP_ORGANISATION", "MAIN")})
	if errors.Is(err, &crmapi.Error{Code: crmapi.Conflict}) {
		return nil // another process bootstrapped at the same moment
	}
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	fmt.Fprintf(m.Out, "\nFirst start on an empty database: created organisation %q, unit %q and admin user %q.\n"+
		"Its password is shown only this once:\n\n    %s\n\n", res.Organisation.Name, res.Unit.Name, res.User.Username, res.Password)
	return nil
}

// Demo credentials, printed at start-up of serve --demo.
const (
	demoOrganisation = "DEMO"
	demoAdmin        = "admin"
	demoPassword     = "demo-password"
	demoOperator     = "operator"
)

func (m *Main) loadDemo(ctx context.Context) error {
	org, err := m.Services.Auth.Organisation(ctx, demoOrganisation)
	if errors.Is(err, crmapi.ErrNotFound) {
		res, err := m.Services.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: demoOrganisation, Username: demoAdmin,
			Password: demoPassword, Test: true})
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if _, err := m.Services.Auth.CreateUser(ctx, res.Organisation.ID, service.NewUser{Username: demoOperator, Password: demoPassword}); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		org = res.Organisation
	} else if err != nil {
		return err
	}
	if err := m.loadUsageDemo(ctx, org); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	m.printDemo()
	m.printUsageDemo(ctx, org)
	return nil
}

func (m *Main) printDemo() {
	fmt.Fprintf(m.Out, "\nDemo organisation %q: users %q (admin) and %q, password %q.\n"+
		"Log in once the server listens:\n\n"+
		"    curl -s -X POST http://%s%sauthentication/token -d '{\"username\":\"%s\",\"password\":\"%s\",\"organisation\":\"%s\"}'\n\n",
		demoOrganisation, demoAdmin, demoOperator, demoPassword, m.Config.Listen, httpapi.Prefix, demoAdmin, demoPassword, demoOrganisation)
}
