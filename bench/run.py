"""`make bench`: the service as in production (uvicorn, one worker, --no-access-log) on SQLite and
on PostgreSQL, driven by wrk from a separate process on loopback, next to a bare ASGI ceiling in the
same run. Writes bench/results/latest.json and bench/results/latest.md (tables for docs/benchmarks.md).

    .venv/bin/python -m bench.run [--duration 8] [--only sqlite|postgresql] [--profile]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from bench import api, operations, processes, profile, renditions, uploads
from bench import saves as save_figures
from bench.api import IS24, RealtyImage, Request, User

RESULTS = processes.ROOT / "bench" / "results"
LUA = processes.ROOT / "bench" / "replay.lua"
SEPARATOR = b"\0REQ\0\n"
SAVERS = 4  # users whose saves realty_image_save_20 measures at once
CONNECTIONS = 64
# Prepared one-use requests per --pool for scenarios that are cheap to prepare (tickets, grants,
# lists): enough that wrk never runs out at the rates measured (a replayed request is refused, or
# answered from the idempotency record, and would flatter or spoil the figure; see `valid`).
CHEAP = 10

TARGETS = {  # minimum ratio to the bare ceiling of the same run
    "is24_upload_ticket": 0.10,
    "realty_image_upload_grant": 0.10,
    "is24_attachment_list_json": 0.15,
    "is24_attachment_list_xml": 0.15,
    "realty_image_get_images": 0.15,
    "is24_assign_picture": 0.05,
    "realty_image_save_20": 0.5,  # checked images/s against a bare decode-and-hash on one core (bench/saves.py)
    "rendition_stored": 0.5,
}
P99_OVER_P50_MAX = 5.0


def photo(index: int, size: tuple[int, int] = (320, 240)) -> bytes:
    """A small, distinct JPEG (a gradient whose colour depends on index)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((index * 37 % 256, index * 91 % 256, index * 13 % 256), (0, 0, 16, 16))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def wrk(url: str, requests: list[bytes], mode: str, duration: float, workdir: Path) -> dict[str, Any]:
    """Replay `requests` with wrk (1 thread, 64 connections) for `duration` seconds; its figures."""
    path = workdir / f"requests-{uuid.uuid4().hex[:8]}.bin"
    path.write_bytes(SEPARATOR.join(requests))
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            url,
            "--",
            str(path),
            mode,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    )
    path.unlink()
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = figures["duration_us"] / 1e6
    figures["rps"] = figures["requests"] / seconds
    figures["p50_ms"] = figures["p50_us"] / 1000
    figures["p99_ms"] = figures["p99_us"] / 1000
    figures["errors"] = sum(figures[k] for k in figures if k.startswith("errors_"))
    figures["sent_prepared"] = len(requests)
    return figures


def combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one side as one figure: rate over all of them, the median round's p50, the
    worst round's p99 (latencies of separate runs cannot be merged exactly; this errs high)."""
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    figures: dict[str, Any] = {k: sum(r[k] for r in runs) for k in runs[0] if k.startswith("errors")}
    figures.update(
        requests=sum(r["requests"] for r in runs),
        duration_us=sum(r["duration_us"] for r in runs),
        rps=sum(r["requests"] for r in runs) / seconds,
        p50_us=statistics.median(r["p50_us"] for r in runs),
        p99_us=max(r["p99_us"] for r in runs),
        sent_prepared=sum(r["sent_prepared"] for r in runs),
        rounds=[{k: r[k] for k in ("requests", "rps", "p50_ms", "p99_ms", "errors")} for r in runs],
    )
    figures["p50_ms"], figures["p99_ms"] = figures["p50_us"] / 1000, figures["p99_us"] / 1000
    return figures


def parallel(tasks: list[Callable[[], Any]], workers: int = 8) -> list[Any]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda task: task(), tasks))


def expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
        )
    return response


