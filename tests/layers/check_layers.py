#!/usr/bin/env python3
"""Fails when a source file includes across a layer the wrong way (docs/ARCHITECTURE.md).

Layers, lowest first: core <- net <- probes, providers <- daemon. A file may include its own
layer and the layers below it, never one above or beside it. core/ is pure: besides core/ it
includes only C++ standard headers (<map>, <chrono>: no extension, no directory). planbctl
(daemon/ctl/) is a client: it may not include the daemon's event loop, HTTP server, metrics or
fleet agent, only what RULES lets it.

Usage: check_layers.py ROOT   (exit 0: clean; 1: the violations, one per line, file:line)
"""
import os
import re
import sys

# Layer of a path relative to ROOT: the first matching prefix.
LAYERS = [
    ("daemon/ctl/", "ctl"),
    ("daemon/", "daemon"),
    ("core/", "core"),
    ("net/", "net"),
    ("probes/", "probes"),
    ("providers/", "providers"),
]
# What each layer may include (besides itself and the standard library).
ALLOWED = {
    "core": set(),
    "net": {"core"},
    "probes": {"core", "net"},
    "providers": {"core", "net"},
    "daemon": {"core", "net", "probes", "providers"},
    "ctl": {"core", "net"},
}
# Single headers a layer may include from a layer it may not otherwise reach.
EXCEPTIONS = {
    "ctl": ("daemon/config/", "daemon/load_and_check.hpp"),
}
# Where quoted includes are looked up, after the including file's own folder (CMake's include
# directories: the repository root and daemon/).
SEARCH = ["", "daemon/"]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
STANDARD = re.compile(r"^[a-z_0-9]+$")  # <map>, <cstdint>, <string_view>


def layer_of(path):
    for prefix, name in LAYERS:
        if path.startswith(prefix):
            return name
    return None


def resolve(root, including, header):
    here = os.path.dirname(including)
    for base in [here] + SEARCH:
        candidate = os.path.normpath(os.path.join(base, header))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def allowed(layer, target_path):
    target = layer_of(target_path)
    if target is None or target == layer or target in ALLOWED[layer]:
        return True
    return any(target_path.startswith(p) or target_path == p for p in EXCEPTIONS.get(layer, ()))


def check(root):
    problems = []
    for top in sorted({prefix.split("/")[0] for prefix, _ in LAYERS}):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp", ".in")):
                    continue
                path = os.path.relpath(os.path.join(folder, name), root)
                layer = layer_of(path)
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        kind, header = m.groups()
                        where = f"{path}:{number}"
                        if kind == "<":
                            if layer == "core" and not STANDARD.match(header):
                                problems.append(f"{where}: core/ is standard library only, "
                                                f"but includes <{header}>")
                            continue
                        target = resolve(root, path, header)
                        if target is None:
                            continue  # generated or system header: the compiler judges it
                        if not allowed(layer, target):
                            problems.append(f"{where}: {layer_of(target) or target} is above "
                                            f"or beside {layer}: #include \"{header}\" "
                                            f"({target})")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} include(s) across a layer the wrong way "
              "(docs/ARCHITECTURE.md)", file=sys.stderr)
        return 1
    print("check_layers: every include points down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
