package crmapi

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// envUint reads a test knob from the environment.
func envUint(t *testing.T, name string, def uint64) uint64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

var propertyCurrencies = []string{"EUR", "JPY", "KWD", "USD", "BHD", "ISK"}

// pow10 are the magnitudes randomUnits draws from: 10 … maxUnits.
var pow10 = []int64{1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// randomUnits draws an amount in units whose magnitude is spread over
// every order up to maxUnits, so that both cents and billions are tried.
func randomUnits(rng *rand.Rand) int64 {
	u := rng.Int64N(pow10[rng.IntN(len(pow10))] + 1)
	if rng.IntN(2) == 0 {
		u = -u
	}
	return u
}

// M5: 1,000,000 random splits and sums come back exactly; parse and
// format round-trip and rounding to a currency agrees with an independent
// big-number reference (on every eighth round). The rounds are shared by
// one worker per CPU, each with its own stream drawn from the seed.
// CRMAPI_LONG=1 runs 20,000,000 rounds, CRMAPI_MONEY_ROUNDS any number;
// CRMAPI_MONEY_SEED replays a run (with the same GOMAXPROCS).
func TestAmountProperties(t *testing.T) {
	seed := envUint(t, "CRMAPI_MONEY_SEED", uint64(time.Now().UnixNano()))
	def := uint64(1_000_000)
	if os.Getenv("CRMAPI_LONG") != "" {
		def = 20_000_000
	}
	rounds := envUint(t, "CRMAPI_MONEY_ROUNDS", def)
	workers := uint64(runtime.GOMAXPROCS(0))
	t.Logf("seed %d (replay with CRMAPI_MONEY_SEED=%d), %d rounds on %d workers", seed, seed, rounds, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			n := rounds / workers
			if w == 0 {
				n += rounds % workers
			}
			errs[w] = amountRounds(rand.New(rand.NewPCG(seed, w)), n)
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("seed %d, worker %d: %v", seed, w, err)
		}
	}
}

// amountRounds checks n random rounds and returns the first violation.
func amountRounds(rng *rand.Rand, n uint64) error {
	terms := make([]Amount, 9)
	for round := range n {
		r := rng.Uint64()
		cur := propertyCurrencies[r%uint64(len(propertyCurrencies))]
		step := minorUnit(cur)
		a := Amount{units: randomUnits(rng) / step * step}

		// Split into n parts: exact sum, whole minor units, fair spread.
		parts := int(r>>8%16) + 1
		if r>>16%8 == 0 {
			parts = int(r>>24%100_000) + 1 // more parts than minor units, at times
		}
		if parts <= 16 || round%64 == 0 {
			ps, err := a.Split(parts, cur)
			if err != nil {
				return roundError(round, "Split(%s %s, %d): %v", a, cur, parts, err)
			}
			if len(ps) != parts {
				return roundError(round, "Split(%s, %d) gave %d parts", a, parts, len(ps))
			}
			lo, hi := ps[0].units, ps[0].units
			for i, p := range ps {
				if p.units%step != 0 {
					return roundError(round, "part %s of %s is not whole %s", p, a, cur)
				}
				if i > 0 && abs(p.units) > abs(ps[i-1].units) {
					return roundError(round, "parts of %s not largest first: %v", a, ps)
				}
				lo, hi = min(lo, p.units), max(hi, p.units)
			}
			if hi-lo > step {
				return roundError(round, "parts of %s in %d differ by more than one minor unit: %v", a, parts, ps)
			}
			if s := Sum(ps...); s != a {
				return roundError(round, "parts of %s in %d sum to %s", a, parts, s)
			}
		}

		// Sums of random amounts against a reference that adds the high
		// and low halves of each amount apart (independent of Add).
		terms = terms[:r>>48%8+2]
		var hi, lo int64
		for i := range terms {
			terms[i] = Amount{units: randomUnits(rng) / 16}
			hi, lo = hi+terms[i].units/1e8, lo+terms[i].units%1e8
		}
		if s := Sum(terms...); s.units != hi*1e8+lo {
			return roundError(round, "Σ%v = %s, want %d units", terms, s, hi*1e8+lo)
		}
		if d := terms[0].Add(terms[1]).Sub(terms[1]); d != terms[0] {
			return roundError(round, "%s + %s - %s = %s", terms[0], terms[1], terms[1], d)
		}

		// The decimal library and big.Rat are slow beside int64 arithmetic:
		// every eighth round checks text and rounding, 125,000 of a million.
		if round%8 != 0 {
			continue
		}
		// Text round trips: the shortest form, the currency's fixed form, JSON.
		b := Amount{units: randomUnits(rng)}
		if back, err := ParseAmount(b.String()); err != nil || back != b {
			return roundError(round, "ParseAmount(%q) = %s, %v", b.String(), back, err)
		}
		exp := CurrencyExponent(cur)
		if back, err := ParseAmount(a.StringFixed(exp)); err != nil || back != a {
			return roundError(round, "ParseAmount(StringFixed(%s, %d)) = %s, %v", a, exp, back, err)
		}
		if round%64 == 0 {
			j, _ := json.Marshal(b)
			var back Amount
			if err := json.Unmarshal(j, &back); err != nil || back != b {
				return roundError(round, "JSON %s gave %s, %v", j, back, err)
			}
		}

		// Rounding to the currency: half to even, as the reference says.
		rb := b.RoundToCurrency(cur)
		if want := roundHalfEvenRef(b.units, step); rb.units != want {
			return roundError(round, "RoundToCurrency(%s, %s) = %s, want %d units", b, cur, rb, want)
		}
		if round%64 == 0 && rb.StringFixed(exp) != b.StringFixed(exp) {
			return roundError(round, "RoundToCurrency(%s, %s) = %s but StringFixed = %s", b, cur, rb, b.StringFixed(exp))
		}
	}
	return nil
}

