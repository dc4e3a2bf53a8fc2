#!/usr/bin/env python3
"""Write the Go export of OSV (all.zip) in the layout govulncheck's -db
file:// reads (the vuln.go.dev layout, https://go.dev/doc/security/vuln/database#api):

    DIR/index/db.json       {"modified": ...}
    DIR/index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}]
    DIR/index/vulns.json    [{"id", "modified", "aliases"}]
    DIR/ID/<ID>.json        the OSV record

Usage: govulndb.py path/to/Go/all.zip OUTDIR
"""
import json
import os
import sys
import zipfile


def main(zip_path, out):
    os.makedirs(os.path.join(out, "index"), exist_ok=True)
    os.makedirs(os.path.join(out, "ID"), exist_ok=True)
    modules = {}
    vulns = []
    newest = "0001-01-01T00:00:00Z"
    with zipfile.ZipFile(zip_path) as z:
        for name in sorted(z.namelist()):
            if not name.endswith(".json"):
                continue
            data = z.read(name)
            rec = json.loads(data)
            with open(os.path.join(out, "ID", rec["id"] + ".json"), "wb") as f:
                f.write(data)
            mod = rec.get("modified", "0001-01-01T00:00:00Z")
            newest = max(newest, mod, rec.get("published", ""))
            vulns.append({"id": rec["id"], "modified": mod, "aliases": rec.get("aliases", [])})
            for a in rec.get("affected", []):
                path = a.get("package", {}).get("name")
                if not path:
                    continue
                fixed = ""
                for r in a.get("ranges", []):
                    for e in r.get("events", []):
                        if "fixed" in e:
                            fixed = e["fixed"]
                entry = {"id": rec["id"], "modified": mod}
                if fixed:
                    entry["fixed"] = fixed
                modules.setdefault(path, []).append(entry)
    with open(os.path.join(out, "index", "db.json"), "w") as f:
        json.dump({"modified": newest}, f)
    with open(os.path.join(out, "index", "modules.json"), "w") as f:
        json.dump([{"path": p, "vulns": v} for p, v in sorted(modules.items())], f)
    with open(os.path.join(out, "index", "vulns.json"), "w") as f:
        json.dump(vulns, f)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
