package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Top-level input properties of command:local:Command, as the SDK names them.
var localCommandKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir",
	"environment", "interpreter", "logging", "stdin", "triggers", "update",
}

// Input properties of the command:local:run function.
var localRunKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "archivePaths", "assetPaths", "command", "dir",
	"environment", "interpreter", "logging", "stdin",
}

// defaultInterpreter is used when `interpreter` is not set.
var defaultInterpreter = []string{"/bin/sh", "-c"}

// How long to wait for inherited stdout/stderr pipes to close once the
// command itself has exited (e.g. it started a background process).
const pipeWaitDelay = 5 * time.Second

// runCommand executes command with the interpreter, directory, environment and
// stdin from in. It returns stdout and stderr with one trailing newline
// removed, like the official provider.
func runCommand(ctx context.Context, command string, in commandInputs, opts runOptions) (string, string, error) {
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

	out := newOutputCapture(&in, opts.Log)
	cmd.Stdout = out.Stdout
	cmd.Stderr = out.Stderr

	err := cmd.Run()
	out.finish()
	// The command exited successfully but something it started kept the
	// output pipes open; treat it as success with the output gathered so far.
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		err = nil
	}
	if err != nil {
		ce := out.failure(command, err, opts.Redact, opts.Mask)
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
	stdout, stderr := out.results()
	return stdout, stderr, nil
}
