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
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/client"
)

// benchConfig is crmapid bench's command line.
type benchConfig struct {
	Target      string
	Database    string
	Connections int
	Duration    time.Duration
	Warmup      time.Duration
	Workloads   string
	JSONOut     string
	ServerPID   int
	Org, User   string
	// Processes is how many crmapid processes share the database (PostgreSQL only).
	Processes int
	// ProfileDir, when set, receives a CPU profile of the (first) server
	// for each workload's measured period.
	ProfileDir string
	// debugURL is the first server's pprof listener, when profiling.
	debugURL string
	// Charges is how many unacknowledged charges to seed for charges-list-ack.
	Charges int
	// DataDir, when set, is an existing data directory (say, one crmapid
	// seed filled) that the servers open instead of a fresh one; it is kept.
	DataDir string
	// seedCharges is set when charges-list-ack runs on servers bench starts.
	seedCharges bool
	progress    io.Writer
	// dir is the servers' data directory.
	dir string
	// pids are the servers bench started, whose CPU time it reads.
	pids []int
	// partnerURL and partnerKey name the partner emulator bench started
	// for several processes, which must share one partner.
	partnerURL, partnerKey string
}

// benchEnv is what a workload prepares against.
type benchEnv struct {
	url string
	// partner is where a customer's browser redeems a sign-up token.
	partner string
	// charges is how many unacknowledged charges were seeded.
	charges int
	// urls are every server process; workloads spread workers over them.
	urls   []string
	token  string
	client *client.Client
	http   *http.Client
}

// request is one request of a workload; it returns the status code of the
// answer ("OK", an error code, or a transport error).
type request func(ctx context.Context, worker int, seq int64) string

// workload is one benchmark line.
type workload struct {
	name     string
	describe string
	prepare  func(ctx context.Context, env *benchEnv, conns int) (request, error)
}

