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
  state file (``$XDG_STATE_HOME/realtymedia/is24-uploads.json``, or ``--state-file``); a file is
  skipped when its hash is recorded for this service and project and that attachment still exists.
  A run killed between an assignment and the state write may upload that one file again.

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
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from realtymedia_client import IS24Client

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


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    upload = commands.add_parser("upload", help="upload many files to a realty or a project (resumable)")
    add_arguments(upload)
    upload.set_defaults(func=run)


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
    uploaded: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"uploaded": self.uploaded, "skipped": self.skipped, "failed": self.failed}


class Screen:
    """Progress bars on stderr (animated on a terminal): one per file being sent and one for all
    files, plus one line per finished file."""

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
        self.sent = dict.fromkeys(files, 0)
        self.finished = 0
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

    def _overall(self) -> None:
        files = f"{self.finished}/{len(self.tasks)} files"
        self.progress.update(self.overall, completed=sum(self.sent.values()), files=files)

    def sending(self, path: Path, sent: int, total: int) -> None:
        self.sent[path] = sent
        self.progress.update(self.tasks[path], completed=sent, total=total or 1, visible=True)
        self._overall()

    def done(self, path: Path, word: str, detail: str = "") -> None:
        self.sent[path] = self.sizes.get(path, 0)
        self.finished += 1
        self.progress.update(self.tasks[path], visible=False)
        self._overall()
        self.console.print(f"{word} {path}" + (f": {detail}" if detail else ""), markup=False, soft_wrap=True)


def reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


def upload_to_realty(
    settings: dict[str, Any], args: argparse.Namespace, files: list[Path], screen: Screen, summary: Summary
) -> None:
    from realtymedia_client import RealtyImageClient, UploadEvent, UploadFailed, sha256_of

    if not settings.get("token"):
        raise SystemExit("realtymedia-upload: a bearer token is needed (--token, $REALTYMEDIA_TOKEN or config)")
    with RealtyImageClient(settings["url"], settings["token"], parallel=settings["parallel"]) as client:
        present = {image.sha256 for image in client.images(args.realty)}
        todo: list[Path] = []
        seen: dict[str, Path] = {}
        for path in files:
            try:
                digest = sha256_of(path)
            except OSError as error:
                summary.failed.append({"file": str(path), "reason": reason(error)})
                screen.done(path, "failed", reason(error))
                continue
            if digest in present:
                summary.skipped.append({"file": str(path), "reason": "already saved (same sha256)"})
                screen.done(path, "skipped", "already saved")
            elif digest in seen:
                summary.skipped.append({"file": str(path), "reason": f"same content as {seen[digest]}"})
                screen.done(path, "skipped", f"same content as {seen[digest]}")
            else:
                seen[digest] = path
                todo.append(path)

        def on_event(event: UploadEvent) -> None:
            if event.stage == "sending":
                screen.sending(event.path, event.sent, event.total)
            elif event.stage == "saved" and event.image is not None:
                summary.uploaded.append({"file": str(event.path), "id": event.image.id})
                screen.done(event.path, "saved", event.image.id)
            elif event.stage == "failed":
                summary.failed.append({"file": str(event.path), "reason": reason(event.error or Exception())})
                screen.done(event.path, "failed", reason(event.error or Exception()))

        describe: Callable[[Path], str | None] | None = (lambda p: p.stem) if args.from_names else None
        try:
            client.upload(args.realty, todo, describe, progress=on_event)
        except UploadFailed:
            pass  # every failure was reported as it happened


class StateFile:
    """sha256 -> attachment id of what this machine assigned, per service and project."""

    def __init__(self, path: Path, scope: str) -> None:
        self.path = path
        self.scope = scope
        try:
            self.data: dict[str, dict[str, str]] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            self.data = {}

    def get(self, digest: str) -> str | None:
        return self.data.get(self.scope, {}).get(digest)

    def put(self, digest: str, attachment_id: str) -> None:
        self.data.setdefault(self.scope, {})[digest] = attachment_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.data, indent=1))
        os.replace(temporary, self.path)


