// Package registry lists every extractor hallmark has. Adding an ecosystem
// is one package under extract/ and one line here.
package registry

import (
	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/apk"
	"github.com/hallmark-dev/hallmark/extract/dotnet"
	"github.com/hallmark-dev/hallmark/extract/dpkg"
	"github.com/hallmark-dev/hallmark/extract/php"
	"github.com/hallmark-dev/hallmark/extract/ruby"
)

// Default returns all extractors, in a fixed order.
func Default() []extract.Extractor {
	return []extract.Extractor{
		ruby.New(),
		php.New(),
		dotnet.New(),
		dpkg.New(),
		apk.New(),
	}
}
