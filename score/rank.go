package score

import (
	"cmp"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Product is one product of a portfolio: its name and what it is made of.
type Product struct {
	Name string
	Inv  *inventory.Inventory
}

// Upstream is a package's source repository and how it was found.
type Upstream struct {
	// URL is empty when unknown.
	URL string `json:"url,omitempty"`
	// Method says how: "purl vcs_url qualifier", "Go module path",
	// "known mapping", or "unknown: ..." with the reason.
	Method string `json:"method"`
}

// Ranked is one open-source package of the portfolio.
type Ranked struct {
	// Key is the package's purl without version or qualifiers.
	Key       string              `json:"key"`
	Name      string              `json:"name"`
	Ecosystem inventory.Ecosystem `json:"ecosystem,omitempty"`
	Versions  []string            `json:"versions"`
	// Products lists the products that contain the package (directly or
	// transitively); Direct those that declare it themselves.
	Products []string `json:"products"`
	Direct   []string `json:"direct"`
	// PackageDependents counts the distinct packages of the portfolio that
	// depend on it through the SBOMs' relationships.
	PackageDependents int      `json:"package_dependents"`
	Upstream          Upstream `json:"upstream"`
}

// Rank ranks the packages the products depend on: most products first, then
// most products that depend on them directly, then most dependent packages,
// then by key. The products' own root components ("application" packages
// that nothing else in the same inventory depends on) are left out.
func Rank(products []Product) []*Ranked {
	byKey := map[string]*Ranked{}
	dependents := map[string]map[string]bool{}
	for _, prod := range products {
		inv := prod.Inv
		roots := rootIDs(inv)
		isDirect := inv.DirectDependencies()
		keyOf := map[string]string{}
		for i := range inv.Packages {
			p := &inv.Packages[i]
			if roots[p.PURL] || p.Type == "operating-system" {
				continue
			}
			k := PackageKey(p)
			keyOf[p.PURL] = k
			r := byKey[k]
			if r == nil {
				r = &Ranked{Key: k, Name: p.Name, Ecosystem: p.Ecosystem, Upstream: upstreamOf(p)}
				byKey[k] = r
			} else if r.Upstream.URL == "" {
				if u := upstreamOf(p); u.URL != "" {
					r.Upstream = u
				}
			}
			if p.Version != "" && !slices.Contains(r.Versions, p.Version) {
				r.Versions = append(r.Versions, p.Version)
			}
			if !slices.Contains(r.Products, prod.Name) {
				r.Products = append(r.Products, prod.Name)
			}
			if isDirect(p.PURL) && !slices.Contains(r.Direct, prod.Name) {
				r.Direct = append(r.Direct, prod.Name)
			}
		}
		for _, rel := range inv.Relationships {
			to, ok := keyOf[rel.To]
			if !ok {
				continue
			}
			from := rel.From
			if k, ok := keyOf[rel.From]; ok {
				from = k
			} else {
				continue // a product root: counted as a product, not a package
			}
			if from == to {
				continue
			}
			if dependents[to] == nil {
				dependents[to] = map[string]bool{}
			}
			dependents[to][from] = true
		}
	}
	out := make([]*Ranked, 0, len(byKey))
	for k, r := range byKey {
		r.PackageDependents = len(dependents[k])
		slices.Sort(r.Versions)
		slices.Sort(r.Products)
		slices.Sort(r.Direct)
		if r.Direct == nil {
			r.Direct = []string{}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Ranked) int {
		return cmp.Or(
			cmp.Compare(len(b.Products), len(a.Products)),
			cmp.Compare(len(b.Direct), len(a.Direct)),
			cmp.Compare(b.PackageDependents, a.PackageDependents),
			strings.Compare(a.Key, b.Key))
	})
	return out
}

// rootIDs are the inventory's own components: application packages that no
// other package of the inventory depends on.
func rootIDs(inv *inventory.Inventory) map[string]bool {
	hasParent := map[string]bool{}
	for _, r := range inv.Relationships {
		hasParent[r.To] = true
	}
	roots := map[string]bool{}
	for _, p := range inv.Packages {
		if p.Type == "application" && !hasParent[p.PURL] {
			roots[p.PURL] = true
		}
	}
	return roots
}

// PackageKey is the identity Rank groups by: the purl without version,
// qualifiers or subpath.
func PackageKey(p *inventory.Package) string {
	if pu, err := packageurl.FromString(p.PURL); err == nil {
		pu.Version, pu.Qualifiers, pu.Subpath = "", nil, ""
		return pu.ToString()
	}
	k, _, _ := strings.Cut(p.PURL, "?")
	if i := strings.LastIndex(k, "@"); i > strings.LastIndex(k, "/") {
		k = k[:i]
	}
	if k == "" {
		return string(p.Ecosystem) + "/" + p.Name
	}
	return k
}

// knownGoHosts map Go module path prefixes whose repository is elsewhere.
var knownGoHosts = []struct{ prefix, repo string }{
	{"golang.org/x/", "https://github.com/golang/"},
	{"k8s.io/", "https://github.com/kubernetes/"},
	{"sigs.k8s.io/", "https://github.com/kubernetes-sigs/"},
	{"go.uber.org/", "https://github.com/uber-go/"},
	{"go.opentelemetry.io/otel", "https://github.com/open-telemetry/opentelemetry-go"},
	{"google.golang.org/grpc", "https://github.com/grpc/grpc-go"},
	{"google.golang.org/protobuf", "https://github.com/protocolbuffers/protobuf-go"},
	{"google.golang.org/genproto", "https://github.com/googleapis/go-genproto"},
	{"go.yaml.in/yaml/", "https://github.com/yaml/go-yaml"},
}

// upstreamOf finds the package's source repository from what the
// inventory says: a vcs_url qualifier, or the Go module path. Other
// ecosystems need registry metadata, which offline ranking does not have.
func upstreamOf(p *inventory.Package) Upstream {
	if pp, err := inventory.ParsePURL(p.PURL); err == nil {
		if u := pp.Qualifiers["vcs_url"]; u != "" {
			return Upstream{URL: normalizeRepoURL(u), Method: "purl vcs_url qualifier"}
		}
	}
	if p.Ecosystem == inventory.Go {
		mod := p.Name
		if mod == "stdlib" || mod == "toolchain" {
			return Upstream{URL: "https://github.com/golang/go", Method: "known mapping (Go standard library)"}
		}
		for _, host := range []string{"github.com/", "gitlab.com/", "bitbucket.org/", "codeberg.org/"} {
			if strings.HasPrefix(mod, host) {
				parts := strings.Split(mod, "/")
				if len(parts) >= 3 {
					return Upstream{URL: "https://" + strings.Join(parts[:3], "/"), Method: "Go module path"}
				}
			}
		}
		if strings.HasPrefix(mod, "gopkg.in/") {
			// gopkg.in/pkg.v3 -> go-pkg/pkg; gopkg.in/user/pkg.v3 -> user/pkg.
			rest := strings.TrimPrefix(mod, "gopkg.in/")
			parts := strings.Split(rest, "/")
			name := parts[len(parts)-1]
			if i := strings.LastIndex(name, ".v"); i > 0 {
				name = name[:i]
			}
			owner := "go-" + name
			if len(parts) >= 2 {
				owner = parts[0]
			}
			return Upstream{URL: "https://github.com/" + owner + "/" + name, Method: "known mapping (gopkg.in)"}
		}
		for _, k := range knownGoHosts {
			if strings.HasPrefix(mod, k.prefix) {
				if strings.HasSuffix(k.repo, "/") {
					rest := strings.TrimPrefix(mod, k.prefix)
					first, _, _ := strings.Cut(rest, "/")
					return Upstream{URL: k.repo + first, Method: "known mapping (" + strings.TrimSuffix(k.prefix, "/") + ")"}
				}
				return Upstream{URL: k.repo, Method: "known mapping (" + k.prefix + ")"}
			}
		}
		return Upstream{Method: "unknown: Go module path on a vanity host (resolving it needs the network)"}
	}
	return Upstream{Method: "unknown: the SBOM does not name it and " + ecoName(p.Ecosystem) + " needs registry metadata"}
}

func ecoName(e inventory.Ecosystem) string {
	if e == "" {
		return "this package type"
	}
	return string(e)
}

func normalizeRepoURL(u string) string {
	u = strings.TrimSpace(u)
	u = strings.TrimPrefix(u, "git+")
	if strings.HasPrefix(u, "git@") {
		u = "https://" + strings.Replace(strings.TrimPrefix(u, "git@"), ":", "/", 1)
	}
	u = strings.TrimPrefix(u, "git://")
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	u, _, _ = strings.Cut(u, "#")
	return strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
}
