package main

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// runFunc executes one command of a Command resource (locally or over SSH).
type runFunc func(ctx context.Context, command string, in commandInputs, opts runOptions) (string, string, error)

// commandRun is one decoded request to a Command resource, local or remote:
// the create/update/delete rules below are the same for both (as upstream).
type commandRun struct {
	in commandInputs
	// unknown is true when some input is not known yet (only in previews).
	unknown bool
	// secretOutputs marks stdout and stderr secret.
	secretOutputs bool
	// redact keeps the command text (a secret) out of errors.
	redact bool
	// mask replaces secret input values in logged output and errors.
	mask masker
	run  runFunc
}

func (c commandRun) options(op operation, prevStdout, prevStderr string) runOptions {
	return runOptions{
		PrevStdout: prevStdout, PrevStderr: prevStderr,
		Log: op.lines(c.mask), Status: op.status, Redact: c.redact, Mask: c.mask,
	}
}

// create runs `create`. Preview never runs anything and leaves stdout and
// stderr unknown.
func (c commandRun) create(ctx context.Context, op operation, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	switch {
	case op.preview:
		return withOutputs(inputs, "", "", true, c.secretOutputs), nil
	case c.unknown:
		return nil, fmt.Errorf("%s: inputs contain unknown values outside of a preview", op.urn)
	case c.in.Create == nil:
		return withOutputs(inputs, "", "", false, c.secretOutputs), nil
	}
	stdout, stderr, err := c.run(ctx, *c.in.Create, c.in, c.options(op, "", ""))
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	return withOutputs(inputs, stdout, stderr, false, c.secretOutputs), nil
}

// update runs `update`, or `create` again when `update` is not set, with the
// previous output available (addPreviousOutputInEnv).
func (c commandRun) update(ctx context.Context, op operation, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	prevStdout, prevStderr := stringProp(olds, "stdout"), stringProp(olds, "stderr")
	cmd := c.in.Update
	if cmd == nil {
		cmd = c.in.Create
	}
	switch {
	case op.preview:
		return withOutputs(news, "", "", true, c.secretOutputs), nil
	case c.unknown:
		return nil, fmt.Errorf("%s: inputs contain unknown values outside of a preview", op.urn)
	case cmd == nil:
		// Nothing to run: keep the previous outputs (and their secret-ness).
		keepSecret := c.secretOutputs || olds["stdout"].ContainsSecrets() || olds["stderr"].ContainsSecrets()
		return withOutputs(news, prevStdout, prevStderr, false, keepSecret), nil
	}
	stdout, stderr, err := c.run(ctx, *cmd, c.in, c.options(op, prevStdout, prevStderr))
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	return withOutputs(news, stdout, stderr, false, c.secretOutputs), nil
}

// delete runs `delete` if it is set, with the last output available.
func (c commandRun) delete(ctx context.Context, op operation, state resource.PropertyMap) error {
	if c.in.Delete == nil {
		return nil
	}
	opts := c.options(op, stringProp(state, "stdout"), stringProp(state, "stderr"))
	if _, _, err := c.run(ctx, *c.in.Delete, c.in, opts); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}
