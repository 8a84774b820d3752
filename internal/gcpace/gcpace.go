// Package gcpace sets how often a Stepflow process collects garbage.
//
// A durable step allocates a few KiB (history events, the snapshot, statement arguments) that
// are garbage once the step is committed, while what stays alive (the running executions) is
// small. With Go's default target (GOGC=100) the collector then runs many times a second and
// takes about a third of the CPU of a busy engine on two cores; the single store writer pays
// part of it in mark assists. A target of 400 collects a quarter as often. A soft memory
// limit of half the memory the process may use keeps the larger target from growing the heap
// beyond what the machine has: near the limit the collector runs as often as it must.
package gcpace

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Percent is the collector's target when the GOGC environment variable sets none: the heap
// may grow by 400% of what is alive after a collection before the next one starts.
const Percent = 400

// Apply sets the collector's target to Percent unless GOGC is set, and a soft memory limit
// of half the process's memory (its cgroup's limit, else the machine's) unless GOMEMLIMIT is
// set. It returns a function that puts back the previous settings.
func Apply() (restore func()) {
	return apply(os.LookupEnv, availableMemory)
}

func apply(lookupEnv func(string) (string, bool), memory func() int64) (restore func()) {
	previousPercent, previousLimit := -2, int64(-1)
	if _, set := lookupEnv("GOGC"); !set {
		previousPercent = debug.SetGCPercent(Percent)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		if m := memory(); m > 0 {
			previousLimit = debug.SetMemoryLimit(m / 2)
		}
	}
	return func() {
		if previousPercent != -2 {
			debug.SetGCPercent(previousPercent)
		}
		if previousLimit >= 0 {
			debug.SetMemoryLimit(previousLimit)
		}
	}
}

// availableMemory is the memory the process may use in bytes: its cgroup's limit when it has
// one, else the machine's memory; 0 when neither can be read (not Linux).
func availableMemory() int64 {
	total := memTotal("/proc/meminfo")
	if limit := cgroupLimit("/sys/fs/cgroup/memory.max"); limit > 0 && (total == 0 || limit < total) {
		return limit
	}
	return total
}

// cgroupLimit reads a cgroup v2 memory.max file: a number of bytes, or "max" for none (0).
func cgroupLimit(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// memTotal reads the MemTotal line of a /proc/meminfo file (in KiB) and returns bytes.
func memTotal(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kib, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kib << 10
		}
	}
	return 0
}
