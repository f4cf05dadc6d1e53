package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Environment variables carrying the previous run's output (see addPreviousOutputInEnv).
const (
	envPreviousStdout = "PULUMI_COMMAND_STDOUT"
	envPreviousStderr = "PULUMI_COMMAND_STDERR"
)

// Accepted values of the `logging` input.
const (
	logStdout          = "stdout"
	logStderr          = "stderr"
	logStdoutAndStderr = "stdoutAndStderr"
	logNone            = "none"
)

// Top-level input properties of command:local:Command, as the SDK names them.
var commandInputKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir",
	"environment", "interpreter", "logging", "stdin", "triggers", "update",
}

// Input properties of the command:local:run function.
var runInputKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "archivePaths", "assetPaths", "command", "dir",
	"environment", "interpreter", "logging", "stdin",
}

// localInputs is the decoded form of the inputs shared by the Command resource
// and the run function. Secret wrappers are removed; unknown values are noted.
type localInputs struct {
	Create, Update, Delete *string
	Command                *string // run function only
	Dir                    *string
	Stdin                  *string
	Environment            map[string]string
	Interpreter            []string
	AddPreviousOutputInEnv bool
	Logging                string
	HasUnknowns            bool
}

// checkFailure describes one invalid input.
type checkFailure struct {
	Property string
	Reason   string
}

func unsupportedReason(what string) string {
	return fmt.Sprintf("%s is not supported by peva-lab's offline command provider substitute; "+
		"install the official pulumi-resource-command %s", what, officialVersion)
}

// unwrapSecret strips any number of secret wrappers from a value.
func unwrapSecret(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func isUnknown(v resource.PropertyValue) bool {
	v = unwrapSecret(v)
	return v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known)
}

// present reports whether a property is set to something other than null.
func present(props resource.PropertyMap, key resource.PropertyKey) (resource.PropertyValue, bool) {
	v, ok := props[key]
	if !ok {
		return v, false
	}
	if unwrapSecret(v).IsNull() {
		return v, false
	}
	return v, true
}

// decodeLocalInputs validates and decodes inputs. keys lists the properties
// the caller accepts (resource or function inputs); unknown keys are ignored.
func decodeLocalInputs(props resource.PropertyMap, keys []resource.PropertyKey) (localInputs, []checkFailure) {
	in := localInputs{AddPreviousOutputInEnv: true}
	var failures []checkFailure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, checkFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}

	for _, key := range keys {
		raw, ok := present(props, key)
		if !ok {
			continue
		}
		name := string(key)
		if isUnknown(raw) {
			in.HasUnknowns = true
			if key == "assetPaths" || key == "archivePaths" {
				fail(name, "%s", unsupportedReason("`"+name+"`"))
			}
			continue
		}
		v := unwrapSecret(raw)
		switch key {
		case "create", "update", "delete", "command", "dir", "stdin":
			if !v.IsString() {
				fail(name, "%s must be a string, got %s", name, v.TypeString())
				continue
			}
			s := v.StringValue()
			switch key {
			case "create":
				in.Create = &s
			case "update":
				in.Update = &s
			case "delete":
				in.Delete = &s
			case "command":
				in.Command = &s
			case "dir":
				in.Dir = &s
			case "stdin":
				in.Stdin = &s
			}
		case "environment":
			if !v.IsObject() {
				fail(name, "environment must be a map of strings, got %s", v.TypeString())
				continue
			}
			in.Environment = map[string]string{}
			for k, ev := range v.ObjectValue() {
				if isUnknown(ev) {
					in.HasUnknowns = true
					continue
				}
				ev = unwrapSecret(ev)
				if ev.IsNull() {
					continue
				}
				if !ev.IsString() {
					fail(name+"."+string(k), "environment values must be strings, got %s", ev.TypeString())
					continue
				}
				in.Environment[string(k)] = ev.StringValue()
			}
		case "interpreter":
			if !v.IsArray() {
				fail(name, "interpreter must be a list of strings, got %s", v.TypeString())
				continue
			}
			for i, ev := range v.ArrayValue() {
				if isUnknown(ev) {
					in.HasUnknowns = true
					continue
				}
				ev = unwrapSecret(ev)
				if !ev.IsString() {
					fail(fmt.Sprintf("%s[%d]", name, i), "interpreter elements must be strings, got %s", ev.TypeString())
					continue
				}
				in.Interpreter = append(in.Interpreter, ev.StringValue())
			}
		case "addPreviousOutputInEnv":
			if !v.IsBool() {
				fail(name, "addPreviousOutputInEnv must be a boolean, got %s", v.TypeString())
				continue
			}
			in.AddPreviousOutputInEnv = v.BoolValue()
		case "logging":
			if !v.IsString() {
				fail(name, "logging must be a string, got %s", v.TypeString())
				continue
			}
			switch l := v.StringValue(); l {
			case logStdout, logStderr, logStdoutAndStderr, logNone:
				in.Logging = l
			default:
				fail(name, "logging must be one of %q, %q, %q, %q; got %q",
					logStdout, logStderr, logStdoutAndStderr, logNone, l)
			}
		case "triggers":
			if !v.IsArray() {
				fail(name, "triggers must be a list, got %s", v.TypeString())
			}
		case "assetPaths", "archivePaths":
			fail(name, "%s", unsupportedReason("`"+name+"`"))
		}
	}
	return in, failures
}

