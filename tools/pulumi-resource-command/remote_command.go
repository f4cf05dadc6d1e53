package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Top-level input properties of command:remote:Command, as the SDK names them.
var remoteCommandKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "connection", "create", "delete", "environment",
	"logging", "stdin", "triggers", "update",
}

// remoteCommand implements command:remote:Command (see README.md): the same
// lifecycle as the local Command, with each command run over SSH.
type remoteCommand struct{}

func (remoteCommand) inputKeys() []resource.PropertyKey { return remoteCommandKeys }

// As upstream, only `triggers` replaces. A `connection` change (another host,
// user or key) is an in-place update that runs `update` (or `create`) there.
func (remoteCommand) replaceKeys() map[resource.PropertyKey]bool {
	return map[resource.PropertyKey]bool{"triggers": true}
}

func (remoteCommand) check(news resource.PropertyMap) (resource.PropertyMap, []checkFailure) {
	in, failures := decodeCommandInputs(news, remoteCommandKeys)
	failures = append(failures, checkRemoteEnvironment(in.Environment)...)
	conn, connFailures := checkConnection(news["connection"])
	failures = append(failures, connFailures...)
	if len(failures) > 0 {
		return nil, failures
	}
	news["connection"] = conn
	return news, nil
}

// checkRemoteEnvironment rejects variables that `export` cannot set (see
// withExports), rather than letting the remote shell fail obscurely.
func checkRemoteEnvironment(env map[string]string) []checkFailure {
	var failures []checkFailure
	for k, v := range env {
		switch {
		case !shellName.MatchString(k):
			failures = append(failures, checkFailure{Property: "environment." + k, Reason: fmt.Sprintf(
				"environment variable name %q cannot be set on the remote host: remote variables are exported by the "+
					"shell, so names must consist of letters, digits and '_' and not start with a digit", k)})
		case strings.ContainsRune(v, 0):
			failures = append(failures, checkFailure{Property: "environment." + k,
				Reason: fmt.Sprintf("environment variable %s contains a NUL character, which a shell cannot pass on", k)})
		}
	}
	return failures
}

// prepare decodes a remote Command's inputs (or state).
//
// Secrets: the SDK always sends `connection` as a secret (it holds the
// private key), and as upstream every output then is secret, so stdout and
// stderr always are. Nothing from the connection ever enters the command
// text or its output, so only the other inputs decide whether command text
// and output are hidden from errors and logs, as for a local Command.
func (remoteCommand) prepare(op operation, props resource.PropertyMap) (commandRun, error) {
	in, failures := decodeCommandInputs(props, remoteCommandKeys)
	failures = append(failures, checkRemoteEnvironment(in.Environment)...)
	conn, connUnknown, connFailures := decodeConnection(props["connection"])
	failures = append(failures, connFailures...)
	if len(failures) > 0 {
		return commandRun{}, failuresError(op.urn, failures)
	}
	others := pickKeys(props, remoteCommandKeys)
	delete(others, "connection")
	run := func(ctx context.Context, command string, in commandInputs, opts runOptions) (string, string, error) {
		return runRemote(ctx, conn, command, in, opts)
	}
	return commandRun{
		in:            in,
		unknown:       in.HasUnknowns || connUnknown,
		secretOutputs: true,
		redact:        commandTextSecret(others),
		// The connection's secrets (key, passwords) are masked too, should a command ever echo them.
		mask: secretStrings(pickKeys(props, remoteCommandKeys)),
		run:  run,
	}, nil
}

func (k remoteCommand) create(ctx context.Context, op operation, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	c, err := k.prepare(op, inputs)
	if err != nil {
		return nil, err
	}
	out, err := c.create(ctx, op, inputs)
	if err != nil {
		return nil, err
	}
	return secretConnection(out), nil
}

func (k remoteCommand) update(ctx context.Context, op operation, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	c, err := k.prepare(op, news)
	if err != nil {
		return nil, err
	}
	out, err := c.update(ctx, op, olds, news)
	if err != nil {
		return nil, err
	}
	return secretConnection(out), nil
}

func (k remoteCommand) delete(ctx context.Context, op operation, state resource.PropertyMap) error {
	c, err := k.prepare(op, state)
	if err != nil {
		return err
	}
	return c.delete(ctx, op, state)
}

// secretConnection makes sure the `connection` output is secret even if the
// program sent it in plain text: it may hold a private key or password.
func secretConnection(out resource.PropertyMap) resource.PropertyMap {
	if v, ok := out["connection"]; ok && !v.IsNull() {
		out["connection"] = makeSecret(v)
	}
	return out
}
