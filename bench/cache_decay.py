"""How fast this machine forgets a process's memory: the same pure-Python work back to back and after idle gaps.

Run: python bench/cache_decay.py [--gaps 0 0.002 0.005 0.01 0.02 0.1] [--spin]

The work walks ~20 000 small dicts (several MB, more than a core's L2 cache), as a request walks its objects.
Each walk's CPU time (this thread's) is measured after an idle gap; the median per gap is printed with its ratio
to back-to-back walks. On a machine of its own the ratio stays near 1 for gaps of milliseconds. On a shared
virtual machine the host runs other work on the core between our bursts and the ratio grows with the gap: a
service answering 50 requests/s over 4 worker processes (80 ms between a worker's requests) then pays the cold
price on every request, and the same code costs less CPU per request at 300/s than at 50/s. With --spin the gaps
are spent in a busy loop instead of asleep: the process keeps its core, so a ratio that still grows is the host's
doing, not the guest's idle states.
`state()` is the one-line summary the HTTP benchmarks print beside the load average.
"""

from __future__ import annotations

import argparse
import statistics
import time

OBJECTS = 20_000
REPEATS = 40


def _objects() -> list[dict[str, int]]:
    return [{f"k{j}": i + j for j in range(8)} for i in range(OBJECTS)]


def _walk(objects: list[dict[str, int]]) -> int:
    total = 0
    for item in objects:
        total += item["k3"]
    return total


def walk_ms(
    gap: float, repeats: int = REPEATS, objects: list[dict[str, int]] | None = None, spin: bool = False
) -> float:
    """The median CPU time (ms) of one walk, each after `gap` seconds asleep, or busy when `spin` (0: back to back)."""
    objects = objects if objects is not None else _objects()
    _walk(objects)
    times = []
    for _ in range(repeats):
        if gap and spin:
            until = time.perf_counter() + gap
            while time.perf_counter() < until:
                pass
        elif gap:
            time.sleep(gap)
        started = time.thread_time()
        _walk(objects)
        times.append(time.thread_time() - started)
    return statistics.median(times) * 1000


def state() -> str:
    """One line: the walk's CPU back to back and after 20 ms asleep (about 1.5 s to measure)."""
    objects = _objects()
    warm, cold = walk_ms(0, objects=objects), walk_ms(0.02, 30, objects)
    return (
        f"memory: a {OBJECTS}-object walk costs {warm:.2f} ms back to back, "
        f"{cold:.2f} ms after 20 ms idle ({cold / warm:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", type=float, nargs="+", default=[0, 0.002, 0.005, 0.01, 0.02, 0.1])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--spin", action="store_true", help="spend each gap in a busy loop, not asleep")
    args = parser.parse_args()
    objects = _objects()
    warm = walk_ms(0, args.repeats, objects)
    gap_kind = "busy" if args.spin else "idle"
    for gap in args.gaps:
        cost = warm if gap == 0 else walk_ms(gap, args.repeats, objects, args.spin)
        print(f"{gap_kind} gap {gap * 1000:6.1f} ms: walk CPU {cost:.3f} ms ({cost / warm:.2f}x back to back)")


if __name__ == "__main__":
    main()
