package groupcommit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/groupcommit"
)

var errClosed = errors.New("closed")

// Requests that queue while the worker is busy are run as one batch, each
// answered with its own result, in order.
func TestQueuedRequestsShareABatch(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	q := groupcommit.New(8, 1, errClosed, func(batch []*groupcommit.Request) []groupcommit.Result {
		mu.Lock()
		sizes = append(sizes, len(batch))
		mu.Unlock()
		results := make([]groupcommit.Result, len(batch))
		for i, req := range batch {
			results[i].Err = req.Fn(nil)
		}
		return results
	})
	defer q.Close()
	var wg sync.WaitGroup
	wg.Go(func() {
		q.Submit(context.Background(), func(crmapi.Tx) error { <-release; return nil })
	})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		started := len(sizes) == 1
		mu.Unlock()
		if started {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first request never ran")
		}
	}
	const n = 8
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = q.Submit(context.Background(), func(crmapi.Tx) error {
				if i%2 == 0 {
					return errors.New("refused")
				}
				return nil
			}).Err
		})
	}
	for deadline := time.Now().Add(time.Minute); q.Depth() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d queued, want %d", q.Depth(), n)
		}
	}
	close(release)
	wg.Wait()
	if len(sizes) != 2 || sizes[1] != n {
		t.Fatalf("batch sizes %v, want [1 %d]", sizes, n)
	}
	for i, err := range errs {
		if (err != nil) != (i%2 == 0) {
			t.Errorf("request %d: %v", i, err)
		}
	}
}

// A panic reaches its own caller, a cancelled caller is not run, and a
// closed queue refuses new requests.
func TestPanicsCancellationAndClose(t *testing.T) {
	ran := 0
	q := groupcommit.New(4, 1, errClosed, func(batch []*groupcommit.Request) []groupcommit.Result {
		results, _ := groupcommit.Live(batch)
		for i, req := range batch {
			if results[i].Err != nil {
				continue
			}
			ran++
			func() {
				defer func() {
					if p := recover(); p != nil {
						results[i].Panic = p
					}
				}()
				results[i].Err = req.Fn(nil)
			}()
		}
		return results
	})
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want boom", p)
			}
		}()
		q.Submit(context.Background(), func(crmapi.Tx) error { panic("boom") })
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Submit(ctx, func(crmapi.Tx) error { return nil }).Err; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	q.Close()
	if err := q.Submit(context.Background(), func(crmapi.Tx) error { return nil }).Err; !errors.Is(err, errClosed) {
		t.Errorf("after Close: %v", err)
	}
	if ran != 1 {
		t.Errorf("%d requests ran, want 1 (the panicking one)", ran)
	}
}
