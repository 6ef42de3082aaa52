#!/usr/bin/env python3
"""The compile property: when keapgen accepts a mutated spec, the crate it writes compiles.

Makes COUNT accepted mutants (fuzz/examples/sample_mutants.rs: a fixed pseudo-random sample of
the mutate_spec target's edits on the golden fixtures), then `cargo check`s every crate in
one workspace (--keep-going) and prints how many compiled. Not in CI: it takes minutes.

    python3 fuzz/compile_mutants.py [COUNT]        # default 50; OUT: target/mutants

MUTANTS_REAL_SPECS=1 also mutates the real Keap specs (each crate then takes a minute).
"""

import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    out = os.path.join(ROOT, "target", "mutants")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        ["cargo", "build", "-q", "--release", "--no-default-features", "--example", "sample_mutants"],
        cwd=os.path.join(ROOT, "fuzz"),
        check=True,
    )
    sample = subprocess.run(
        [os.path.join(ROOT, "fuzz", "target", "release", "examples", "sample_mutants"), str(count), out],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if sample.returncode != 0:
        print(sample.stderr, file=sys.stderr)
        return 1
    mutants = dict(line.split(" ", 1) for line in sample.stdout.splitlines() if line.strip())
    print(sample.stderr.strip().splitlines()[-1])
    # The same dependency versions as the project.
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(out, "Cargo.lock"))
    started = time.time()
    check = subprocess.run(
        ["cargo", "check", "--workspace", "--keep-going", "--message-format", "short"],
        cwd=out,
        capture_output=True,
        text=True,
        env={**os.environ, "CARGO_TARGET_DIR": os.path.join(ROOT, "target", "mutants-target")},
        timeout=3600,
    )
    failed = sorted(set(re.findall(r"could not compile `(mutant_\d+)`", check.stderr)))
    checked = set(re.findall(r"Checking (mutant_\d+) ", check.stderr))
    if check.returncode != 0 and not failed:
        print(check.stderr[-3000:], file=sys.stderr)
        print("cargo check failed before checking the mutants", file=sys.stderr)
        return 1
    if checked != set(mutants):
        print(f"cargo checked {len(checked)} of the {len(mutants)} mutants", file=sys.stderr)
        return 1
    for name in failed:
        print(f"{name} does not compile; its edits: {mutants.get(name, '?')}")
        errors = [l for l in check.stderr.splitlines() if f"mutants/{name}/" in l and "error" in l]
        for line in errors[:5]:
            print("   ", line)
    compiled = len(mutants) - len(failed)
    print(f"compile property: {compiled} of {len(mutants)} accepted mutants compiled ({time.time() - started:.0f} s)")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