// workloads is the list crmapid bench runs, ceiling first. Later features
// add their methods here.
var workloads = []workload{
	{name: "ceiling", describe: "JSON decode + HS256 verify + JSON encode, nothing else", prepare: prepareCeiling},
	{name: "authenticated-read", describe: "admin/units/list: token checked against its session, one small read", prepare: prepareUnitsList},
	{name: "usage-create", describe: "usage_authorisations/create of 1.00 EUR spread over 1,000 funded accounts", prepare: prepareUsageCreate},
	{name: "usage-create-hot", describe: "usage_authorisations/create of 0.50 EUR, every request on one account", prepare: prepareUsageCreateHot},
	{name: "usage-show", describe: "GET usage_authorisations/show by number, over 2,000 authorisations", prepare: prepareUsageShow},
	{name: "netflix-show", describe: "GET netflix/subscriptions/show of live subscriptions (signed up at the partner)", prepare: prepareNetflixShow},
	{name: "netflix-mix", describe: "netflix/subscriptions suspend, unsuspend, and create for new customers (1 in 3)", prepare: prepareNetflixMix},
	{name: "charges-list-ack", describe: "netflix/charges/list a page of 50 PROCESSED charges + acknowledge them (req/s = pages/s)", prepare: prepareChargesListAck},
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var bc benchConfig
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&bc.Target, "target", "", "URL of a running crmapid (default: start one on a fresh database)")
	fs.StringVar(&bc.Database, "database", "", "with no --target: the database of the server started (default SQLite in a temporary directory; postgres://… for PostgreSQL)")
	fs.IntVar(&bc.Connections, "connections", 64, "concurrent connections")
	fs.DurationVar(&bc.Duration, "duration", 10*time.Second, "measured time per workload")
	fs.DurationVar(&bc.Warmup, "warmup", 2*time.Second, "unmeasured time before each workload")
	fs.StringVar(&bc.Workloads, "workloads", "", "comma-separated workloads (default: all)")
	fs.StringVar(&bc.JSONOut, "json", "", "also write the report as JSON to this file")
	fs.IntVar(&bc.ServerPID, "server-pid", 0, "with --target: the server's process id, to report its peak RSS")
	fs.IntVar(&bc.Processes, "processes", 1, "with no --target: how many crmapid processes to start on the one database (more than 1 needs --database postgres://…); the load is spread over them")
	fs.StringVar(&bc.ProfileDir, "profile-dir", "", "with no --target: write a CPU profile of the server per workload to DIR/WORKLOAD.pprof (go tool pprof)")
	fs.StringVar(&bc.DataDir, "data-dir", "", "with no --target: serve this data directory (e.g. one crmapid seed filled) instead of a fresh temporary one; it is kept")
	fs.IntVar(&bc.Charges, "charges", 300_000, "with no --target: unacknowledged charges seeded for charges-list-ack (a page takes 50)")
	fs.StringVar(&bc.Org, "organisation", "DEMO", "organisation to log in to")
	fs.StringVar(&bc.User, "username", "admin", "user to log in as (password from CRMAPI_PASSWORD; the demo's by default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if bc.Connections < 1 || bc.Duration <= 0 {
		return errors.New("bench: --connections ≥ 1 and --duration > 0")
	}
	if bc.Processes < 1 || (bc.Processes > 1 && (bc.Target != "" || !strings.HasPrefix(bc.Database, "postgres"))) {
		return errors.New("bench: --processes > 1 needs --database postgres://… and no --target")
	}
	selected, err := selectWorkloads(bc.Workloads)
	if err != nil {
		return err
	}
	bc.progress = stderr
	for _, w := range selected {
		bc.seedCharges = bc.seedCharges || (w.name == "charges-list-ack" && bc.Target == "")
	}
	urls, pid, stop, err := benchServers(ctx, &bc, stderr)
	if err != nil {
		return err
	}
	defer stop()
	started := time.Now()
	url := urls[0]
	password := os.Getenv("CRMAPI_PASSWORD")
	if password == "" {
		password = demoPassword
	}
	partner := url
	if bc.partnerURL != "" {
		partner = bc.partnerURL
	}
	env := &benchEnv{url: url, partner: partner, urls: urls, charges: bc.Charges, client: client.New(url), http: &http.Client{Transport: &http.Transport{
		MaxIdleConns: bc.Connections * 2, MaxIdleConnsPerHost: bc.Connections * 2, MaxConnsPerHost: bc.Connections,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}, Timeout: 30 * time.Second}}
	if err := env.client.Login(ctx, client.Credentials{Username: bc.User, Password: password, Organisation: bc.Org}); err != nil {
		return fmt.Errorf("bench: login: %w", err)
	}
	env.token = env.client.Token()
	var results []benchResult
	for _, w := range selected {
		fmt.Fprintf(stderr, "%s: %s\n", w.name, w.describe)
		req, err := w.prepare(ctx, env, bc.Connections)
		if err != nil {
			return fmt.Errorf("bench: %s: %w", w.name, err)
		}
		res := drive(ctx, w.name, req, bc, pid, stderr)
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	rep := newReport(bc, results, pid)
	rep.Checks = runChecks(ctx, env, bc, bc.dir)
	rep.print(stdout)
	rep.Checks.print(stdout, time.Since(started))
	if bc.JSONOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(bc.JSONOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func selectWorkloads(list string) ([]workload, error) {
	if list == "" {
		return workloads, nil
	}
	var out []workload
	for _, name := range strings.Split(list, ",") {
		found := false
		for _, w := range workloads {
			if w.name == strings.TrimSpace(name) {
				out, found = append(out, w), true
			}
		}
		if !found {
			var names []string
			for _, w := range workloads {
				names = append(names, w.name)
			}
			return nil, fmt.Errorf("bench: unknown workload %q (have %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// benchServers returns the URLs to drive: --target (comma-separated), or
// crmapid processes started as children (so that the RSS reported is the
// server's own, apart from the load client's). With several processes they
// share the database and the data directory (hence the signing key).
func benchServers(ctx context.Context, bc *benchConfig, stderr io.Writer) ([]string, int, func(), error) {
	if bc.Target != "" {
		var urls []string
		for _, u := range strings.Split(bc.Target, ",") {
			urls = append(urls, strings.TrimRight(u, "/"))
		}
		return urls, bc.ServerPID, func() {}, nil
	}
	dir, keep := bc.DataDir, bc.DataDir != ""
	if !keep {
		var err error
		if dir, err = os.MkdirTemp("", "crmapi-bench-"); err != nil {
			return nil, 0, nil, err
		}
	}
	bc.dir = dir
	var urls []string
	var stops []func()
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		if !keep {
			os.RemoveAll(dir)
		}
	}
	if bc.Processes > 1 {
		// Each server would otherwise run its own in-memory emulator, and
		// partner work picked up by another process would find nothing.
		stop, err := benchEmulator(ctx, bc, stderr)
		if err != nil {
			stopAll()
			return nil, 0, nil, err
		}
		stops = append(stops, stop)
	}
	if bc.seedCharges {
		fmt.Fprintf(stderr, "seeding %d unacknowledged charges for charges-list-ack\n", bc.Charges)
		if err := benchSeedCharges(ctx, bc, dir, bc.Charges); err != nil {
			stopAll()
			return nil, 0, nil, fmt.Errorf("bench: seed charges: %w", err)
		}
	}
	firstPID := 0
	for i := 0; i < bc.Processes; i++ {
		url, pid, stop, err := benchServer(ctx, bc, dir, i == 0 && bc.ProfileDir != "", stderr)
		if err != nil {
			stopAll()
			return nil, 0, nil, err
		}
		if i == 0 {
			firstPID = pid
		}
		bc.pids = append(bc.pids, pid)
		urls, stops = append(urls, url), append(stops, stop)
	}
	return urls, firstPID, stopAll, nil
}

// benchServer starts one crmapid child on dir's data and waits until ready.
func benchServer(ctx context.Context, bc *benchConfig, dir string, profile bool, stderr io.Writer) (string, int, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	addr := l.Addr().String()
	l.Close()
	// Partner polling every second, so that netflix-show and netflix-mix
	// see their sign-ups redeemed within a second rather than a minute.
	args := []string{"serve", "--demo", "--bench-ceiling", "--listen", addr, "--data-dir", dir, "--log-level", "error",
		"--netflix-reconcile-interval", "1s"}
	if bc.Database != "" {
		args = append(args, "--database", bc.Database)
	}
	if bc.partnerURL != "" {
		args = append(args, "--partner-url", bc.partnerURL, "--partner-key", bc.partnerKey)
	}
	if profile {
		dl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", 0, nil, err
		}
		bc.debugURL = "http://" + dl.Addr().String()
		dl.Close()
		args = append(args, "--debug-listen", strings.TrimPrefix(bc.debugURL, "http://"))
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	}
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return "", 0, nil, errors.New("bench: the server did not become ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(stderr, "started crmapid (pid %d) at %s on %s\n", cmd.Process.Pid, url, engineName(bc.Database))
	return url, cmd.Process.Pid, stop, nil
}

func engineName(database string) string {
	if strings.HasPrefix(database, "postgres") {
		return "PostgreSQL"
	}
	return "SQLite"
}

// postJSON sends one request and returns the envelope's status code.
func postJSON(ctx context.Context, c *http.Client, url string, body []byte) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "CANCELLED"
		}
		return "TRANSPORT_ERROR"
	}
	defer resp.Body.Close()
	return envelopeCode(resp)
}

func prepareCeiling(ctx context.Context, env *benchEnv, conns int) (request, error) {
	body, _ := json.Marshal(map[string]any{"token": env.token, "accounts_receivable_identifier": map[string]string{"number": "ACR0000000001"}, "authorisation_amount": "12.50"})
	url := env.url + "/bench/ceiling"
	if code := postJSON(ctx, env.http, url, body); code != "OK" {
		return nil, fmt.Errorf("the server has no ceiling handler (%s): start it with --bench-ceiling", code)
	}
	return func(ctx context.Context, _ int, _ int64) string { return postJSON(ctx, env.http, url, body) }, nil
}

func prepareUnitsList(ctx context.Context, env *benchEnv, conns int) (request, error) {
	body, _ := json.Marshal(map[string]any{"token": env.token})
	return func(ctx context.Context, w int, _ int64) string {
		return postJSON(ctx, env.http, env.method(w, "admin/units/list"), body)
	}, nil
}

// benchResult is one workload's figures.
type benchResult struct {
	Workload string  `json:"workload"`
	Requests int64   `json:"requests"`
	Seconds  float64 `json:"seconds"`
	// PerSecond counts only the requests answered without an error, so
	// that a workload refused (or one that ran out of data) never passes
	// for a fast one; Errors lists the others by code.
	PerSecond float64        `json:"per_second"`
	P50ms     float64        `json:"p50_ms"`
	P95ms     float64        `json:"p95_ms"`
	P99ms     float64        `json:"p99_ms"`
	P999ms    float64        `json:"p99_9_ms"`
	Errors    map[string]int `json:"errors"`
	MaxRSSMiB float64        `json:"max_rss_mib"`
	// ServerCPUus is the servers' CPU time (user + system) per request,
	// ClientCPUus the load client's: unlike throughput, they hardly depend
	// on what else the machine runs.
	ServerCPUus float64 `json:"server_cpu_us_per_request"`
	ClientCPUus float64 `json:"client_cpu_us_per_request"`
	Ratio       float64 `json:"throughput_ratio_to_ceiling"`
	P99Ratio    float64 `json:"p99_ratio_to_ceiling"`
	latencies   []time.Duration
	unitPerReq  float64
}

// drive runs one workload with bc.Connections workers: a warm-up, then the
// measured period, printing progress every second.
func drive(ctx context.Context, name string, req request, bc benchConfig, pid int, stderr io.Writer) benchResult {
	var seq atomic.Int64
	run := func(d time.Duration, record bool) ([][]time.Duration, []map[string]int, time.Duration) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		lats := make([][]time.Duration, bc.Connections)
		errs := make([]map[string]int, bc.Connections)
		var done atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := range bc.Connections {
			errs[w] = map[string]int{}
			wg.Go(func() {
				for ctx.Err() == nil {
					t0 := time.Now()
					code := req(ctx, w, seq.Add(1))
					if ctx.Err() != nil && code == "CANCELLED" {
						return
					}
					if record {
						lats[w] = append(lats[w], time.Since(t0))
						if code != "OK" {
							errs[w][code]++
						}
					}
					done.Add(1)
				}
			})
		}
		if record {
			go func() {
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				var last int64
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
						n := done.Load()
						fmt.Fprintf(stderr, "  %s: %d requests, %d/s\n", name, n, n-last)
						last = n
					}
				}
			}()
		}
		rss := newRSSSampler(pid)
		cpu0, self0 := cpuSeconds(bc.pids), selfCPUSeconds()
		var prof sync.WaitGroup
		if record && bc.debugURL != "" {
			prof.Go(func() { saveProfile(bc, name, d, stderr) })
		}
		wg.Wait()
		prof.Wait()
		elapsed := time.Since(start)
		rss.stop()
		lastRSS = rss.max()
		lastCPU, lastSelfCPU = cpuSeconds(bc.pids)-cpu0, selfCPUSeconds()-self0
		return lats, errs, elapsed
	}
	if bc.Warmup > 0 {
		run(bc.Warmup, false)
	}
	lats, errs, elapsed := run(bc.Duration, true)
	res := benchResult{Workload: name, Errors: map[string]int{}, Seconds: elapsed.Seconds(), MaxRSSMiB: lastRSS}
	for w := range lats {
		res.latencies = append(res.latencies, lats[w]...)
		for k, v := range errs[w] {
			res.Errors[k] += v
		}
	}
	res.Requests = int64(len(res.latencies))
	answered := res.Requests
	for _, n := range res.Errors {
		answered -= int64(n)
	}
	res.PerSecond = float64(max(answered, 0)) / elapsed.Seconds()
	if res.Requests > 0 {
		res.ServerCPUus = lastCPU * 1e6 / float64(res.Requests)
		res.ClientCPUus = lastSelfCPU * 1e6 / float64(res.Requests)
	}
	sort.Slice(res.latencies, func(i, j int) bool { return res.latencies[i] < res.latencies[j] })
	res.P50ms, res.P95ms = pct(res.latencies, 0.50), pct(res.latencies, 0.95)
	res.P99ms, res.P999ms = pct(res.latencies, 0.99), pct(res.latencies, 0.999)
	res.latencies = nil
	return res
}

