"""What operating the service costs a request (issue 16): the same requests sent to two servers on
the same database and storage, in alternating rounds. One runs as `make bench` runs the service (no
request lines, no rate limits); the other as a portal runs it, in three variants: a JSON line per
request to its log (`lines`), rate limits counted per credential and per address in process memory
at limits far above the load, so that none is refused (`limits`), and both with /metrics answering
(`operated`). Metrics are collected by every server (they have no switch). Each round's ratio is
variant / plain; the ratio reported is the median of the rounds'."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import api, processes

if TYPE_CHECKING:
    from bench.run import Run

NO_REFUSAL = "1000000/second"
LIMITS = {"rate_limit_per_credential": NO_REFUSAL, "rate_limit_per_address": NO_REFUSAL}
VARIANTS: dict[str, dict[str, Any]] = {
    "lines": {"request_lines": True},
    "limits": LIMITS,
    "operated": {"request_lines": True, **LIMITS, "metrics_token": "bench-metrics"},
}


def overhead(run: Run, data_dir: Path, database_url: str, workdir: Path) -> dict[str, Any]:
    """The scenarios `operations_<variant>_<request>`, each against the plain server."""
    from bench.run import combined, wrk

    wanted = [v for v in VARIANTS if run.wanted(f"operations_{v}")]
    if not wanted:
        return {}
    shown = run.realty()
    run.saved(shown, 20)
    requests = {  # the smallest answer the dialect gives, and an ordinary read
        "dialect_404": (api.Request("GET", f"{api.REALTY_IMAGE_BASE}/nowhere", {"Accept": api.JSON}), 404),
        "get_images_20": (run.ri.images(shown), 200),
    }
    per_round = max(2, round(run.args.duration / run.args.rounds))
    figures: dict[str, Any] = {}
    for variant in wanted:
        settings = dict(VARIANTS[variant])
        lines = bool(settings.pop("request_lines", False))
        other = processes.service(
            data_dir, database_url, workdir / f"{run.name}-{variant}.log", request_lines=lines, **settings
        )
        other.start()
        try:
            for label, (request, status) in requests.items():
                raw = [request.raw(run.is24.host)]
                plain, variants = [], []
                for _ in range(run.args.rounds):
                    plain.append(wrk(run.server.url, raw, "cycle", per_round, run.workdir))
                    variants.append(wrk(other.url, raw, "cycle", per_round, run.workdir))
                ratios = [v["rps"] / p["rps"] for v, p in zip(variants, plain, strict=True)]
                errors = sum(r["errors"] - (r["errors_status"] if status >= 400 else 0) for r in (*plain, *variants))
                result = {
                    "plain": combined(plain),
                    "variant": combined(variants),
                    "ratio_rounds": ratios,
                    "ratio": statistics.median(ratios),
                    "valid": errors == 0,
                }
                scenario = f"operations_{variant}_{label}"
                figures[scenario] = result
                p, v = result["plain"], result["variant"]
                print(f"  {scenario:32s} {variant}/plain {result['ratio']:.3f} ({' '.join(f'{r:.3f}' for r in ratios)})"
                      f"  plain {p['rps']:.0f} req/s p99 {p['p99_ms']:.1f} ms  {variant} {v['rps']:.0f} req/s p99 "
                      f"{v['p99_ms']:.1f} ms{'' if result['valid'] else '  INVALID'}", flush=True)  # fmt: skip
        finally:
            other.stop()
    return figures
