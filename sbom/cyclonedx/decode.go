package cyclonedx

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/internal/jsonpos"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/internal/props"
	"github.com/hallmark-dev/hallmark/sbom/internal/spdxlicense"
)

// MaxSize is the largest BOM Decode reads.
const MaxSize = 256 << 20

// MaxNesting is how deep Decode follows nested components.
const MaxNesting = 32

// ErrTooLarge is returned for input over MaxSize.
var ErrTooLarge = errors.New("input larger than 256 MiB")

// ErrMissingField is returned for a BOM without a field CycloneDX requires.
var ErrMissingField = errors.New("missing required field")

// Decode reads a CycloneDX BOM, JSON or XML, into a normalised inventory.
func Decode(r io.Reader) (*inventory.Inventory, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode of a BOM already in memory, which it does not copy.
func DecodeBytes(data []byte) (*inventory.Inventory, error) {
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var bom cdx.BOM
	switch first(data) {
	case '{':
		inv, err := decodeStream(bytes.NewReader(data))
		if err != nil {
			// The whole input is here: say where the error is by line and
			// column, as a streaming decoder cannot.
			if err := json.Unmarshal(data, &bom); err != nil {
				return nil, unmarshalError(data, err)
			}
		}
		return inv, err
	case '<':
		if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&bom); err != nil {
			return nil, xmlError(err)
		}
		if !strings.HasPrefix(bom.XMLNS, "http://cyclonedx.org/schema/bom/") {
			return nil, fmt.Errorf("<bom xmlns=%q>: want a CycloneDX namespace (http://cyclonedx.org/schema/bom/1.x)", bom.XMLNS)
		}
	default:
		return nil, errors.New("want a CycloneDX BOM in JSON ('{') or XML ('<')")
	}
	return fromBOM(&bom)
}

// first returns the first byte that is not white space or a UTF-8 BOM.
func first(data []byte) byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 {
		return 0
	}
	return data[0]
}

// unmarshalError is the error json.Unmarshal of data into a cdx.BOM gave.
func unmarshalError(data []byte, err error) error {
	if errors.Is(err, cdx.ErrInvalidSpecVersion) {
		return fmt.Errorf("specVersion: %w (want 1.0 to 1.7)", err)
	}
	return jsonError(data, err)
}

// jsonError names the line and column, and for a type mismatch the field.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("line %s: %v", position(data, se.Offset), err)
	case errors.As(err, &te):
		return fmt.Errorf("line %s: %s: want %s, got %s", position(data, te.Offset), te.Field, te.Type, te.Value)
	}
	return err
}

// position turns the offset encoding/json reports (the bytes read, up to
// and including the offending one) into the line and column of that byte.
func position(data []byte, off int64) string {
	line, col := jsonpos.Position(data, off-1)
	return fmt.Sprintf("%d, column %d", line, col)
}

func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %s", se.Line, se.Msg)
	}
	return err
}

// decoder holds what fromBOM learns in its passes.
type decoder struct {
	inv *inventory.Inventory
	// chunks hold the packages read, n of them, until flush appends them
	// to inv.Packages in one copy: appended one by one, the 224-byte
	// packages of 300,000 components were copied about four times over
	// as the slice grew.
	chunks [][]inventory.Package
	n      int
	refs   map[string]string // bom-ref → purl of the package made from it
	// hallmark is true for BOMs hallmark wrote: their facts are in
	// properties, and nothing is inferred.
	hallmark bool
}

func newDecoder() *decoder {
	return &decoder{inv: &inventory.Inventory{Packages: []inventory.Package{}}, refs: map[string]string{}}
}

func fromBOM(bom *cdx.BOM) (*inventory.Inventory, error) {
	d := newDecoder()
	if bom.Components != nil {
		if err := d.components(*bom.Components, "components", 0); err != nil {
			return nil, err
		}
	}
	return d.finish(bom)
}