var lastRSS, lastCPU, lastSelfCPU float64

// cpuSeconds adds up the user and system CPU time of processes (Linux
// /proc/PID/stat, in clock ticks of 1/100 s).
func cpuSeconds(pids []int) float64 {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces; the fields follow its ")".
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + st
		}
	}
	return float64(ticks) / 100
}

// selfCPUSeconds is the load client's own CPU time.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i].Microseconds()) / 1000
}

// rssSampler records the peak resident size of a process while it runs.
type rssSampler struct {
	pid  int
	peak atomic.Int64
	quit chan struct{}
	wg   sync.WaitGroup
}

func newRSSSampler(pid int) *rssSampler {
	s := &rssSampler{pid: pid, quit: make(chan struct{})}
	if pid <= 0 {
		return s
	}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := rssKiB(pid); kb > s.peak.Load() {
				s.peak.Store(kb)
			}
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *rssSampler) stop()        { close(s.quit); s.wg.Wait() }
func (s *rssSampler) max() float64 { return float64(s.peak.Load()) / 1024 }

// rssKiB reads VmRSS of a process from /proc (Linux).
func rssKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// benchReport is the whole run, as printed and as JSON.
type benchReport struct {
	Date        string        `json:"date"`
	Engine      string        `json:"engine"`
	Connections int           `json:"connections"`
	Duration    string        `json:"duration"`
	CPUs        int           `json:"cpus"`
	Results     []benchResult `json:"results"`
	Checks      benchChecks   `json:"checks"`
}

