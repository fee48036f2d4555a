package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"tupu/internal/syncbuf"
)

// children are the processes the harness started; killChildren ends them
// all, each by its own process group, and nothing else.
var children struct {
	sync.Mutex
	procs []*exec.Cmd
}

// startChild starts cmd in a process group of its own that dies with the
// harness (Pdeathsig), and registers it for killChildren.
func startChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	children.Lock()
	defer children.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	children.procs = append(children.procs, cmd)
	return nil
}

// killChildren kills every child still registered, by process group id.
func killChildren() {
	children.Lock()
	defer children.Unlock()
	for _, c := range children.procs {
		if c.Process != nil {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		}
	}
	children.procs = nil
}

// server is a child process serving HTTP on 127.0.0.1.
type server struct {
	name   string
	url    string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	log    *syncbuf.Buffer
	header http.Header // sent with every request to it: its token
}

var listenURL = regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/?`)

// startServer starts a server that prints its URL (http://127.0.0.1:PORT)
// on stdout or stderr, and waits until it does.
func startServer(ctx context.Context, name string, timeout time.Duration, logFile io.Writer, path string, args ...string) (*server, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=") // the server's own default
	s := &server{name: name, cmd: cmd, log: &syncbuf.Buffer{}}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := startChild(cmd); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.log.Write([]byte(line + "\n"))
			if logFile != nil {
				fmt.Fprintln(logFile, line)
			}
			if m := listenURL.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	select {
	case s.url = <-found:
		// cmd.Wait now belongs to the goroutine above; stopChild must not
		// call it again.
		s.cmd = cmd
		waited[cmd] = exited
		return s, nil
	case err := <-exited:
		return nil, fmt.Errorf("%s exited before listening: %v\n%s", name, err, s.log.String())
	case <-time.After(timeout):
		stopKill(cmd, exited)
		return nil, fmt.Errorf("%s did not start listening within %s:\n%s", name, timeout, s.log.String())
	case <-ctx.Done():
		stopKill(cmd, exited)
		return nil, ctx.Err()
	}
}

// waited holds, for the servers, the channel their Wait result arrives on.
var waited = map[*exec.Cmd]chan error{}

func stopKill(cmd *exec.Cmd, exited chan error) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
	unregister(cmd)
}

func unregister(cmd *exec.Cmd) {
	children.Lock()
	defer children.Unlock()
	for i, c := range children.procs {
		if c == cmd {
			children.procs = append(children.procs[:i], children.procs[i+1:]...)
			break
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL after grace.
func (s *server) stop(grace time.Duration) error {
	exited := waited[s.cmd]
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	var err error
	select {
	case err = <-exited:
	case <-time.After(grace):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		err = <-exited
	}
	unregister(s.cmd)
	return err
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// procCPU returns the user+system CPU time a process has used.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; fields start after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	// USER_HZ is 100 on Linux for every architecture Go supports here.
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// procRSS returns a process's resident set size in bytes, and the part of
// it that is anonymous memory (the Go heap, stacks): the rest is pages of
// mapped files (the database, the search index), which the kernel can
// drop and read again.
func procRSS(pid int) (rss, anon int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "RssAnon") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 1 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			anon = kb << 10
		}
	}
	return rss, anon
}
