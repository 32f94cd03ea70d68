// Interop check with the official NATS Go client (nats.go, Debian's
// golang-github-nats-io-go-nats-dev, built in GOPATH mode): core features against the
// server URL given. Prints one "ok" line per check; on failure prints "FAIL ..." and
// exits 1. Built and run by test/interop/go-client.test.ts.
package main

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

func fail(what string, err error) {
	fmt.Printf("FAIL %s %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Println("usage: client URL")
		os.Exit(2)
	}
	nc, err := nats.Connect(os.Args[1], nats.Name("go-interop"))
	if err != nil {
		fail("connect", err)
	}
	defer nc.Close()
	fmt.Println("connect ok", nc.HeadersSupported())

	// Ordered pub/sub.
	sub, err := nc.SubscribeSync("go.test")
	if err != nil {
		fail("sub", err)
	}
	const n = 1000
	for i := 0; i < n; i++ {
		if err := nc.Publish("go.test", []byte(fmt.Sprint(i))); err != nil {
			fail("pub", err)
		}
	}
	for i := 0; i < n; i++ {
		m, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			fail("next", err)
		}
		if string(m.Data) != fmt.Sprint(i) {
			fail("order", fmt.Errorf("got %s want %d", m.Data, i))
		}
	}
	fmt.Println("pubsub ok", n)

	// Headers.
	out := nats.NewMsg("go.test")
	out.Header.Set("X-Trace", "abc-123")
	out.Header.Add("Multi", "1")
	out.Header.Add("Multi", "2")
	out.Data = []byte("with-headers")
	if err := nc.PublishMsg(out); err != nil {
		fail("pub msg", err)
	}
	m, err := sub.NextMsg(2 * time.Second)
	if err != nil {
		fail("next hdr", err)
	}
	fmt.Println("headers", m.Header.Get("X-Trace"), len(m.Header.Values("Multi")), string(m.Data), "ok")

	// Request/reply.
	if _, err := nc.Subscribe("go.svc", func(m *nats.Msg) { _ = m.Respond(append([]byte("echo:"), m.Data...)) }); err != nil {
		fail("svc", err)
	}
	r, err := nc.Request("go.svc", []byte("hello"), 2*time.Second)
	if err != nil {
		fail("request", err)
	}
	fmt.Println("request", string(r.Data), "ok")

	// No responders: an error at once, not a timeout.
	start := time.Now()
	_, err = nc.Request("go.nobody", []byte("x"), 5*time.Second)
	if !errors.Is(err, nats.ErrNoResponders) || time.Since(start) > 4*time.Second {
		fail("noresponders", err)
	}
	fmt.Println("noresponders ok")

	// Queue group: each message to exactly one member.
	var total int64
	for i := 0; i < 3; i++ {
		if _, err := nc.QueueSubscribe("go.work", "workers", func(*nats.Msg) { atomic.AddInt64(&total, 1) }); err != nil {
			fail("qsub", err)
		}
	}
	for i := 0; i < n; i++ {
		_ = nc.Publish("go.work", []byte("w"))
	}
	_ = nc.Flush()
	deadline := time.Now().Add(5 * time.Second)
	for atomic.LoadInt64(&total) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	fmt.Println("queue total", atomic.LoadInt64(&total), "ok")

	// Auto-unsubscribe.
	auto, _ := nc.SubscribeSync("go.auto")
	_ = auto.AutoUnsubscribe(2)
	for i := 0; i < 5; i++ {
		_ = nc.Publish("go.auto", []byte("a"))
	}
	got := 0
	for {
		if _, err := auto.NextMsg(300 * time.Millisecond); err != nil {
			break
		}
		got++
	}
	fmt.Println("autounsub", got, "ok")

	// Drain.
	if err := nc.Drain(); err != nil {
		fail("drain", err)
	}
	for nc.IsDraining() {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("done")
}
