package java

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// GradleLock extracts Gradle dependency lockfiles.
type GradleLock struct{}

// Name implements extract.Extractor.
func (GradleLock) Name() string { return "java/gradle-lockfile" }

// Claims implements extract.Extractor.
func (GradleLock) Claims(p string, _ fs.FileMode) bool {
	base := path.Base(p)
	return base == "gradle.lockfile" || base == "buildscript-gradle.lockfile" ||
		strings.HasSuffix(path.Dir(p), "gradle/dependency-locks") && strings.HasSuffix(base, ".lockfile")
}

// Extract implements extract.Extractor.
func (GradleLock) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	base := path.Base(in.Path)
	// Gradle before 6 wrote one file per configuration, named after it,
	// with bare coordinates.
	legacyConfig := ""
	if base != "gradle.lockfile" && base != "buildscript-gradle.lockfile" {
		legacyConfig = strings.TrimSuffix(base, ".lockfile")
	}
	buildscript := base == "buildscript-gradle.lockfile"
	pkgs, err := parseGradleLock(in.Path, string(data), legacyConfig)
	if err != nil {
		return nil, nil, err
	}
	if buildscript {
		for i := range pkgs {
			pkgs[i].Dev = true // the build's own plugins, not shipped
		}
	}
	return pkgs, nil, nil
}

// parseGradleLock reads lockfile lines "group:artifact:version=conf1,conf2".
func parseGradleLock(name, data, legacyConfig string) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		coords, confs, hasConfs := strings.Cut(line, "=")
		if coords == "empty" {
			continue // configurations that resolved to nothing
		}
		var configs []string
		switch {
		case hasConfs:
			for _, c := range strings.Split(confs, ",") {
				if c = strings.TrimSpace(c); c != "" {
					configs = append(configs, c)
				}
			}
		case legacyConfig != "":
			configs = []string{legacyConfig}
		default:
			return nil, fmt.Errorf("%s:%d: want group:artifact:version=configurations, got %q", name, i+1, line)
		}
		parts := strings.Split(coords, ":")
		if len(parts) != 3 || !validCoordinate(parts[0]) || !validCoordinate(parts[1]) || !validCoordinate(parts[2]) {
			return nil, fmt.Errorf("%s:%d: want group:artifact:version, got %q", name, i+1, coords)
		}
		p := mavenPackage(parts[0], parts[1], parts[2], nil)
		p.Locations = []inventory.Location{{Path: name, Line: i + 1}}
		slices.Sort(configs)
		configs = slices.Compact(configs)
		if len(configs) > 0 {
			p.SetProperty(propConfigurations, strings.Join(configs, ","))
			p.Dev = !slices.ContainsFunc(configs, func(c string) bool { return !strings.HasPrefix(c, "test") })
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
