package main

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/rogpeppe/go-internal/testscript"
)

// mkimage builds a real image for scripts: `mkimage KIND OUT LAYERDIR...`
// with KIND oci (an OCI layout directory) or docker-archive (a docker save
// tarball). Each LAYERDIR becomes one layer, bottom first; files named
// .wh.NAME and .wh..wh..opq in it are whiteouts as in any layer.
func mkimage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: mkimage oci|docker-archive OUT LAYERDIR...")
	}
	img := buildImage(ts, args[2:])
	out := ts.MkAbs(args[1])
	switch args[0] {
	case "oci":
		p, err := layout.Write(out, empty.Index)
		ts.Check(err)
		ts.Check(p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "1.0"})))
	case "docker-archive":
		tag, err := name.NewTag("example.local/app:1.0")
		ts.Check(err)
		ts.Check(tarball.WriteToFile(out, tag, img))
	default:
		ts.Fatalf("mkimage: unknown kind %q", args[0])
	}
}

// mkregistry serves a registry in the test process for the script's
// lifetime and pushes an image built as mkimage builds one:
// `mkregistry REPO:TAG LAYERDIR...`. $REGISTRY is its host:port, so
// $REGISTRY/REPO:TAG is a bare reference hallmark pulls over HTTP (the
// library's rule for localhost and 127.0.0.1).
func mkregistry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mkregistry REPO:TAG LAYERDIR...")
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	ts.Defer(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ts.Setenv("REGISTRY", host)
	ref, err := name.ParseReference(host + "/" + args[0])
	ts.Check(err)
	ts.Check(remote.Write(ref, buildImage(ts, args[1:])))
}

// buildImage makes an image of one layer per directory, bottom first.
func buildImage(ts *testscript.TestScript, dirs []string) v1.Image {
	var layers []v1.Layer
	for _, d := range dirs {
		data, err := tarDir(ts.MkAbs(d))
		ts.Check(err)
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		ts.Check(err)
		layers = append(layers, l)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	ts.Check(err)
	cf, err := img.ConfigFile()
	ts.Check(err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Labels = map[string]string{"org.opencontainers.image.base.name": "docker.io/library/debian:12"}
	img, err = mutate.ConfigFile(img, cf)
	ts.Check(err)
	return img
}

func tarDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		// Fixed metadata, so diff IDs (and so the expected output) are stable.
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = time.Unix(1700000000, 0), time.Time{}, time.Time{}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), tw.Close()
}
