// Package java inventories Maven-ecosystem dependencies: pom.xml manifests,
// Gradle dependency lockfiles, and Java archives (.jar, .war, .ear). It sits
// in the extract stage; every package is a Maven package named
// "groupId:artifactId".
//
// Formats and the subset covered:
//
//   - pom.xml, the Maven POM 4.0.0 (https://maven.apache.org/pom.html): the
//     project itself (groupId and version inherited from <parent>) as an
//     application, and its declared <dependencies>. Versions are literal or
//     ${property} references resolved from <properties>, project.* and
//     parent.* values; versions missing from a dependency come from
//     <dependencyManagement>. Parent POMs are read only when they are in the
//     scanned tree at <relativePath> (default ../pom.xml) and match the
//     declared parent. Nothing is downloaded: there is no network
//     resolution, so imported BOMs, remote parents, profiles, settings.xml
//     and transitive dependencies are not resolved. A version that cannot be
//     resolved is left empty, with the raw text as Constraint and the
//     hallmark:maven:unresolved property saying why.
//   - gradle.lockfile, buildscript-gradle.lockfile and the older
//     gradle/dependency-locks/*.lockfile
//     (https://docs.gradle.org/current/userguide/dependency_locking.html):
//     "group:artifact:version=configurations" lines; packages locked only
//     for test configurations are development packages, and so are
//     buildscript (build-time plugin) classpaths.
//   - Java archives read as ZIP files: META-INF/maven/<g>/<a>/pom.properties
//     (written by Maven's archiver) names the archive; nested archives
//     (WEB-INF/lib, BOOT-INF/lib, or any *.jar inside) are read in memory up
//     to a depth of 4, within entry-count, size and compression-ratio
//     limits. The archive's SHA-1 (what Maven Central indexes) is its
//     hash. An archive without pom.properties is named from MANIFEST.MF
//     (Bundle-SymbolicName/Bundle-Version, else
//     Implementation-Title/Implementation-Version) as a generic package,
//     not a Maven one: a manifest gives no groupId, and a guessed Maven
//     coordinate would match the wrong advisories.
package java

import (
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	propScope          = "hallmark:maven:scope"
	propOptional       = "hallmark:maven:optional"
	propUnresolved     = "hallmark:maven:unresolved"
	propConfigurations = "hallmark:gradle:configurations"
	propNestedPath     = "hallmark:java:nested-path"
	propEvidence       = "hallmark:java:evidence"
)

// mavenPackage builds a Maven package; qualifiers (type, classifier) follow
// purl-spec's maven type and may be nil.
func mavenPackage(group, artifact, version string, qualifiers map[string]string) inventory.Package {
	name := group + ":" + artifact
	return inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: inventory.Maven,
		PURL:      inventory.PURL(inventory.Maven, name, version, qualifiers),
	}
}

// validCoordinate reports whether s can be a groupId, artifactId or
// version: non-empty, without separators or whitespace.
func validCoordinate(s string) bool {
	return s != "" && !strings.ContainsAny(s, ": \t\r\n/\\")
}
