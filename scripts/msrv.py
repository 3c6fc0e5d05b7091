#!/usr/bin/env python3
"""Checks every workspace crate's `rust-version` against what Cargo.lock needs.

For each member of the workspace: the highest `rust-version` (or edition floor) among the
locked crates it builds with (normal and build dependencies, transitively, every target
platform, features as the workspace unifies them) must not exceed the version it declares.
What its tests need (dev-dependencies too) is printed beside it; that is the floor for
running the test suite, not part of the contract (CONTRIBUTING.md, "Toolchains").

Reads `cargo metadata --locked` (works offline). Exit status 1 if a crate claims less than
its dependencies need, or declares nothing. Run by the test command (step `msrv`).
"""

import json
import subprocess
import sys

# The first Rust release of each edition: a crate of that edition needs at least this.
EDITION_FLOOR = {"2015": "1.0", "2018": "1.31", "2021": "1.56", "2024": "1.85"}


def version(text):
    """`1.87` as (1, 87, 0): comparable with `1.87.0`."""
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def needs(package):
    """The Rust version a package states it needs: its rust-version, else its edition's floor."""
    return package.get("rust_version") or EDITION_FLOOR.get(package["edition"], "1.0")


def closure(nodes, start, first_kinds):
    """The packages `start` builds with: its deps of `first_kinds`, then normal and build deps."""
    def wanted(dep, kinds):
        return any((kind["kind"] or "normal") in kinds for kind in dep["dep_kinds"])

    seen = set()
    stack = [dep["pkg"] for dep in nodes[start]["deps"] if wanted(dep, first_kinds)]
    while stack:
        package = stack.pop()
        if package in seen:
            continue
        seen.add(package)
        stack.extend(dep["pkg"] for dep in nodes[package]["deps"]
                     if wanted(dep, ("normal", "build")))
    return seen


def highest(packages, ids):
    """(version, 'name version') of the package in `ids` that needs the newest Rust."""
    top = max(ids, key=lambda i: version(needs(packages[i])), default=None)
    if top is None:
        return "1.0", "nothing"
    package = packages[top]
    return needs(package), f"{package['name']} {package['version']}"


def main():
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--locked", "--format-version", "1"],
        check=True, capture_output=True, text=True).stdout)
    packages = {p["id"]: p for p in metadata["packages"]}
    nodes = {n["id"]: n for n in metadata["resolve"]["nodes"]}
    failed = False
    for member in metadata["workspace_members"]:
        package = packages[member]
        declared = package.get("rust_version")
        build, build_by = highest(packages, closure(nodes, member, ("normal", "build")))
        test, test_by = highest(packages, closure(nodes, member, ("normal", "build", "dev")))
        tests = f"; its tests need {test} ({test_by})" if version(test) > version(build) else ""
        if declared is None:
            print(f"msrv: {package['name']} declares no rust-version; "
                  f"its dependencies need {build} ({build_by})")
            failed = True
        elif version(declared) < version(build):
            print(f"msrv: {package['name']} declares {declared} but {build_by} needs {build}")
            failed = True
        else:
            print(f"msrv: {package['name']} declares {declared}; "
                  f"its dependencies need {build} ({build_by}){tests}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
