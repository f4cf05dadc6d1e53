package main

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func pm(kv ...any) resource.PropertyMap {
	m := resource.PropertyMap{}
	for i := 0; i < len(kv); i += 2 {
		m[resource.PropertyKey(kv[i].(string))] = resource.NewPropertyValue(kv[i+1])
	}
	return m
}

func TestDiffRules(t *testing.T) {
	base := func() resource.PropertyMap {
		return pm("create", "echo hi", "delete", "echo bye",
			"environment", map[string]any{"FOO": "x"}, "addPreviousOutputInEnv", true)
	}
	cases := []struct {
		name     string
		mutate   func(resource.PropertyMap)
		changed  []string
		replaces []string
		kind     pulumirpc.PropertyDiff_Kind
	}{
		{name: "no change", mutate: func(resource.PropertyMap) {}},
		{name: "null equals absent", mutate: func(m resource.PropertyMap) { m["dir"] = resource.NewNullProperty() }},
		{name: "create changes in place", mutate: func(m resource.PropertyMap) { m["create"] = resource.NewProperty("echo ho") },
			changed: []string{"create"}, kind: pulumirpc.PropertyDiff_UPDATE},
		{name: "update added", mutate: func(m resource.PropertyMap) { m["update"] = resource.NewProperty("echo up") },
			changed: []string{"update"}, kind: pulumirpc.PropertyDiff_ADD},
		{name: "delete removed", mutate: func(m resource.PropertyMap) { delete(m, "delete") },
			changed: []string{"delete"}, kind: pulumirpc.PropertyDiff_DELETE},
		{name: "environment", mutate: func(m resource.PropertyMap) {
			m["environment"] = resource.NewPropertyValue(map[string]any{"FOO": "y"})
		}, changed: []string{"environment"}, kind: pulumirpc.PropertyDiff_UPDATE},
		{name: "dir", mutate: func(m resource.PropertyMap) { m["dir"] = resource.NewProperty("/tmp") },
			changed: []string{"dir"}, kind: pulumirpc.PropertyDiff_ADD},
		{name: "triggers added", mutate: func(m resource.PropertyMap) { m["triggers"] = resource.NewPropertyValue([]any{"a"}) },
			changed: []string{"triggers"}, replaces: []string{"triggers"}, kind: pulumirpc.PropertyDiff_ADD_REPLACE},
		{name: "unknown create", mutate: func(m resource.PropertyMap) {
			m["create"] = resource.MakeComputed(resource.NewProperty(""))
		}, changed: []string{"create"}, kind: pulumirpc.PropertyDiff_UPDATE},
		{name: "secret-ness", mutate: func(m resource.PropertyMap) { m["create"] = resource.MakeSecret(m["create"]) },
			changed: []string{"create"}, kind: pulumirpc.PropertyDiff_UPDATE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			news := base()
			c.mutate(news)
			d := diffLocal(base(), news, nil)
			if !reflect.DeepEqual(d.Changed, c.changed) {
				t.Fatalf("changed = %v, want %v", d.Changed, c.changed)
			}
			if !reflect.DeepEqual(d.Replaces, c.replaces) {
				t.Fatalf("replaces = %v, want %v", d.Replaces, c.replaces)
			}
			if len(c.changed) == 1 {
				if got := d.Detailed[c.changed[0]].Kind; got != c.kind {
					t.Fatalf("kind = %v, want %v", got, c.kind)
				}
			}
		})
	}
}

func TestDiffTriggersChangeReplaces(t *testing.T) {
	olds := pm("create", "x", "triggers", []any{"a", 1.0})
	news := pm("create", "x", "triggers", []any{"a", 2.0})
	d := diffLocal(olds, news, nil)
	if !reflect.DeepEqual(d.Replaces, []string{"triggers"}) ||
		d.Detailed["triggers"].Kind != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Fatalf("unexpected diff %+v", d)
	}
	if d := diffLocal(olds, olds.Copy(), nil); d.HasChanges() {
		t.Fatalf("identical triggers reported as changed: %+v", d)
	}
}

func TestDiffIgnoreChanges(t *testing.T) {
	d := diffLocal(pm("create", "a"), pm("create", "b"), []string{"create"})
	if d.HasChanges() {
		t.Fatalf("ignored property reported: %+v", d)
	}
}

func TestDiffIgnoresOutputs(t *testing.T) {
	state := pm("create", "a", "stdout", "out", "stderr", "")
	d := diffLocal(pickKeys(state, localCommandKeys), pm("create", "a"), nil)
	if d.HasChanges() {
		t.Fatalf("outputs must not be diffed: %+v", d)
	}
}

// diffLocal diffs with the rules of command:local:Command.
func diffLocal(olds, news resource.PropertyMap, ignoreChanges []string) commandDiff {
	k := localCommand{}
	return diffInputs(k.inputKeys(), k.replaceKeys(), olds, news, ignoreChanges)
}
