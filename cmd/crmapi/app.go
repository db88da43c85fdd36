package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/crmapi/crmapi/client"
)

type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.help()
		return nil
	}
	switch args[0] {
	case "login":
		return a.login(ctx, args[1:])
	case "logout":
		return a.logout(ctx)
	case "call":
		return a.call(ctx, args[1:])
	case "completion":
		return a.completion(args[1:])
	}
	for i := len(args); i > 0; i-- {
		path := strings.Join(args[:i], " ")
		for _, c := range commands {
			if c.Path == path {
				return a.runCommand(ctx, c, args[i:])
			}
		}
	}
	return usagef("unknown command %q; run crmapi help", strings.Join(args, " "))
}

func (a *app) help() {
	fmt.Fprintln(a.stdout, `crmapi: the command-line client of a crmapi server

  crmapi login --server URL --organisation ORG --username USER   (password from CRMAPI_PASSWORD or stdin)
  crmapi logout
  crmapi call METHOD [param=value ...] [--json]                   any API method; dotted params fill objects
  crmapi completion bash                                          shell completion

Commands (add --json for JSON output, -h for options):`)
	for _, c := range commands {
		fmt.Fprintf(a.stdout, "  %-22s %s\n", c.Path, c.Summary)
	}
}

// connect returns a client with the saved session.
func (a *app) connect() (*client.Client, session, error) {
	s, err := loadSession()
	if err != nil {
		return nil, s, err
	}
	if env := os.Getenv("CRMAPI_SERVER"); env != "" && env != s.Server {
		return nil, s, fmt.Errorf("logged in to %s, but CRMAPI_SERVER is %s: log in again", s.Server, env)
	}
	return client.New(s.Server, client.WithToken(s.Token)), s, nil
}

func (a *app) login(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("login", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	server := fs.String("server", envOr("CRMAPI_SERVER", "http://127.0.0.1:8080"), "server URL (CRMAPI_SERVER)")
	org := fs.String("organisation", os.Getenv("CRMAPI_ORGANISATION"), "organisation (CRMAPI_ORGANISATION)")
	user := fs.String("username", os.Getenv("CRMAPI_USERNAME"), "username (CRMAPI_USERNAME)")
	unit := fs.String("unit", "", "unit id or name (default: the user's)")
	apiKey := fs.Bool("api-key", false, "log in with a web API key read from CRMAPI_API_KEY")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	creds := client.Credentials{Organisation: *org, Username: *user, Unit: *unit}
	if *apiKey {
		creds = client.Credentials{APIKey: os.Getenv("CRMAPI_API_KEY"), Unit: *unit}
		if creds.APIKey == "" {
			return usagef("--api-key needs CRMAPI_API_KEY")
		}
	} else {
		if *org == "" || *user == "" {
			return usagef("login needs --organisation and --username")
		}
		creds.Password = os.Getenv("CRMAPI_PASSWORD")
		if creds.Password == "" {
			fmt.Fprint(a.stderr, "password: ")
			line, err := bufio.NewReader(a.stdin).ReadString('\n')
			if err != nil && line == "" {
				return usagef("no password given (set CRMAPI_PASSWORD or type it)")
			}
			creds.Password = strings.TrimRight(line, "\r\n")
		}
	}
	c := client.New(*server)
	if err := c.Login(ctx, creds); err != nil {
		return err
	}
	if err := saveSession(session{Server: *server, Organisation: *org, Username: *user, Token: c.Token()}); err != nil {
		return err
	}
	p, _ := sessionPath()
	fmt.Fprintf(a.stdout, "logged in to %s until %s (token kept in %s)\n", *server, c.TokenExpiry().Format("2006-01-02 15:04:05 MST"), p)
	return nil
}

func (a *app) logout(ctx context.Context) error {
	c, _, err := a.connect()
	if err != nil {
		return err
	}
	err = c.Logout(ctx)
	if rmErr := removeSession(); rmErr != nil {
		return rmErr
	}
	if err != nil && !client.IsCode(err, "INVALID_TOKEN") && !client.IsCode(err, "EXPIRED_TOKEN") {
		return err
	}
	fmt.Fprintln(a.stdout, "logged out")
	return nil
}

// call invokes any method with param=value arguments.
func (a *app) call(ctx context.Context, args []string) error {
	asJSON, args := takeFlag(args, "--json")
	if len(args) == 0 {
		return usagef("call needs a method, e.g. crmapi call admin/units/list")
	}
	params := map[string]any{}
	for _, kv := range args[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("%q is not param=value", kv)
		}
		var val any = v
		var j any
		if json.Unmarshal([]byte(v), &j) == nil && !isJSONString(v) {
			val = json.RawMessage(v)
		}
		setPath(params, k, val)
	}
	return a.invoke(ctx, args[0], params, asJSON, nil)
}

