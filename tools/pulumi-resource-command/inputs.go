package main

import (
	"fmt"

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

// commandInputs is the decoded form of the inputs shared by the local and
// remote Command resources and the local run function. Secret wrappers are
// removed; unknown values are noted.
type commandInputs struct {
	Create, Update, Delete *string
	Command                *string // local run function only
	Dir                    *string // local only
	Stdin                  *string
	Environment            map[string]string
	Interpreter            []string // local only
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

// decodeCommandInputs validates and decodes inputs. keys lists the properties
// the caller accepts (resource or function inputs); other keys are ignored.
// `connection` is not handled here (see decodeConnection).
func decodeCommandInputs(props resource.PropertyMap, keys []resource.PropertyKey) (commandInputs, []checkFailure) {
	in := commandInputs{AddPreviousOutputInEnv: true}
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

func (in *commandInputs) logStdout() bool {
	return in.Logging == "" || in.Logging == logStdout || in.Logging == logStdoutAndStderr
}

func (in *commandInputs) logStderr() bool {
	return in.Logging == "" || in.Logging == logStderr || in.Logging == logStdoutAndStderr
}
