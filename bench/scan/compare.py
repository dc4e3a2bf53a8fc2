#!/usr/bin/env python3
"""Compare hallmark's scan JSON with a peer's, per package and advisory.

    compare.py osv HALLMARK.json OSV-SCANNER.json
    compare.py govulncheck HALLMARK.json GOVULNCHECK.json

For osv-scanner, a finding matches when the peer's group for the same
package (name and version, "v" prefix ignored) shares an ID or alias with
it. For govulncheck (-json, any -scan level), the comparison is per module
and advisory, with govulncheck's level (symbol = called, package =
imported, module = required) beside hallmark's reachability label.
Prints one line per difference and a summary line; exits 0.
"""
import json
import sys


def hallmark(path):
    d = json.load(open(path))
    out = {}
    for p in d["packages"]:
        key = (p["ecosystem"], p["name"], p.get("version", "").lstrip("v"))
        for f in p["findings"]:
            out.setdefault(key, {})[f["id"]] = f
    return out


def osv(path):
    d = json.load(open(path))
    out = {}
    for r in d.get("results", []):
        for p in r["packages"]:
            pk = p["package"]
            key = (pk["ecosystem"], pk["name"], pk["version"].lstrip("v"))
            # A package found in several manifests is listed once per
            # manifest; its groups count once.
            for g in p.get("groups", []):
                ids = set(g["ids"]) | set(g.get("aliases", []))
                if ids not in out.setdefault(key, []):
                    out[key].append(ids)
    return out


def compare_osv(hm_path, peer_path):
    hm, peer = hallmark(hm_path), osv(peer_path)
    same = only_hm = only_peer = 0
    for key in sorted(set(hm) | set(peer)):
        groups = peer.get(key, [])
        used = set()
        for fid, f in sorted(hm.get(key, {}).items()):
            ids = {fid, *f.get("aliases", [])}
            hit = next((i for i, g in enumerate(groups) if g & ids), None)
            if hit is None:
                only_hm += 1
                print(f"hallmark only: {key[0]} {key[1]}@{key[2]} {fid}")
            else:
                used.add(hit)
                same += 1
        for i, g in enumerate(groups):
            if i not in used:
                only_peer += 1
                print(f"osv-scanner only: {key[0]} {key[1]}@{key[2]} {sorted(g)[0]} ({', '.join(sorted(g))})")
    print(f"summary: {same} in both, {only_hm} hallmark only, {only_peer} osv-scanner only")


def govulncheck(path):
    out = {}
    dec = json.JSONDecoder()
    text = open(path).read()
    i = 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        f = obj.get("finding")
        if not f:
            continue
        t = f["trace"][0]
        level = "called" if t.get("function") else "imported only" if t.get("package") else "not imported"
        key = (t["module"], f["osv"])
        rank = {"called": 2, "imported only": 1, "not imported": 0}
        if key not in out or rank[level] > rank[out[key]]:
            out[key] = level
    return out


def compare_govulncheck(hm_path, peer_path):
    hm = hallmark(hm_path)
    flat = {}
    for (eco, name, _), fs in hm.items():
        if eco != "Go":
            continue
        for fid, f in fs.items():
            status = (f.get("reachability") or {}).get("status", "-")
            # govulncheck leaves out advisories for other platforms.
            if status != "other platform":
                flat[(name, fid)] = status
    peer = govulncheck(peer_path)
    same = diff = 0
    for key in sorted(set(flat) | set(peer)):
        a, b = flat.get(key, "absent"), peer.get(key, "absent")
        if a == b:
            same += 1
        else:
            diff += 1
            print(f"{key[0]} {key[1]}: hallmark {a}, govulncheck {b}")
    print(f"summary: {same} agree, {diff} differ")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    {"osv": compare_osv, "govulncheck": compare_govulncheck}[sys.argv[1]](sys.argv[2], sys.argv[3])
