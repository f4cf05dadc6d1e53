package main

import (
	"encoding/json"
)

// Tokens handled (or explicitly rejected) by this provider.
const (
	localCommandType = "command:local:Command"
	localRunFunction = "command:local:run"
	remoteModule     = "command:remote:"
	officialVersion  = "1.2.1"
)

// schemaJSON returns a small Pulumi package schema describing what this
// substitute implements. It is intentionally not the full upstream schema.
func schemaJSON(version string) string {
	str := map[string]any{"type": "string"}
	strList := map[string]any{"type": "array", "items": str}
	strMap := map[string]any{"type": "object", "additionalProperties": str}
	anyList := map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}}
	logging := map[string]any{"$ref": "#/types/command:local:Logging"}

	baseInputs := func() map[string]any {
		return map[string]any{
			"interpreter": with(strList, "The program and arguments to run the command. Defaults to [\"/bin/sh\", \"-c\"]."),
			"dir":         with(str, "The directory from which to run the command."),
			"environment": with(strMap, "Additional environment variables available to the command's process."),
			"stdin":       with(str, "Pass a string to the command's process as standard in."),
			"logging":     with(logging, "Which output streams are logged."),
			"addPreviousOutputInEnv": map[string]any{
				"type": "boolean", "default": true,
				"description": "Expose the previous stdout/stderr as PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR.",
			},
			"assetPaths":   with(strList, "Not supported by this substitute."),
			"archivePaths": with(strList, "Not supported by this substitute."),
		}
	}
	merge := func(ms ...map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	outputs := map[string]any{
		"stdout": with(str, "The standard output of the command's process."),
		"stderr": with(str, "The standard error of the command's process."),
	}

	cmdInputs := merge(baseInputs(), map[string]any{
		"create":   with(str, "The command to run on create."),
		"update":   with(str, "The command to run on update; if empty, create runs again."),
		"delete":   with(str, "The command to run on delete."),
		"triggers": with(anyList, "Changes to any of these values replace the resource."),
	})
	runInputs := merge(baseInputs(), map[string]any{
		"command": with(str, "The command to run."),
	})

	schema := map[string]any{
		"name":        providerName,
		"version":     version,
		"displayName": "Command (peva-lab offline substitute)",
		"description": "peva-lab's offline substitute for the Pulumi Command provider: local Command and run only.",
		"config":      map[string]any{},
		"provider":    map[string]any{"type": "object"},
		"types": map[string]any{
			"command:local:Logging": map[string]any{
				"type": "string",
				"enum": []any{
					map[string]any{"name": "Stdout", "value": logStdout},
					map[string]any{"name": "Stderr", "value": logStderr},
					map[string]any{"name": "StdoutAndStderr", "value": logStdoutAndStderr},
					map[string]any{"name": "None", "value": logNone},
				},
			},
		},
		"resources": map[string]any{
			localCommandType: map[string]any{
				"description":     "A local command to be executed as part of the resource lifecycle.",
				"inputProperties": cmdInputs,
				"properties":      merge(cmdInputs, outputs),
				"required":        []string{"stdout", "stderr"},
			},
		},
		"functions": map[string]any{
			localRunFunction: map[string]any{
				"description": "A local command to be executed unconditionally.",
				"inputs": map[string]any{
					"properties": runInputs,
					"required":   []string{"command"},
				},
				"outputs": map[string]any{
					"properties": merge(runInputs, outputs),
					"required":   []string{"command", "stdout", "stderr"},
				},
			},
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err) // static data; cannot fail
	}
	return string(b)
}

func with(base map[string]any, description string) map[string]any {
	out := map[string]any{"description": description}
	for k, v := range base {
		out[k] = v
	}
	return out
}
