package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A run's work directory is <tmp>/wemart-chaos-*. Its file "run" names the
// run that made it (host, pid, and the process's start time, so that a
// reused pid is not taken for it); its file "kept" says the run kept it on
// purpose (it failed, or CHAOS_KEEP=1) and printed its path.
const (
	workDirPrefix = "wemart-chaos-"
	ownerFile     = "run"
	keptFile      = "kept"
)

// makeWorkDir makes the run's work directory in tmp and names its owner.
func makeWorkDir(tmp string) (string, error) {
	dir, err := os.MkdirTemp(tmp, workDirPrefix)
	if err != nil {
		return "", err
	}
	host, _ := os.Hostname()
	started, err := startTime(os.Getpid())
	if err != nil {
		return dir, err
	}
	return dir, os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "%s %d %s\n", host, os.Getpid(), started), 0o644)
}

// markKept notes that the run keeps its work directory on purpose.
func markKept(dir string) {
	_ = os.WriteFile(filepath.Join(dir, keptFile), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
}

// removeStaleDirs removes the work directories in tmp of runs on this host
// that died without cleaning up (killed with SIGKILL). A directory a run
// kept on purpose stays, and so does one without an owner (being made, or
// an older version's).
func removeStaleDirs(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, workDirPrefix+"*"))
	host, _ := os.Hostname()
	for _, dir := range dirs {
		if staleDir(dir, host, alive) {
			if err := os.RemoveAll(dir); err != nil {
				fmt.Fprintf(os.Stderr, "chaos: removing %s, left by a run that died: %v\n", dir, err)
				continue
			}
			fmt.Printf("chaos: removed %s, left by a run that died\n", dir)
		}
	}
}

// staleDir says whether dir was left by a run on host that is gone
// (isAlive(pid, started) is false) and did not keep it on purpose.
func staleDir(dir, host string, isAlive func(pid int, started string) bool) bool {
	if _, err := os.Stat(filepath.Join(dir, keptFile)); err == nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return false
	}
	var owner, started string
	var pid int
	if n, _ := fmt.Sscanf(string(b), "%s %d %s", &owner, &pid, &started); n != 3 || owner != host {
		return false
	}
	return !isAlive(pid, started)
}

// alive reports whether process pid runs and started at started.
func alive(pid int, started string) bool {
	s, err := startTime(pid)
	return err == nil && s == started
}

// startTime is when process pid started, in clock ticks since boot (field
// 22 of /proc/<pid>/stat).
func startTime(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// Field 2, the command, is in parentheses and may hold anything.
	i := bytes.LastIndexByte(b, ')')
	fields := strings.Fields(string(b[i+1:])) // from field 3 on
	if i < 0 || len(fields) < 20 {
		return "", fmt.Errorf("/proc/%d/stat: unexpected %q", pid, b)
	}
	return fields[19], nil
}
