// Package gcpace sets how often a Stepflow process collects garbage.
//
// A durable step allocates a few KiB (history events, the snapshot, statement arguments) that
// are garbage once the step is committed, while what stays alive (the running executions) is
// small. With Go's default target (GOGC=100) the collector then runs many times a second and
// takes about a third of the CPU of a busy engine on two cores; the single store writer pays
// part of it in mark assists. A target of 400 collects a quarter as often. A soft memory
// limit of half the memory the process may use keeps the larger target from growing the heap
// beyond what the process may use: near the limit the collector runs as often as it must.
package gcpace

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Percent is the collector's target when the GOGC environment variable sets none: the heap
// may grow by 400% of what is alive after a collection before the next one starts.
const Percent = 400

// Apply sets the collector's target to Percent unless GOGC is set, and a soft memory limit
// (SoftLimit) unless GOMEMLIMIT is set. It returns a function that puts back the previous
// settings.
func Apply() (restore func()) {
	return apply(os.LookupEnv, SoftLimit)
}

func apply(lookupEnv func(string) (string, bool), softLimit func() int64) (restore func()) {
	previousPercent, previousLimit := -2, int64(-1)
	if _, set := lookupEnv("GOGC"); !set {
		previousPercent = debug.SetGCPercent(Percent)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		if limit := softLimit(); limit > 0 {
			previousLimit = debug.SetMemoryLimit(limit)
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

// SoftLimit is the memory limit Apply sets, in bytes: 90% of the memory limit of the
// process's cgroup (v2, or v1's memory controller) or of the nearest ancestor that has one,
// else half the machine's memory; 0 when neither is known (not Linux).
func SoftLimit() int64 {
	return softLimit("/proc/self/cgroup", "/sys/fs/cgroup", "/proc/meminfo")
}

func softLimit(procCgroup, cgroupRoot, meminfo string) int64 {
	total := memTotal(meminfo)
	if limit := cgroupLimit(procCgroup, cgroupRoot); limit > 0 && (total == 0 || limit < total) {
		return limit / 10 * 9
	}
	return total / 2
}

// cgroupLimit reads the memory limit of the cgroup that procCgroup (a /proc/PID/cgroup file)
// names, the smallest along its path up to the root; 0 for none.
func cgroupLimit(procCgroup, root string) int64 {
	data, err := os.ReadFile(procCgroup)
	if err != nil {
		return 0
	}
	var best int64
	consider := func(path string) {
		if n := limitFile(path); n > 0 && (best == 0 || n < best) {
			best = n
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, file string
		switch {
		case parts[0] == "0" && parts[1] == "": // cgroup v2
			dir, file = root, "memory.max"
		case slices.Contains(strings.Split(parts[1], ","), "memory"): // cgroup v1
			dir, file = filepath.Join(root, "memory"), "memory.limit_in_bytes"
		default:
			continue
		}
		for p := filepath.Clean("/" + parts[2]); ; p = filepath.Dir(p) {
			consider(filepath.Join(dir, p, file))
			if p == "/" {
				break
			}
		}
	}
	return best
}

// limitFile reads a cgroup memory limit file: bytes, or "max" (v2) or a value near 2^63 (v1)
// for none (0).
func limitFile(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<62 {
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
