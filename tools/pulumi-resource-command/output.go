package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// runOptions carries what a single command execution needs besides the inputs.
type runOptions struct {
	// Previous stdout/stderr, exported when addPreviousOutputInEnv is true.
	PrevStdout, PrevStderr string
	// Log receives output lines (may be nil). stream is "stdout" or "stderr".
	Log func(stream, line string)
	// Status receives progress messages such as dial retries (may be nil).
	// They never contain command text, output or credentials.
	Status func(msg string)
	// Redact hides the command text from error messages (it is a secret).
	Redact bool
	// Mask replaces secret values in output lines and errors (may be nil).
	Mask masker
}

// commandError is returned when a command cannot be started or exits non-zero.
type commandError struct {
	Command  string
	Where    string // "user@host:port" for remote commands; "" for local ones
	ExitCode int    // -1 when the process did not exit normally
	Stderr   string
	Output   string // interleaved stdout+stderr
	Err      error
	Redact   bool
	Mask     masker
}

func (e *commandError) Error() string {
	cmd := fmt.Sprintf("%q", e.Mask.mask(e.Command))
	if e.Redact {
		cmd = "[secret]"
	}
	if e.Where != "" {
		cmd += " on " + e.Where
	}
	var b strings.Builder
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, "command %s failed with exit code %d", cmd, e.ExitCode)
	} else {
		fmt.Fprintf(&b, "command %s failed: %v", cmd, e.Err)
	}
	if strings.TrimSpace(e.Output) != "" {
		// Interleaved stdout and stderr, as the official provider reports it, secrets masked.
		fmt.Fprintf(&b, "; output:\n%s", strings.TrimSuffix(e.Mask.mask(e.Output), "\n"))
	}
	return b.String()
}

func (e *commandError) Unwrap() error { return e.Err }

// lineWriter forwards complete lines to fn; Flush emits any trailing partial line.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	fn  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.fn(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.fn(string(w.buf))
		w.buf = nil
	}
}

// syncWriter serialises writes from the stdout and stderr copiers.
type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// outputCapture collects a command's stdout and stderr separately and
// interleaved (for error messages), and forwards lines to the engine log as
// the `logging` input asks. Local processes and SSH sessions both copy stdout
// and stderr from separate goroutines, so only the shared parts are locked.
type outputCapture struct {
	Stdout, Stderr io.Writer // give these to the process or session

	stdout, stderr, combined bytes.Buffer
	mu                       sync.Mutex
	flushers                 []*lineWriter
}

func newOutputCapture(in *commandInputs, log func(stream, line string)) *outputCapture {
	c := &outputCapture{}
	combined := syncWriter{mu: &c.mu, w: &c.combined}
	outWriters := []io.Writer{&c.stdout, combined}
	errWriters := []io.Writer{&c.stderr, combined}
	if log != nil {
		if in.logStdout() {
			lw := &lineWriter{fn: func(l string) { log("stdout", l) }}
			outWriters = append(outWriters, lw)
			c.flushers = append(c.flushers, lw)
		}
		if in.logStderr() {
			lw := &lineWriter{fn: func(l string) { log("stderr", l) }}
			errWriters = append(errWriters, lw)
			c.flushers = append(c.flushers, lw)
		}
	}
	c.Stdout = io.MultiWriter(outWriters...)
	c.Stderr = io.MultiWriter(errWriters...)
	return c
}

// finish logs any partial last lines. Call it once the command has ended.
func (c *outputCapture) finish() {
	for _, f := range c.flushers {
		f.Flush()
	}
}

// results returns stdout and stderr with one trailing newline removed, like
// the official provider.
func (c *outputCapture) results() (string, string) {
	return strings.TrimSuffix(c.stdout.String(), "\n"), strings.TrimSuffix(c.stderr.String(), "\n")
}

// failure builds the commandError for a failed run with the output so far.
func (c *outputCapture) failure(command string, err error, redact bool, mask masker) *commandError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &commandError{
		Command:  command,
		ExitCode: -1,
		Stderr:   c.stderr.String(),
		Output:   c.combined.String(),
		Err:      err,
		Redact:   redact,
		Mask:     mask,
	}
}
