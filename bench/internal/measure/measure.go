// Package measure runs a command and records its wall time, CPU time and
// peak resident memory, for the side-by-side benchmarks under bench/.
package measure

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Result is one run of a command.
type Result struct {
	Wall time.Duration
	// CPU is user plus system time of the command and the children it
	// waited for: on a shared machine it is steadier than Wall, which
	// includes time spent waiting for a core.
	CPU    time.Duration
	MaxRSS int64 // bytes
	Stdout []byte
	Exit   int
}

// Run executes argv with extra environment, waits, and measures it. A
// non-zero exit is returned in Result.Exit, not as an error, since peers use
// exit codes for "findings".
func Run(env []string, dir string, argv ...string) (Result, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	res := Result{Wall: wall, Stdout: out.Bytes()}
	if cmd.ProcessState != nil {
		res.Exit = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			res.MaxRSS = ru.Maxrss * 1024 // Linux reports KiB
			res.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	if err != nil && cmd.ProcessState == nil {
		return res, fmt.Errorf("%v: %w", argv, err)
	}
	if res.Exit > 3 || (err != nil && res.Exit < 0) {
		return res, fmt.Errorf("%v: exit %d: %s", argv, res.Exit, tail(errb.Bytes()))
	}
	return res, nil
}

// Best runs a command n times and returns the fastest wall time together
// with the smallest CPU time and the largest peak RSS seen, which is how the
// figures are reported.
func Best(n int, env []string, dir string, argv ...string) (Result, error) {
	var runs []Result
	for range n {
		r, err := Run(env, dir, argv...)
		if err != nil {
			return r, err
		}
		runs = append(runs, r)
	}
	best := slices.MinFunc(runs, func(a, b Result) int { return int(a.Wall - b.Wall) })
	for _, r := range runs {
		best.MaxRSS = max(best.MaxRSS, r.MaxRSS)
		best.CPU = min(best.CPU, r.CPU)
	}
	return best, nil
}

// MiB formats bytes as MiB.
func MiB(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Ms formats a duration in milliseconds.
func Ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// LoadAvg returns the 1, 5 and 15 minute load averages from /proc/loadavg,
// or "" where they cannot be read: figures from a busy machine are
// recorded with the load they were taken under.
func LoadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
