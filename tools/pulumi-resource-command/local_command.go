package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// localCommand implements command:local:Command (see README.md).
type localCommand struct{}

func (localCommand) inputKeys() []resource.PropertyKey { return localCommandKeys }

// Upstream marks only `triggers` as replaceOnChanges; every other change is
// an in-place update, which re-runs `update` (or `create` when it is not set).
func (localCommand) replaceKeys() map[resource.PropertyKey]bool {
	return map[resource.PropertyKey]bool{"triggers": true}
}

func (localCommand) check(news resource.PropertyMap) (resource.PropertyMap, []checkFailure) {
	if _, failures := decodeCommandInputs(news, localCommandKeys); len(failures) > 0 {
		return nil, failures
	}
	// Apply the schema default, as the official provider does.
	if _, ok := news["addPreviousOutputInEnv"]; !ok {
		news["addPreviousOutputInEnv"] = resource.NewProperty(true)
	}
	return news, nil
}

// prepare decodes a local Command's inputs (or state). Any secret input makes
// the outputs secret and hides command text and output.
func (localCommand) prepare(op operation, props resource.PropertyMap) (commandRun, error) {
	in, failures := decodeCommandInputs(props, localCommandKeys)
	if len(failures) > 0 {
		return commandRun{}, failuresError(op.urn, failures)
	}
	kept := pickKeys(props, localCommandKeys)
	return commandRun{
		in: in, unknown: in.HasUnknowns, secretOutputs: kept.ContainsSecrets(),
		redact: commandTextSecret(kept), mask: secretStrings(kept), run: runCommand,
	}, nil
}

func (k localCommand) create(ctx context.Context, op operation, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	c, err := k.prepare(op, inputs)
	if err != nil {
		return nil, err
	}
	return c.create(ctx, op, inputs)
}

func (k localCommand) update(ctx context.Context, op operation, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	c, err := k.prepare(op, news)
	if err != nil {
		return nil, err
	}
	return c.update(ctx, op, olds, news)
}

func (k localCommand) delete(ctx context.Context, op operation, state resource.PropertyMap) error {
	c, err := k.prepare(op, state)
	if err != nil {
		return err
	}
	return c.delete(ctx, op, state)
}
