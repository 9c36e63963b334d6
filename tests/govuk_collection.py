"""A GOV.UK document collection served on 127.0.0.1 by pytest-httpserver, shaped like the discovery fixtures.

`GovukCollection(httpserver, monkeypatch, path)` points analysis.discovery's GOV.UK addresses (the content API
and the web root) at the test server and answers, for the collection at `path`, the content items as the
content API gives them: the collection (`links.documents[]`, from tests/fixtures/discovery/govuk/collection.json)
and each document added with `document(...)` (`details.attachments[]`, from publication-2017-to-2018.json).
Attachments are served from `/media/fixture-<n>/<file name>`. Nothing here is a real GOV.UK path or identifier.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

from analysis import discovery

FIXTURES = Path(__file__).parent / "fixtures" / "discovery" / "govuk"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Attachment:
    file_name: str
    content: bytes
    content_type: str
    path: str  # where the test server answers it


@dataclass
class GovukCollection:
    server: object
    monkeypatch: object
    path: str
    documents: list[dict] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    def __post_init__(self) -> None:
        root = self.server.url_for("/").rstrip("/")
        self.monkeypatch.setattr(discovery, "GOVUK_WEB", root)
        self.monkeypatch.setattr(discovery, "GOVUK_CONTENT_API", root + "/api/content")
        self.monkeypatch.setattr(discovery, "JSON_BACKOFF_SECONDS", 0.0)
        self.serve()

    @property
    def locate(self) -> str:
        return f"govuk-content-api:{self.path}"

    def page_url(self, slug: str) -> str:
        return self.server.url_for(f"/government/statistics/{slug}")

    def document(
        self, slug: str, title: str, updated: str, files: list[tuple[str, bytes, str]]
    ) -> list[Attachment]:
        """A publication in the collection, with its (file name, bytes, content type) attachments."""
        item = copy.deepcopy(_fixture("publication-2017-to-2018.json"))
        base_path = f"/government/statistics/{slug}"
        attachments = []
        for file_name, content, content_type in files:
            number = len(self.attachments) + 500
            attachment = Attachment(file_name, content, content_type, f"/media/fixture-{number}/{file_name}")
            self.attachments.append(attachment)
            attachments.append(attachment)
        item.update(base_path=base_path, title=title, public_updated_at=updated)
        item["details"]["attachments"] = [
            {
                "attachment_type": "file",
                "content_type": a.content_type,
                "filename": a.file_name,
                "id": a.path.split("/")[2],
                "title": a.file_name,
                "url": self.server.url_for(a.path),
            }
            for a in attachments
        ]
        self.documents.append(
            {
                "entry": {
                    "api_path": f"/api/content{base_path}",
                    "base_path": base_path,
                    "content_id": f"00000000-0000-4000-8000-{len(self.documents):012d}",
                    "document_type": "official_statistics",
                    "locale": "en",
                    "public_updated_at": updated,
                    "schema_name": "publication",
                    "title": title,
                    "links": {},
                },
                "item": item,
            }
        )
        self.serve()
        return attachments

    def serve(self) -> None:
        self.server.clear()
        collection = copy.deepcopy(_fixture("collection.json"))
        collection.update(base_path=self.path, title="Fixture collection")
        collection["links"]["documents"] = [d["entry"] for d in self.documents]
        self.server.expect_request(f"/api/content{self.path}").respond_with_json(collection)
        for document in self.documents:
            self.server.expect_request(document["entry"]["api_path"]).respond_with_json(document["item"])
        for attachment in self.attachments:
            self.server.expect_request(attachment.path).respond_with_data(
                attachment.content, content_type=attachment.content_type
            )

    def requested(self) -> list[str]:
        return [request.path for request, _ in self.server.log]