func (in *localInputs) logStdout() bool {
	return in.Logging == "" || in.Logging == logStdout || in.Logging == logStdoutAndStderr
}

func (in *localInputs) logStderr() bool {
	return in.Logging == "" || in.Logging == logStderr || in.Logging == logStdoutAndStderr
}

// runOptions carries what a single command execution needs besides the inputs.
type runOptions struct {
	// Previous stdout/stderr, exported when addPreviousOutputInEnv is true.
	PrevStdout, PrevStderr string
	// Log receives output lines (may be nil). stream is "stdout" or "stderr".
	Log func(stream, line string)
	// Redact hides the command text and output from error messages.
	Redact bool
}

// commandError is returned when a command cannot be started or exits non-zero.
type commandError struct {
	Command  string
	ExitCode int // -1 when the process did not exit normally
	Stderr   string
	Output   string // interleaved stdout+stderr
	Err      error
	Redact   bool
}

func (e *commandError) Error() string {
	cmd := fmt.Sprintf("%q", e.Command)
	if e.Redact {
		cmd = "[secret]"
	}
	var b strings.Builder
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, "command %s failed with exit code %d", cmd, e.ExitCode)
	} else {
		fmt.Fprintf(&b, "command %s failed: %v", cmd, e.Err)
	}
	switch {
	case e.Redact:
		b.WriteString(" (output hidden: the command's inputs are secret)")
	case strings.TrimSpace(e.Output) != "":
		// Interleaved stdout and stderr, as the official provider reports it.
		fmt.Fprintf(&b, "; output:\n%s", strings.TrimSuffix(e.Output, "\n"))
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

// defaultInterpreter is used when `interpreter` is not set.
var defaultInterpreter = []string{"/bin/sh", "-c"}

// How long to wait for inherited stdout/stderr pipes to close once the
// command itself has exited (e.g. it started a background process).
const pipeWaitDelay = 5 * time.Second

// runCommand executes command with the interpreter, directory, environment and
// stdin from in. It returns stdout and stderr with one trailing newline
// removed, like the official provider.
func runCommand(ctx context.Context, command string, in localInputs, opts runOptions) (string, string, error) {
	args := append([]string{}, defaultInterpreter...)
	if len(in.Interpreter) > 0 {
		args = append([]string{}, in.Interpreter...)
	}
	args = append(args, command)

	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	configureProcess(cmd)
	cmd.WaitDelay = pipeWaitDelay

	if in.Dir != nil && *in.Dir != "" {
		cmd.Dir = *in.Dir
	}

	env := os.Environ()
	keys := make([]string, 0, len(in.Environment))
	for k := range in.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+in.Environment[k])
	}
	if in.AddPreviousOutputInEnv {
		if opts.PrevStdout != "" {
			env = append(env, envPreviousStdout+"="+opts.PrevStdout)
		}
		if opts.PrevStderr != "" {
			env = append(env, envPreviousStderr+"="+opts.PrevStderr)
		}
	}
	cmd.Env = env

	if in.Stdin != nil && *in.Stdin != "" {
		cmd.Stdin = strings.NewReader(*in.Stdin)
	}

	var stdout, stderr, combined bytes.Buffer
	var mu sync.Mutex
	combinedW := syncWriter{mu: &mu, w: &combined}
	outWriters := []io.Writer{&stdout, combinedW}
	errWriters := []io.Writer{&stderr, combinedW}
	var flushers []*lineWriter
	if opts.Log != nil {
		if in.logStdout() {
			lw := &lineWriter{fn: func(l string) { opts.Log("stdout", l) }}
			outWriters = append(outWriters, lw)
			flushers = append(flushers, lw)
		}
		if in.logStderr() {
			lw := &lineWriter{fn: func(l string) { opts.Log("stderr", l) }}
			errWriters = append(errWriters, lw)
			flushers = append(flushers, lw)
		}
	}
	cmd.Stdout = io.MultiWriter(outWriters...)
	cmd.Stderr = io.MultiWriter(errWriters...)

	err := cmd.Run()
	for _, f := range flushers {
		f.Flush()
	}
	// The command exited successfully but something it started kept the
	// output pipes open; treat it as success with the output gathered so far.
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		err = nil
	}
	if err != nil {
		ce := &commandError{
			Command:  command,
			ExitCode: -1,
			Stderr:   stderr.String(),
			Output:   combined.String(),
			Err:      err,
			Redact:   opts.Redact,
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.Exited() {
			ce.ExitCode = exitErr.ExitCode()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			ce.ExitCode = -1
			ce.Err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return "", "", ce
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}
