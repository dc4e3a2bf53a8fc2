package inventory

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"
)

// purlTypes maps OSV ecosystems to purl types (purl-spec PURL-TYPES.rst).
var purlTypes = map[Ecosystem]string{
	Go:        packageurl.TypeGolang,
	Npm:       packageurl.TypeNPM,
	PyPI:      packageurl.TypePyPi,
	CratesIO:  packageurl.TypeCargo,
	Maven:     packageurl.TypeMaven,
	RubyGems:  packageurl.TypeGem,
	Packagist: packageurl.TypeComposer,
	NuGet:     packageurl.TypeNuget,
	Debian:    packageurl.TypeDebian,
	Ubuntu:    packageurl.TypeDebian,
	Alpine:    packageurl.TypeApk,
	RPM:       packageurl.TypeRPM,
	// purl-spec's github type names a repository at a commit or tag, with a
	// path within it as the subpath; it is what syft writes for actions.
	GitHubActions: packageurl.TypeGithub,
}

// NormalizePyPIName applies PEP 503: lower case, runs of "-", "_", "."
// become one "-".
func NormalizePyPIName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for _, r := range strings.TrimSpace(name) {
		switch {
		case r == '-' || r == '_' || r == '.':
			sep = true
		default:
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PURL builds the canonical package URL of a package. qualifiers may be nil;
// keys with empty values are dropped. For OS packages the caller passes
// "arch" and "distro" (and "epoch" where the version has one, per purl-spec
// for deb and rpm). For RPM the caller also passes "namespace": purl-spec's
// rpm namespace is the vendor ("fedora", "redhat", "opensuse"), which
// neither the name nor the ecosystem tells; it becomes the namespace and
// is not a qualifier. For GitHub Actions the name is "owner/repo" and the
// caller passes the path of an action or workflow within the repository as
// "subpath", which becomes the purl's subpath.
func PURL(eco Ecosystem, name, version string, qualifiers map[string]string) string {
	typ, ok := purlTypes[eco]
	if !ok {
		typ = packageurl.TypeGeneric
	}
	var namespace, subpath string
	switch eco {
	case Go:
		if i := strings.LastIndex(name, "/"); i >= 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case Npm:
		if strings.HasPrefix(name, "@") {
			if i := strings.Index(name, "/"); i > 0 {
				namespace, name = name[:i], name[i+1:]
			}
		}
	case PyPI:
		name = NormalizePyPIName(name)
	case Maven:
		if i := strings.Index(name, ":"); i >= 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case Packagist:
		if i := strings.Index(name, "/"); i >= 0 {
			namespace, name = name[:i], name[i+1:]
		}
		namespace, name = strings.ToLower(namespace), strings.ToLower(name)
	case Debian:
		namespace = "debian"
	case Ubuntu:
		namespace = "ubuntu"
	case Alpine:
		namespace = "alpine"
	case RPM:
		namespace = qualifiers["namespace"]
	case GitHubActions:
		if i := strings.Index(name, "/"); i >= 0 {
			namespace, name = name[:i], name[i+1:]
		}
		subpath = qualifiers["subpath"]
	}
	var qs packageurl.Qualifiers
	for k, v := range qualifiers {
		if eco == RPM && k == "namespace" || eco == GitHubActions && k == "subpath" {
			continue
		}
		if v != "" {
			qs = append(qs, packageurl.Qualifier{Key: k, Value: v})
		}
	}
	p := packageurl.NewPackageURL(typ, namespace, name, version, qs, subpath)
	// Normalize sorts qualifiers and lower-cases names where the type says
	// so; it fails only for invalid types, which ours are not, and for a
	// subpath with "." or ".." segments, which callers do not pass.
	_ = p.Normalize()
	if eco == Go {
		// Go module paths are case-sensitive (github.com/Masterminds/goutils
		// is not github.com/masterminds/goutils, and OSV names the former),
		// but packageurl-go v0.1.7 lower-cases golang namespaces and names
		// as an old purl-spec text said; keep the path as the module spells it.
		p.Namespace, p.Name = namespace, name
	}
	return p.ToString()
}

// ParsedPURL is what a purl says about a package, in hallmark's terms.
type ParsedPURL struct {
	Ecosystem  Ecosystem
	Name       string // ecosystem spelling, as in Package.Name
	Version    string
	Qualifiers map[string]string // for rpm also "namespace" (the vendor), for github "subpath", as PURL takes them
	Type       string            // the purl type, also for types with no OSV ecosystem
}

// ParsePURL reads a package URL and maps it back to an ecosystem and name.
// A purl whose type hallmark does not know parses with Ecosystem Unknown.
func ParsePURL(s string) (ParsedPURL, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return ParsedPURL{}, fmt.Errorf("purl %q: %w", s, err)
	}
	out := ParsedPURL{Version: p.Version, Qualifiers: p.Qualifiers.Map(), Type: p.Type}
	switch p.Type {
	case packageurl.TypeGolang:
		out.Ecosystem, out.Name = Go, join(p.Namespace, "/", p.Name)
		// FromString lower-cases golang paths (see PURL); read the path
		// again as a type without case rules, so syft's and hallmark's
		// case-preserving purls keep the module path's case.
		if i := strings.Index(s, "/"); i >= 0 && strings.EqualFold(strings.TrimRight(s[:i], "/"), "pkg:golang") {
			if g, err := packageurl.FromString("pkg:generic/" + s[i+1:]); err == nil {
				out.Name = join(g.Namespace, "/", g.Name)
			}
		}
	case packageurl.TypeNPM:
		out.Ecosystem, out.Name = Npm, join(p.Namespace, "/", p.Name)
	case packageurl.TypePyPi:
		out.Ecosystem, out.Name = PyPI, NormalizePyPIName(p.Name)
	case packageurl.TypeCargo:
		out.Ecosystem, out.Name = CratesIO, p.Name
	case packageurl.TypeMaven:
		out.Ecosystem, out.Name = Maven, join(p.Namespace, ":", p.Name)
	case packageurl.TypeGem:
		out.Ecosystem, out.Name = RubyGems, p.Name
	case packageurl.TypeComposer:
		out.Ecosystem, out.Name = Packagist, join(p.Namespace, "/", p.Name)
	case packageurl.TypeNuget:
		out.Ecosystem, out.Name = NuGet, p.Name
	case packageurl.TypeDebian:
		out.Name = p.Name
		if strings.EqualFold(p.Namespace, "ubuntu") {
			out.Ecosystem = Ubuntu
		} else {
			out.Ecosystem = Debian
		}
	case packageurl.TypeApk:
		out.Ecosystem, out.Name = Alpine, p.Name
	case packageurl.TypeRPM:
		out.Ecosystem, out.Name = RPM, p.Name
		// Handed back the way PURL takes it, so PURL(ParsePURL(u)) is u.
		if p.Namespace != "" {
			out.Qualifiers["namespace"] = p.Namespace
		}
	case packageurl.TypeGithub:
		// OSV keys GitHub Actions advisories by the repository; the purl
		// type names any GitHub repository, and an advisory about one is
		// about it whatever uses it.
		out.Ecosystem, out.Name = GitHubActions, join(p.Namespace, "/", p.Name)
		if p.Subpath != "" {
			out.Qualifiers["subpath"] = p.Subpath
		}
	default:
		out.Ecosystem, out.Name = Unknown, join(p.Namespace, "/", p.Name)
	}
	return out, nil
}

func join(ns, sep, name string) string {
	if ns == "" {
		return name
	}
	return ns + sep + name
}
