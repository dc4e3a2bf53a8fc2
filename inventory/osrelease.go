package inventory

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// ParseOSRelease reads an os-release file
// (https://www.freedesktop.org/software/systemd/man/os-release.html).
// Lines that are not KEY=VALUE are ignored, as the spec asks. It returns nil
// when the file names no ID.
func ParseOSRelease(data []byte) *Distro {
	var d Distro
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if u, err := strconv.Unquote(v); err == nil {
			v = u
		} else {
			v = strings.Trim(v, `"'`)
		}
		switch k {
		case "ID":
			d.ID = v
		case "VERSION_ID":
			d.VersionID = v
		case "VERSION_CODENAME":
			d.Codename = v
		case "PRETTY_NAME":
			d.PrettyName = v
		}
	}
	if d.ID == "" {
		return nil
	}
	return &d
}

// PURLQualifier is the distro qualifier purls of OS packages carry:
// "debian-12", "ubuntu-22.04", "alpine-3.20.3".
func (d *Distro) PURLQualifier() string {
	if d == nil {
		return ""
	}
	if d.VersionID == "" {
		return d.ID
	}
	return d.ID + "-" + d.VersionID
}
