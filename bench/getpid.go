// getpid: latency of syscall.Getpid from Go's runtime (its own assembly
// system call wrappers, no libc), ns per call.
package main

import (
	"fmt"
	"syscall"
	"time"
)

func main() {
	const n = 200000
	for i := 0; i < 1000; i++ {
		syscall.Getpid()
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		syscall.Getpid()
	}
	fmt.Printf("%.1f\n", float64(time.Since(t0).Nanoseconds())/n)
}
