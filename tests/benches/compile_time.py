#!/usr/bin/env python3
"""Compile time of the generated `keap` crate, as a consumer feels it. Prints numbers, asserts
nothing. Run from the repository root: `python3 tests/benches/compile_time.py` (about 5 min on
2 cores). Options: `--runs N` (default 3), `--crate DIR` (default generated/keap).

For the crate's library alone (dependencies built first, then only `keap` recompiled by
touching its `src/lib.rs`), median of the runs: `cargo check` time and rustc's peak memory,
the same with one operation group (`contact`) and with two (`contact`, `tags`), all groups and
`contact` with the test kit (`testing`), and `cargo build --release`. Then a new consumer's cold `cargo check` (fresh target dir, crates already
downloaded) of a program using one group, next to the same program without `keap`: the
difference is what the crate itself costs.

Its own target dirs live under target/compile-time, so other builds are left alone.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "target" / "compile-time"


def timed(cmd, cwd, env=None):
    """Seconds and peak RSS (MB) of `cmd` and everything it starts, via GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        start = time.monotonic()
        done = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M"] + cmd, cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.monotonic() - start
        if done.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-4000:]}")
        kb = int(out.read().strip().splitlines()[-1])
    return seconds, kb / 1024


def features(crate):
    text = (crate / "Cargo.toml").read_text()
    section = text.split("[features]", 1)[1].split("\n[", 1)[0] if "[features]" in text else ""
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_-]+)\s*=", section, re.M)}


def lib_alone(crate, target, runs, extra, release=False):
    """Median seconds and peak MB of rebuilding only the crate's library, from scratch:
    incremental compilation off, so nothing of the previous build is reused."""
    cmd = ["cargo", "build" if release else "check", "--offline", "--lib", "--manifest-path",
           str(crate / "Cargo.toml"), "--target-dir", str(target)] + extra
    env = dict(os.environ, CARGO_INCREMENTAL="0")
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    for _ in range(runs):
        os.utime(crate / "src" / "lib.rs")
        samples.append(timed(cmd, ROOT, env))
    return statistics.median(s for s, _ in samples), statistics.median(m for _, m in samples)


def consumer(crate, with_keap, group):
    """Seconds of a new program's cold `cargo check` (fresh target dir)."""
    manifest = (crate / "Cargo.toml").read_text()
    deps = manifest.split("[dependencies]", 1)[1].split("\n[", 1)[0]
    app = Path(tempfile.mkdtemp(prefix="keap-consumer-", dir=WORK))
    (app / "src").mkdir()
    if with_keap:
        feats = f', default-features = false, features = ["{group}"]' if group else ""
        dep = f'keap = {{ path = "{crate}"{feats} }}\n'
        main = "fn main() { let _ = keap::Client::new(); }\n"
    else:
        # The same dependencies keap has, so the difference is keap alone.
        dep = deps
        main = "fn main() {}\n"
    (app / "src" / "main.rs").write_text(main)
    (app / "Cargo.toml").write_text(
        f'[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{dep}\n[workspace]\n')
    # One lock file for both, so both resolve the same versions.
    shutil.copy(ROOT / "Cargo.lock", app / "Cargo.lock")
    seconds, _ = timed(["cargo", "check", "--offline", "-q"], app, dict(os.environ, CARGO_INCREMENTAL="0"))
    shutil.rmtree(app)
    return seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--crate", default=str(ROOT / "generated" / "keap"))
    args = ap.parse_args()
    crate = Path(args.crate).resolve()
    WORK.mkdir(parents=True, exist_ok=True)
    target = WORK / "target"

    lines = sum(len(p.read_text().splitlines()) for p in (crate / "src").rglob("*.rs"))
    generated = sum(len(p.read_text().splitlines()) for p in (crate / "src").rglob("*.rs")
                    if "runtime" not in p.parts)
    print(f"keap crate at {crate}")
    print(f"  lines of Rust in src/: {lines} ({generated} generated, {lines - generated} runtime)")
    print(f"  (median of {args.runs}; the library alone, dependencies already built)")

    have = features(crate)
    rows = [("cargo check, all groups", [], False)]
    for groups in (["contact"], ["contact", "tags"]):
        if all(g in have for g in groups):
            rows.append((f"cargo check, {' + '.join(groups)}", ["--no-default-features", "--features", ",".join(groups)], False))
        else:
            print(f"  cargo check, {' + '.join(groups)}: n/a (the crate has no such feature)")
    # The test kit (`testing`, off by default): what it adds when a test build turns it on.
    if "testing" in have:
        rows.append(("cargo check, all groups + testing", ["--features", "testing"], False))
        if "contact" in have:
            rows.append(("cargo check, contact + testing", ["--no-default-features", "--features", "contact,testing"], False))
    rows.append(("cargo build --release", [], True))
    for label, extra, release in rows:
        seconds, mb = lib_alone(crate, target, args.runs, extra, release)
        print(f"  {label:<34} {seconds:6.1f} s   rustc peak {mb:6.0f} MB")

    group = "contact" if "contact" in have else None
    base = consumer(crate, False, None)
    with_keap = consumer(crate, True, group)
    print(f"  new consumer, cold cargo check with keap ({group or 'all groups'}): {with_keap:.1f} s; "
          f"its dependencies alone: {base:.1f} s; keap adds {with_keap - base:.1f} s")


if __name__ == "__main__":
    main()