func isJSONString(v string) bool { return strings.HasPrefix(strings.TrimSpace(v), `"`) }

func (a *app) runCommand(ctx context.Context, c command, args []string) error {
	fs := flag.NewFlagSet(c.Path, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	fields := fs.String("fields", "", "comma-separated fields_set")
	idem := fs.String("idempotency-key", "", "send an Idempotency-Key (POST methods)")
	values := map[string]*string{}
	bools := map[string]*bool{}
	var positional []option
	for _, o := range c.Options {
		if o.Positional {
			positional = append(positional, o)
		}
		if o.Kind == boolean {
			bools[o.Flag] = fs.Bool(o.Flag, false, o.Usage)
		} else {
			values[o.Flag] = fs.String(o.Flag, "", o.Usage)
		}
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	for i, v := range rest {
		if i >= len(positional) {
			return usagef("%s: unexpected argument %q", c.Path, v)
		}
		if *values[positional[i].Flag] == "" {
			*values[positional[i].Flag] = v
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	params := map[string]any{}
	for _, o := range c.Options {
		if o.Flag == "password" && *values["password"] == "" {
			*values["password"] = os.Getenv("CRMAPI_USER_PASSWORD")
		}
		if o.Kind == boolean {
			if set[o.Flag] {
				setPath(params, o.Param, *bools[o.Flag])
			}
			continue
		}
		v := *values[o.Flag]
		if v == "" {
			if o.Required {
				return usagef("%s: --%s is required", c.Path, o.Flag)
			}
			continue
		}
		switch o.Kind {
		case list:
			items := []string{}
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					items = append(items, item)
				}
			}
			setPath(params, o.Param, items)
		case number, raw:
			if !json.Valid([]byte(v)) {
				return usagef("%s: --%s: %q is not valid", c.Path, o.Flag, v)
			}
			setPath(params, o.Param, json.RawMessage(v))
		default:
			setPath(params, o.Param, v)
		}
	}
	var opts []client.CallOption
	if *fields != "" {
		opts = append(opts, client.WithFields(strings.Split(*fields, ",")...))
	}
	if *idem != "" {
		opts = append(opts, client.WithIdempotencyKey(*idem))
	}
	return a.invoke(ctx, c.Method, params, *asJSON, c.Columns, opts...)
}

func (a *app) invoke(ctx context.Context, method string, params map[string]any, asJSON bool, columns []string, opts ...client.CallOption) error {
	c, _, err := a.connect()
	if err != nil {
		return err
	}
	var data json.RawMessage
	if err := c.Call(ctx, method, params, &data, opts...); err != nil {
		return err
	}
	if asJSON {
		var out any
		json.Unmarshal(data, &out)
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(a.stdout, string(b))
		return nil
	}
	return printTable(a.stdout, data, columns)
}

// setPath sets a dotted path in a nested map.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = v
}

func takeFlag(args []string, name string) (bool, []string) {
	out := args[:0:0]
	found := false
	for _, a := range args {
		if a == name {
			found = true
			continue
		}
		out = append(out, a)
	}
	return found, out
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (a *app) completion(args []string) error {
	if len(args) != 1 || args[0] != "bash" {
		return usagef("completion supports: bash")
	}
	words := map[string]bool{"login": true, "logout": true, "call": true, "completion": true, "help": true}
	for _, c := range commands {
		words[strings.Fields(c.Path)[0]] = true
	}
	var top []string
	for w := range words {
		top = append(top, w)
	}
	sort.Strings(top)
	sub := map[string][]string{}
	for _, c := range commands {
		f := strings.Fields(c.Path)
		if len(f) > 1 {
			sub[f[0]] = append(sub[f[0]], f[1])
		}
	}
	fmt.Fprintln(a.stdout, "# bash completion for crmapi: source <(crmapi completion bash)")
	fmt.Fprintln(a.stdout, "_crmapi() {\n  local cur=${COMP_WORDS[COMP_CWORD]}\n  if [ $COMP_CWORD -eq 1 ]; then\n    COMPREPLY=($(compgen -W \""+strings.Join(top, " ")+"\" -- \"$cur\"))\n    return\n  fi\n  case ${COMP_WORDS[1]} in")
	var keys []string
	for k := range sub {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(a.stdout, "    %s) [ $COMP_CWORD -eq 2 ] && COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;\n", k, strings.Join(sub[k], " "))
	}
	fmt.Fprintln(a.stdout, "  esac\n}\ncomplete -F _crmapi crmapi")
	return nil
}
