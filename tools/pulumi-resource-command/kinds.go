package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource and function tokens handled (or explicitly rejected) by this provider.
const (
	localCommandType  = "command:local:Command"
	localRunFunction  = "command:local:run"
	remoteCommandType = "command:remote:Command"
	copyToRemoteType  = "command:remote:CopyToRemote"
	remoteModule      = "command:remote:"
	officialVersion   = "1.2.1"
)

// resourceKind is one resource type this provider implements. The provider's
// gRPC methods (provider.go) unmarshal requests and marshal results; a kind
// validates inputs and does the work.
type resourceKind interface {
	// inputKeys lists the top-level input properties. Diff compares exactly
	// these, and the old inputs are recovered from a state with them.
	inputKeys() []resource.PropertyKey
	// replaceKeys are the inputs whose change replaces the resource.
	replaceKeys() map[resource.PropertyKey]bool
	// check validates news and returns them with defaults applied.
	check(news resource.PropertyMap) (resource.PropertyMap, []checkFailure)
	// create, update and delete return errors that are safe to show: they
	// never contain credentials, nor secret command text or output.
	create(ctx context.Context, op operation, inputs resource.PropertyMap) (resource.PropertyMap, error)
	update(ctx context.Context, op operation, olds, news resource.PropertyMap) (resource.PropertyMap, error)
	delete(ctx context.Context, op operation, state resource.PropertyMap) error
}

// kindOf returns the implementation for a URN's resource type. Unsupported
// types fail with a message that names the official provider as the way out.
func kindOf(urn string) (resourceKind, error) {
	typ := string(resource.URN(urn).Type())
	switch {
	case typ == localCommandType:
		return localCommand{}, nil
	case typ == remoteCommandType:
		return remoteCommand{}, nil
	case typ == copyToRemoteType:
		return copyToRemote{}, nil
	case strings.HasPrefix(typ, remoteModule):
		return nil, errors.New(unsupportedReason(typ))
	default:
		return nil, fmt.Errorf("unknown resource type %q: %s", typ, unsupportedReason(typ))
	}
}

// operation is what a resourceKind gets to know about one engine request.
type operation struct {
	urn     string
	preview bool
	// log sends one output line to the engine log; nil without an engine.
	log func(stream, line string)
	// status shows a transient status message (e.g. a dial retry); nil
	// without an engine.
	status func(msg string)
}

// lines returns the output-line logger, or nil when the output must not be
// shown (hide) or there is no engine to show it.
func (op operation) lines(mask masker) func(stream, line string) {
	if op.log == nil {
		return nil
	}
	return func(stream, line string) { op.log(stream, mask.mask(line)) }
}

// pickKeys returns the properties of m named in keys (e.g. the inputs kept
// in a resource's state).
func pickKeys(m resource.PropertyMap, keys []resource.PropertyKey) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}
