"""A process's memory as the text reader reads texts with words it has not seen (names, numbers, typos).

Run: .venv/bin/python bench/vocabulary_growth.py [--texts 60000] [--new-words 5] [--no-renewal]

spaCy 3.7 keeps every word it has read in the pipeline's vocabulary. Each text here is a short reason with
`--new-words` words never seen before. Every 10 000 texts the command prints the strings the vocabulary has gained,
the process's resident memory beyond what it had before the first text, and how often the pipeline was built
again; at the end the same after the last build, the CPU time, and the reads' p50, p99.9 and max (a build runs on
a background thread beside the reads). The start-up objects are frozen as `cds-service serve` freezes them.
`--no-renewal` reads with a pipeline that is never built again (the reader before pipeline_renewal.py), for
comparison in the same hour.
"""

from __future__ import annotations

import argparse
import gc
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cds_service.engine.text import pipeline_build
from cds_service.engine.text import reader as reader_module
from cds_service.engine.text.pipeline_renewal import RenewingPipeline
from cds_service.knowledge import load_knowledge


def _resident_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=60_000)
    parser.add_argument("--new-words", type=int, default=5)
    parser.add_argument("--no-renewal", action="store_true", help="never build the pipeline again")
    args = parser.parse_args()
    knowledge = load_knowledge()
    limit = 10**12 if args.no_renewal else pipeline_build.MAX_NEW_STRINGS
    pipeline = RenewingPipeline(lambda: pipeline_build.build_pipeline(knowledge.lexicon), limit)
    reader = reader_module.TextReader(knowledge, pipeline=pipeline)
    gc.freeze()  # as `cds-service serve` does after start-up (the first pipeline among the frozen objects)
    rng = random.Random(1)
    resident, strings = _resident_mib(), len(pipeline.current.vocab.strings)

    def state() -> str:
        gained = len(pipeline.current.vocab.strings) - strings
        return f"strings +{gained}, resident +{_resident_mib() - resident:.1f} MiB, built again {pipeline.renewals}x"

    times = []
    started = time.process_time()
    for i in range(args.texts):
        words = " ".join("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(args.new_words))
        began = time.perf_counter()
        reader.read(f"neck pain x3 wks {words} (visit {i})", True)
        times.append(time.perf_counter() - began)
        if (i + 1) % 10_000 == 0:
            print(f"{i + 1} texts: {state()}", flush=True)
    pipeline.wait()
    cpu = time.process_time() - started
    reader.read.cache_clear()
    gc.collect()
    times.sort()
    p50, p999 = times[len(times) // 2], times[int(len(times) * 0.999)]
    print(f"after the last build: {state()}")
    print(f"CPU {cpu:.1f} s; a read p50 {p50 * 1000:.2f} ms, p99.9 {p999 * 1000:.1f} ms, max {times[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
