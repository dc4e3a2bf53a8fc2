package java

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

const (
	// maxXMLDepth bounds element nesting; real POMs nest about 8 deep.
	maxXMLDepth = 64
	// maxXMLTokens bounds the work one POM can cause.
	maxXMLTokens = 1 << 20
	// maxParents bounds how many local parent POMs are followed.
	maxParents = 8
	// maxPOMSize bounds each POM read (real ones are a few hundred KiB).
	maxPOMSize = 8 << 20
	// maxExpansions bounds property substitution, which may chain.
	maxExpansions = 32
)

// POM extracts Maven pom.xml files.
type POM struct{}

// Name implements extract.Extractor.
func (POM) Name() string { return "java/pom" }

// Claims implements extract.Extractor.
func (POM) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "pom.xml" }

type pomDependency struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Type       string `xml:"type"`
	Classifier string `xml:"classifier"`
	Scope      string `xml:"scope"`
	Optional   string `xml:"optional"`
}

type pomProject struct {
	XMLName xml.Name `xml:"project"`
	Parent  *struct {
		GroupID      string  `xml:"groupId"`
		ArtifactID   string  `xml:"artifactId"`
		Version      string  `xml:"version"`
		RelativePath *string `xml:"relativePath"`
	} `xml:"parent"`
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	DependencyManagement struct {
		Dependencies []pomDependency `xml:"dependencies>dependency"`
	} `xml:"dependencyManagement"`
	Dependencies []pomDependency `xml:"dependencies>dependency"`

	// dependencyLines are the lines of project/dependencies/dependency,
	// in order, as the token stream passed them (encoding/xml's Decode
	// keeps no positions).
	dependencyLines []int
}

// parsePOM decodes a POM with depth and token limits.
func parsePOM(name string, data []byte) (*pomProject, error) {
	inner := xml.NewDecoder(bytes.NewReader(data))
	inner.CharsetReader = charsetReader
	var p pomProject
	lt := &limitedTokens{d: inner}
	err := xml.NewTokenDecoder(lt).Decode(&p)
	p.dependencyLines = lt.dependencyLines
	if err != nil {
		var se *xml.SyntaxError
		var ue xml.UnmarshalError
		switch {
		case errors.As(err, &se), errors.As(err, &ue), errors.Is(err, errXMLLimit):
			return nil, fmt.Errorf("%s: %w", name, err)
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: want a <project> element, found none", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &p, nil
}

var errXMLLimit = errors.New("XML nesting or size limit exceeded")

// limitedTokens passes tokens through, refusing deep nesting and huge
// token counts.
type limitedTokens struct {
	d             *xml.Decoder
	depth, tokens int
	// path holds the local names of the open elements down to depth 3,
	// enough to tell project/dependencies/dependency.
	path            [3]string
	dependencyLines []int
}

func (l *limitedTokens) Token() (xml.Token, error) {
	// The inner decoder checks nesting and translates namespaces itself, so
	// its errors carry the right line numbers.
	t, err := l.d.Token()
	if err != nil {
		return t, err
	}
	l.tokens++
	if l.tokens > maxXMLTokens {
		return nil, fmt.Errorf("%w: more than %d tokens", errXMLLimit, maxXMLTokens)
	}
	switch e := t.(type) {
	case xml.StartElement:
		l.depth++
		if l.depth > maxXMLDepth {
			line, _ := l.d.InputPos()
			return nil, fmt.Errorf("%w: elements nest deeper than %d on line %d", errXMLLimit, maxXMLDepth, line)
		}
		if l.depth <= len(l.path) {
			l.path[l.depth-1] = e.Name.Local
			if l.depth == 3 && l.path == [3]string{"project", "dependencies", "dependency"} {
				line, _ := l.d.InputPos()
				l.dependencyLines = append(l.dependencyLines, line)
			}
		}
	case xml.EndElement:
		l.depth--
	}
	return t, nil
}

// charsetReader accepts the single-byte encodings old POMs declare besides
// UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8":
		return r, nil
	case "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		data, err := io.ReadAll(io.LimitReader(r, maxPOMSize))
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(data))
		for _, b := range data {
			out = utf8.AppendRune(out, rune(b))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (want UTF-8 or ISO-8859-1)", label)
}

// model is a POM merged with its local parents, as Maven's inheritance
// does before interpolation.
type model struct {
	groupID, artifactID, version string
	parentGroup, parentVersion   string
	props                        map[string]string
	managed                      map[string]pomDependency // key: group:artifact:type:classifier
	imports                      []string                 // imported BOMs, not resolvable offline
	missingParent                string                   // set when the parent POM is not in the tree
}

// Extract implements extract.Extractor.
func (POM) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	proj, err := parsePOM(in.Path, data)
	if err != nil {
		return nil, nil, err
	}
	m, err := buildModel(in.FS, in.Path, proj)
	if err != nil {
		return nil, nil, err
	}
	if !validCoordinate(m.groupID) {
		return nil, nil, fmt.Errorf("%s: project: want <groupId> (or one inherited from <parent>)", in.Path)
	}
	if !validCoordinate(proj.ArtifactID) {
		return nil, nil, fmt.Errorf("%s: project: want <artifactId>", in.Path)
	}
	root := m.resolvedPackage(m.groupID, proj.ArtifactID, m.version, nil)
	root.Type = "application"
	pkgs := []inventory.Package{root}
	var rels []inventory.Relationship
	for i, d := range proj.Dependencies {
		p, scope, err := m.dependency(d)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: dependencies[%d]: %w", in.Path, i, err)
		}
		typ := inventory.DependsOn
		if scope == "test" {
			typ = inventory.DevDependsOn
		}
		if i < len(proj.dependencyLines) && len(proj.dependencyLines) == len(proj.Dependencies) {
			p.Locations = []inventory.Location{{Path: in.Path, Line: proj.dependencyLines[i]}}
		}
		pkgs = append(pkgs, p)
		rels = append(rels, inventory.Relationship{From: root.PURL, To: p.PURL, Type: typ})
	}
	return pkgs, rels, nil
}