// finish reads what follows the components: the target, skipped inputs
// and the dependency graph. bom.Components must have been read already.
func (d *decoder) finish(bom *cdx.BOM) (*inventory.Inventory, error) {
	md := bom.Metadata
	if md != nil && md.Tools != nil {
		if md.Tools.Components != nil {
			for _, c := range *md.Tools.Components {
				d.hallmark = d.hallmark || c.Name == toolName
			}
		}
		if md.Tools.Tools != nil {
			for _, t := range *md.Tools.Tools {
				d.hallmark = d.hallmark || t.Name == toolName
			}
		}
	}
	targetPURL := ""
	var targetRefs []string
	d.inv.Target.Kind = "sbom"
	if md != nil && md.Component != nil {
		c := md.Component
		t := &d.inv.Target
		t.Name = c.Name
		t.Kind = "directory"
		if c.Type == cdx.ComponentTypeContainer {
			t.Kind = "image"
		}
		if c.Hashes != nil {
			for _, h := range *c.Hashes {
				if dg, ok := props.JoinDigest(string(h.Algorithm), h.Value); ok && props.IsHex(h.Value) {
					t.Digest = dg
					break
				}
			}
		}
		if c.Properties != nil {
			for _, p := range *c.Properties {
				if p.Name == props.TargetKind {
					t.Kind = p.Value
					continue
				}
				t.Properties = append(t.Properties, inventory.Property{Name: p.Name, Value: p.Value})
			}
		}
		// A producer that describes a project (cyclonedx-npm, cyclonedx-gomod)
		// gives it a purl: it is then also the root package.
		if c.PackageURL != "" {
			if _, ok := d.refs[c.BOMRef]; !ok || c.BOMRef == "" {
				p := d.pkg(c)
				p.Type = "application"
				d.add(c.BOMRef, p)
			}
			targetPURL = d.refs[c.BOMRef]
		}
		if c.BOMRef != "" {
			targetRefs = append(targetRefs, c.BOMRef)
		}
	}
	if md != nil && md.Properties != nil {
		for _, p := range *md.Properties {
			if p.Name == props.Skipped {
				d.inv.Skipped = append(d.inv.Skipped, props.ParseSkipped(p.Value))
			}
		}
	}
	d.flush()
	if bom.Dependencies != nil {
		d.dependencies(*bom.Dependencies, targetRefs, targetPURL)
	}
	d.inv.Normalize()
	return d.inv, nil
}

func (d *decoder) components(cs []cdx.Component, path string, depth int) error {
	if depth > MaxNesting {
		return fmt.Errorf("%s: components nested deeper than %d levels", path, MaxNesting)
	}
	for i := range cs {
		if err := d.component(&cs[i], path, i, depth); err != nil {
			return err
		}
	}
	return nil
}

// component reads path[i] and the components nested in it.
func (d *decoder) component(c *cdx.Component, path string, i, depth int) error {
	switch {
	case c.Type == cdx.ComponentTypeOS && c.PackageURL == "":
		if d.inv.Distro == nil {
			d.inv.Distro = distro(c)
		}
	case c.Type == cdx.ComponentTypeFile && c.PackageURL == "":
		// A file is evidence, not a package (syft lists the lockfiles it read).
	default:
		d.add(c.BOMRef, d.pkg(c))
	}
	if d.n > MaxComponents {
		return fmt.Errorf("%w (%d)", ErrTooManyComponents, MaxComponents)
	}
	if c.Components != nil {
		return d.components(*c.Components, fmt.Sprintf("%s[%d].components", path, i), depth+1)
	}
	return nil
}

func (d *decoder) add(ref string, p inventory.Package) {
	if ref != "" {
		d.refs[ref] = p.PURL
	}
	if k := len(d.chunks); k == 0 || len(d.chunks[k-1]) == cap(d.chunks[k-1]) {
		d.chunks = append(d.chunks, make([]inventory.Package, 0, 4096))
	}
	last := &d.chunks[len(d.chunks)-1]
	*last = append(*last, p)
	d.n++
}

// flush moves the packages read to d.inv.Packages.
func (d *decoder) flush() {
	d.inv.Packages = slices.Grow(d.inv.Packages, d.n)
	for _, c := range d.chunks {
		d.inv.Packages = append(d.inv.Packages, c...)
	}
	d.chunks, d.n = nil, 0
}

func distro(c *cdx.Component) *inventory.Distro {
	dist := &inventory.Distro{ID: c.Name, VersionID: c.Version, PrettyName: c.Description}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			switch p.Name {
			case props.DistroCodename, "syft:distro:versionCodename":
				dist.Codename = p.Value
			}
		}
	}
	return dist
}

