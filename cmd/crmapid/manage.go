package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// managed opens the database and services for a management command.
type managed struct {
	cfg   Config
	store crmapi.Store
	svc   *service.Services
}

func openManaged(ctx context.Context, c Config) (*managed, error) {
	c.Listen = "-"
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	key, err := c.signingKey()
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, &c)
	if err != nil {
		return nil, err
	}
	svc, err := service.New(service.Config{Store: store, SigningKey: key, TokenLifetime: c.TokenLifetime,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		store.Close()
		return nil, err
	}
	return &managed{cfg: c, store: store, svc: svc}, nil
}

func (m *managed) close() { m.store.Close() }

// org resolves the --organisation flag.
func (m *managed) org(ctx context.Context, name string) (crmapi.Organisation, error) {
	if name == "" {
		return crmapi.Organisation{}, errors.New("--organisation is required")
	}
	return m.svc.Auth.Organisation(ctx, name)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	v, err := m.store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s schema at version %d\n", m.store.Engine(), v)
	return nil
}

func cmdBootstrap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c Config
	var b service.Bootstrap
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs)
	fs.StringVar(&b.Organisation, "organisation", "", "organisation name (required)")
	fs.StringVar(&b.TimeZone, "time-zone", "UTC", "the organisation's IANA time zone")
	fs.StringVar(&b.Unit, "unit", "Head Office", "the first unit's name")
	fs.StringVar(&b.Username, "username", "admin", "the admin user's name")
	fs.BoolVar(&b.Test, "test", false, "mark the organisation as a test organisation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b.Password = os.Getenv("CRMAPI_BOOTSTRAP_PASSWORD")
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	res, err := m.svc.Auth.Bootstrap(ctx, b)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "organisation %s (%s), unit %s, admin %s\npassword (shown once): %s\n",
		res.Organisation.Name, res.Organisation.ID, res.Unit.Name, res.User.Username, res.Password)
	return nil
}

// subcommand parses "NOUN VERB --flags args" for the management commands.
func subcommand(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (Config, string, string, []string, error) {
	var c Config
	var org string
	if len(args) == 0 {
		return c, "", "", nil, fmt.Errorf("%s: which action?", name)
	}
	verb := args[0]
	fs := flag.NewFlagSet(name+" "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs)
	fs.StringVar(&org, "organisation", env("CRMAPI_ORGANISATION", ""), "organisation name (CRMAPI_ORGANISATION)")
	if extra != nil {
		extra(fs)
	}
	// Flags may come before or after the positional arguments.
	var positional []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return c, "", "", nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	return c, org, verb, positional, nil
}

func cmdUnits(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, orgName, verb, rest, err := subcommand("units", args, stderr, nil)
	if err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	org, err := m.org(ctx, orgName)
	if err != nil {
		return err
	}
	switch verb {
	case "list":
		units, err := m.svc.Auth.Units(ctx, org.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME")
		for _, u := range units {
			fmt.Fprintf(tw, "%s\t%s\n", u.ID, u.Name)
		}
		return tw.Flush()
	case "add":
		if len(rest) != 1 {
			return errors.New("units add: give the unit's name")
		}
		u, err := m.svc.Auth.CreateUnit(ctx, org.ID, rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "unit %s created (%s)\n", u.Name, u.ID)
		return nil
	}
	return fmt.Errorf("units: unknown action %q (list, add)", verb)
}

func cmdUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var unit string
	var isAdmin bool
	c, orgName, verb, rest, err := subcommand("users", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&unit, "unit", "", "unit id or name")
		fs.BoolVar(&isAdmin, "admin", false, "make the user an admin")
	})
	if err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	org, err := m.org(ctx, orgName)
	if err != nil {
		return err
	}
	// Passwords come from CRMAPI_PASSWORD or are generated, never from argv.
	password := os.Getenv("CRMAPI_PASSWORD")
	generated := password == ""
	if generated {
		password = crmapi.RandomToken(12)
	}
	switch verb {
	case "list":
		users, err := m.svc.Auth.Users(ctx, org.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tADMIN\tDISABLED\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%v\t%v\t%s\n", u.Username, u.Admin, u.Disabled, u.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "add":
		if len(rest) != 1 {
			return errors.New("users add: give the username")
		}
		u, err := m.svc.Auth.CreateUser(ctx, org.ID, service.NewUser{Username: rest[0], Password: password, Unit: unit, Admin: isAdmin})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s created (%s)\n", u.Username, u.ID)
		if generated {
			fmt.Fprintf(stdout, "password (shown once): %s\n", password)
		}
		return nil
	case "set-password", "disable", "enable":
		if len(rest) != 1 {
			return fmt.Errorf("users %s: give the username", verb)
		}
		var ch service.UserChange
		switch verb {
		case "set-password":
			ch.Password = &password
		case "disable", "enable":
			d := verb == "disable"
			ch.Disabled = &d
		}
		if _, err := m.svc.Auth.UpdateUser(ctx, org.ID, rest[0], ch); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s updated\n", rest[0])
		if verb == "set-password" && generated {
			fmt.Fprintf(stdout, "password (shown once): %s\n", password)
		}
		return nil
	}
	return fmt.Errorf("users: unknown action %q (list, add, set-password, disable, enable)", verb)
}

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var user, unit string
	c, orgName, verb, rest, err := subcommand("keys", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&user, "user", "admin", "the user the key acts as")
		fs.StringVar(&unit, "unit", "", "the key's unit (id or name)")
	})
	if err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	org, err := m.org(ctx, orgName)
	if err != nil {
		return err
	}
	switch verb {
	case "list":
		keys, err := m.svc.Auth.APIKeys(ctx, org.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Name, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "create":
		if len(rest) != 1 {
			return errors.New("keys create: give the key's name")
		}
		k, secret, err := m.svc.Auth.CreateAPIKey(ctx, org.ID, service.NewAPIKey{Name: rest[0], Username: user, Unit: unit})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s created (%s)\nsecret (shown once): %s\n", k.Name, k.ID, secret)
		return nil
	case "revoke":
		if len(rest) != 1 {
			return errors.New("keys revoke: give the key's id")
		}
		if err := m.svc.Auth.RevokeAPIKey(ctx, org.ID, strings.TrimSpace(rest[0])); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "key revoked")
		return nil
	}
	return fmt.Errorf("keys: unknown action %q (list, create, revoke)", verb)
}
