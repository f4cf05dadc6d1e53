package main

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Input properties of command:remote:CopyToRemote. Its outputs are its inputs.
var copyToRemoteKeys = []resource.PropertyKey{"connection", "remotePath", "source", "triggers"}

// copyToRemote implements command:remote:CopyToRemote (see README.md).
type copyToRemote struct{}

func (copyToRemote) inputKeys() []resource.PropertyKey { return copyToRemoteKeys }

// As upstream, only `triggers` replaces. A change of `source` (its content
// hash) or `remotePath` is an update that copies again; a `connection` change
// alone is recorded without copying.
func (copyToRemote) replaceKeys() map[resource.PropertyKey]bool {
	return map[resource.PropertyKey]bool{"triggers": true}
}

// copyInputs is the decoded form of a CopyToRemote's inputs.
type copyInputs struct {
	conn       connection
	source     copySource
	remotePath string
	unknown    bool
}

func decodeCopyInputs(props resource.PropertyMap) (copyInputs, []checkFailure) {
	var in copyInputs
	var failures []checkFailure
	var connUnknown, srcUnknown bool
	var connFailures, srcFailures []checkFailure
	if raw, ok := present(props, "connection"); !ok {
		failures = append(failures, checkFailure{Property: "connection", Reason: "missing required property 'connection'"})
	} else {
		in.conn, connUnknown, connFailures = decodeConnection(raw)
		failures = append(failures, connFailures...)
	}
	in.source, srcUnknown, srcFailures = decodeSource(props)
	failures = append(failures, srcFailures...)
	in.unknown = connUnknown || srcUnknown

	switch raw, ok := present(props, "remotePath"); {
	case !ok:
		failures = append(failures, checkFailure{Property: "remotePath", Reason: "missing required property 'remotePath'"})
	case isUnknown(raw):
		in.unknown = true
	case !unwrapSecret(raw).IsString() || unwrapSecret(raw).StringValue() == "":
		failures = append(failures, checkFailure{Property: "remotePath",
			Reason: fmt.Sprintf("remotePath must be a non-empty string, got %s", unwrapSecret(raw).TypeString())})
	default:
		in.remotePath = unwrapSecret(raw).StringValue()
	}
	if raw, ok := present(props, "triggers"); ok && !isUnknown(raw) && !unwrapSecret(raw).IsArray() {
		failures = append(failures, checkFailure{Property: "triggers",
			Reason: fmt.Sprintf("triggers must be a list, got %s", unwrapSecret(raw).TypeString())})
	}
	return in, failures
}

func (copyToRemote) check(news resource.PropertyMap) (resource.PropertyMap, []checkFailure) {
	_, failures := decodeCopyInputs(news)
	if len(failures) > 0 {
		return nil, failures
	}
	conn, _ := checkConnection(news["connection"])
	news["connection"] = conn
	return news, nil
}

// prepare decodes the inputs and refuses unknown values outside previews.
func prepareCopy(op operation, props resource.PropertyMap) (copyInputs, error) {
	in, failures := decodeCopyInputs(props)
	if len(failures) > 0 {
		return in, failuresError(op.urn, failures)
	}
	if in.unknown && !op.preview {
		return in, fmt.Errorf("%s: inputs contain unknown values outside of a preview", op.urn)
	}
	return in, nil
}

func (copyToRemote) create(ctx context.Context, op operation, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	in, err := prepareCopy(op, inputs)
	if err != nil {
		return nil, err
	}
	if !op.preview {
		if err := copyOverSFTP(ctx, in.conn, in.source, in.remotePath, op.status); err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
	}
	return secretConnection(inputs.Copy()), nil
}

// update copies again only when the content (hash) or the destination
// changed, as upstream does.
func (copyToRemote) update(ctx context.Context, op operation, olds, news resource.PropertyMap) (resource.PropertyMap, error) {
	in, err := prepareCopy(op, news)
	if err != nil {
		return nil, err
	}
	if !op.preview && copyNeeded(olds, news) {
		if err := copyOverSFTP(ctx, in.conn, in.source, in.remotePath, op.status); err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
	}
	return secretConnection(news.Copy()), nil
}

// copyNeeded compares the content hashes of the old and new sources (the
// engine computes them) and the remote paths. Without hashes it falls back to
// comparing the source values themselves.
func copyNeeded(olds, news resource.PropertyMap) bool {
	if !olds["remotePath"].DeepEquals(news["remotePath"]) {
		return true
	}
	oldSrc, _, _ := decodeSource(olds)
	newSrc, _, _ := decodeSource(news)
	if oldSrc.Hash != "" && newSrc.Hash != "" {
		return oldSrc.Hash != newSrc.Hash
	}
	return !olds["source"].DeepEquals(news["source"])
}

// delete leaves the copied files in place, as upstream does.
func (copyToRemote) delete(context.Context, operation, resource.PropertyMap) error {
	return nil
}
