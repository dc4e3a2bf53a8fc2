// Package registry lists every extractor hallmark has. Adding an ecosystem
// is one package under extract/ and one line here.
package registry

import (
	"github.com/hallmark-dev/hallmark/extract"
)

// Default returns all extractors, in a fixed order.
func Default() []extract.Extractor {
	return []extract.Extractor{}
}