class Run:
    """One database's part of the run: a service, its users, the prepared data, the figures."""

    def __init__(self, name: str, server: processes.Server, env: dict[str, str], args: argparse.Namespace,
                 bare: processes.Server, workdir: Path, results: dict[str, Any]) -> None:  # fmt: skip
        self.name, self.server, self.env, self.args, self.bare = name, server, env, args, bare
        self.workdir, self.results = workdir, results
        self.user = User.from_cli(processes.cli(env, "users", "create", f"bench{uuid.uuid4().hex[:6]}"))
        self.client = httpx.Client(base_url=server.url, timeout=120, limits=httpx.Limits(max_connections=16))
        self.is24 = IS24(server.url, self.user)
        self.ri = RealtyImage(server.url, self.user)
        self.figures: dict[str, Any] = results.setdefault("scenarios", {}).setdefault(name, {})

    def project(self, product: str = "PROFESSIONAL") -> int:
        """Projects are made by staff (no API): through the admin command, whose output every tree
        since the redesign began words alike (so that old and new trees are measured by one harness)."""
        made = processes.cli(self.env, "projects", "create", "--owner", self.user.username, "--product", product,
                             "--name", "Bench")  # fmt: skip
        return int(json.loads(made)["id"])

    def realty(self, ri: RealtyImage | None = None) -> str:
        created = (ri or self.ri)._request("POST", "/realty", {"name": "Bench"}).send(self.client)
        return str(expect(created, 201).json()["id"])

    def other_user(self, prefix: str) -> RealtyImage:
        made = processes.cli(self.env, "users", "create", f"{prefix}{uuid.uuid4().hex[:6]}")
        return RealtyImage(self.server.url, User.from_cli(made))

    # -- preparation through the public API ---------------------------------------------------

    def uploaded_ticket(self, project_id: int, index: int) -> str:
        attachment_id, url, fields = api.ticket_form(expect(self.is24.upload_ticket(project_id).send(self.client), 200))
        expect(api.post_form(self.client, url, fields, photo(index)), 200, 201, 204)
        return attachment_id

    def assigned(self, project_id: int, index: int) -> str:
        attachment_id = self.uploaded_ticket(project_id, index)
        expect(self.is24.assign_picture(project_id, attachment_id, f"Room {index}").send(self.client), 201)
        return attachment_id

    def uploaded_grant(self, index: int, ri: RealtyImage | None = None) -> str:
        grant = expect((ri or self.ri).upload_grant().send(self.client), 200).json()
        expect(api.post_form(self.client, grant["url"], grant["fields"], photo(index)), 200, 201, 204)
        return str(grant["fields"]["key"])

    def saved(self, realty_id: str, count: int, start: int = 0) -> None:
        for batch in range(0, count, 20):
            keys = parallel([lambda i=i: self.uploaded_grant(start + i) for i in range(batch, min(count, batch + 20))])
            expect(self.ri.save(realty_id, keys).send(self.client), 200, 201)

    # -- measurement --------------------------------------------------------------------------

    def wanted(self, scenario: str) -> bool:
        return not self.args.scenarios or any(part in scenario for part in self.args.scenarios.split(","))

    def measure(self, scenario: str, requests: list[Request], mode: str, probe: Request | None = None,
                duration: int | None = None, expected: int | None = None) -> None:  # fmt: skip
        """The scenario on the service and its bare ceiling (same request, body of the same size), in
        alternating rounds: service, ceiling, service, ceiling... Each round's ratio compares two
        figures taken seconds apart, so a machine whose speed wanders (a shared host) moves both;
        the ratio reported is the median of the rounds'. One-use requests are split between the rounds."""
        size = len(probe.send(self.client).content) if probe is not None else 2
        total = duration or self.args.duration
        rounds = self.args.rounds
        per_round = max(2, round(total / rounds))
        load_before = os.getloadavg()[0]
        first = requests[0]
        ceiling_request = Request(first.method, f"/?bytes={size}", first.headers, first.body)
        host = self.bare.url.split("://", 1)[1]
        chunks = [requests[i::rounds] for i in range(rounds)] if mode == "once" else [requests] * rounds
        services, ceilings = [], []
        for chunk in chunks:
            services.append(wrk(self.server.url, [r.raw(self.is24.host) for r in chunk], mode, per_round, self.workdir))
            ceilings.append(wrk(self.bare.url, [ceiling_request.raw(host)], "cycle", per_round, self.workdir))
        service, ceiling = combined(services), combined(ceilings)
        self.figures[scenario] = result = {"service": service, "ceiling": ceiling, "response_bytes": size}
        result["load_average_1min"] = [load_before, os.getloadavg()[0]]
        result["ratio_rounds"] = [s["rps"] / c["rps"] for s, c in zip(services, ceilings, strict=True)]
        result["ratio"] = statistics.median(result["ratio_rounds"])
        result["p99_over_p50"] = service["p99_us"] / max(service["p50_us"], 1)
        target = TARGETS.get(scenario)
        result["target_ratio"] = target
        result["meets_ratio"] = target is None or result["ratio"] >= target
        result["meets_tail"] = result["p99_over_p50"] <= P99_OVER_P50_MAX
        if expected is not None and expected >= 400:  # wrk counts answers >= 400 as errors
            service["errors"] -= service["errors_status"]
        # A one-use request sent twice would be refused (its nonce, its Request-ID): a round that ran
        # out of prepared requests makes the scenario invalid.
        exhausted = any(s["requests"] > len(c) for s, c in zip(services, chunks, strict=True))
        result["valid"] = service["errors"] == 0 and (mode == "cycle" or not exhausted)
        rounds_text = " ".join(f"{r:.3f}" for r in result["ratio_rounds"])
        print(f"  {scenario:32s} {service['rps']:8.1f} req/s  ratio {result['ratio']:.3f} ({rounds_text})  p50 "
              f"{service['p50_ms']:.1f} ms  p99 {service['p99_ms']:.1f} ms  errors {service['errors']}"
              f"  (ceiling {ceiling['rps']:.0f} req/s, {size} B){'' if result['valid'] else '  INVALID'}",
              flush=True)  # fmt: skip
        if self.args.profile:
            more = [r.raw(self.is24.host) for r in self.profile_requests(scenario)] if mode == "once" else None
            self.figures[scenario]["profile"] = profile.record(
                self.server.pid, lambda: wrk(self.server.url, more or [r.raw(self.is24.host) for r in requests],
                                             mode, 6, self.workdir),
                RESULTS / f"profile-{self.name}-{scenario}.txt",
            )  # fmt: skip

    def profile_requests(self, scenario: str) -> list[Request]:
        return self._fresh[scenario](self.args.profile_pool)

    # -- scenarios ----------------------------------------------------------------------------

    def run_floors(self) -> None:
        """No targets: what the stack itself allows, for reading the other ratios. A request the
        Realty Image dialect answers 404 in its own format (FastAPI routing, middleware, no thread,
        no database), and /readyz (a thread hand-off each for the smallest database read and a
        storage head; named floor_healthz since run 1, when /healthz did the read alone)."""
        nowhere = Request("GET", f"{api.REALTY_IMAGE_BASE}/nowhere", {"Accept": api.JSON})
        if self.wanted("floor_dialect_404"):
            self.measure("floor_dialect_404", [nowhere], "cycle", nowhere, expected=404)
        health = Request("GET", "/readyz", {"Accept": api.JSON})
        if self.wanted("floor_healthz"):
            self.measure("floor_healthz", [health], "cycle", health)

    def run_is24(self) -> None:
        projects = parallel([self.project for _ in range(16)])
        n = self.args.pool
        self._fresh: dict[str, Callable[[int], list[Request]]] = {}

        def tickets(n: int = n) -> list[Request]:
            return [self.is24.upload_ticket(projects[i % len(projects)]) for i in range(n * CHEAP)]

        self._fresh["is24_upload_ticket"] = tickets
        if self.wanted("is24_upload_ticket"):
            self.measure("is24_upload_ticket", tickets(), "once", None)

        def assigns(n: int = n) -> list[Request]:
            def one(i: int) -> tuple[int, str]:
                project = projects[i % len(projects)]
                return project, self.uploaded_ticket(project, i)

            ids = parallel([lambda i=i: one(i) for i in range(n * 2)])
            return [self.is24.assign_picture(p, a, f"Room {i}") for i, (p, a) in enumerate(ids)]

        self._fresh["is24_assign_picture"] = assigns
        if self.wanted("is24_assign_picture"):
            self.measure("is24_assign_picture", assigns(), "once")
        if not self.wanted("is24_attachment_list"):
            return
        listed = self.project()
        parallel([lambda i=i: self.assigned(listed, i) for i in range(150)])
        for accept, scenario in (
            (api.JSON, "is24_attachment_list_json"),
            ("application/xml", "is24_attachment_list_xml"),
        ):

            def lists(n: int = n, accept: str = accept) -> list[Request]:
                return [self.is24.attachments(listed, accept) for _ in range(n * CHEAP)]

            self._fresh[scenario] = lists
            if self.wanted(scenario):
                self.measure(scenario, lists(), "once", self.is24.attachments(listed, accept))

    def run_realty_image(self) -> None:
        n = self.args.pool
        self._fresh = getattr(self, "_fresh", {})

        def grants(n: int = n) -> list[Request]:
            return [self.ri.upload_grant() for _ in range(n * CHEAP)]

        self._fresh["realty_image_upload_grant"] = grants
        if self.wanted("realty_image_upload_grant"):
            self.measure("realty_image_upload_grant", grants(), "once", None)
        if self.wanted("realty_image_get_images"):
            shown = self.realty()
            self.saved(shown, 200)
            self.measure("realty_image_get_images", [self.ri.images(shown)], "cycle", self.ri.images(shown))

        def saves(n: int = n) -> list[Request]:
            # Saves by several users, as a portal has them: the checker pool holds one user to all
            # but one of its processes, so a single user's saves would measure that bound.
            savers = [self.other_user("saver") for _ in range(SAVERS)]
            count = max(16, n // 3)
            # Enough realties that none passes its 200 images (a refused save would count as an error).
            realties = [self.realty(savers[i % SAVERS]) for i in range(max(CONNECTIONS, count // 8))]

            def saver(save: int) -> RealtyImage:  # the owner of the realty that save number `save` goes to
                return savers[save % len(realties) % SAVERS]

            keys = parallel([lambda i=i: self.uploaded_grant(i, saver(i // 20)) for i in range(count * 20)])
            return [saver(i).save(realties[i % len(realties)], keys[i * 20 : i * 20 + 20]) for i in range(count)]

        self._fresh["realty_image_save_20"] = saves
        if self.wanted("realty_image_save_20"):
            # In checked images per second against a bare decode-and-hash of the same images (bench/saves.py).
            save_figures.measure(self, saves(), duration=min(self.args.duration, 6))

    def run_copy(self, label: str) -> None:
        source = self.realty()
        self.saved(source, 200)
        timings = []
        for _ in range(3):
            target = self.realty()
            started = time.perf_counter()
            expect(self.ri.copy(target, source).send(self.client), 200, 201, 204)
            timings.append(time.perf_counter() - started)
            listed = expect(self.ri.images(target).send(self.client), 200).json()
            if len(listed["realtyImages"]) != 200:
                raise RuntimeError(f"copy made {len(listed['realtyImages'])} images, not 200")
        self.figures[f"copy_200_{label}"] = {"seconds": timings, "best": min(timings), "median": sorted(timings)[1]}
        print(f"  copy of 200 images ({label}): {', '.join(f'{t:.2f}' for t in timings)} s", flush=True)

    def run_renditions(self, *, engine: bool) -> None:
        """The engine against bare Pillow (if `engine`), a stored rendition against the ceiling, and
        the memory of 16 first renditions at once (bench/renditions.py)."""
        if engine and self.wanted("rendition_engine"):
            self.figures.update(renditions.engine_ratios(self.args.rounds))
        if not (self.wanted("rendition_stored") or self.wanted("rendition_memory")):
            return
        base = "/realty-image/v2"
        headers = {"Authorization": f"Bearer {self.user.bearer}"}
        with httpx.Client(base_url=self.server.url, timeout=120, headers=headers) as client:
            if self.wanted("rendition_stored"):
                (image,) = renditions.upload_images(client, base, self.realty(), [renditions.twelve_megapixels(99)])
                path = image["renditions"]["SCALE_AND_CROP"].replace("%WIDTH%", "400").replace("%HEIGHT%", "300")
                path = path.replace(".jpg", ".webp").split(self.server.url, 1)[1]
                expect(client.get(path), 200)  # made and stored; from here on it is served
                time.sleep(5)  # the save's warm-up renditions finish: nothing renders while this is measured
                self.measure("rendition_stored", [Request("GET", path, {})], "cycle", probe=Request("GET", path, {}))
            if self.wanted("rendition_memory"):
                photos = [renditions.twelve_megapixels(seed) for seed in range(16)]
                images = renditions.upload_images(client, base, self.realty(), photos)
                time.sleep(10)  # after the save's warm-up, so that only the 16 first renditions are measured
                self.figures["rendition_memory"] = renditions.first_renditions_memory(client, self.server.pid, images)

    def run_uploads(self) -> None:
        from realtymedia.services import tickets
        from realtymedia.services.core import Core
        from realtymedia.settings import Settings

        core = Core.from_settings(Settings(data_dir=Path(self.env["REALTYMEDIA_DATA_DIR"]),
                                           database_url=self.env["REALTYMEDIA_DATABASE_URL"]))  # fmt: skip
        user_id = int(json.loads(processes.cli(self.env, "users", "create", f"up{uuid.uuid4().hex[:6]}"))["id"])
        forms = []
        for _ in range(8):
            with core.unit_of_work() as uow:
                issued = tickets.issue(core, uow, user_id=user_id, owner_kind=tickets.USER, owner_id=str(user_id),
                                       content_type="image/jpeg", allowed=("image/jpeg",),
                                       base_url=self.server.url)  # fmt: skip
                uow.commit()
            forms.append((issued.form.url, issued.form.fields, issued.key))
        data_dir = Path(self.env["REALTYMEDIA_DATA_DIR"])
        disk_before = uploads.dd_bandwidth(data_dir, 400)
        figures = uploads.upload_benchmark(forms, self.server.pid, self.workdir)
        disk_after = uploads.dd_bandwidth(data_dir, 400)
        for _, _, key in forms:
            info = core.storage.head(key)
            if info is None or info.size != 50 * uploads.MiB:
                raise RuntimeError(f"upload of {key} did not arrive whole")
        core.close()
        figures["dd_mb_per_s"] = [disk_before, disk_after]
        figures["disk_mb_per_s"] = (disk_before + disk_after) / 2
        figures["ratio_to_disk"] = figures["mb_per_s"] / figures["disk_mb_per_s"]
        figures["meets"] = figures["ratio_to_disk"] >= 0.5 and figures["rss_growth_mib"] < 64
        self.figures["local_post_8x50MiB"] = figures
        print(f"  local POST 8 x 50 MiB: {figures['mb_per_s']:.0f} MB/s vs dd {figures['disk_mb_per_s']:.0f} MB/s "
              f"(ratio {figures['ratio_to_disk']:.2f}), RSS +{figures['rss_growth_mib']:.1f} MiB, "
              f"statuses {figures['statuses']}", flush=True)  # fmt: skip


def available(server: processes.Server) -> dict[str, bool]:
    """Which dialect endpoints answer at all (a 404 for the whole route means not built yet)."""
    probes = {
        "is24": ("POST", api.IS24_BASE + "/1/attachment/upload-ticket"),
        "realty_image": ("GET", api.REALTY_IMAGE_BASE + "/uploadGrants?type=image/jpeg"),
    }
    found = {}
    for name, (method, path) in probes.items():
        response = httpx.request(method, server.url + path, timeout=10)
        found[name] = response.status_code in (400, 401, 403, 412, 415)
    return found


def machine() -> dict[str, Any]:
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), "?")
    import psutil

    versions = subprocess.run([str(processes.BIN / "python"), "-m", "pip", "list", "--format=json"],
                              capture_output=True, text=True).stdout  # fmt: skip
    wanted = {"uvicorn", "uvloop", "httptools", "fastapi", "starlette", "sqlalchemy", "psycopg", "pillow"}
    pins = {p["name"].lower(): p["version"] for p in json.loads(versions) if p["name"].lower() in wanted}
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return {
        "cpu": model,
        "cores": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": pins,
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0],
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=9, help="seconds of each scenario (and of its ceiling)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="service/ceiling alternations per scenario (the ratio is their median)")  # fmt: skip
    parser.add_argument(
        "--pool",
        type=int,
        default=1200,
        help="scale of the prepared one-use requests: x2 assigns, /4 saves of 20, x10 tickets, grants and lists",
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--scenarios", default="", help="only the scenarios whose names contain one of these (a,b,...)")
    parser.add_argument("--skip-uploads", action="store_true")
    parser.add_argument("--skip-copy", action="store_true")
    parser.add_argument("--profile", action="store_true", help="also record a py-spy profile of each scenario")
    parser.add_argument("--profile-pool", type=int, default=600, help="--pool of a profile's own requests")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "connections": CONNECTIONS, "duration_s": args.duration,
                               "rounds": args.rounds}  # fmt: skip
    print(json.dumps(results["machine"]), flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="realtymedia-bench-"))
    bare = processes.bare(workdir / "bare.log").start()
    try:
        databases = ["sqlite", "postgresql"] if args.only is None else [args.only]
        for database in databases:
            if database == "postgresql" and not processes.postgres_reachable():
                results.setdefault("skipped", []).append("postgresql: unreachable")
                continue
            run_database(database, args, bare, workdir, results)
        if not args.skip_copy:
            run_s3_copy(args, bare, workdir, results)
    finally:
        bare.stop()
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
        (RESULTS / "latest.md").write_text(report(results))
        shutil.rmtree(workdir, ignore_errors=True)
    print((RESULTS / "latest.md").read_text())


def run_database(database: str, args: argparse.Namespace, bare: processes.Server, workdir: Path,
                 results: dict[str, Any]) -> None:  # fmt: skip
    data_dir = workdir / database
    data_dir.mkdir()

    def go(url: str) -> None:
        server = processes.service(data_dir, url, workdir / f"{database}.log")
        processes.cli(server.env, "db", "upgrade")
        server.start()
        try:
            print(f"{database}: {server.url} (pid {server.pid})", flush=True)
            run = Run(database, server, server.env, args, bare, workdir, results)
            found = available(server)
            results.setdefault("dialects", {})[database] = found
            if not args.skip_uploads and database == "sqlite":
                run.run_uploads()
            run.run_renditions(engine=database == "sqlite")  # the engine's figures need no database
            run.run_floors()
            run.figures.update(operations.overhead(run, data_dir, url, workdir))
            if found["is24"]:
                run.run_is24()
            if found["realty_image"]:
                run.run_realty_image()
                if not args.skip_copy:
                    run.run_copy(f"local_{database}")
        finally:
            server.stop()

    if database == "sqlite":
        go(f"sqlite:///{data_dir / 'realtymedia.sqlite3'}")
    else:
        with processes.postgres_database() as url:
            go(url)


def run_s3_copy(args: argparse.Namespace, bare: processes.Server, workdir: Path, results: dict[str, Any]) -> None:
    import boto3

    moto = processes.moto(workdir / "moto.log").start()
    try:
        boto3.client("s3", endpoint_url=moto.url, region_name="eu-west-1", aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(
            Bucket="bench", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})  # fmt: skip
        data_dir = workdir / "s3"
        data_dir.mkdir()
        server = processes.service(
            data_dir, f"sqlite:///{data_dir / 'realtymedia.sqlite3'}", workdir / "s3.log", storage="s3",
            s3_endpoint_url=moto.url, s3_bucket="bench", s3_access_key_id="bench", s3_secret_access_key="bench",
        )  # fmt: skip
        processes.cli(server.env, "db", "upgrade")
        server.start()
        try:
            run = Run("s3", server, server.env, args, bare, workdir, results)
            if available(server)["realty_image"]:
                run.run_copy("s3_moto_sqlite")
        finally:
            server.stop()
    finally:
        moto.stop()


def report(results: dict[str, Any]) -> str:
    lines = ["| database | scenario | req/s | ceiling req/s | ratio (rounds' range) | target | p50 ms | p99 ms "
             "| p99/p50 | errors | load avg |", "| --- | --- " + "| ---: " * 9 + "|"]  # fmt: skip
    extra = []
    for database, scenarios in results.get("scenarios", {}).items():
        for name, figures in scenarios.items():
            if "service" in figures:
                s, c = figures["service"], figures["ceiling"]
                target = figures["target_ratio"]
                verdict = "" if target is None else (" ✔" if figures["meets_ratio"] else " ✘")
                tail = " ✔" if figures["meets_tail"] else " ✘"
                spread = figures.get("ratio_rounds") or [figures["ratio"]]
                unit = " (images/s: checked vs bare decode-and-hash)" if "unit" in figures else ""
                lines.append(
                    f"| {database} | {name}{unit} | {s['rps']:.0f} | {c['rps']:.0f} | {figures['ratio']:.3f}{verdict} "
                    f"({min(spread):.3f}-{max(spread):.3f}) | "
                    f"{target or '-'} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {figures['p99_over_p50']:.1f}{tail} | "
                    f"{s['errors']} | {figures['load_average_1min'][0]:.1f} |"
                )
            elif name == "local_post_8x50MiB":
                extra.append(
                    f"- {database}: local POST, 8 concurrent x 50 MiB: {figures['mb_per_s']:.0f} MB/s in "
                    f"{figures['seconds']:.2f} s; dd (fdatasync) {figures['dd_mb_per_s'][0]:.0f} / "
                    f"{figures['dd_mb_per_s'][1]:.0f} MB/s before / after, ratio {figures['ratio_to_disk']:.2f} "
                    f"(target 0.5); service RSS {figures['rss_baseline_mib']:.0f} -> {figures['rss_peak_mib']:.0f} "
                    f"MiB, +{figures['rss_growth_mib']:.1f} MiB (target < 64); statuses {figures['statuses']}"
                )
            elif name.startswith("rendition_engine"):
                extra.append(
                    f"- {database}: {name}: ours {statistics.median(figures['ours_per_s']):.2f}/s, bare Pillow "
                    f"{statistics.median(figures['bare_per_s']):.2f}/s on one core, ratio {figures['ratio']:.3f} "
                    f"({', '.join(f'{r:.3f}' for r in figures['ratio_rounds'])}; target 0.8)"
                )
            elif name == "rendition_memory":
                extra.append(
                    f"- {database}: 16 first renditions (1000x1000 JPEG of 12-megapixel photos) at once: RSS "
                    f"{figures['rss_before_mib']:.0f} -> {figures['rss_peak_mib']:.0f} MiB, "
                    f"+{figures['growth_mib']:.0f} MiB (target < 256), {figures['seconds']:.1f} s"
                )
            elif name.startswith("operations_"):
                p, o = figures["plain"], figures["variant"]
                extra.append(
                    f"- {database}: {name}: variant / plain {figures['ratio']:.3f} (rounds "
                    f"{', '.join(f'{r:.3f}' for r in figures['ratio_rounds'])}); plain {p['rps']:.0f} req/s p99 "
                    f"{p['p99_ms']:.1f} ms, variant {o['rps']:.0f} req/s p99 {o['p99_ms']:.1f} ms"
                    f"{'' if figures['valid'] else ' INVALID (errors)'}"
                )
            elif name.startswith("copy_200_"):
                extra.append(
                    f"- {database}: {name}: best {figures['best']:.2f} s, median {figures['median']:.2f} s "
                    f"(3 copies: {', '.join(f'{t:.2f}' for t in figures['seconds'])} s; target < 2 s on local)"
                )
    return "\n".join(lines + [""] + extra) + "\n"


if __name__ == "__main__":
    main()
