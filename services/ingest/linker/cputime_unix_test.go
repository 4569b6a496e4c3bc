//go:build linux || darwin

package linker

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used: on a shared machine a benchmark's wall
// time also counts the time it waited for a CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
