package main

import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Secret inputs are masked, not suppressed: every secret string value (and,
// for a multi-line secret such as a private key, each of its longer lines) is
// replaced by "[secret]" wherever it would appear in logged output or in an
// error. Hiding all output whenever any input is secret left a failing
// command (an Ansible run given its key through the environment) with no
// diagnostics at all. The command text itself is hidden only when it is
// secret.

const secretMask = "[secret]"

// minMaskedLine is the shortest line of a multi-line secret masked on its own;
// shorter lines ("-----", "") would mask unrelated text.
const minMaskedLine = 8

// secretStrings returns the strings held in secret values of props, longest
// first.
func secretStrings(props resource.PropertyMap) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(v resource.PropertyValue, secret bool)
	walk = func(v resource.PropertyValue, secret bool) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true)
		case v.IsString():
			if secret {
				s := v.StringValue()
				add(s)
				if strings.Contains(s, "\n") {
					for _, line := range strings.Split(s, "\n") {
						if line = strings.TrimSpace(line); len(line) >= minMaskedLine {
							add(line)
						}
					}
				}
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret)
			}
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret)
			}
		}
	}
	for _, v := range props {
		walk(v, false)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// masker replaces every secret in a text by "[secret]".
type masker []string

func (m masker) mask(text string) string {
	for _, s := range m {
		text = strings.ReplaceAll(text, s, secretMask)
	}
	return text
}

// commandTextSecret reports whether the command text itself (create, update
// or delete; `command` of the run invoke) is a secret: then it is left out of
// errors entirely.
func commandTextSecret(props resource.PropertyMap) bool {
	for _, k := range []resource.PropertyKey{"create", "update", "delete", "command"} {
		if v, ok := props[k]; ok && v.ContainsSecrets() {
			return true
		}
	}
	return false
}