func newReport(bc benchConfig, results []benchResult, pid int) benchReport {
	var ceiling *benchResult
	for i := range results {
		if results[i].Workload == "ceiling" {
			ceiling = &results[i]
		}
	}
	for i := range results {
		if ceiling != nil && ceiling.PerSecond > 0 {
			results[i].Ratio = results[i].PerSecond / ceiling.PerSecond
			if ceiling.P99ms > 0 {
				results[i].P99Ratio = results[i].P99ms / ceiling.P99ms
			}
		}
	}
	engine := engineName(bc.Database)
	if bc.Processes > 1 {
		engine = fmt.Sprintf("%s, %d crmapid processes", engine, bc.Processes)
	}
	if bc.Target != "" {
		engine = "external (" + bc.Target + ")"
	}
	return benchReport{Date: time.Now().UTC().Format(time.RFC3339), Engine: engine, Connections: bc.Connections,
		Duration: bc.Duration.String(), CPUs: numCPU(), Results: results}
}

func (r benchReport) print(w io.Writer) {
	fmt.Fprintf(w, "\ncrmapid bench: %s, %d connections, %s per workload, %d CPUs, %s\n\n", r.Engine, r.Connections, r.Duration, r.CPUs, r.Date)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\treq/s\t× ceiling\tp50 ms\tp95 ms\tp99 ms\tp99.9 ms\tp99 × ceiling\terrors\tserver RSS MiB\tserver CPU µs/req\t")
	for _, res := range r.Results {
		var errs []string
		for k, v := range res.Errors {
			errs = append(errs, fmt.Sprintf("%s:%d", k, v))
		}
		sort.Strings(errs)
		e := "0"
		if len(errs) > 0 {
			e = strings.Join(errs, " ")
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.0f\t%.0f\t\n", res.Workload, res.PerSecond, res.Ratio,
			res.P50ms, res.P95ms, res.P99ms, res.P999ms, res.P99Ratio, e, res.MaxRSSMiB, res.ServerCPUus)
	}
	tw.Flush()
}