func roundError(round uint64, format string, args ...any) error {
	return fmt.Errorf("round %d: "+format, append([]any{round}, args...)...)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// roundHalfEvenRef rounds u to a multiple of step with big.Rat: an
// implementation independent of RoundToCurrency's integer tricks.
func roundHalfEvenRef(u, step int64) int64 {
	x := new(big.Rat).SetFrac64(u, step)
	fl := new(big.Int).Quo(x.Num(), x.Denom()) // truncated toward zero
	if x.Sign() < 0 && !x.IsInt() {
		fl.Sub(fl, big.NewInt(1))
	}
	frac := new(big.Rat).Sub(x, new(big.Rat).SetInt(fl))
	half := big.NewRat(1, 2)
	switch frac.Cmp(half) {
	case 1:
		fl.Add(fl, big.NewInt(1))
	case 0:
		if fl.Bit(0) == 1 {
			fl.Add(fl, big.NewInt(1))
		}
	}
	return fl.Int64() * step
}

func TestSplitAndRoundExamples(t *testing.T) {
	parts, err := MustAmount("10").Split(3, "EUR")
	if err != nil || len(parts) != 3 || parts[0].String() != "3.34" || parts[1].String() != "3.33" || parts[2].String() != "3.33" {
		t.Fatalf("10 EUR / 3 = %v, %v", parts, err)
	}
	parts, _ = MustAmount("-10").Split(3, "EUR")
	if parts[0].String() != "-3.34" || parts[2].String() != "-3.33" {
		t.Fatalf("-10 EUR / 3 = %v", parts)
	}
	if _, err := MustAmount("1.005").Split(2, "EUR"); err == nil {
		t.Fatal("split of an amount finer than cents accepted")
	}
	if _, err := MustAmount("1").Split(0, "EUR"); err == nil {
		t.Fatal("split into 0 parts accepted")
	}
	for in, want := range map[string]string{"2.345": "2.34", "2.355": "2.36", "-2.345": "-2.34", "-2.3451": "-2.35", "0.005": "0"} {
		if got := MustAmount(in).RoundToCurrency("EUR").String(); got != want {
			t.Errorf("RoundToCurrency(%s EUR) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"0.5": "0", "1.5": "2", "2.5": "2", "-1.5": "-2"} {
		if got := MustAmount(in).RoundToCurrency("JPY").String(); got != want {
			t.Errorf("RoundToCurrency(%s JPY) = %s, want %s", in, got, want)
		}
	}
	if got := MustAmount("1.2345").RoundToCurrency("KWD").String(); got != "1.234" {
		t.Errorf("RoundToCurrency(1.2345 KWD) = %s, want 1.234", got)
	}
}
