"""`realtymedia-upload`: many files to a realty (Realty Image API) or a project (IS24), resumable.

    realtymedia-upload --realty ID photos/*.jpg
    realtymedia-upload --project ID --type IMAGE --from-names photos/

(The server's own command has it too, as `realtymedia upload`.)

Progress (a bar per file and one overall) and the human summary go to stderr; the summary as JSON
goes to stdout. The exit status is 1 when any file failed, 130 when interrupted.

Re-running the same command skips what is already there:
- a realty's images carry the sha256 of their bytes, so a file whose hash the realty already has
  is skipped (and so is a second file with the same bytes in one run);
- IS24 attachments carry no hash, so each assigned file's hash and attachment id go to a small
  state file (``$XDG_STATE_HOME/realtymedia/uploads.json``, or ``--state-file``); a file is
  skipped when its hash is recorded for this service and project and that attachment still exists.
  A run killed between an assignment and the state write may upload that one file again;
- files an interrupted run had sent to storage but not saved are in the state file too, with the
  key (or attachment id) and the expiry of their grant: while it lasts, they are saved from that
  upload without being sent again.

Ctrl-C stops cleanly: the save or assignment on its way is finished (a second Ctrl-C quits at
once), storage POSTs under way are aborted, the summary counts what the service confirmed, and each
file not saved is named as interrupted.

Settings come from flags, then ``REALTYMEDIA_*`` environment variables, then the config file
(``~/.config/realtymedia/config.toml``, or ``--config``, or ``$REALTYMEDIA_CONFIG``), e.g.::

    url = "https://media.example.com"
    token = "rm_..."                 # Realty Image API bearer token
    consumer_key = "..."             # IS24 OAuth 1.0a
    consumer_secret = "..."
    access_token = "..."
    access_token_secret = "..."
    parallel = 4
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from realtymedia_client._errors import NotFound, RealtyMediaError, UploadFailed, ValidationError
from realtymedia_client._http import sha256_of
from realtymedia_client._sentences import sentence
from realtymedia_client._state import StateFile
from realtymedia_client.is24 import IS24Client
from realtymedia_client.realty_image import RealtyImageClient, UploadEvent

# Each setting: its flag's dest, its environment variable, and its key in the config file.
SETTINGS = {
    "url": "REALTYMEDIA_URL",
    "token": "REALTYMEDIA_TOKEN",
    "consumer_key": "REALTYMEDIA_CONSUMER_KEY",
    "consumer_secret": "REALTYMEDIA_CONSUMER_SECRET",
    "access_token": "REALTYMEDIA_ACCESS_TOKEN",
    "access_token_secret": "REALTYMEDIA_ACCESS_TOKEN_SECRET",
    "parallel": "REALTYMEDIA_PARALLEL",
    "format": "REALTYMEDIA_FORMAT",
}
DEFAULTS: dict[str, Any] = {"url": "http://127.0.0.1:8080", "parallel": 4, "format": "json"}
FILE_TYPES = ("IMAGE", "PROJECT_LOGO", "COMPANY_LOGO", "BROCHURE")


HELP = "upload many files to a realty or a project (resumable)"


def main(argv: Sequence[str] | None = None, prog: str = "realtymedia-upload") -> None:
    parser = argparse.ArgumentParser(prog=prog, description=HELP)
    add_arguments(parser)
    run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--realty", metavar="ID", help="a realty of the Realty Image API")
    target.add_argument("--project", metavar="ID", help="an IS24 real estate project")
    parser.add_argument("--type", choices=FILE_TYPES, default="IMAGE", help="what the files are (IS24 only)")
    parser.add_argument("--title", help="title of every IS24 IMAGE")
    parser.add_argument(
        "--from-names", action="store_true", help="use each file's name as its description (realty) or title (IS24)"
    )
    parser.add_argument("--url", help="the service's base URL [$REALTYMEDIA_URL]")
    parser.add_argument("--token", help="bearer token of the Realty Image API [$REALTYMEDIA_TOKEN]")
    parser.add_argument("--consumer-key", help="IS24 OAuth consumer key [$REALTYMEDIA_CONSUMER_KEY]")
    parser.add_argument("--consumer-secret", help="[$REALTYMEDIA_CONSUMER_SECRET]")
    parser.add_argument("--access-token", help="IS24 OAuth access token [$REALTYMEDIA_ACCESS_TOKEN]")
    parser.add_argument("--access-token-secret", help="[$REALTYMEDIA_ACCESS_TOKEN_SECRET]")
    parser.add_argument("--format", choices=["json", "xml"], help="IS24 representation [$REALTYMEDIA_FORMAT]")
    parser.add_argument("--parallel", type=int, help="files in flight at once (default 4) [$REALTYMEDIA_PARALLEL]")
    parser.add_argument("--config", type=Path, help="config file (default ~/.config/realtymedia/config.toml)")
    parser.add_argument("--state-file", type=Path, help="where IS24 uploads are remembered")
    parser.add_argument("files", nargs="+", type=Path, help="files, or folders whose files are taken in name order")


# -- configuration ----------------------------------------------------------------------------


def config_path(args: argparse.Namespace) -> Path:
    if args.config:
        return Path(args.config)
    if os.environ.get("REALTYMEDIA_CONFIG"):
        return Path(os.environ["REALTYMEDIA_CONFIG"])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "realtymedia" / "config.toml"


def resolve(args: argparse.Namespace) -> dict[str, Any]:
    """Each setting from its flag, else its environment variable, else the config file, else the default."""
    path = config_path(args)
    if path.exists():
        with path.open("rb") as handle:
            from_file = tomllib.load(handle)
    elif args.config:
        raise SystemExit(f"realtymedia-upload: config file {path} does not exist")
    else:
        from_file = {}
    settings: dict[str, Any] = {}
    for name, env in SETTINGS.items():
        for value in (getattr(args, name, None), os.environ.get(env), from_file.get(name), DEFAULTS.get(name)):
            if value not in (None, ""):
                settings[name] = value
                break
    settings["parallel"] = max(1, int(settings["parallel"]))
    return settings


def expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Hidden files and editors' backups are not what anyone meant to upload.
            files += sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and p.name[-1] != "~"
            )
        else:
            files.append(path)
    return files


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Summary:
    uploaded: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    interrupted: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "uploaded": self.uploaded,
            "skipped": self.skipped,
            "failed": self.failed,
            "interrupted": self.interrupted,
        }


class Screen:
    """Progress bars on stderr (animated on a terminal): one per file being sent and one for all
    files, plus one line per finished file. A file's bar goes when it is saved, fails or is
    interrupted, so no bar stays full for a file the service never saved."""

    def __init__(self, files: Sequence[Path]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        self.console = Console(stderr=True, highlight=False)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[files]}"),
            console=self.console,
        )
        self.sizes = {path: path.stat().st_size if path.exists() else 0 for path in files}
        self.confirmed = 0  # bytes of the files saved (or skipped): what the overall bar shows as done
        self.finished = 0
        self._lock = threading.Lock()
        self.overall = self.progress.add_task(
            "[bold]all files", total=max(1, sum(self.sizes.values())), files=f"0/{len(files)} files"
        )
        self.tasks = {
            path: self.progress.add_task(path.name, total=self.sizes[path] or 1, visible=False, files="")
            for path in files
        }

    def __enter__(self) -> Screen:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def sending(self, path: Path, sent: int, total: int) -> None:
        with self._lock:
            self.progress.update(self.tasks[path], completed=sent, total=total or 1, visible=True)

    def sent(self, path: Path) -> None:
        with self._lock:
            self.progress.update(self.tasks[path], description=f"{path.name} (sent, to be saved in turn)")

    def done(self, path: Path, word: str, detail: str = "") -> None:
        with self._lock:
            if word in ("saved", "skipped"):
                self.confirmed += self.sizes.get(path, 0)
                self.finished += 1
            self.progress.update(self.tasks[path], visible=False)
            files = f"{self.finished}/{len(self.tasks)} files"
            self.progress.update(self.overall, completed=self.confirmed, files=files)
            self.console.print(f"{word} {path}" + (f": {detail}" if detail else ""), markup=False, soft_wrap=True)


class Run:
    """One run of the command: its screen, its summary, and the Ctrl-C that stops it cleanly."""

    def __init__(self, args: argparse.Namespace, settings: dict[str, Any], files: list[Path]) -> None:
        self.args = args
        self.settings = settings
        self.files = files
        self.summary = Summary()
        self.stop = threading.Event()
        self.screen = Screen(files)
        self.sent: set[Path] = set()

    def failed(self, path: Path, error: BaseException) -> None:
        said = sentence(error, path)
        self.summary.failed.append({"file": str(path), "reason": said})
        self.screen.done(path, "failed", said)

    def skipped(self, path: Path, reason: str) -> None:
        self.summary.skipped.append({"file": str(path), "reason": reason})
        self.screen.done(path, "skipped", reason)

    def saved(self, path: Path, ident: str, reused: bool = False) -> None:
        self.summary.uploaded.append({"file": str(path), "id": ident, **({"reused": True} if reused else {})})
        self.screen.done(path, "saved", ident + (" (sent by an earlier run)" if reused else ""))

    def interrupted(self, path: Path) -> None:
        reason = "sent to storage, not saved" if path in self.sent else "not sent"
        self.summary.interrupted.append({"file": str(path), "reason": reason})
        self.screen.done(path, "interrupted", reason)

    def digests(self) -> list[tuple[Path, str]]:
        """Every file with its sha256; a file that cannot be read fails here."""
        found = []
        for path in self.files:
            try:
                found.append((path, sha256_of(path)))
            except OSError as error:
                self.failed(path, error)
        return found


def upload_to_realty(run: Run) -> None:
    settings, args = run.settings, run.args
    if not settings.get("token"):
        raise SystemExit("realtymedia-upload: a bearer token is needed (--token, $REALTYMEDIA_TOKEN or config)")
    state = StateFile(state_path(args), f"{settings['url'].rstrip('/')} realty {args.realty}")
    with RealtyImageClient(settings["url"], settings["token"], parallel=settings["parallel"]) as client:
        present = {image.sha256 for image in client.images(args.realty)}
        todo: list[Path] = []
        digest_of: dict[Path, str] = {}
        seen: dict[str, Path] = {}
        for path, digest in run.digests():
            if digest in present:
                run.skipped(path, "already saved (same sha256)")
            elif digest in seen:
                run.skipped(path, f"same content as {seen[digest]}")
            else:
                seen[digest] = path
                digest_of[path] = digest
                todo.append(path)
        reuse = {path: ref for path in todo if (ref := state.sent(digest_of[path])) is not None}

        def on_event(event: UploadEvent) -> None:
            if event.stage == "sending":
                run.screen.sending(event.path, event.sent, event.total)
            elif event.stage == "sent" and event.form is not None:
                run.sent.add(event.path)
                state.record_sent(digest_of[event.path], event.form.key, event.form.expires_at)
                run.screen.sent(event.path)
            elif event.stage == "saved" and event.image is not None:
                state.record_saved(digest_of[event.path])
                run.saved(event.path, event.image.id, event.reused)
            elif event.stage == "failed":
                run.failed(event.path, event.error or Exception())
            elif event.stage == "interrupted":
                if event.path in reuse:
                    run.sent.add(event.path)
                run.interrupted(event.path)

        describe: Callable[[Path], str | None] | None = (lambda p: p.stem) if args.from_names else None
        try:
            client.upload(args.realty, todo, describe, progress=on_event, stop=run.stop, reuse=reuse)
        except UploadFailed:
            pass  # every failure and interruption was reported as it happened
        finally:
            if run.stop.is_set():
                confirm_realty(run, client, digest_of)


def confirm_realty(run: Run, client: RealtyImageClient, digest_of: dict[Path, str]) -> None:
    """After an interruption, count what the service holds: a save whose answer the interruption
    cut off may have been made all the same."""
    try:
        held = {image.sha256: image.id for image in client.images(run.args.realty)}
    except RealtyMediaError:
        return
    reported = {item["file"] for item in run.summary.uploaded}
    for item in list(run.summary.interrupted):
        path = Path(item["file"])
        if item["file"] not in reported and digest_of.get(path) in held:
            run.summary.interrupted.remove(item)
            run.saved(path, held[digest_of[path]])


def state_path(args: argparse.Namespace) -> Path:
    if args.state_file:
        return Path(args.state_file)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "realtymedia" / "uploads.json"


def upload_to_project(run: Run) -> None:
    settings, args = run.settings, run.args
    needed = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    missing = [name for name in needed if not settings.get(name)]
    if missing:
        raise SystemExit(f"realtymedia-upload: IS24 needs OAuth credentials; missing {', '.join(missing)}")
    state = StateFile(state_path(args), f"{settings['url'].rstrip('/')} project {args.project}")
    with IS24Client(settings["url"], *(settings[name] for name in needed), format=settings["format"]) as client:
        present = {attachment.id for attachment in client.attachments(args.project)}
        todo: list[tuple[Path, str]] = []
        for path, digest in run.digests():
            if state.assigned(digest) in present or any(digest == d for _, d in todo):
                run.skipped(path, "already assigned")
            else:
                todo.append((path, digest))

        def on_bytes(path: Path) -> Callable[[int, int], None]:
            def report(sent: int, total: int) -> None:
                if run.stop.is_set():
                    raise Stopped
                run.screen.sending(path, sent, total)

            return report

        def store(path: Path, digest: str) -> str:
            if run.stop.is_set():
                raise Stopped
            form = client.send_file(args.project, path, on_bytes(path))
            attachment_id = str(form.attachment_id)
            run.sent.add(path)
            state.record_sent(digest, attachment_id, form.expires_at)
            run.screen.sent(path)
            return attachment_id

        # Files go to storage in parallel; assignments follow in the files' order, so IMAGEs keep it.
        with ThreadPoolExecutor(max_workers=settings["parallel"], thread_name_prefix="is24-upload") as pool:
            earlier = {path: ref for path, digest in todo if (ref := state.sent(digest)) is not None}
            futures = {path: pool.submit(store, path, digest) for path, digest in todo if path not in earlier}
            in_flight: tuple[Path, str, str] | None = None
            try:
                for path, digest in todo:
                    if run.stop.is_set():
                        run.interrupted(path)
                        continue
                    try:
                        reused = path in earlier
                        attachment_id = earlier[path] if reused else futures[path].result()
                        if run.stop.is_set():
                            run.interrupted(path)
                            continue
                        in_flight = (path, digest, attachment_id)
                        try:
                            attachment_id = assign(client, args, path, attachment_id)
                        except (NotFound, ValidationError):
                            if not reused:
                                raise
                            # The earlier upload is gone or its ticket expired: send the file again.
                            reused, attachment_id = False, store(path, digest)
                            in_flight = (path, digest, attachment_id)
                            attachment_id = assign(client, args, path, attachment_id)
                        in_flight = None
                    except Stopped:
                        run.interrupted(path)
                        continue
                    except (RealtyMediaError, OSError) as error:
                        in_flight = None
                        run.failed(path, error)
                        continue
                    state.record_saved(digest, attachment_id)
                    run.saved(path, attachment_id, reused)
            finally:
                for future in futures.values():
                    future.cancel()
                if in_flight is not None:
                    confirm_assignment(run, client, state, *in_flight)


class Stopped(Exception):
    """Raised inside a storage POST to abort it after Ctrl-C."""


def confirm_assignment(run: Run, client: IS24Client, state: StateFile, path: Path, digest: str, ref: str) -> None:
    """The assignment Ctrl-C cut off: the attachment id was known before it, so ask whether it was made."""
    try:
        made = ref in {attachment.id for attachment in client.attachments(run.args.project)}
    except RealtyMediaError:
        made = False
    if made:
        state.record_saved(digest, ref)
        run.saved(path, ref)
    else:
        run.interrupted(path)


def assign(client: IS24Client, args: argparse.Namespace, path: Path, attachment_id: str) -> str:
    title = args.title or (path.stem if args.from_names else None)
    return client.assign_file(args.project, attachment_id, args.type, title if args.type == "IMAGE" else None)


def print_summary(run: Run) -> None:
    from rich.table import Table

    summary = run.summary
    table = Table(title="upload summary", show_header=True)
    table.add_column("result")
    table.add_column("files", justify="right")
    table.add_column("details")
    table.add_row("uploaded", str(len(summary.uploaded)), "confirmed by the service")
    table.add_row("skipped", str(len(summary.skipped)), "")
    table.add_row("failed", str(len(summary.failed)), "\n".join(f["reason"] for f in summary.failed))
    if summary.interrupted:
        waiting = sum(1 for i in summary.interrupted if i["reason"].startswith("sent"))
        table.add_row("interrupted", str(len(summary.interrupted)), f"{waiting} of them sent to storage, not saved")
    run.screen.console.print(table)


def run(args: argparse.Namespace) -> None:
    settings = resolve(args)
    files = expand(args.files)
    current = Run(args, settings, files)

    def on_ctrl_c(signum: int, frame: object) -> None:
        if current.stop.is_set():
            raise KeyboardInterrupt
        current.stop.set()
        current.screen.console.print("stopping: the save on its way is finished first (Ctrl-C again to quit now)")

    status = 0
    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        with current.screen:
            try:
                if args.realty:
                    upload_to_realty(current)
                else:
                    upload_to_project(current)
            except KeyboardInterrupt:
                current.stop.set()
            except RealtyMediaError as error:
                current.summary.failed.append({"file": "", "reason": sentence(error)})
    finally:
        signal.signal(signal.SIGINT, previous)
    if current.stop.is_set():
        status = 130
        rest = len(current.summary.interrupted)
        current.screen.console.print(
            f"interrupted: {len(current.summary.uploaded)} saved, {rest} not; run the same command again for the"
            " rest (files already sent are saved without sending them again while their grants last)"
        )
    print_summary(current)
    print(json.dumps(current.summary.as_dict(), indent=2))
    if status or current.summary.failed:
        raise SystemExit(status or 1)
