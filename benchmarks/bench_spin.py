"""einval's explicit engine and SPIN side by side, on the same models.

    python benchmarks/bench_spin.py                 # shipped + Go family
    python benchmarks/bench_spin.py --family go --sizes 2x3,3x1
    python benchmarks/bench_spin.py --timeout 120   # per command

Why: issue 12 asks for the explicit engine's speed next to an
established checker's on the same question.  Both sides get the model
``einval export --format promela`` writes, and both run as whole
processes, timed from outside (wall and CPU seconds, and the peak RSS
of the largest process, from ``wait4``; on a shared machine the CPU
seconds are the steadier figure):

- einval: ``einval check --design D --scenario S --property P``;
- einval with partial-order reduction (``--por``: ``EINVAL_POR=1``);
- SPIN, end to end: ``spin -a``, ``gcc -O2 -DSAFETY``, ``./pan`` (DFS,
  pan's default 2**24-slot hash table), summed; in three forms:
  ``default`` (dead variable elimination and partial order reduction
  on), ``noreduce`` (``-DNOREDUCE``), ``exact`` (``spin -o2
  -DNOREDUCE``: pan stores einval's states plus one).

The property is one that holds, so both searches are exhaustive; SPIN's
second run, for the witness, is not timed (it stops at the first
witness state).  Cases: every shipped scenario with ``--design``
(default stateful-reg), and the Go family of the issue: N unpinned
goroutines on N OS threads, c calls each, one buffer slot, and the
4th-argument family (``threads``: N threads x c calls, design
4th-arg), written into a temporary folder.  A command over
``--timeout`` is killed and shown as ``>T``; one over ``--memory``
fails (einval: a MemoryError).  Nothing is asserted: speed is measured, never tested.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from einval import catalog, promela, world

SPIN_FORMS = {
    "default": ([], []),
    "noreduce": ([], ["-DNOREDUCE"]),
    "exact": (["-o2"], ["-DNOREDUCE"]),
}


@dataclass
class Run:
    """One whole-process measurement: wall and CPU (user + system)
    seconds, peak RSS in MiB."""

    seconds: float
    cpu: float
    mib: float
    timed_out: bool = False
    output: str = ""


MEMORY_LIMIT = 6 << 30  # bytes of address space per command (--memory)


def _limit_memory() -> None:
    """In the child: a MemoryError beats taking a shared machine's RAM."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def measure(command: list[str], cwd: Path | None = None, timeout: float = 300.0,
            env: dict[str, str] | None = None) -> Run:
    """Run ``command`` to the end (or ``timeout``); its wall time and peak
    RSS (``ru_maxrss`` of it and the children it waited for)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as sink:
        proc = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT,
                                preexec_fn=_limit_memory,
                                env=None if env is None else {**os.environ, **env})
        deadline = start + timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        sink.seek(0)
        output = sink.read().decode(errors="replace")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
               timed_out, output)


def go_scenario(goroutines: int, calls: int) -> str:
    """The issue's O2a-style family: N unpinned goroutines on N OS
    threads, ``calls`` failing calls each, one buffer slot."""
    lines = [f'description = "Go M:N, {goroutines} unpinned goroutines x {calls} calls"', ""]
    for n in range(1, goroutines + 1):
        lines += ["[[os_thread]]", f'name = "M{n}"', ""]
    for n in range(1, goroutines + 1):
        lines += ["[[goroutine]]", f'name = "G{n}"', f'on = "M{n}"', f"calls = {calls}", ""]
    lines += ["[syscall]", 'path = ["emit"]', "", "[bounds]", "buffer_slots = 1",
              "max_states = 100000000", ""]
    return "\n".join(lines)


def thread_scenario(threads: int, calls: int) -> str:
    """The issue's 4th-argument family: N threads, ``calls`` failing
    calls each, one buffer slot."""
    lines = [f'description = "{threads} threads x {calls} calls"', ""]
    for n in range(1, threads + 1):
        lines += ["[[thread]]", f'name = "T{n}"', f"calls = {calls}", ""]
    lines += ["[syscall]", 'path = ["emit"]', "", "[bounds]", "buffer_slots = 1",
              "max_states = 100000000", ""]
    return "\n".join(lines)


def einval_run(design: str, scenario: str, prop: str, timeout: float,
               por: bool = False) -> tuple[Run, str]:
    command = [sys.executable, "-m", "einval.cli", "check", "--design", design,
               "--scenario", scenario, "--property", prop, "--format", "json"]
    run = measure(command, timeout=timeout, env={"EINVAL_POR": "1" if por else "0"})
    if run.timed_out:
        return run, ""
    try:
        result = json.loads(run.output)["results"][0]
    except (ValueError, KeyError, IndexError):
        return run, "error: " + run.output.strip().splitlines()[-1][:60]
    return run, f"{result['states']} {result['verdict']}"


def spin_run(source: str, macro: str, form: str, workdir: Path, timeout: float
             ) -> tuple[Run, str]:
    """spin -a, gcc, pan, each a whole process; the sum of the three."""
    spin_flags, gcc_flags = SPIN_FORMS[form]
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "model.pml").write_text(source)
    steps = [
        ["spin", *spin_flags, f"-DCHECK_{macro}", "-a", "model.pml"],
        ["gcc", "-O2", "-DSAFETY", *gcc_flags, "-o", "pan", "pan.c"],
        ["./pan", "-m100000"],
    ]
    total, cpu, peak, left = 0.0, 0.0, 0.0, timeout
    for step in steps:
        run = measure(step, workdir, left)
        total, cpu, left = total + run.seconds, cpu + run.cpu, left - run.seconds
        peak = max(peak, run.mib)
        if run.timed_out or left <= 0:
            return Run(total, cpu, peak, True), ""
    pan = promela.parse_pan(run.output)
    verdict = "violated" if pan.violated else "no violation"
    return Run(total, cpu, peak), f"{pan.states} {verdict}"


def cases(args: argparse.Namespace, tmp: Path) -> list[tuple[str, str]]:
    """(label, scenario name or file) of every row."""
    rows = []
    if args.family in ("shipped", "all"):
        rows += [(name, name) for name in catalog.scenario_names()]
    if args.family in ("go", "all"):
        for size in args.sizes.split(","):
            n, c = (int(x) for x in size.lower().split("x"))
            path = tmp / f"go-{n}x{c}.toml"
            path.write_text(go_scenario(n, c))
            rows.append((f"go {n}x{c} 1 slot", str(path)))
    if args.family in ("threads", "all"):
        for size in args.thread_sizes.split(","):
            n, c = (int(x) for x in size.lower().split("x"))
            path = tmp / f"threads-{n}x{c}.toml"
            path.write_text(thread_scenario(n, c))
            rows.append((f"threads {n}x{c}", str(path)))
    return rows


def cell(run: Run, timeout: float) -> str:
    if run.timed_out:
        return f">{timeout:.0f}s"
    return f"{run.seconds:.2f}s/{run.cpu:.2f}s {run.mib:.0f}M"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=("shipped", "go", "threads", "all"),
                        default="all")
    parser.add_argument("--thread-sizes", default="4x1,4x2,4x3",
                        help="threads family sizes, THREADSxCALLS (default: 4x1,4x2,4x3)")
    parser.add_argument("--por", action="store_true",
                        help="also run einval with partial-order reduction")
    parser.add_argument("--sizes", default="2x3,3x1,3x2",
                        help="Go family sizes, GOROUTINESxCALLS (default: 2x3,3x1,3x2)")
    parser.add_argument("--design", default="stateful-reg")
    parser.add_argument("--property", default="no-foreign-output",
                        help="a property that holds (exhaustive search)")
    parser.add_argument("--forms", default="default,noreduce,exact",
                        help="SPIN forms to run: " + ", ".join(SPIN_FORMS))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per command")
    parser.add_argument("--memory", type=float, default=6.0,
                        help="GiB of address space per command (default 6)")
    args = parser.parse_args()
    global MEMORY_LIMIT
    MEMORY_LIMIT = int(args.memory * (1 << 30))
    if not (shutil.which("spin") and shutil.which("gcc")):
        sys.exit("bench_spin: needs spin and gcc (apt-get install -y spin gcc)")
    forms = [f for f in args.forms.split(",") if f]
    prop_cls = catalog.property_(args.property)
    macro = promela.identifier(prop_cls.name)
    with tempfile.TemporaryDirectory(prefix="bench-spin-") as tmp_name:
        tmp = Path(tmp_name)
        mine_head = ["einval states", "einval"] + (
            ["einval POR states", "einval POR"] if args.por else [])
        header = ["case", *mine_head] + [
            h for f in forms for h in (f"spin {f} states", f"spin {f}")] + [
            f"CPU einval/spin {forms[0]}"]
        print(f"# {args.design}, property {prop_cls.name}; end to end: wall s/CPU s, "
              "M = peak RSS MiB")
        print(" | ".join(header))
        for label, scenario in cases(args, tmp):
            design = "4th-arg" if label.startswith("threads") else args.design
            model, _ = world.build(catalog.scenario(scenario), catalog.design(design),
                                   [prop_cls])
            source = promela.to_promela(model)
            mine, result = einval_run(design, scenario, prop_cls.name, args.timeout)
            row = [label, result or "-", cell(mine, args.timeout)]
            if args.por:
                reduced, found = einval_run(design, scenario, prop_cls.name, args.timeout,
                                            por=True)
                row += [found or "-", cell(reduced, args.timeout)]
            finished = [bool(result) and not result.startswith("error")]
            first = None
            for form in forms:
                run, result = spin_run(source, macro, form, tmp / label.replace(" ", "_") / form,
                                       args.timeout)
                row += [result or "-", cell(run, args.timeout)]
                if first is None:
                    first = run
                    finished.append(bool(result))
            ratio = all(finished) and first is not None
            row.append(f"{mine.cpu / max(first.cpu, 1e-3):.2f}" if ratio else "-")
            print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
