package crmapi_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/packages"
)

// moneyPackages are the packages money passes through: no value in them
// may be a float.
var moneyPackages = []string{
	"github.com/crmapi/crmapi",
	"github.com/crmapi/crmapi/service",
	"github.com/crmapi/crmapi/sqlite",
	"github.com/crmapi/crmapi/postgres",
	"github.com/crmapi/crmapi/httpapi",
	// The partner client carries Netflix prices and charges. (The partner
	// emulator is not crmapi's money path: it stands in for Netflix, and
	// its fault rates are floats.)
	"github.com/crmapi/crmapi/partner",
}

// floatAllowed are the only files of moneyPackages where a float may
// appear, and why. Keep it small: each entry is reviewed by hand.
var floatAllowed = map[string]string{
	// Prometheus histograms take float64 bucket bounds and observations in
	// seconds; latency is not money.
	"httpapi/metrics.go": "Prometheus latency histogram",
}

// M5: a build gate. Every expression of the money-path packages' non-test
// files is type-checked; one of type float32, float64, complex64 or
// complex128 (a declaration, a literal, a conversion, a call such as
// math.Pow10) fails the build outside the allow-list.
func TestNoFloatOnMoneyPaths(t *testing.T) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
		packages.NeedTypes | packages.NeedTypesInfo, Tests: false, Dir: "."}
	pkgs, err := packages.Load(cfg, moneyPackages...)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the money-path packages do not type-check")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	usedAllowance := map[string]bool{}
	for _, pkg := range pkgs {
		for _, file := range pkg.Syntax {
			name, _ := filepath.Rel(root, pkg.Fset.File(file.Pos()).Name())
			name = filepath.ToSlash(name)
			for _, e := range floatExprs(pkg.TypesInfo, file) {
				if _, ok := floatAllowed[name]; ok {
					usedAllowance[name] = true
					continue
				}
				t.Errorf("%s: a %s on a money path: %s", pkg.Fset.Position(e.Pos()),
					pkg.TypesInfo.Types[e].Type, types.ExprString(e))
			}
		}
	}
	for name := range floatAllowed {
		if !usedAllowance[name] {
			t.Errorf("%s is allowed floats but has none: take it off floatAllowed", name)
		}
	}
}

// isFloat tells whether t is a float or complex type, or a slice, array,
// pointer or map of one. (A function taking a float is caught at its
// arguments; named types may refer to themselves, so depth is bounded.)
func isFloat(t types.Type) bool { return isFloatDepth(t, 4) }

func isFloatDepth(t types.Type, depth int) bool {
	if depth == 0 {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Info()&(types.IsFloat|types.IsComplex) != 0
	case *types.Slice:
		return isFloatDepth(u.Elem(), depth-1)
	case *types.Array:
		return isFloatDepth(u.Elem(), depth-1)
	case *types.Pointer:
		return isFloatDepth(u.Elem(), depth-1)
	case *types.Map:
		return isFloatDepth(u.Key(), depth-1) || isFloatDepth(u.Elem(), depth-1)
	case *types.Tuple: // the results of a call: strconv.ParseFloat(s, 64)
		for i := range u.Len() {
			if isFloatDepth(u.At(i).Type(), depth-1) {
				return true
			}
		}
	}
	return false
}

// floatExprs returns the outermost expressions of file whose type is
// float or complex, or built from one.
func floatExprs(info *types.Info, file *ast.File) []ast.Expr {
	var out []ast.Expr
	ast.Inspect(file, func(n ast.Node) bool {
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if tv, ok := info.Types[e]; ok && isFloat(tv.Type) {
			out = append(out, e)
			return false
		}
		return true
	})
	return out
}

// The gate itself must catch what it is for; checked on scratch sources.
func TestFloatGateCatchesFloats(t *testing.T) {
	for src, want := range map[string]bool{
		"var x float64":                                                   true,
		"var n = int64(math.Pow10(2))":                                    true,
		"func f(a int64) any { return float32(a) }":                       true,
		"func f(s string) { strconv.ParseFloat(s, 64) }":                  true,
		"var h = []float64{.5, 1}":                                        true,
		"var n = int64(1) * 100 + int64(len(strconv.Itoa(math.MaxInt8)))": false,
	} {
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "p.go", "package p\nimport (\"math\"; \"strconv\")\nvar _, _ = math.Pi, strconv.Itoa\n"+src, 0)
		if err != nil {
			t.Fatal(err)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		conf := types.Config{Importer: importer.ForCompiler(fset, "gc", nil)}
		if _, err := conf.Check("p", fset, []*ast.File{file}, info); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		// math.Pi in the preamble is a float constant: skip that line.
		var found []ast.Expr
		for _, e := range floatExprs(info, file) {
			if fset.Position(e.Pos()).Line != 3 {
				found = append(found, e)
			}
		}
		if got := len(found) > 0; got != want {
			t.Errorf("%s: gate reports a float = %v, want %v", src, got, want)
		}
	}
}
