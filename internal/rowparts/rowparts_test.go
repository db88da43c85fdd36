package rowparts

import (
	"database/sql"
	"reflect"
	"testing"

	"github.com/crmapi/crmapi"
)

func TestScanSplitsOneRow(t *testing.T) {
	type state string
	r := New(7)
	vals := []any{"a", int64(7), nil, int32(3), true, int64(1), []byte("b")}
	for i, p := range r.Dest() {
		*(p.(*any)) = vals[i]
	}
	var s1 string
	var n int64
	var null sql.NullInt64
	var small int
	var b1, b2 bool
	var st state
	if err := r.Scan(&s1, &n); err != nil {
		t.Fatal(err)
	}
	if !r.NextIsNull() {
		t.Fatal("the third column is NULL")
	}
	if err := r.Scan(&null, &small, &b1, &b2, &st); err != nil {
		t.Fatal(err)
	}
	if s1 != "a" || n != 7 || null.Valid || small != 3 || !b1 || !b2 || st != "b" {
		t.Fatalf("scanned %q %d %v %d %v %v %q", s1, n, null, small, b1, b2, st)
	}
	if err := r.Scan(&s1); err == nil {
		t.Fatal("scanning past the row's end passed")
	}
	var f float64
	r.Dest()
	if err := r.Scan(&f); err == nil {
		t.Fatal("an unsupported destination passed")
	}
}

func TestUnpackServices(t *testing.T) {
	got, err := UnpackServices("S1 SERVICE T1 1050000 60000 S2 SERVICE_TYPE T2 0 10000")
	if err != nil {
		t.Fatal(err)
	}
	want := []crmapi.AuthorisationService{
		{ID: "S1", Target: crmapi.Target{Kind: "SERVICE", ID: "T1"}, MaximumAmount: crmapi.AmountFromUnits(1050000), MaximumUsage: crmapi.QuantityFromUnits(60000)},
		{ID: "S2", Target: crmapi.Target{Kind: "SERVICE_TYPE", ID: "T2"}, MaximumAmount: crmapi.AmountFromUnits(0), MaximumUsage: crmapi.QuantityFromUnits(10000)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("UnpackServices = %+v", got)
	}
	if none, err := UnpackServices(""); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("no services = %#v, %v", none, err)
	}
	for _, bad := range []string{"S1 SERVICE T1 10", "S1 SERVICE T1 x 1", "S1 SERVICE T1 1 y"} {
		if _, err := UnpackServices(bad); err == nil {
			t.Errorf("UnpackServices(%q) passed", bad)
		}
	}
}
