package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// shellName matches names that `export` accepts in every POSIX shell.
var shellName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// shellQuote quotes s for a POSIX shell. Inside single quotes nothing is
// special except the single quote itself, so each one is replaced by a
// closing quote, an escaped quote (\') and an opening quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// remoteEnv returns the variables a remote run exports: environment, then
// (with addPreviousOutputInEnv) the previous stdout/stderr, like a local run.
func remoteEnv(in *commandInputs, opts runOptions) map[string]string {
	env := map[string]string{}
	for k, v := range in.Environment {
		env[k] = v
	}
	if in.AddPreviousOutputInEnv {
		if opts.PrevStdout != "" {
			env[envPreviousStdout] = opts.PrevStdout
		}
		if opts.PrevStderr != "" {
			env[envPreviousStderr] = opts.PrevStderr
		}
	}
	return env
}

// withExports prefixes command with one `export` statement setting env.
//
// Upstream sends the variables with SSH "env" requests, which a stock sshd
// refuses unless AcceptEnv lists them (Debian's accepts only LANG and LC_*).
// The remote login shell runs the command string, so exporting the values in
// front of it works on any POSIX shell (sh, dash, bash, zsh, ash). Names are
// checked by Check and values are single-quoted, so no value can change the
// statement. The values appear in the remote shell's argument list.
func withExports(command string, env map[string]string) string {
	if len(env) == 0 {
		return command
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("export")
	for _, k := range names {
		b.WriteString(" " + k + "=" + shellQuote(env[k]))
	}
	b.WriteString("\n")
	b.WriteString(command)
	return b.String()
}

// runRemote runs command through one SSH session on conn's host and returns
// stdout and stderr with one trailing newline removed. Exit codes, output
// capture, logging and redaction work as for runCommand.
func runRemote(ctx context.Context, conn connection, command string, in commandInputs, opts runOptions) (string, string, error) {
	client, err := dialSSH(ctx, conn, opts.Status)
	if err != nil {
		return "", "", err
	}
	defer func() { _ = client.Close() }()
	session, err := client.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("open an SSH session on %s: %w", conn.target(), err)
	}
	defer func() { _ = session.Close() }()

	if in.Stdin != nil && *in.Stdin != "" {
		session.Stdin = strings.NewReader(*in.Stdin)
	}
	out := newOutputCapture(&in, opts.Log)
	session.Stdout = out.Stdout
	session.Stderr = out.Stderr

	// On cancellation, ask sshd to kill the command, then drop the
	// connection so that Run returns even if the signal is not supported.
	stop := context.AfterFunc(ctx, func() {
		_ = session.Signal(ssh.SIGKILL)
		_ = client.Close()
	})
	err = session.Run(withExports(command, remoteEnv(&in, opts)))
	stop()
	out.finish()
	if err == nil && ctx.Err() == nil {
		stdout, stderr := out.results()
		return stdout, stderr, nil
	}
	if err == nil {
		err = ctx.Err()
	}
	ce := out.failure(command, err, opts.Redact, opts.Mask)
	ce.Where = conn.target()
	var exitErr *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case ctx.Err() != nil:
		ce.Err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	case errors.As(err, &exitErr) && exitErr.Signal() == "":
		ce.ExitCode = exitErr.ExitStatus()
	case errors.As(err, &exitErr):
		ce.Err = fmt.Errorf("killed by signal %s", exitErr.Signal())
	case errors.As(err, &missing):
		ce.Err = errors.New("the remote command ended without reporting an exit status (connection lost?)")
	}
	return "", "", ce
}
