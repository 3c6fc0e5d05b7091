#!/usr/bin/env python3
"""Measured figures: recorded by the scripts that measure them, rendered into the README.

Nobody types a measured number into the README. The test command and the demo record what
they measured (`record`, into target/); `update` keeps those records in docs/figures/ (one
file per kind of run: the test command or the demo, from a fresh clone or with warm caches)
and regenerates the blocks between `<!-- figures:begin NAME -->` and `<!-- figures:end NAME -->`
of the README and docs/firmware.md from them; `check` fails when those blocks are not what
docs/figures/ renders (the test command runs it in its `header-check` step). The firmware
figures (flash, stack per C function) are a record of their own, the test command's `c-qemu`
step's, also read by `cargo xtask gen` for the header's stack table; the flash savings step by
step are docs/figures/firmware-steps.json (`scripts/firmware.py record-step`).

    python3 scripts/figures.py record test --logs target/ci-logs --seconds 300 --passed 9 \\
        --failed 0 --cold-target false --new-venv false      # by scripts/test.sh
    python3 scripts/figures.py record firmware --log target/ci-logs/c-qemu.log  # by test.sh
    python3 scripts/figures.py record demo --seconds 25 --cold false   # by scripts/demo.sh
    python3 scripts/figures.py update     # after a run: keep its figures, regenerate the README
    python3 scripts/figures.py check      # the README's blocks match docs/figures/

Standard library only (it runs before the venv exists).
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
STORE = ROOT / "docs" / "figures"
RECORDS = {
    "test": ROOT / "target" / "ci-logs" / "figures.json",
    "firmware": ROOT / "target" / "ci-logs" / "firmware.json",
    "demo": ROOT / "target" / "demo" / "figures.json",
}

SIZE = r"text (\d+) B, data (\d+) B, bss (\d+) B"
FLASH = r"sdk (\d+) B, builtins (\d+) B, total (\d+) B"
FIRMWARE_LINE = re.compile(r"^firmware: (\S+) " + FLASH + r", budget (\d+) B")
CAPABILITY_LINE = re.compile(r"^firmware-capability: (\S+) (\S+) " + FLASH)
PANICS_LINE = re.compile(r"^panics: (\S+) (\d+) functions")
IMAGE_LINE = re.compile(r"^size: (\S+) " + SIZE)
STACK_LINE = re.compile(r"^stack: (\S+) (\S+) (\S+) (\d+) B \((\d+) calls?\)$")


# --- recording ----------------------------------------------------------------------------

def command_output(*args):
    try:
        return subprocess.run(args, cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine():
    """What the figures were measured on."""
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = None
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "os": system,
            "rustc": command_output("rustc", "-V")}


def run_identity():
    """When, and at which commit (and whether the work tree had uncommitted changes)."""
    status = command_output("git", "status", "--porcelain", "--untracked-files=no")
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = None
    return {
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": command_output("git", "rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(status) if status is not None else None,
        # The machine's load average over 1, 5 and 15 minutes when the run ended: other work
        # on a shared machine slows a run down.
        "load_average": load,
    }


def size(match, first):
    return {key: int(match.group(first + i)) for i, key in enumerate(("text", "data", "bss"))}


def record_test(args):
    """The test command's figures: step times and totals (the firmware's are `record
    firmware`)."""
    logs = Path(args.logs)
    steps = []
    for line in (logs / "steps.tsv").read_text().splitlines():
        name, seconds, outcome = line.split("\t")
        steps.append({"name": name, "seconds": int(seconds), "ok": outcome == "ok"})
    setup_log = logs / "setup.log"
    installed_apt = setup_log.exists() and any(
        line.startswith("setup: installing") for line in setup_log.read_text().splitlines())
    return {
        "kind": "test",
        "run": {**run_identity(),
                "cold": {"target": args.cold_target == "true", "venv": args.new_venv == "true",
                         "apt_packages_installed": installed_apt}},
        "machine": machine(),
        "result": {"seconds": args.seconds, "passed": args.passed, "failed": args.failed,
                   "steps": steps},
    }


def flash(match, first):
    return {key: int(match.group(first + i)) for i, key in
            enumerate(("sdk", "builtins", "total"))}


def record_firmware(args):
    """The firmware figures of the test command's `c-qemu` step (its log): flash per build
    and per capability, the C test images, reachable panic paths, stack per function."""
    firmware, capabilities, images, stack, panics = {}, [], [], [], {}
    for line in Path(args.log).read_text().splitlines():
        if m := FIRMWARE_LINE.match(line):
            firmware[m.group(1)] = {**flash(m, 2), "budget": int(m.group(5))}
        elif m := CAPABILITY_LINE.match(line):
            capabilities.append({"build": m.group(1), "capability": m.group(2), **flash(m, 3)})
        elif m := PANICS_LINE.match(line):
            panics[m.group(1)] = int(m.group(2))
        elif m := IMAGE_LINE.match(line):
            images.append({"name": m.group(1), **size(m, 2)})
        elif m := STACK_LINE.match(line):
            stack.append({"build": m.group(1), "cpu": m.group(2), "function": m.group(3),
                          "bytes": int(m.group(4)), "calls": int(m.group(5))})
    return {
        "kind": "firmware",
        "run": run_identity(),
        "machine": machine(),
        "firmware": firmware,
        "capabilities": capabilities,
        "panics": panics,
        "images": images,
        "stack": stack,
    }


def record_demo(args):
    return {
        "kind": "demo",
        "run": {**run_identity(), "cold": {"target": args.cold == "true"}},
        "machine": machine(),
        "result": {"seconds": args.seconds},
    }


# --- rendering ----------------------------------------------------------------------------

def duration(seconds):
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def number(value):
    return f"{value:,}"


def kib(size_bytes):
    return f"{size_bytes / 1024:.1f} KiB"


def provenance(figures):
    """`run of 2026-05-21, commit abc1234, 2 cores, Intel Xeon, load average 1.2, Debian 12,
    rustc 1.95.0`."""
    run, host = figures["run"], figures["machine"]
    commit = f"commit `{run['commit']}`" if run.get("commit") else "an unknown commit"
    if run.get("uncommitted_changes"):
        commit += " with uncommitted changes"
    parts = [f"run of {run['finished'][:10]}", commit,
             f"{host['cores']} cores, {host['cpu'] or 'unknown CPU'}"]
    if run.get("load_average"):
        parts.append(f"load average {run['load_average'][2]:.1f} over the last 15 min of the run")
    parts += [value for value in (host.get("os"), host.get("rustc")) if value]
    return ", ".join(parts)


def stored(name):
    path = STORE / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def render_test_times():
    runs = [(label, stored(name)) for name, label in
            (("test-cold", "fresh clone"), ("test-warm", "warm caches"))]
    runs = [(label, figures) for label, figures in runs if figures]
    if not runs:
        return "No run recorded yet: `./scripts/test.sh`, then `python3 scripts/figures.py update`."
    names = []
    for _, figures in runs:
        names += [s["name"] for s in figures["result"]["steps"] if s["name"] not in names]
    out = ["| step | " + " | ".join(label for label, _ in runs) + " |",
           "| --- |" + " ---: |" * len(runs)]
    for name in names:
        cells = []
        for _, figures in runs:
            step = next((s for s in figures["result"]["steps"] if s["name"] == name), None)
            cells.append("—" if step is None else
                         duration(step["seconds"]) + ("" if step["ok"] else " (failed)"))
        out.append(f"| `{name}` | " + " | ".join(cells) + " |")
    out.append("| **total** | " + " | ".join(
        f"**{duration(figures['result']['seconds'])}**" for _, figures in runs) + " |")
    out.append("")
    for label, figures in runs:
        cold = figures["run"]["cold"]
        state = {(True, True): "no `target/`, a new `.venv`",
                 (True, False): "no `target/`, an existing `.venv`",
                 (False, True): "an existing `target/`, a new `.venv`",
                 (False, False): "an existing `target/` and `.venv`"}[
                     (cold["target"], cold["venv"])]
        if cold.get("apt_packages_installed"):
            state += ", the apt packages installed by the run"
        else:
            state += ", the apt packages already there"
        result = figures["result"]
        out.append(f"- {label}: {state}; `ci: {result['passed']} passed, "
                   f"{result['failed']} failed`; {provenance(figures)}.")
    return "\n".join(out)


def render_demo_time():
    parts = []
    for name, label in (("demo-cold", "with its release builds still to make, as on a fresh "
                                      "clone after the test command"),
                        ("demo-warm", "with warm caches")):
        figures = stored(name)
        if figures:
            parts.append(f"**{duration(figures['result']['seconds'])}** {label} "
                         f"({provenance(figures)})")
    if not parts:
        return ("Its time is not recorded yet: `./scripts/demo.sh`, then "
                "`python3 scripts/figures.py update`.")
    return "The demo took " + "; ".join(parts) + "."


CAPABILITY_NAMES = {
    "rules": "rules only: rule sets, customer records, evaluate, outcomes, refunds",
    "cards": "cards and accounts",
    "churn": "churn scoring: model blobs, churn summaries",
    "all": "all, with applying outcomes to cards and accounts",
}
STACK_COLUMNS = (("cortex-m3", "signing"), ("cortex-m3", "no-signing"),
                 ("cortex-m4f", "signing"), ("cortex-m4f", "no-signing"))


def render_footprint():
    figures = stored("firmware")
    if figures is None:
        return "No firmware figures recorded yet: `./scripts/test.sh`, then " \
               "`python3 scripts/figures.py update`."
    out = []
    firmware = figures["firmware"]
    parts = []
    for build, label in (("signing", "with `signing`"), ("no-signing", "without it")):
        if build in firmware:
            f = firmware[build]
            parts.append(f"{number(f['total'])} B {label} ({number(f['sdk'])} B of the SDK's "
                         f"code and data, {number(f['builtins'])} B of `compiler_builtins` "
                         f"helpers; budget {number(f['budget'])} B)")
    if parts:
        out += ["Flash of the C API in a Cortex-M3 image that links every function "
                "(`scripts/firmware.py`; the measure and the savings so far: "
                "`docs/firmware.md`): " + "; ".join(parts) + ".", ""]
    if figures["capabilities"]:
        out += ["| capabilities linked | with `signing` | without |", "| --- | ---: | ---: |"]
        for capability, label in CAPABILITY_NAMES.items():
            cells = []
            for build in ("signing", "no-signing"):
                entry = next((c for c in figures["capabilities"] if c["capability"] ==
                              capability and c["build"] == build), None)
                cells.append("—" if entry is None else f"{number(entry['total'])} B")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("")
    if figures["images"]:
        out += ["| C test image (with `signing`) | text | data | bss (static RAM) |",
                "| --- | ---: | ---: | ---: |"]
        for image in figures["images"]:
            out.append(f"| `{image['name']}` | {number(image['text'])} B | "
                       f"{number(image['data'])} B | {number(image['bss'])} B |")
        out.append("")
    if figures["stack"]:
        functions = []
        for entry in figures["stack"]:
            if entry["function"] not in functions:
                functions.append(entry["function"])
        out += ["Stack per C function, the largest over the shared test data's calls, measured "
                "by painting (`ffi/tests/arm/stack_probe.c`; the test command fails above "
                "8 KiB):", "",
                "| function | Cortex-M3 | Cortex-M3, no `signing` | Cortex-M4F | "
                "Cortex-M4F, no `signing` |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for function in functions:
            cells = []
            for cpu, build in STACK_COLUMNS:
                entry = next((e for e in figures["stack"] if e["function"] == function and
                              e["cpu"] == cpu and e["build"] == build), None)
                cells.append("—" if entry is None else kib(entry["bytes"]))
            out.append(f"| `{function}` | " + " | ".join(cells) + " |")
        out.append("")
    out.append(f"Measured by the test command's `c-qemu` step: {provenance(figures)}.")
    return "\n".join(out)


def render_firmware_steps():
    path = STORE / "firmware-steps.json"
    steps = json.loads(path.read_text()) if path.exists() else []
    if not steps:
        return "No step recorded yet: `python3 scripts/firmware.py record-step`."
    out = ["| step | with `signing` | saved | without `signing` | saved | what |",
           "| --- | ---: | ---: | ---: | ---: | --- |"]
    previous = None
    for step in steps:
        cells = []
        for build in ("signing", "no-signing"):
            total = step[build]["total"]
            cells.append(f"{number(total)} B")
            cells.append("—" if previous is None else
                         f"{number(previous[build]['total'] - total)} B")
        commit = f" (`{step['commit']}`" if step.get("commit") else ""
        if commit:
            commit += " with changes)" if step.get("uncommitted_changes") else ")"
        out.append(f"| {step['step']}{commit} | " + " | ".join(cells) + f" | {step['what']} |")
        previous = step
    budgets = "; ".join(f"{build}: {number(step[build]['total'])} B" for build in
                        ("signing", "no-signing"))
    out += ["", f"Last step: {budgets}. Budgets: 98,304 B (96 KiB) with `signing`, "
            "65,536 B (64 KiB) without."]
    return "\n".join(out)


BLOCKS = {
    "demo-time": render_demo_time,
    "test-times": render_test_times,
    "footprint": render_footprint,
    "firmware-steps": render_firmware_steps,
}
# The files whose figures blocks are generated.
DOCUMENTS = (README, ROOT / "docs" / "firmware.md")
BLOCK = re.compile(r"(<!-- figures:begin (\S+) -->\n)(.*?)(<!-- figures:end \2 -->)", re.S)


def render(text):
    """A document with every figures block regenerated; an unknown block name is an error."""
    def replace(match):
        name = match.group(2)
        if name not in BLOCKS:
            raise SystemExit(f"figures: unknown figures block `{name}`")
        return (f"{match.group(1)}<!-- generated by scripts/figures.py from docs/figures/; "
                f"do not edit -->\n\n{BLOCKS[name]()}\n\n{match.group(4)}")
    return BLOCK.sub(replace, text)


# --- commands -----------------------------------------------------------------------------

def update(args):
    paths = [Path(p) for p in args.records] or [p for p in RECORDS.values() if p.exists()]
    STORE.mkdir(parents=True, exist_ok=True)
    for path in paths:
        figures = json.loads(path.read_text())
        name = figures["kind"]
        if name != "firmware":
            name += f"-{'cold' if figures['run']['cold']['target'] else 'warm'}"
        (STORE / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures: {path} -> docs/figures/{name}.json")
    for document in DOCUMENTS:
        if document.exists():
            document.write_text(render(document.read_text()))
            print(f"figures: {document.relative_to(ROOT)} regenerated")


def check(_args):
    stale = [document for document in DOCUMENTS
             if document.exists() and render(document.read_text()) != document.read_text()]
    for document in stale:
        print(f"figures: {document.relative_to(ROOT)}'s figures blocks differ from docs/figures/ "
              f"(run python3 scripts/figures.py update, or edit docs/figures/, never the "
              f"document)")
    if stale:
        return 1
    print("figures: README.md and docs/firmware.md match docs/figures/")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="print a run's figures as JSON")
    kinds = rec.add_subparsers(dest="kind", required=True)
    test = kinds.add_parser("test")
    test.add_argument("--logs", required=True)
    test.add_argument("--seconds", type=int, required=True)
    test.add_argument("--passed", type=int, required=True)
    test.add_argument("--failed", type=int, required=True)
    test.add_argument("--cold-target", choices=("true", "false"), required=True)
    test.add_argument("--new-venv", choices=("true", "false"), required=True)
    firmware = kinds.add_parser("firmware")
    firmware.add_argument("--log", required=True, help="the c-qemu step's log")
    demo = kinds.add_parser("demo")
    demo.add_argument("--seconds", type=int, required=True)
    demo.add_argument("--cold", choices=("true", "false"), required=True)
    upd = commands.add_parser("update", help="keep run records in docs/figures/, regenerate "
                              "the README (default: the latest test and demo records)")
    upd.add_argument("records", nargs="*")
    commands.add_parser("check", help="fail if the README's blocks are stale")
    args = parser.parse_args()
    if args.command == "record":
        figures = {"test": record_test, "firmware": record_firmware,
                   "demo": record_demo}[args.kind](args)
        print(json.dumps(figures, indent=2))
        return 0
    if args.command == "update":
        update(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
