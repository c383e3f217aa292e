#!/usr/bin/env bash
# go: a program built with Debian's Go toolchain (golang-go), twice: the
# default CGO_ENABLED=0 build (a static, non-PIE executable whose runtime
# makes its system calls itself) and -buildmode=pie (cgo: a glibc PIE with
# its loader and libraries), each added with `occlum add`. Goroutines with
# a WaitGroup and channels, a net/http server answered over loopback by
# the program's own client, os/exec running the program itself as a child
# (a pipe each way, its exit status), os/signal, and a collection while a
# goroutine spins without calls (the runtime preempts it with a signal).
# pidfds as Go 1.23's os package uses them (this toolchain's os/exec does
# not yet): its probe (pidfd_open of itself, waitid(P_PIDFD) saying
# ECHILD, pidfd_send_signal of 0), then a child started by os.StartProcess
# watched through a pidfd (select until it exits, waitid(P_PIDFD) for its
# status), checked in `occlum run --strace`.
# The Go build cache lives in out/go/ (the first run builds the standard
# library for the PIE, about 30 s; later runs reuse it).
. "$(dirname "$0")/../cli/_lib.sh"
need_runtime
command -v go >/dev/null || fail "go is not installed (make deps)"
mkdir -p "$ROOT/out/go/cache" "$ROOT/out/go/path" "$WORK/home" src
cat >src/main.go <<'GO'
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "waiter" {
		io.ReadAll(os.Stdin)
		os.Exit(4)
	}
	if len(os.Args) > 1 && os.Args[1] == "child" {
		in, _ := io.ReadAll(os.Stdin)
		fmt.Printf("child %s %s\n", strings.Join(os.Args[2:], "+"), strings.ToUpper(string(in)))
		os.Exit(3)
	}

	// goroutines: a WaitGroup of workers, their results through a channel
	results := make(chan int, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sum := 0
			for i := 0; i < 100000; i++ {
				sum += (i * (w + 1)) % 7
			}
			results <- sum
		}(w)
	}
	wg.Wait()
	close(results)
	n, total := 0, 0
	for s := range results {
		n++
		total += s
	}
	fmt.Println("goroutines", n, total)

	// unbuffered channels: a pipeline of three stages
	src, sq := make(chan int), make(chan int)
	go func() {
		for i := 1; i <= 10; i++ {
			src <- i
		}
		close(src)
	}()
	go func() {
		for v := range src {
			sq <- v * v
		}
		close(sq)
	}()
	acc := 0
	for v := range sq {
		acc += v
	}
	fmt.Println("pipeline", acc)

	// net/http: a server on loopback answered by this program's client
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})
	go http.Serve(ln, mux)
	for _, p := range []string{"/a", "/b"} {
		resp, err := http.Get("http://" + ln.Addr().String() + p)
		if err != nil {
			fmt.Println("get:", err)
			os.Exit(1)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println("http", resp.StatusCode, string(body))
	}
	ln.Close()

	// os/exec: this program as a child, input on a pipe, output and status
	self, err := os.Executable()
	if err != nil {
		fmt.Println("executable:", err)
		os.Exit(1)
	}
	cmd := exec.Command(self, "child", "x", "y")
	cmd.Stdin = strings.NewReader("from parent")
	out, err := cmd.Output()
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Println("exec:", err)
		os.Exit(1)
	}
	fmt.Printf("exec %d %s", code, out)

	// pidfds, with raw system calls as Go 1.23's os package makes them
	pidfdOpen := func(pid int) int {
		fd, _, e := syscall.Syscall(434, uintptr(pid), 0, 0) // pidfd_open
		if e != 0 {
			fmt.Println("pidfd_open:", e)
			os.Exit(1)
		}
		return int(fd)
	}
	waitidPidfd := func(fd int) (int, syscall.Errno) {
		var si [128]byte // siginfo_t: si_status at 24
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, 3 /* P_PIDFD */, uintptr(fd),
			uintptr(unsafe.Pointer(&si[0])), 4 /* WEXITED */, 0, 0)
		return int(*(*int32)(unsafe.Pointer(&si[24]))), e
	}
	me := pidfdOpen(os.Getpid())
	_, e := waitidPidfd(me)
	_, _, e2 := syscall.Syscall6(424, uintptr(me), 0, 0, 0, 0, 0) // pidfd_send_signal
	fmt.Println("pidfd probe", e == syscall.ECHILD, e2 == 0)
	syscall.Close(me)
	rd, wr, _ := os.Pipe()
	proc, err := os.StartProcess(self, []string{self, "waiter"},
		&os.ProcAttr{Files: []*os.File{rd, os.Stdout, os.Stderr}})
	if err != nil {
		fmt.Println("start:", err)
		os.Exit(1)
	}
	rd.Close()
	pfd := pidfdOpen(proc.Pid)
	var rs syscall.FdSet
	rs.Bits[pfd/64] |= 1 << (uint(pfd) % 64)
	ready, _ := syscall.Select(pfd+1, &rs, nil, nil, &syscall.Timeval{})
	wr.Close() // the child reads EOF and exits
	for {
		rs.Bits[pfd/64] |= 1 << (uint(pfd) % 64)
		if m, err := syscall.Select(pfd+1, &rs, nil, nil, nil); err != syscall.EINTR {
			ready += 10 * m
			break
		}
	}
	status, e := waitidPidfd(pfd)
	fmt.Println("pidfd child", ready, status, e == 0)
	syscall.Close(pfd)
	proc.Release()

	// os/signal: a SIGUSR1 sent to this process
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	fmt.Println("signal", <-sigs)

	// the collector stops a goroutine that spins without calls
	// (asynchronous preemption: SIGURG to its thread) while the heap grows
	var stop, spins int64
	go func() {
		for atomic.LoadInt64(&stop) == 0 {
			spins++
		}
	}()
	keep := make([][]byte, 0, 64)
	for i := 0; i < 256; i++ {
		b := make([]byte, 1<<20)
		b[len(b)-1] = byte(i)
		if i%4 == 0 {
			keep = append(keep, b)
		}
	}
	runtime.GC()
	atomic.StoreInt64(&stop, 1)
	last := 0
	for _, b := range keep {
		last += int(b[len(b)-1])
	}
	fmt.Println("gc", len(keep), last)
}
GO
# Only the local toolchain and the cache in out/go: nothing from the network.
gobuild() {
    env HOME="$WORK/home" GOCACHE="$ROOT/out/go/cache" GOPATH="$ROOT/out/go/path" GOFLAGS= \
        GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off go build "$@"
}
CGO_ENABLED=0 gobuild -o go-static src/main.go || fail "go build (CGO_ENABLED=0) failed"
gobuild -buildmode=pie -o go-pie src/main.go || fail "go build -buildmode=pie failed"
# what each build is meant to be: ET_EXEC without an interpreter, and a PIE with one
readelf -h go-static | grep -q 'Type:[[:space:]]*EXEC' || fail "go-static is not a non-PIE executable"
readelf -l go-static | grep -q INTERP && fail "go-static has an interpreter"
readelf -h go-pie | grep -q 'Type:[[:space:]]*DYN' || fail "go-pie is not position-independent"
readelf -l go-pie | grep -q INTERP || fail "go-pie has no interpreter"

new_instance inst
occlum add ../go-static ../go-pie >/dev/null || fail "occlum add failed"
occlum build >/dev/null || fail "occlum build failed"
want="goroutines 8 2099989
pipeline 385
http 200 hello /a
http 200 hello /b
exec 3 child x+y FROM PARENT
pidfd probe true true
pidfd child 10 4 true
signal user defined signal 1
gc 64 8064"
for prog in go-static go-pie; do
    run occlum run "/bin/$prog"
    expect_status 0
    [ "$OUT" = "$want" ] || fail "$prog printed: $OUT"
done
# the pidfd calls reach the LibOS (no ENOSYS) and work
run occlum run --strace /bin/go-static
expect_status 0
for call in 'pidfd_open(' 'pidfd_send_signal(' 'waitid(0x3, '; do  # 0x3: P_PIDFD
    grep -F "$call" <<<"$ERR" | grep -qv ENOSYS || fail "--strace shows no working $call"
done
