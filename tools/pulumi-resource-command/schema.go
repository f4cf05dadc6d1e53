package main

import (
	"encoding/json"
)

// schemaJSON returns a small Pulumi package schema describing what this
// substitute implements. It is intentionally not the full upstream schema,
// but names and types match upstream 1.2.1 for everything it lists.
func schemaJSON(version string) string {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	strList := map[string]any{"type": "array", "items": str}
	strMap := map[string]any{"type": "object", "additionalProperties": str}
	anyList := map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}}
	localLogging := map[string]any{"$ref": "#/types/command:local:Logging"}
	remoteLogging := map[string]any{"$ref": "#/types/command:remote:Logging"}
	conn := map[string]any{"$ref": "#/types/command:remote:Connection", "secret": true}

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
	triggers := map[string]any{
		"triggers": merge(with(anyList, "Changes to any of these values replace the resource."),
			map[string]any{"replaceOnChanges": true}),
	}
	lifecycle := map[string]any{
		"create": with(str, "The command to run on create."),
		"update": with(str, "The command to run on update; if empty, create runs again."),
		"delete": with(str, "The command to run on delete."),
	}
	common := map[string]any{
		"stdin": with(str, "Pass a string to the command's process as standard in."),
		"addPreviousOutputInEnv": with(map[string]any{"type": "boolean"},
			"Expose the previous stdout/stderr as PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR. Defaults to true."),
	}

	localBase := merge(common, map[string]any{
		"interpreter":  with(strList, "The program and arguments to run the command. Defaults to [\"/bin/sh\", \"-c\"]."),
		"dir":          with(str, "The directory from which to run the command."),
		"environment":  with(strMap, "Additional environment variables available to the command's process."),
		"logging":      with(localLogging, "Which output streams are logged."),
		"assetPaths":   with(strList, "Not supported by this substitute."),
		"archivePaths": with(strList, "Not supported by this substitute."),
	})
	localBase["addPreviousOutputInEnv"] = merge(localBase["addPreviousOutputInEnv"].(map[string]any),
		map[string]any{"default": true})
	localCmdInputs := merge(localBase, lifecycle, triggers)
	runInputs := merge(localBase, map[string]any{"command": with(str, "The command to run.")})

	remoteCmdInputs := merge(common, lifecycle, triggers, map[string]any{
		"connection": with(conn, "The parameters with which to connect to the remote host."),
		"environment": with(strMap, "Additional environment variables available to the command's process. "+
			"This substitute sets them with `export` statements in front of the command, so they work with any "+
			"POSIX login shell regardless of the server's AcceptEnv."),
		"logging": with(remoteLogging, "Which output streams are logged."),
	})
	copyInputs := merge(triggers, map[string]any{
		"connection": with(conn, "The parameters with which to connect to the remote host."),
		"source": with(map[string]any{"$ref": "pulumi.json#/Asset"},
			"A FileAsset, StringAsset or FileArchive to copy as-is; directories are copied recursively."),
		"remotePath": with(str, "The destination path on the remote host; missing parent directories are created."),
	})

	loggingEnum := map[string]any{
		"type": "string",
		"enum": []any{
			map[string]any{"name": "Stdout", "value": logStdout},
			map[string]any{"name": "Stderr", "value": logStderr},
			map[string]any{"name": "StdoutAndStderr", "value": logStdoutAndStderr},
			map[string]any{"name": "None", "value": logNone},
		},
	}
	connectionType := map[string]any{
		"type":        "object",
		"description": "Instructions for how to connect to a remote endpoint (SSH). `proxy` is not supported by this substitute.",
		"properties": map[string]any{
			"host": with(str, "The address of the resource to connect to."),
			"port": merge(with(map[string]any{"type": "number"}, "The port to connect to."),
				map[string]any{"default": defaultSSHPort}),
			"user":               merge(with(str, "The user for the connection."), map[string]any{"default": defaultSSHUser}),
			"password":           merge(with(str, "The password for the connection."), map[string]any{"secret": true}),
			"privateKey":         merge(with(str, "The contents of an SSH private key."), map[string]any{"secret": true}),
			"privateKeyPassword": merge(with(str, "The passphrase of an encrypted private key."), map[string]any{"secret": true}),
			"agentSocketPath":    with(str, "SSH agent socket path. Defaults to $SSH_AUTH_SOCK if set."),
			"dialErrorLimit": merge(with(integer, "Failed dial attempts tolerated before giving up; -1 is unlimited."),
				map[string]any{"default": defaultDialErrorLimit}),
			"perDialTimeout": merge(with(integer, "Max seconds for each dial attempt; 0 is no maximum."),
				map[string]any{"default": defaultPerDialTimeout}),
			"hostKey": with(str, "The expected host public key in authorized_keys format. "+
				"If not provided, any host key is accepted."),
		},
		"required": []string{"host"},
	}

	schema := map[string]any{
		"name":        providerName,
		"version":     version,
		"displayName": "Command (peva-lab offline substitute)",
		"description": "peva-lab's offline substitute for the Pulumi Command provider: local Command and run, " +
			"remote Command and CopyToRemote.",
		"config":   map[string]any{},
		"provider": map[string]any{"type": "object"},
		"types": map[string]any{
			"command:local:Logging":     loggingEnum,
			"command:remote:Logging":    loggingEnum,
			"command:remote:Connection": connectionType,
		},
		"resources": map[string]any{
			localCommandType: map[string]any{
				"description":     "A local command to be executed as part of the resource lifecycle.",
				"inputProperties": localCmdInputs,
				"properties":      merge(localCmdInputs, outputs),
				"required":        []string{"stdout", "stderr"},
			},
			remoteCommandType: map[string]any{
				"description":     "A command to run on a remote host over SSH as part of the resource lifecycle.",
				"inputProperties": remoteCmdInputs,
				"requiredInputs":  []string{"connection"},
				"properties":      merge(remoteCmdInputs, outputs),
				"required":        []string{"connection", "stdout", "stderr"},
			},
			copyToRemoteType: map[string]any{
				"description":     "Copy an asset or archive to a remote host over SFTP.",
				"inputProperties": copyInputs,
				"requiredInputs":  []string{"connection", "source", "remotePath"},
				"properties":      copyInputs,
				"required":        []string{"connection", "source", "remotePath"},
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
