package lxcapi

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// syncBuffer is a bytes.Buffer for one writer and a reader after it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A writer left behind keeps the pipe open: stop still returns, with what
// was written before it passed on, and what is written after it is not.
func TestOutputRelayStopsWithWriterLeft(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var out syncBuffer
	o := relayOutput(r, &out)
	big := bytes.Repeat([]byte("x"), 40000) // more than one read
	if _, err := w.Write(append(big, "end\n"...)); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		o.stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for the writer left behind")
	}
	if got := out.String(); got != string(big)+"end\n" {
		t.Errorf("relayed %d bytes, want the %d written before stop", len(got), len(big)+4)
	}
	w.Write([]byte("after\n")) // EPIPE: the relay's end is closed
	if got := out.String(); bytes.Contains([]byte(got), []byte("after")) {
		t.Error("output written after stop was relayed")
	}
}

// Output the user's side no longer takes is dropped, not blocked on.
func TestOutputRelayDropsWhenTheUserSideFails(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	dr, dw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	dr.Close()
	dw.Close() // writes fail at once
	o := relayOutput(r, dw)
	w.Write([]byte("lost\n"))
	w.Close()
	o.stop()
}

// Keys typed after stop stay where they are: nothing reads them.
func TestKeysRelayStops(t *testing.T) {
	kr, kw, err := os.Pipe() // the user's terminal, as the relay reads it
	if err != nil {
		t.Fatal(err)
	}
	defer kr.Close()
	defer kw.Close()
	pr, pw, err := os.Pipe() // the command's pty
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	in, err := relayKeys(kr, pw)
	if err != nil {
		t.Fatal(err)
	}
	kw.Write([]byte("typed\n"))
	buf := make([]byte, 16)
	pr.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := pr.Read(buf); err != nil || string(buf[:n]) != "typed\n" {
		t.Fatalf("relayed %q, %v; want the keys typed", buf[:n], err)
	}
	in.stop()
	kw.Write([]byte("secret\n"))
	pr.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _ := pr.Read(buf); n > 0 {
		t.Errorf("relayed %q after stop", buf[:n])
	}
	fd := int(kr.Fd())
	unix.SetNonblock(fd, true)
	if n, err := unix.Read(fd, buf); err != nil || string(buf[:n]) != "secret\n" {
		t.Errorf("the keys typed after stop were read by the relay: left %q, %v", buf[:max(n, 0)], err)
	}
}