// buildModel merges proj with the parents found in the tree.
func buildModel(fsys fs.FS, name string, proj *pomProject) (*model, error) {
	m := &model{props: map[string]string{}, managed: map[string]pomDependency{}}
	chain := []*pomProject{proj}
	var managed []pomDependency
	cur, curName := proj, name
	for len(chain) <= maxParents && cur.Parent != nil {
		par := cur.Parent
		rel := "../pom.xml"
		if par.RelativePath != nil {
			rel = strings.TrimSpace(*par.RelativePath)
		}
		want := strings.TrimSpace(par.GroupID) + ":" + strings.TrimSpace(par.ArtifactID) + ":" + strings.TrimSpace(par.Version)
		pp := loadParent(fsys, curName, rel, par.GroupID, par.ArtifactID)
		if pp == nil {
			m.missingParent = want
			break
		}
		chain = append(chain, pp.proj)
		cur, curName = pp.proj, pp.name
	}
	// Apply from the farthest parent down so that children override.
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		for _, e := range c.Properties.Entries {
			m.props[e.XMLName.Local] = strings.TrimSpace(e.Value)
		}
		for _, d := range c.DependencyManagement.Dependencies {
			if strings.TrimSpace(d.Scope) == "import" {
				m.imports = append(m.imports, strings.TrimSpace(d.GroupID)+":"+strings.TrimSpace(d.ArtifactID))
				continue
			}
			managed = append(managed, d)
		}
	}
	m.artifactID = strings.TrimSpace(proj.ArtifactID)
	m.groupID, m.version = strings.TrimSpace(proj.GroupID), strings.TrimSpace(proj.Version)
	if proj.Parent != nil {
		m.parentGroup, m.parentVersion = strings.TrimSpace(proj.Parent.GroupID), strings.TrimSpace(proj.Parent.Version)
		if m.groupID == "" {
			m.groupID = m.parentGroup
		}
		if m.version == "" {
			m.version = m.parentVersion
		}
	}
	// Built-in properties Maven's interpolation knows (and their
	// deprecated pom.* and bare forms).
	for k, v := range map[string]string{
		"project.groupId": m.groupID, "project.artifactId": m.artifactID, "project.version": m.version,
		"pom.groupId": m.groupID, "pom.artifactId": m.artifactID, "pom.version": m.version, "version": m.version,
		"project.parent.groupId": m.parentGroup, "project.parent.version": m.parentVersion,
		"parent.groupId": m.parentGroup, "parent.version": m.parentVersion,
	} {
		if v != "" {
			m.props[k] = v
		}
	}
	if g, ok := m.expand(m.groupID); ok {
		m.groupID = g
	}
	// Keys may use ${project.groupId}, known only now; later (child)
	// entries override earlier (parent) ones.
	for _, d := range managed {
		m.managed[m.key(d)] = d
	}
	return m, nil
}

type parentPOM struct {
	name string
	proj *pomProject
}

// loadParent reads the parent POM at rel (a file or a directory holding
// pom.xml) beside childName, if it is in the tree and is the declared parent.
func loadParent(fsys fs.FS, childName, rel, group, artifact string) *parentPOM {
	if rel == "" {
		return nil // an empty relativePath means "look only in repositories"
	}
	name := path.Join(path.Dir(childName), rel)
	if !strings.HasSuffix(name, ".xml") {
		name = path.Join(name, "pom.xml")
	}
	if !fs.ValidPath(name) {
		return nil
	}
	data, err := extract.ReadFile(fsys, name, maxPOMSize)
	if err != nil {
		return nil
	}
	proj, err := parsePOM(name, data)
	if err != nil {
		return nil
	}
	g := strings.TrimSpace(proj.GroupID)
	if g == "" && proj.Parent != nil {
		g = strings.TrimSpace(proj.Parent.GroupID)
	}
	if g != strings.TrimSpace(group) || strings.TrimSpace(proj.ArtifactID) != strings.TrimSpace(artifact) {
		return nil
	}
	return &parentPOM{name, proj}
}

