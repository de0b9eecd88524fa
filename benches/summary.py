#!/usr/bin/env python3
"""Prints criterion's mean estimates per group and the ratio to a baseline benchmark.

Usage: python3 benches/summary.py [GROUP=BASELINE ...]   (e.g. save=bulk_to_be_bytes)
"""
import json, os, sys

root = os.environ.get("CRITERION_DIR", os.path.join(os.path.dirname(__file__), "..", "target", "criterion"))
baselines = dict(a.split("=", 1) for a in sys.argv[1:])
for group in sorted(os.listdir(root)):
    gdir = os.path.join(root, group)
    if not os.path.isdir(gdir) or group == "report":
        continue
    rows = {}
    for bench in sorted(os.listdir(gdir)):
        est = os.path.join(gdir, bench, "new", "estimates.json")
        if os.path.exists(est):
            rows[bench] = json.load(open(est))["mean"]["point_estimate"]
    base = rows.get(baselines.get(group, ""), None)
    print(f"{group}:")
    for bench, ns in sorted(rows.items(), key=lambda kv: kv[1]):
        ratio = f"  {ns / base:5.2f}x" if base else ""
        print(f"  {bench:24} {ns:10.1f} ns{ratio}")
