"""Slow and idle clients against the running service: does a legitimate hook call still get through?

    python bench/slow_clients.py                              # 1000 idle sockets, 8 slow bodies, 8 slow headers
    python bench/slow_clients.py --idle 0 --slow-bodies 4 --seconds 30

Starts `cds-service serve` (granian, the defaults) on a free loopback port, opens the hostile connections
(idle: connect and send nothing; slow body: headers with a Content-Length, then one body byte every
`--drip` seconds; slow header: one header byte every `--drip` seconds), and while they hang on sends
one legitimate hook call per second. Reports each call's latency and what the hostile clients got.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import service_process  # noqa: E402
from tests.slow_clients import idle_sockets, legitimate_calls, slow_body, slow_header  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=1000, help="sockets that connect and send nothing")
    parser.add_argument("--slow-bodies", type=int, default=8, help="clients dripping a request body")
    parser.add_argument("--slow-headers", type=int, default=8, help="clients dripping request headers")
    parser.add_argument("--drip", type=float, default=2.0, help="seconds between two bytes of a slow client")
    parser.add_argument("--seconds", type=int, default=20, help="legitimate calls: one per second, this many")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, service_process(Path(tmp), CDS_LOG_LEVEL="WARNING") as (base, _p):
        port = int(base.rsplit(":", 1)[1])
        until = time.monotonic() + args.seconds + 5
        idle = idle_sockets(port, args.idle)
        drippers = [slow_body(port, args.drip, until) for _ in range(args.slow_bodies)]
        drippers += [slow_header(port, args.drip, until) for _ in range(args.slow_headers)]
        for dripper in drippers:
            dripper.start()
        time.sleep(0.5)
        latencies, failed = legitimate_calls(base, args.seconds, 1.0)
        for dripper in drippers:
            dripper.join(timeout=args.drip + 1)
        for sock in idle:
            sock.close()
    answers: dict[str, int] = {}
    for dripper in drippers:
        answers[dripper.answer] = answers.get(dripper.answer, 0) + 1
    print(
        f"{args.idle} idle sockets, {args.slow_bodies} slow bodies, {args.slow_headers} slow headers "
        f"(a byte every {args.drip:g} s): {len(latencies)} legitimate calls, {failed} failed, median "
        f"{statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
        f"slow clients got: {answers}"
    )


if __name__ == "__main__":
    main()
