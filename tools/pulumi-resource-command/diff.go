package main

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// commandDiff is the result of comparing old and new resource inputs.
type commandDiff struct {
	Changed  []string                           // top-level properties that changed, sorted
	Replaces []string                           // subset of Changed that forces replacement
	Detailed map[string]*pulumirpc.PropertyDiff // per-property kind
}

func (d commandDiff) HasChanges() bool { return len(d.Changed) > 0 }

// diffInputs compares the previous inputs with the new ones, property by
// property over keys; a change to a property in replace replaces the
// resource. Null and absent are equivalent; an unknown new value always counts
// as a change; a change of secret-ness counts as a change (as in the official
// provider).
func diffInputs(keys []resource.PropertyKey, replace map[resource.PropertyKey]bool,
	olds, news resource.PropertyMap, ignoreChanges []string,
) commandDiff {
	ignored := map[string]bool{}
	for _, k := range ignoreChanges {
		ignored[k] = true
	}
	d := commandDiff{Detailed: map[string]*pulumirpc.PropertyDiff{}}
	for _, key := range keys {
		name := string(key)
		if ignored[name] {
			continue
		}
		o, hasOld := present(olds, key)
		n, hasNew := present(news, key)
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case !hasOld && !hasNew:
			continue
		case hasNew && n.ContainsUnknowns():
			kind = pulumirpc.PropertyDiff_UPDATE
			if !hasOld {
				kind = pulumirpc.PropertyDiff_ADD
			}
		case !hasOld:
			kind = pulumirpc.PropertyDiff_ADD
		case !hasNew:
			kind = pulumirpc.PropertyDiff_DELETE
		case o.DeepEquals(n):
			continue
		default:
			kind = pulumirpc.PropertyDiff_UPDATE
		}
		if replace[key] {
			switch kind {
			case pulumirpc.PropertyDiff_ADD:
				kind = pulumirpc.PropertyDiff_ADD_REPLACE
			case pulumirpc.PropertyDiff_DELETE:
				kind = pulumirpc.PropertyDiff_DELETE_REPLACE
			default:
				kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
			}
			d.Replaces = append(d.Replaces, name)
		}
		d.Changed = append(d.Changed, name)
		d.Detailed[name] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(d.Changed)
	sort.Strings(d.Replaces)
	return d
}