def state_path(args: argparse.Namespace) -> Path:
    if args.state_file:
        return Path(args.state_file)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "realtymedia" / "is24-uploads.json"


def upload_to_project(
    settings: dict[str, Any], args: argparse.Namespace, files: list[Path], screen: Screen, summary: Summary
) -> None:
    from realtymedia_client import IS24Client, RealtyMediaError, sha256_of

    needed = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    missing = [name for name in needed if not settings.get(name)]
    if missing:
        raise SystemExit(f"realtymedia-upload: IS24 needs OAuth credentials; missing {', '.join(missing)}")
    state = StateFile(state_path(args), f"{settings['url'].rstrip('/')} project {args.project}")
    with IS24Client(settings["url"], *(settings[name] for name in needed), format=settings["format"]) as client:
        present = {attachment.id for attachment in client.attachments(args.project)}
        todo: list[tuple[Path, str]] = []
        for path in files:
            try:
                digest = sha256_of(path)
            except OSError as error:
                summary.failed.append({"file": str(path), "reason": reason(error)})
                screen.done(path, "failed", reason(error))
                continue
            known = state.get(digest)
            if known in present or any(digest == d for _, d in todo):
                summary.skipped.append({"file": str(path), "reason": "already assigned"})
                screen.done(path, "skipped", "already assigned")
            else:
                todo.append((path, digest))

        def store(path: Path) -> str:
            return client.upload_file(args.project, path, lambda sent, total: screen.sending(path, sent, total))

        # Files go to storage in parallel; assignments follow in the files' order, so IMAGEs keep it.
        with ThreadPoolExecutor(max_workers=settings["parallel"], thread_name_prefix="is24-upload") as pool:
            futures: list[Future[str]] = [pool.submit(store, path) for path, _ in todo]
            try:
                for (path, digest), future in zip(todo, futures, strict=True):
                    try:
                        attachment_id = future.result()
                        attachment_id = assign(client, args, path, attachment_id)
                    except (RealtyMediaError, OSError) as error:
                        summary.failed.append({"file": str(path), "reason": reason(error)})
                        screen.done(path, "failed", reason(error))
                        continue
                    state.put(digest, attachment_id)
                    summary.uploaded.append({"file": str(path), "id": attachment_id})
                    screen.done(path, "saved", attachment_id)
            finally:
                for future in futures:
                    future.cancel()


def assign(client: IS24Client, args: argparse.Namespace, path: Path, attachment_id: str) -> str:
    title = args.title or (path.stem if args.from_names else None)
    return client.assign_file(args.project, attachment_id, args.type, title if args.type == "IMAGE" else None)


def print_summary(screen: Screen, summary: Summary) -> None:
    from rich.table import Table

    table = Table(title="upload summary", show_header=True)
    table.add_column("result")
    table.add_column("files", justify="right")
    table.add_column("details")
    table.add_row("uploaded", str(len(summary.uploaded)), "")
    table.add_row("skipped", str(len(summary.skipped)), "")
    table.add_row(
        "failed", str(len(summary.failed)), "\n".join(f"{Path(f['file']).name}: {f['reason']}" for f in summary.failed)
    )
    screen.console.print(table)


def run(args: argparse.Namespace) -> None:
    from realtymedia_client import RealtyMediaError

    settings = resolve(args)
    files = expand(args.files)
    summary = Summary()
    status = 0
    with Screen(files) as screen:
        try:
            if args.realty:
                upload_to_realty(settings, args, files, screen, summary)
            else:
                upload_to_project(settings, args, files, screen, summary)
        except KeyboardInterrupt:
            screen.console.print("interrupted: run the same command again to upload the rest")
            status = 130
        except RealtyMediaError as error:
            summary.failed.append({"file": "", "reason": reason(error)})
    print_summary(screen, summary)
    print(json.dumps(summary.as_dict(), indent=2))
    if status or summary.failed:
        raise SystemExit(status or 1)