func numCPU() int { return runtime.NumCPU() }

// method is the URL of an API method on the server worker w drives.
func (e *benchEnv) method(w int, path string) string {
	return e.urls[w%len(e.urls)] + client.Prefix + path
}

// saveProfile fetches a CPU profile of the server covering the measured
// period and writes it to the profile directory.
func saveProfile(bc benchConfig, name string, d time.Duration, stderr io.Writer) {
	secs := int(d.Seconds())
	if secs < 1 {
		secs = 1
	}
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", bc.debugURL, secs))
	if err != nil {
		fmt.Fprintf(stderr, "  profile: %v\n", err)
		return
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(bc.ProfileDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "  profile: %v\n", err)
		return
	}
	path := filepath.Join(bc.ProfileDir, name+".pprof")
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "  profile: %v\n", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		fmt.Fprintf(stderr, "  profile: %v\n", err)
		return
	}
	fmt.Fprintf(stderr, "  profile: %s\n", path)
}

// benchEmulator starts the partner emulator as a child process for
// servers that must share one partner, and records its URL and key.
func benchEmulator(ctx context.Context, bc *benchConfig, stderr io.Writer) (func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	key := crmapi.RandomToken(16)
	cmd := exec.Command(exe, "emulator", "--listen", addr, "--api-key", key)
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return nil, errors.New("bench: the partner emulator did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	bc.partnerURL, bc.partnerKey = "http://"+addr, key
	fmt.Fprintf(stderr, "started the partner emulator (pid %d) at %s, shared by the servers\n", cmd.Process.Pid, bc.partnerURL)
	return stop, nil
}
