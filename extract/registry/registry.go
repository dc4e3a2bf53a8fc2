// Package registry lists every extractor hallmark has. Adding an ecosystem
// is one package under extract/ and one line here.
package registry

import (
	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/apk"
	"github.com/hallmark-dev/hallmark/extract/dotnet"
	"github.com/hallmark-dev/hallmark/extract/dpkg"
	"github.com/hallmark-dev/hallmark/extract/githubactions"
	"github.com/hallmark-dev/hallmark/extract/golang"
	"github.com/hallmark-dev/hallmark/extract/java"
	"github.com/hallmark-dev/hallmark/extract/npm"
	"github.com/hallmark-dev/hallmark/extract/php"
	"github.com/hallmark-dev/hallmark/extract/python"
	"github.com/hallmark-dev/hallmark/extract/rpm"
	"github.com/hallmark-dev/hallmark/extract/ruby"
	"github.com/hallmark-dev/hallmark/extract/rust"
)

// Default returns all extractors, in a fixed order.
func Default() []extract.Extractor {
	return []extract.Extractor{
		python.Requirements{},
		python.Poetry{},
		python.Pipenv{},
		python.UV{},
		python.PDM{},
		python.Installed{},
		java.POM{},
		java.GradleLock{},
		java.Archive{},
		ruby.New(),
		ruby.NewGemspec(),
		php.New(),
		dotnet.New(),
		dpkg.New(),
		apk.New(),
		rpm.New(),
		rpm.NewFile(),
		golang.GoMod{},
		golang.Binary{},
		rust.CargoLock{},
		rust.Auditable{},
		npm.PackageLock{},
		npm.YarnLock{},
		npm.PnpmLock{},
		npm.Installed{},
		githubactions.New(),
	}
}