// pkg makes a package from a component. A component without a usable purl
// gets a pkg:generic one from its name and version, since the purl is a
// package's identity in an inventory.
func (d *decoder) pkg(c *cdx.Component) inventory.Package {
	p := inventory.Package{Version: props.Version(c.Version)}
	name := c.Name
	if c.Group != "" {
		name = c.Group + "/" + c.Name
	}
	if pp, err := inventory.ParsePURL(c.PackageURL); err == nil && c.PackageURL != "" {
		p.PURL, p.Name, p.Ecosystem = c.PackageURL, pp.Name, pp.Ecosystem
		if p.Version == "" {
			p.Version = pp.Version
		}
	} else {
		p.Name, p.PURL = name, inventory.PURL(inventory.Unknown, name, p.Version, nil)
	}
	switch c.Type {
	case cdx.ComponentTypeApplication:
		p.Type = "application"
	case cdx.ComponentTypeOS:
		p.Type = "operating-system"
	}
	p.Dev = c.Scope == cdx.ScopeExcluded
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			p.Hashes = append(p.Hashes, inventory.Hash{Algorithm: string(h.Algorithm), Value: strings.ToLower(h.Value)})
		}
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				// Split at top-level ANDs, as the encoder joins a package's
				// licenses so and the SPDX decoder splits them.
				if e, ok := spdxlicense.Expression(l.Expression); ok {
					p.Licenses = append(p.Licenses, spdxlicense.SplitAnd(e)...)
				} else {
					p.Licenses = append(p.Licenses, l.Expression)
				}
			case l.License != nil && l.License.ID != "":
				p.Licenses = append(p.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				p.Licenses = append(p.Licenses, l.License.Name)
			}
		}
	}
	if c.Evidence != nil && c.Evidence.Occurrences != nil {
		for _, o := range *c.Evidence.Occurrences {
			if o.Location != "" {
				l := inventory.Location{Path: o.Location}
				if o.Line != nil && *o.Line > 0 {
					l.Line = *o.Line
				}
				p.Locations = append(p.Locations, l)
			}
		}
	}
	if c.Properties != nil {
		// syft numbers its locations: syft:location:N:path and
		// syft:location:N:layerID, in either order.
		var syftPaths, syftLayers map[string]string
		for _, pr := range *c.Properties {
			switch {
			case props.Apply(&p, pr.Name, pr.Value):
				continue
			case strings.HasPrefix(pr.Name, "syft:location:") && strings.HasSuffix(pr.Name, ":path"):
				if syftPaths == nil {
					syftPaths = map[string]string{}
				}
				syftPaths[strings.TrimSuffix(strings.TrimPrefix(pr.Name, "syft:location:"), ":path")] = strings.TrimPrefix(pr.Value, "/")
				p.Locations = append(p.Locations, inventory.Location{Path: strings.TrimPrefix(pr.Value, "/")})
				continue
			case strings.HasPrefix(pr.Name, "syft:location:") && strings.HasSuffix(pr.Name, ":layerID"):
				if syftLayers == nil {
					syftLayers = map[string]string{}
				}
				syftLayers[strings.TrimSuffix(strings.TrimPrefix(pr.Name, "syft:location:"), ":layerID")] = pr.Value
				continue
			case pr.Name == "aquasecurity:trivy:FilePath":
				// trivy's record of the file a package was found in.
				p.Locations = append(p.Locations, inventory.Location{Path: strings.TrimPrefix(pr.Value, "/")})
				continue
			case pr.Name == "cdx:npm:package:development" && pr.Value == "true":
				p.Dev = true
			}
			p.Properties = append(p.Properties, inventory.Property{Name: pr.Name, Value: pr.Value})
		}
		for n, layer := range syftLayers {
			if path, ok := syftPaths[n]; ok && layer != "" {
				props.SetLayer(&p, path, layer)
			}
		}
	}
	return p
}

// dependencies turns the dependency graph into relationships. An edge into
// a dev package from a package that is not dev-only is a dev edge, since
// CycloneDX has no edge types. For BOMs of other producers, what the target
// (or the root package describing it) depends on is marked Direct.
func (d *decoder) dependencies(deps []cdx.Dependency, targetRefs []string, targetPURL string) {
	isTarget := map[string]bool{}
	for _, r := range targetRefs {
		isTarget[r] = true
	}
	edges := 0
	for _, dep := range deps {
		if dep.Dependencies != nil {
			edges += len(*dep.Dependencies)
		}
	}
	d.inv.Relationships = slices.Grow(d.inv.Relationships, edges)
	direct := map[string]bool{}
	for _, dep := range deps {
		if dep.Dependencies == nil {
			continue
		}
		from, ok := d.refs[dep.Ref]
		if isTarget[dep.Ref] || (ok && from == targetPURL && targetPURL != "") {
			for _, on := range *dep.Dependencies {
				if to, ok := d.refs[on]; ok {
					direct[to] = true
				}
			}
		}
		if !ok {
			continue
		}
		for _, on := range *dep.Dependencies {
			if to, ok := d.refs[on]; ok {
				d.inv.Relationships = append(d.inv.Relationships, inventory.Relationship{From: from, To: to, Type: inventory.DependsOn})
			}
		}
	}
	dev := map[string]bool{} // the purls of dev packages, most often few
	for i := range d.inv.Packages {
		p := &d.inv.Packages[i]
		if p.Dev {
			dev[p.PURL] = true
		}
		if !d.hallmark && direct[p.PURL] && p.Type != "application" {
			p.Direct = true
		}
	}
	if len(dev) == 0 {
		return
	}
	for i, r := range d.inv.Relationships {
		if dev[r.To] && !dev[r.From] {
			d.inv.Relationships[i].Type = inventory.DevDependsOn
		}
	}
}
