package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
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
		fmt.Fprintf(a.stdout, "  %-32s %s\n", c.Path, c.Summary)
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
	return a.invoke(ctx, args[0], params, asJSON, view{})
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
		usage := o.Usage
		if o.Entity != nil && usage == "" {
			usage = o.Entity.usageHint()
		}
		if o.Kind == boolean {
			bools[o.Flag] = fs.Bool(o.Flag, false, usage)
		} else {
			values[o.Flag] = fs.String(o.Flag, "", usage)
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
		if o.Entity != nil {
			setPath(params, o.Param, o.Entity.identify(v))
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
		case decimal:
			// Sent as a string, which the server reads exactly.
			if !client.Decimal(v).Valid() {
				return usagef("%s: --%s: %q is not a decimal number", c.Path, o.Flag, v)
			}
			setPath(params, o.Param, v)
		default:
			setPath(params, o.Param, v)
		}
	}
	if c.Fill != nil {
		c.Fill(params)
	}
	var opts []client.CallOption
	if *fields != "" {
		opts = append(opts, client.WithFields(strings.Split(*fields, ",")...))
	}
	if *idem != "" {
		opts = append(opts, client.WithIdempotencyKey(*idem))
	}
	return a.invoke(ctx, c.Method, params, *asJSON, c.view(), opts...)
}

func (a *app) invoke(ctx context.Context, method string, params map[string]any, asJSON bool, v view, opts ...client.CallOption) error {
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
	return printTable(a.stdout, data, v)
}

// setPath sets a dotted path in a nested map; a segment name[i] is the
// i-th object of an array (usage_detail_records_set[0].usage_amount).
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		m = child(m, p)
	}
	m[parts[len(parts)-1]] = v
}

var indexed = regexp.MustCompile(`^(.+)\[([0-9]+)\]$`)

// child returns the object at segment p of m, creating it.
func child(m map[string]any, p string) map[string]any {
	if g := indexed.FindStringSubmatch(p); g != nil {
		i, _ := strconv.Atoi(g[2])
		arr, _ := m[g[1]].([]any)
		for len(arr) <= i {
			arr = append(arr, map[string]any{})
		}
		m[g[1]] = arr
		sub, ok := arr[i].(map[string]any)
		if !ok {
			sub = map[string]any{}
			arr[i] = sub
		}
		return sub
	}
	sub, ok := m[p].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[p] = sub
	}
	return sub
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
	fmt.Fprint(a.stdout, bashCompletion())
	return nil
}

// bashCompletion is generated from the command table: after each prefix
// of a command path, the words that may follow; after a whole command,
// its flags.
func bashCompletion() string {
	next := map[string]map[string]bool{"": {"login": true, "logout": true, "call": true, "completion": true, "help": true}}
	flags := map[string][]string{}
	for _, c := range commands {
		words := strings.Fields(c.Path)
		for i, w := range words {
			prefix := strings.Join(words[:i], " ")
			if next[prefix] == nil {
				next[prefix] = map[string]bool{}
			}
			next[prefix][w] = true
		}
		f := []string{"--json", "--fields", "--idempotency-key"}
		for _, o := range c.Options {
			f = append(f, "--"+o.Flag)
		}
		flags[c.Path] = f
	}
	escape := func(s string) string { return strings.ReplaceAll(s, " ", `\ `) }
	var b strings.Builder
	b.WriteString("# bash completion for crmapi: source <(crmapi completion bash)\n")
	b.WriteString("_crmapi() {\n  local cur=${COMP_WORDS[COMP_CWORD]}\n  local path=\"${COMP_WORDS[*]:1:COMP_CWORD-1}\"\n  local words=\n  case $path in\n")
	for _, prefix := range sortedKeys(next) {
		var ws []string
		for w := range next[prefix] {
			ws = append(ws, w)
		}
		sort.Strings(ws)
		pattern := escape(prefix)
		if prefix == "" {
			pattern = `""`
		}
		fmt.Fprintf(&b, "    %s) words=\"%s\" ;;\n", pattern, strings.Join(ws, " "))
	}
	for _, path := range sortedKeys(flags) {
		if next[path] != nil {
			continue // a prefix of longer commands too: its words win
		}
		fmt.Fprintf(&b, "    %s|%s\\ *) words=\"%s\" ;;\n", escape(path), escape(path), strings.Join(flags[path], " "))
	}
	b.WriteString("  esac\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\ncomplete -F _crmapi crmapi\n")
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