// key identifies a managed dependency as Maven does.
func (m *model) key(d pomDependency) string {
	g, _ := m.expand(strings.TrimSpace(d.GroupID))
	a, _ := m.expand(strings.TrimSpace(d.ArtifactID))
	t := strings.TrimSpace(d.Type)
	if t == "" {
		t = "jar"
	}
	return g + ":" + a + ":" + t + ":" + strings.TrimSpace(d.Classifier)
}

// expand substitutes ${...} references. It reports false, with the text
// left as far as it got, when a property is undefined or expansion loops.
func (m *model) expand(s string) (string, bool) {
	_, ok := m.firstUndefined(s)
	out, _ := m.expandN(s, 0)
	return out, ok
}

// firstUndefined returns the first property s refers to, directly or
// through other properties, that cannot be resolved.
func (m *model) firstUndefined(s string) (string, bool) {
	out, missing := m.expandN(s, 0)
	if missing != "" {
		return missing, false
	}
	if strings.Contains(out, "${") {
		return out, false
	}
	return "", true
}

func (m *model) expandN(s string, depth int) (string, string) {
	if depth > maxExpansions {
		return s, s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), ""
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), ""
		}
		name := s[i+2 : i+j]
		v, ok := m.props[name]
		if !ok {
			b.WriteString(s)
			return b.String(), name
		}
		v, missing := m.expandN(v, depth+1)
		if missing != "" {
			b.WriteString(s)
			return b.String(), missing
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// resolvedPackage builds a package whose coordinates may hold properties;
// what cannot be resolved is reported, never guessed.
func (m *model) resolvedPackage(group, artifact, version string, qualifiers map[string]string) inventory.Package {
	var reasons []string
	g, gok := m.expand(group)
	a, aok := m.expand(artifact)
	if !gok {
		reasons = append(reasons, m.undefinedReason(group))
	}
	if !aok {
		reasons = append(reasons, m.undefinedReason(artifact))
	}
	v, vok := m.expand(version)
	constraint := ""
	switch {
	case !vok:
		reasons = append(reasons, m.undefinedReason(version))
		constraint, v = version, ""
	case strings.ContainsAny(v, "[]()"):
		reasons = append(reasons, "version range; the version is chosen at build time")
		constraint, v = v, ""
	}
	p := mavenPackage(g, a, v, qualifiers)
	p.Constraint = constraint
	if len(reasons) > 0 {
		p.SetProperty(propUnresolved, strings.Join(reasons, "; "))
	}
	return p
}

func (m *model) undefinedReason(s string) string {
	missing, _ := m.firstUndefined(s)
	if strings.Contains(missing, "${") || m.props[missing] != "" {
		return fmt.Sprintf("%s does not resolve (properties refer to each other too deeply)", s)
	}
	why := "is not defined in this pom or its local parents"
	if m.missingParent != "" {
		why += fmt.Sprintf(" (parent %s is not in the scanned tree)", m.missingParent)
	}
	return fmt.Sprintf("property ${%s} %s", missing, why)
}

// dependency resolves one declared dependency; it returns the scope.
func (m *model) dependency(d pomDependency) (inventory.Package, string, error) {
	group, artifact := strings.TrimSpace(d.GroupID), strings.TrimSpace(d.ArtifactID)
	if group == "" || artifact == "" {
		return inventory.Package{}, "", errors.New("want <groupId> and <artifactId>")
	}
	version, scope := strings.TrimSpace(d.Version), strings.TrimSpace(d.Scope)
	optional := strings.TrimSpace(d.Optional)
	mgd, managed := m.managed[m.key(d)]
	if managed {
		if version == "" {
			version = strings.TrimSpace(mgd.Version)
		}
		if scope == "" {
			scope = strings.TrimSpace(mgd.Scope)
		}
		if optional == "" {
			optional = strings.TrimSpace(mgd.Optional)
		}
	}
	if s, ok := m.expand(scope); ok {
		scope = s
	}
	var q map[string]string
	if t := strings.TrimSpace(d.Type); t != "" && t != "jar" {
		q = map[string]string{"type": t}
	}
	if c := strings.TrimSpace(d.Classifier); c != "" {
		if q == nil {
			q = map[string]string{}
		}
		q["classifier"] = c
	}
	var p inventory.Package
	if version == "" {
		p = m.resolvedPackage(group, artifact, "", q)
		why := "no <version>, and no <dependencyManagement> entry in this pom or its local parents"
		switch {
		case len(m.imports) > 0:
			why += fmt.Sprintf(" (imported BOMs %s are not resolved offline)", strings.Join(m.imports, ", "))
		case m.missingParent != "":
			why += fmt.Sprintf(" (parent %s is not in the scanned tree)", m.missingParent)
		}
		if prev, ok := p.Property(propUnresolved); ok {
			why = prev + "; " + why
		}
		p.SetProperty(propUnresolved, why)
	} else {
		p = m.resolvedPackage(group, artifact, version, q)
	}
	p.Direct = true
	switch scope {
	case "", "compile":
	case "test":
		p.Dev = true
		p.SetProperty(propScope, scope)
	default: // provided, runtime, system
		p.SetProperty(propScope, scope)
	}
	if o, _ := m.expand(optional); o == "true" {
		p.SetProperty(propOptional, "true")
	}
	return p, scope, nil
}
