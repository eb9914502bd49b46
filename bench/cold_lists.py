"""The cold renders of the two long lists: what a list request does when the project or realty has
just changed, so that no kept answer serves it (`make bench` measures the kept path).

In-process, on SQLite in a fresh directory: the IS24 attachment list of 150 Pictures (XML and JSON)
and the Realty Image `GET images` of 200, built and rendered as the routes do, each timed N times
by the thread's CPU time (steadier than wall time on a shared machine). Prints the 10th percentile
and the median in milliseconds, as JSON. Run it against a tree through PYTHONPATH:

    PYTHONPATH=<tree>/src .venv/bin/python bench/cold_lists.py 80
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

os.environ["REALTYMEDIA_DATA_DIR"] = tempfile.mkdtemp(prefix="cold-lists-")

from realtymedia.api import pictures  # noqa: E402
from realtymedia.api.is24 import resources  # noqa: E402
from realtymedia.api.is24.protocol import JSON, XML, Representation, render  # noqa: E402
from realtymedia.api.realty_image import app  # noqa: E402
from realtymedia.persistence.db import upgrade  # noqa: E402
from realtymedia.services import accounts, attachments, media, projects, realties  # noqa: E402
from realtymedia.services.core import Core, now  # noqa: E402
from realtymedia.settings import Settings  # noqa: E402

BASE = "http://127.0.0.1:8000"


def _rows(owner_kind: str, owner_id: object, count: int, kind: str) -> list[dict[str, Any]]:
    moment = now()
    return [
        media.row(
            media_id=str(uuid.uuid4()), owner_kind=owner_kind, owner_id=str(owner_id), position=i, kind=kind,
            moment=moment, subtype="IMAGE" if kind == "Picture" else None, title=f"view {i}",
            key=f"bench/{uuid.uuid4()}.jpg", content_type="image/jpeg", size=4000, width=320, height=240,
            sha256="ab" * 32,
        )
        for i in range(count)
    ]  # fmt: skip


def main(repeat: int) -> dict[str, tuple[float, float]]:
    settings = Settings()
    upgrade(settings.resolved_database_url)
    core = Core.from_settings(settings)
    user = accounts.create_user(core, f"cold{uuid.uuid4().hex[:8]}", "pw")
    user_id = int(user["id"])  # type: ignore[call-overload]
    project_id = projects.create(core, str(user["username"]), "PROFESSIONAL", "Cold").id
    realty_id = realties.create(core, user_id, "Cold").id
    with core.unit_of_work() as uow:
        uow.media.add(_rows("project", project_id, 150, "Picture"))
        uow.media.add(_rows("realty", realty_id, 200, "Image"))
        uow.commit()

    def href(*segments: object) -> str:
        return f"{BASE}/api/offer/v1.0/user/x/realestateproject/" + "/".join(str(s) for s in segments)

    # Trees before "IS24 attachments and projects come out of services.attachments as frozen
    # results" (dd4af81) handed the routes ORM rows, and the routes made the file URLs.
    rows_era = "core" not in inspect.signature(attachments.project).parameters

    def is24(format: str) -> bytes:
        with core.unit_of_work(write=False) as uow:
            if rows_era:
                view: Any = attachments.project(uow, user_id, project_id)  # type: ignore[call-arg]
                doc = resources.attachments(
                    view.attachments, href, lambda i: core.storage.file_url(i.key, BASE),  # type: ignore[arg-type]
                    lambda i: pictures.templates(BASE, i.id, i.sha256 or ""), strict=False,  # type: ignore[arg-type]
                )  # fmt: skip
            else:
                found = attachments.project(core, uow, user_id, project_id, BASE)
                doc = resources.attachments(
                    found.attachments, href, lambda i: pictures.templates(BASE, i.id, i.sha256), strict=False
                )
            return render(doc, Representation(format))

    cases: dict[str, Callable[[], object]] = {
        "is24_attachment_list_xml": lambda: is24(XML),
        "is24_attachment_list_json": lambda: is24(JSON),
        "realty_image_get_images": lambda: app._render_images(core, user_id, realty_id, BASE),
    }
    out: dict[str, tuple[float, float]] = {}
    for name, case in cases.items():
        case()
        times = []
        for _ in range(repeat):
            start = time.thread_time()
            case()
            times.append(time.thread_time() - start)
        times.sort()
        out[name] = (round(times[len(times) // 10] * 1000, 2), round(times[len(times) // 2] * 1000, 2))
    core.close()
    return out


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 80)))
