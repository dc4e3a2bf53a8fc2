package java

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		ex        extract.Extractor
		dir, file string
	}{
		{POM{}, "pom", "pom.xml"},
		{POM{}, "pom", "app/pom.xml"},
		{POM{}, "pom", "lib/pom.xml"},
		{GradleLock{}, "gradle", "gradle.lockfile"},
		{Archive{}, "jar", "demo-1.0.0.jar"},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.file, func(t *testing.T) {
			extracttest.Golden(t, tt.ex, tt.dir, tt.file)
		})
	}
}

func extractFS(t *testing.T, ex extract.Extractor, files map[string][]byte, path string) (*inventory.Inventory, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: v, Mode: 0o644}
	}
	return extracttest.Extract(t, ex, fsys, path)
}

func mustPkg(t *testing.T, inv *inventory.Inventory, purl string) *inventory.Package {
	t.Helper()
	p := inv.Package(purl)
	if p == nil {
		t.Fatalf("no package %s", purl)
	}
	return p
}

func TestPOMResolution(t *testing.T) {
	inv, err := extracttest.Extract(t, POM{}, os.DirFS("testdata/pom"), "app/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		purl, constraint, unresolved, scope string
		dev, optional                       bool
	}{
		// groupId and version inherited from the local parent.
		{purl: "pkg:maven/com.example.shop/shop-app@2.3.0-SNAPSHOT"},
		// Version from the parent's dependencyManagement, via ${project.version}.
		{purl: "pkg:maven/com.example.shop/shop-lib@2.3.0-SNAPSHOT"},
		// Version from dependencyManagement, via a parent property.
		{purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.0"},
		{purl: "pkg:maven/com.google.guava/guava@33.1.0-jre", optional: true},
		{purl: "pkg:maven/jakarta.servlet/jakarta.servlet-api@6.0.0", scope: "provided"},
		{purl: "pkg:maven/io.netty/netty-transport-native-epoll@4.1.108.Final?classifier=linux-x86_64", scope: "runtime"},
		{purl: "pkg:maven/org.postgresql/postgresql", constraint: "${postgresql.version}",
			unresolved: "property ${postgresql.version} is not defined in this pom or its local parents"},
		{purl: "pkg:maven/commons-io/commons-io", constraint: "[2.11.0,3.0)",
			unresolved: "version range; the version is chosen at build time"},
		// Scope from dependencyManagement.
		{purl: "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.2", scope: "test", dev: true},
	}
	for _, tt := range tests {
		p := mustPkg(t, inv, tt.purl)
		scope, _ := p.Property(propScope)
		unres, _ := p.Property(propUnresolved)
		_, opt := p.Property(propOptional)
		if p.Constraint != tt.constraint || unres != tt.unresolved || scope != tt.scope || p.Dev != tt.dev || opt != tt.optional {
			t.Errorf("%s: constraint %q unresolved %q scope %q dev %v optional %v", tt.purl, p.Constraint, unres, scope, p.Dev, opt)
		}
	}
	if p := mustPkg(t, inv, "pkg:maven/com.example.shop/shop-app@2.3.0-SNAPSHOT"); p.Type != "application" {
		t.Errorf("project type = %q", p.Type)
	}
	// The parent's surefire plugin dependency is not the project's.
	if inv.Package("pkg:maven/org.junit.platform/junit-platform-launcher@1.10.2") != nil {
		t.Error("plugin dependency reported as a project dependency")
	}

	lib, err := extracttest.Extract(t, POM{}, os.DirFS("testdata/pom"), "lib/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPkg(t, lib, "pkg:maven/org.springframework.boot/spring-boot-starter-web")
	want := "no <version>, and no <dependencyManagement> entry in this pom or its local parents (imported BOMs org.springframework.cloud:spring-cloud-dependencies are not resolved offline)"
	if v, _ := p.Property(propUnresolved); v != want {
		t.Errorf("spring-boot-starter-web: unresolved = %q\nwant %q", v, want)
	}
	p = mustPkg(t, lib, "pkg:maven/org.yaml/snakeyaml")
	want = "property ${snakeyaml.version} is not defined in this pom or its local parents (parent org.springframework.boot:spring-boot-starter-parent:3.2.4 is not in the scanned tree)"
	if v, _ := p.Property(propUnresolved); v != want {
		t.Errorf("snakeyaml: unresolved = %q\nwant %q", v, want)
	}
}

func TestExpand(t *testing.T) {
	m := &model{props: map[string]string{
		"a": "1", "b": "${a}.2", "c": "${b}-${a}", "loop1": "${loop2}", "loop2": "${loop1}", "project.version": "9",
	}}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1.0", "1.0", true},
		{"${a}", "1", true},
		{"${c}", "1.2-1", true},
		{"v${project.version}-x", "v9-x", true},
		{"${missing}", "${missing}", false},
		{"${loop1}", "${loop1}", false},
		{"${unclosed", "${unclosed", false},
	}
	for _, tt := range tests {
		got, ok := m.expand(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("expand(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got := m.undefinedReason("${loop1}"); got != "${loop1} does not resolve (properties refer to each other too deeply)" {
		t.Errorf("loop reason = %q", got)
	}
}

func TestPOMErrors(t *testing.T) {
	deep := "<project>" + strings.Repeat("<a>", maxXMLDepth) + strings.Repeat("</a>", maxXMLDepth) + "</project>"
	tests := []struct {
		name, pom, err string
	}{
		{"not xml", "<project><groupId>x</groupId>", "pom.xml: XML syntax error on line 1: unexpected EOF"},
		{"mismatched", "<project>\n<groupId>x</artifactId></project>", "pom.xml: XML syntax error on line 2: element <groupId> closed by </artifactId>"},
		{"wrong root", "<settings/>", "pom.xml: expected element type <project> but have <settings>"},
		{"empty", "", "pom.xml: want a <project> element, found none"},
		{"too deep", deep, "pom.xml: XML nesting or size limit exceeded: elements nest deeper than 64 on line 1"},
		{"no group", "<project><artifactId>a</artifactId></project>", "pom.xml: project: want <groupId> (or one inherited from <parent>)"},
		{"no artifact", "<project><groupId>g</groupId></project>", "pom.xml: project: want <artifactId>"},
		{"dependency without artifactId", "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version>\n<dependencies><dependency><groupId>x</groupId></dependency></dependencies></project>",
			"pom.xml: dependencies[0]: want <groupId> and <artifactId>"},
		{"encoding", `<?xml version="1.0" encoding="EBCDIC"?><project/>`, `pom.xml: xml: opening charset "EBCDIC": unsupported encoding "EBCDIC" (want UTF-8 or ISO-8859-1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractFS(t, POM{}, map[string][]byte{"pom.xml": []byte(tt.pom)}, "pom.xml")
			if err == nil || err.Error() != tt.err {
				t.Errorf("error = %v\nwant %s", err, tt.err)
			}
		})
	}
}

func TestPOMLatin1(t *testing.T) {
	pom := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><name>Caf\xe9</name></project>")
	inv, err := extractFS(t, POM{}, map[string][]byte{"pom.xml": pom}, "pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	mustPkg(t, inv, "pkg:maven/g/a@1")
}

func TestGradle(t *testing.T) {
	inv, err := extracttest.Extract(t, GradleLock{}, os.DirFS("testdata/gradle"), "gradle.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	for purl, dev := range map[string]bool{
		"pkg:maven/com.google.guava/guava@33.1.0-jre":             false,
		"pkg:maven/org.junit.jupiter/junit-jupiter-engine@5.10.2": true,
		"pkg:maven/org.apiguardian/apiguardian-api@1.1.2":         true,
		"pkg:maven/com.google.code.findbugs/jsr305@3.0.2":         false,
	} {
		if p := mustPkg(t, inv, purl); p.Dev != dev {
			t.Errorf("%s: dev = %v, want %v", purl, p.Dev, dev)
		}
	}
	if len(inv.Packages) != 8 {
		t.Errorf("got %d packages, want 8", len(inv.Packages))
	}

	legacy, err := extractFS(t, GradleLock{}, map[string][]byte{
		"gradle/dependency-locks/testRuntimeClasspath.lockfile": []byte("# header\njunit:junit:4.13.2\n"),
	}, "gradle/dependency-locks/testRuntimeClasspath.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	if p := mustPkg(t, legacy, "pkg:maven/junit/junit@4.13.2"); !p.Dev {
		t.Errorf("legacy test lock: %+v", p)
	}

	bs, err := extractFS(t, GradleLock{}, map[string][]byte{
		"buildscript-gradle.lockfile": []byte("com.diffplug.spotless:spotless-plugin-gradle:6.25.0=classpath\n"),
	}, "buildscript-gradle.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	if p := mustPkg(t, bs, "pkg:maven/com.diffplug.spotless/spotless-plugin-gradle@6.25.0"); !p.Dev {
		t.Errorf("buildscript: %+v", p)
	}
}

func TestGradleErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{"a:b:1=x\njunk\n", `gradle.lockfile:2: want group:artifact:version=configurations, got "junk"`},
		{"# c\na:b=compileClasspath\n", `gradle.lockfile:2: want group:artifact:version, got "a:b"`},
		{"a:b:c:d=compileClasspath\n", `gradle.lockfile:1: want group:artifact:version, got "a:b:c:d"`},
		{"a::1=compileClasspath\n", `gradle.lockfile:1: want group:artifact:version, got "a::1"`},
	}
	for _, tt := range tests {
		_, err := parseGradleLock("gradle.lockfile", tt.in, "")
		if err == nil || err.Error() != tt.err {
			t.Errorf("parseGradleLock(%q) error = %v\nwant %s", tt.in, err, tt.err)
		}
	}
}

// zipEntry is one file of a test archive.
type zipEntry struct {
	name string
	data []byte
}

// makeZip writes entries in order, stored, with fixed times, so the bytes
// and their SHA-1 do not depend on the compressor.
func makeZip(t testing.TB, entries ...zipEntry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pomProperties is what Maven's archiver (3.6+) writes.
func pomProperties(g, a, v string) zipEntry {
	return zipEntry{"META-INF/maven/" + g + "/" + a + "/pom.properties",
		[]byte("#Generated by Maven\nartifactId=" + a + "\ngroupId=" + g + "\nversion=" + v + "\n")}
}

var mavenManifest = zipEntry{"META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\nCreated-By: Maven JAR Plugin 3.3.0\r\nBuild-Jdk-Spec: 17\r\n\r\n")}

func sha1hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// TestArchiveNested builds a WAR whose WEB-INF/lib holds a plain jar, an
// OSGi bundle without pom.properties, and a fat jar with a jar inside.
func TestArchiveNested(t *testing.T) {
	slf4j := makeZip(t, mavenManifest, pomProperties("org.slf4j", "slf4j-api", "2.0.12"), zipEntry{"org/slf4j/Logger.class", []byte{0xca, 0xfe, 0xba, 0xbe}})
	bundle := makeZip(t, zipEntry{"META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-SymbolicName: org.example.very.long.bundle.symbolic.name.that.wraps.past.seventy-tw\r\n o.bytes;singleton:=true\r\nBundle-Version: 1.4.0\r\n\r\n")})
	inner := makeZip(t, pomProperties("com.google.guava", "failureaccess", "1.0.2"))
	fat := makeZip(t, pomProperties("com.example", "fat", "3.0"), pomProperties("com.google.guava", "guava", "33.1.0-jre"), zipEntry{"lib/failureaccess-1.0.2.jar", inner})
	war := makeZip(t, mavenManifest, pomProperties("com.example.shop", "shop-app", "2.3.0"),
		zipEntry{"WEB-INF/lib/slf4j-api-2.0.12.jar", slf4j},
		zipEntry{"WEB-INF/lib/bundle-1.4.0.jar", bundle},
		zipEntry{"WEB-INF/lib/fat-3.0.jar", fat},
		zipEntry{"WEB-INF/web.xml", []byte("<web-app/>")})

	inv, err := extractFS(t, Archive{}, map[string][]byte{"shop-app-2.3.0.war": war}, "shop-app-2.3.0.war")
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "jar", "built-war.golden.json"), append(got, '\n'))

	hashOf := func(purl string) string {
		p := mustPkg(t, inv, purl)
		if len(p.Hashes) != 1 {
			return ""
		}
		return p.Hashes[0].Value
	}
	if h := hashOf("pkg:maven/com.example.shop/shop-app@2.3.0"); h != sha1hex(war) {
		t.Errorf("war hash %s, want %s", h, sha1hex(war))
	}
	if h := hashOf("pkg:maven/org.slf4j/slf4j-api@2.0.12"); h != sha1hex(slf4j) {
		t.Errorf("slf4j hash %s, want %s", h, sha1hex(slf4j))
	}
	if h := hashOf("pkg:maven/com.example/fat@3.0"); h != sha1hex(fat) {
		t.Errorf("fat jar hash %s, want %s", h, sha1hex(fat))
	}
	if p := mustPkg(t, inv, "pkg:maven/com.google.guava/guava@33.1.0-jre"); len(p.Hashes) != 0 {
		t.Errorf("shaded guava must not carry the fat jar's hash: %+v", p.Hashes)
	}
	if v, _ := mustPkg(t, inv, "pkg:maven/com.google.guava/failureaccess@1.0.2").Property(propNestedPath); v != "WEB-INF/lib/fat-3.0.jar!/lib/failureaccess-1.0.2.jar" {
		t.Errorf("nested path = %q", v)
	}
	b := mustPkg(t, inv, "pkg:generic/org.example.very.long.bundle.symbolic.name.that.wraps.past.seventy-two.bytes@1.4.0")
	if b.Ecosystem != inventory.Unknown {
		t.Errorf("manifest-only bundle has ecosystem %q", b.Ecosystem)
	}
	for _, p := range inv.Packages {
		if len(p.Locations) != 1 || p.Locations[0].Path != "shop-app-2.3.0.war" {
			t.Errorf("%s: locations %v", p.PURL, p.Locations)
		}
	}
}

func TestArchiveLimits(t *testing.T) {
	nest := makeZip(t, pomProperties("g", "a5", "1"))
	for i := 4; i >= 0; i-- {
		nest = makeZip(t, pomProperties("g", "a"+string(rune('0'+i)), "1"), zipEntry{"lib/x.jar", nest})
	}
	inv, err := extractFS(t, Archive{}, map[string][]byte{"a0-1.jar": nest}, "a0-1.jar")
	if err != nil {
		t.Fatal(err)
	}
	// The outer archive and 4 levels of nesting; the fifth is not opened.
	if len(inv.Packages) != 5 || inv.Package("pkg:maven/g/a5@1") != nil {
		t.Errorf("depth limit: got %d packages", len(inv.Packages))
	}

	bomb := makeZip(t, zipEntry{"META-INF/maven/g/a/pom.properties", bytes.Repeat([]byte("#"), 2<<20)})
	_, err = extractFS(t, Archive{}, map[string][]byte{"bomb.jar": bomb}, "bomb.jar")
	if err == nil || err.Error() != "bomb.jar: META-INF/maven/g/a/pom.properties: 2097152 bytes, more than the 1048576 allowed" {
		t.Errorf("error = %v", err)
	}

	_, err = extractFS(t, Archive{}, map[string][]byte{"x.jar": []byte("not a zip")}, "x.jar")
	if err == nil || err.Error() != "x.jar: not a readable ZIP archive: zip: not a valid zip file" {
		t.Errorf("error = %v", err)
	}

	bad := makeZip(t, zipEntry{"META-INF/maven/g/a/pom.properties", []byte("groupId=g\nartifactId=a b\nversion=1\n")})
	_, err = extractFS(t, Archive{}, map[string][]byte{"bad.war": makeZip(t, zipEntry{"WEB-INF/lib/bad.jar", bad})}, "bad.war")
	if err == nil || err.Error() != `bad.war!WEB-INF/lib/bad.jar: META-INF/maven/g/a/pom.properties: artifactId: want a value without spaces or ':', got "a b"` {
		t.Errorf("error = %v", err)
	}
}

func TestParseManifest(t *testing.T) {
	got := parseManifest([]byte("Manifest-Version: 1.0\r\nImplementation-Title: long-na\r\n me\r\nImplementation-Version: 2.1\r\n\r\nName: section\r\nImplementation-Version: 9\r\n"))
	if got["Implementation-Title"] != "long-name" || got["Implementation-Version"] != "2.1" {
		t.Errorf("parseManifest = %v", got)
	}
	if _, ok := manifestPackage(map[string]string{"Implementation-Title": "x"}); ok {
		t.Error("a manifest without a version must not name a package")
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		ex   extract.Extractor
		path string
		want bool
	}{
		{POM{}, "a/pom.xml", true},
		{POM{}, "pom.xml.bak", false},
		{GradleLock{}, "gradle.lockfile", true},
		{GradleLock{}, "sub/buildscript-gradle.lockfile", true},
		{GradleLock{}, "gradle/dependency-locks/compileClasspath.lockfile", true},
		{GradleLock{}, "other.lockfile", false},
		{Archive{}, "lib/x.JAR", true},
		{Archive{}, "app.war", true},
		{Archive{}, "app.ear", true},
		{Archive{}, "x.zip", false},
	}
	for _, tt := range tests {
		if got := tt.ex.Claims(tt.path, 0o644); got != tt.want {
			t.Errorf("%s.Claims(%q) = %v, want %v", tt.ex.Name(), tt.path, got, tt.want)
		}
	}
}

func seed(f *testing.F, names ...string) {
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzPOM(f *testing.F) {
	seed(f, "pom/pom.xml", "pom/app/pom.xml", "pom/lib/pom.xml")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, POM{}, "pom.xml", data) })
}

func FuzzGradleLock(f *testing.F) {
	seed(f, "gradle/gradle.lockfile")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, GradleLock{}, "gradle.lockfile", data) })
}

// FuzzParseGradleLock checks the line parser directly: every package it
// returns has a three-part Maven name and version.
func FuzzParseGradleLock(f *testing.F) {
	seed(f, "gradle/gradle.lockfile")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := parseGradleLock("gradle.lockfile", string(data), "")
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if strings.Count(p.Name, ":") != 1 || p.Version == "" {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func FuzzArchive(f *testing.F) {
	seed(f, "jar/demo-1.0.0.jar")
	f.Add(makeZip(f, pomProperties("g", "a", "1"), zipEntry{"WEB-INF/lib/x.jar", makeZip(f, mavenManifest)}))
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, Archive{}, "x.war", data) })
}

// FuzzParseManifest checks the manifest reader and the package it names.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(mavenManifest.data))
	f.Add([]byte("Bundle-SymbolicName: a;singleton:=true\nBundle-Version: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, ok := manifestPackage(parseManifest(data)); ok && (p.Name == "" || p.Version == "" || p.PURL == "") {
			t.Fatalf("bad package %+v", p)
		}
	})
}

// TestArchiveLonePOM checks which package a jar with one pom.properties
// is: its own, unless the file is not named after it and the manifest
// names another release (a jar that shades one dependency, as Debian's
// guice.jar carries only cglib's pom.properties).
func TestArchiveLonePOM(t *testing.T) {
	manifest := func(lines string) zipEntry {
		return zipEntry{"META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\n" + lines + "\r\n")}
	}
	tests := []struct {
		name   string
		file   string
		jar    []byte
		hashed string // the package that carries the jar's digest
		others []string
	}{
		{"shaded dependency", "guice.jar",
			makeZip(t, manifest("Bundle-SymbolicName: com.google.inject\r\nBundle-Version: 4.2.3\r\n"), pomProperties("cglib", "cglib", "3.2.12")),
			"pkg:generic/com.google.inject@4.2.3", []string{"pkg:maven/cglib/cglib@3.2.12"}},
		{"renamed, same release", "maven3-core.jar",
			makeZip(t, manifest("Implementation-Title: Maven Core\r\nImplementation-Version: 3.8.7\r\n"), pomProperties("org.apache.maven", "maven-core", "3.8.7")),
			"pkg:maven/org.apache.maven/maven-core@3.8.7", nil},
		{"OSGi spelling of the version", "guava-bundle.jar",
			makeZip(t, manifest("Bundle-SymbolicName: com.google.guava\r\nBundle-Version: 31.1.0.jre\r\n"), pomProperties("com.google.guava", "guava", "31.1-jre")),
			"pkg:maven/com.google.guava/guava@31.1-jre", nil},
		{"named after it", "cglib.jar",
			makeZip(t, manifest("Bundle-SymbolicName: net.sf.cglib\r\nBundle-Version: 9.9\r\n"), pomProperties("cglib", "cglib", "3.2.12")),
			"pkg:maven/cglib/cglib@3.2.12", nil},
		{"manifest without a version", "app.jar",
			makeZip(t, mavenManifest, pomProperties("com.example", "service", "1.0")),
			"pkg:maven/com.example/service@1.0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := extractFS(t, Archive{}, map[string][]byte{tt.file: tt.jar}, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range inv.Packages {
				got = append(got, p.PURL)
			}
			want := append([]string{tt.hashed}, tt.others...)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("packages %v, want %v", got, want)
			}
			for _, p := range inv.Packages {
				wantHash := []inventory.Hash(nil)
				if p.PURL == tt.hashed {
					wantHash = []inventory.Hash{{Algorithm: "SHA-1", Value: sha1hex(tt.jar)}}
				}
				if !slices.Equal(p.Hashes, wantHash) {
					t.Errorf("%s: hashes %v, want %v", p.PURL, p.Hashes, wantHash)
				}
			}
		})
	}
}

func TestSameRelease(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"4.2.3", "3.2.12", false},
		{"31.1.0.jre", "31.1-jre", true},
		{"1.2.0", "1.2", true},
		{"1.26.0", "1.26", true},
		{"2.0", "2.0.1", false},
		{"01.2", "1.2", true},
		{"1.0.0.SNAPSHOT", "1.0-SNAPSHOT", true},
		{"r09", "r09", true},
		{"r09", "r10", false},
		{"", "1", false},
	}
	for _, tt := range tests {
		if got := sameRelease(tt.a, tt.b); got != tt.want {
			t.Errorf("sameRelease(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
