package spdx

import (
	"encoding/json"
	"testing"

	"github.com/spdx/tools-golang/spdx/v2/common"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// TestJSONRelationship: the relationships writeJSON writes itself are
// what tools-golang's types encode to, byte for byte.
func TestJSONRelationship(t *testing.T) {
	for _, ids := range [][2]common.ElementID{
		{documentID, targetID},
		{"Package-npm-a-1-0123456789abcdef", "OperatingSystem-debian-12"},
		{"SPDXRef-Package-x", "Package-y.z"},
	} {
		lib, err := json.Marshal(&v23.Relationship{
			RefA: common.DocElementID{ElementRefID: ids[0]}, RefB: common.DocElementID{ElementRefID: ids[1]},
			Relationship: common.TypeRelationshipDependsOn,
		})
		if err != nil {
			t.Fatal(err)
		}
		ours, err := json.Marshal(jsonRelationship{prefixElementID(ids[0]), prefixElementID(ids[1]), common.TypeRelationshipDependsOn})
		if err != nil {
			t.Fatal(err)
		}
		if string(ours) != string(lib) {
			t.Errorf("%v:\n got %s\nwant %s", ids, ours, lib)
		}
	}
}
