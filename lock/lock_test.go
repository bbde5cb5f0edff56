package lock

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := With(context.Background(), path, func() error {
				mu.Lock()
				inside++
				if inside > maxInside {
					maxInside = inside
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				inside--
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("%d holders at once", maxInside)
	}
}

// A holder that deletes the lock file does not strand a waiter on it.
func TestRemovedWhileWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	var once sync.Once
	waiting = func() { once.Do(func() { close(waited) }) }
	defer func() { waiting = func() {} }()
	got := make(chan error)
	go func() {
		l2, err := Acquire(context.Background(), path)
		if err == nil {
			if !Held(path) {
				err = context.Canceled
			}
			l2.Release()
		}
		got <- err
	}()
	// Only once the waiter waits on the old file does the removal test
	// anything.
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("the second Acquire never waited")
	}
	if err := l.ReleaseAndRemove(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("waiter: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter never got the lock")
	}
}

func TestTryAndTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, ok, err := TryAcquire(path)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, ok, _ := TryAcquire(path); ok {
		t.Error("a held lock was taken twice")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, path); err == nil {
		t.Error("Acquire of a held lock did not time out")
	}
	l.Release()
	if Held(path) {
		t.Error("released lock still held")
	}
}
