"""Production discovery: find the download URL of each upstream file from its `locate` field.

Only used when neither FFH_SOURCE_MIRROR nor FFH_SOURCE_BASE_URL is set (see settings.py), and only for
sources without a verified `direct_url`. Nothing here can run against the live services on the build
machines; it is written to the documented/source-defined response shapes below and tested on JSON fixtures
of exactly those shapes (tests/fixtures/discovery/).

`locate` schemes (data/sources.csv):

- `govuk-content-api:<path>`: GET https://www.gov.uk/api/content<path>.
  A document collection lists its documents in `links.documents[]` (`base_path`, `api_path`, `title`,
  `public_updated_at`); a publication lists its files in `details.attachments[]` (`attachment_type`,
  `content_type`, `filename`, `title`, `url`).
  Shapes: https://docs.publishing.service.gov.uk/content-schemas/document_collection.html and
  .../content-schemas/publication.html; attachment asset properties in alphagov/publishing-api
  content_schemas/formats/shared/definitions/asset_links.jsonnet (`file_attachment_asset`).
  A file is matched by its attachment `filename` (case-insensitive, or the last segment of its `url`)
  equal to the source's `file_name`, and it must belong to the source's release: an attachment on the
  document the source's `page_url` names (release_watch writes the document's page for the files it finds
  there, e.g. the sheets of Ofsted's yearly workbook), else one of the source's reporting year: the year
  appears in the file name or in the title/base_path of the document holding it. Same-named files in
  several years (e.g. `Meta_Data_Document.txt`) are told apart that way; if that still leaves more than one
  candidate, or none, discovery stops with an error naming the page, never a guess.
  `govuk_files(source, session, path, since)` lists the attachments of a collection's documents last updated
  on or after a date (for the release watch: a document older than the newest release held cannot hold a
  newer one), without reading the older documents.
- `ees:<publication slug>`: the Explore Education Statistics *content* API, the API the EES website
  itself calls (base https://content.explore-education-statistics.service.gov.uk/api). Routes and
  fields as defined in dfe-analytical-services/explore-education-statistics, Content.Api controllers:
    GET publications/{slug}/release-entries?page=&pageSize=   (PublicationsController; paginated
        `{"results": [...], "paging": {"page", "pageSize", "totalResults", "totalPages"}}`, entries with
        `releaseId`, `slug`, `yearTitle`, `title`, `published`, `isLatestRelease`; legacy entries
        carry only `title` and `url` and are skipped)
    GET publications/{slug}/releases                           (older ReleaseController: a plain list of
        release summaries with `id`, `slug`, `yearTitle`, `published`, `latestRelease`); used only when
        release-entries answers 404
    GET publications/{slug}/releases/{releaseSlug}             (ReleaseController: `id`, `slug`,
        `yearTitle`, `published`, `downloadFiles[]` with `id`, `fileName`, `name`, `type`)
    GET releases/{releaseVersionId}/files/{fileId}              (ReleaseFileController.Stream: the file)
  The release is the one whose `yearTitle` (or `slug`) equals the source's reporting year; the file is
  the `downloadFiles` entry whose `fileName` equals `file_name`. No data-set id is ever written down
  here: ids come from the API responses. The public statistics API (api.education.gov.uk/statistics/v1,
  data sets by id) is not used: it identifies data sets by id, not by file name, and covers only the
  data sets DfE chose to publish through it.
  Known gap: `data-guidance.txt` is not a `downloadFiles` entry (EES generates it inside the
  "download all files" zip), so its sources fail discovery with a clear error. The fetch layer can read a
  member of a zip (manifest `archive_member`, e.g. `data-guidance/data-guidance.txt`), but the URL of a
  release's all-files zip is NOT discovered: no route for it is in the fixtures these routes are tested
  on (tests/fixtures/discovery/ees), so an `ees:` source with an `archive_member` and no `direct_url`
  fails with the check "EES all-files zip URL" until a verified `direct_url` is set for it.
- Zip members (`archive_member` set): the URL to find is the zip's. `govuk-content-api:` looks for an
  attachment named like the last segment of `mirror_path` (the zip's name, as the mirror keeps it);
  `github:` takes the zip's path from MANIFEST.csv as for any file; `ees:` is unresolved (see above).
- `github:<owner>/<repo>@<commit>`: reference files pinned at a commit. The URL is
  `https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>`, where `<path>` is read from the
  upstream MANIFEST.csv `copied_from` column (`<owner>/<repo>@<commit>:<path>`) and must name the same
  repository and commit as the `locate` field. No path is guessed.

`check_latest_release(source, session)` reports whether the publisher has a newer release than the one a
source comes from (for the release-watch command).
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import requests

from analysis import settings
from analysis.errors import FetchError
from analysis.manifest import Source

GOVUK_CONTENT_API = "https://www.gov.uk/api/content"
GOVUK_WEB = "https://www.gov.uk"
EES_CONTENT_API = "https://content.explore-education-statistics.service.gov.uk/api"
EES_WEB = "https://explore-education-statistics.service.gov.uk"
GITHUB_RAW = "https://raw.githubusercontent.com"
UPSTREAM_MANIFEST = settings.DEFAULT_MIRROR / "MANIFEST.csv"

JSON_TIMEOUT = (5, 30)  # (connect, read) seconds
JSON_RETRIES = 2
JSON_BACKOFF_SECONDS = 1.0
EES_PAGE_SIZE = 50
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class ReleaseInfo:
    """What the publisher has now, against the release a source was taken from."""

    source_id: str
    current_release: str
    latest_release: str
    latest_published: str | None
    page_url: str
    is_newer: bool


@dataclass
class DiscoveryCache:
    """JSON responses by URL for one run (a collection is walked once for all its sources), and the
    number of response bytes transferred, for the fetcher's tally."""

    responses: dict[str, object] = field(default_factory=dict)
    bytes_transferred: int = 0


def parse_locate(source: Source) -> tuple[str, str]:
    """Split `locate` into (scheme, target); raise if the scheme is unknown or the target empty."""
    scheme, sep, target = source.locate.partition(":")
    if not sep or scheme not in {"govuk-content-api", "ees", "github"} or not target.strip():
        raise FetchError(
            source.source_id,
            source.file_name,
            "locate field",
            f"locate {source.locate!r} is not govuk-content-api:<path>, ees:<slug> or "
            "github:<owner/repo@commit>",
        )
    return scheme, target.strip()


def locate(source: Source, session: requests.Session, cache: DiscoveryCache | None = None) -> str:
    """The production download URL of `source`: its verified direct_url, else found from `locate`."""
    if source.direct_url:
        return source.direct_url
    cache = cache if cache is not None else DiscoveryCache()
    scheme, target = parse_locate(source)
    if scheme == "govuk-content-api":
        return locate_govuk(source, session, target, cache, archive_name(source))
    if scheme == "ees":
        if source.archive_member:
            raise FetchError(
                source.source_id,
                source.file_name,
                "EES all-files zip URL",
                f"{source.file_name!r} is member {source.archive_member!r} of a release's all-files zip on "
                f"{EES_WEB}/find-statistics/{target} (reporting year {source.reporting_year}), and finding "
                "that zip's URL is unresolved: no EES route for it is confirmed in this code's fixtures "
                "(tests/fixtures/discovery/ees); set direct_url in data/sources.csv to the zip's verified URL",
            )
        return locate_ees(source, session, target, cache)
    return github_raw_url(source)


def archive_name(source: Source) -> str | None:
    """For a zip member, the zip's file name (the last segment of mirror_path); None otherwise."""
    if not source.archive_member:
        return None
    return source.mirror_path.rstrip("/").rsplit("/", 1)[-1] or None


# --- HTTP (small JSON documents) ------------------------------------------------------------------


def _get_json(source: Source, session: requests.Session, url: str, cache: DiscoveryCache) -> object:
    """GET a JSON document with timeouts and a few retries on connection errors, 429 and 5xx."""
    if url in cache.responses:
        return cache.responses[url]
    last_problem = ""
    for attempt in range(JSON_RETRIES + 1):
        try:
            response = session.get(url, timeout=JSON_TIMEOUT, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            last_problem = f"{type(exc).__name__}: {exc}"
        else:
            cache.bytes_transferred += len(response.content)
            if response.status_code == 200:
                try:
                    document = response.json()
                except ValueError as exc:
                    raise FetchError(
                        source.source_id,
                        source.file_name,
                        "discovery JSON",
                        f"{url} did not return JSON: {exc}",
                    ) from None
                cache.responses[url] = document
                return document
            if response.status_code != 429 and response.status_code < 500:
                raise _DiscoveryStatus(source, url, response.status_code)
            last_problem = f"HTTP {response.status_code}"
        if attempt < JSON_RETRIES:
            time.sleep(JSON_BACKOFF_SECONDS * 2**attempt)
    raise FetchError(
        source.source_id,
        source.file_name,
        "discovery HTTP",
        f"{url}: {last_problem} after {JSON_RETRIES + 1} attempts",
    )


class _DiscoveryStatus(FetchError):
    def __init__(self, source: Source, url: str, status: int):
        self.status = status
        super().__init__(
            source.source_id, source.file_name, "discovery HTTP status", f"HTTP {status} for {url}"
        )


# --- GOV.UK ---------------------------------------------------------------------------------------


def _govuk_api_url(path: str) -> str:
    return GOVUK_CONTENT_API + (path if path.startswith("/") else "/" + path)


def _govuk_document_api_url(document: dict) -> str | None:
    if document.get("api_path"):
        return GOVUK_WEB + document["api_path"]
    if document.get("base_path"):
        return _govuk_api_url(document["base_path"])
    return None


def _attachment_name(attachment: dict) -> str:
    if attachment.get("filename"):
        return str(attachment["filename"])
    return unquote(urlsplit(str(attachment.get("url", ""))).path.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class _Candidate:
    page: str
    page_title: str
    name: str
    url: str
    content_type: str = (
        ""  # the attachment's `content_type` (e.g. application/vnd.oasis.opendocument.spreadsheet)
    )
    updated: str = ""  # the document's `public_updated_at`


GovukFile = _Candidate  # an attachment on a GOV.UK page, as govuk_files lists it


def _govuk_attachments(
    source: Source,
    session: requests.Session,
    path: str,
    cache: DiscoveryCache,
    since: date | None = None,
) -> tuple[list[_Candidate], int]:
    """Every file attachment on the page at `path` and, for a collection, on each of its documents (with
    `since`: only the documents last updated on or after that date; the others are not requested)."""
    item = _get_json(source, session, _govuk_api_url(path), cache)
    if not isinstance(item, dict):
        raise FetchError(source.source_id, source.file_name, "discovery JSON", f"{path}: not a content item")
    pages = [item]
    for document in (item.get("links") or {}).get("documents") or []:
        if since is not None and not _updated_since(document, since):
            continue
        document_url = _govuk_document_api_url(document)
        if document_url:
            pages.append(_get_json(source, session, document_url, cache))
    candidates = []
    for page in pages:
        if not isinstance(page, dict):
            continue
        for attachment in (page.get("details") or {}).get("attachments") or []:
            if attachment.get("attachment_type", "file") != "file" or not attachment.get("url"):
                continue
            url = str(attachment["url"])
            if url.startswith("/"):
                url = GOVUK_WEB + url
            candidates.append(
                _Candidate(
                    page=GOVUK_WEB + str(page.get("base_path", "")),
                    page_title=str(page.get("title", "")),
                    name=_attachment_name(attachment),
                    url=url,
                    content_type=str(attachment.get("content_type") or ""),
                    updated=str(page.get("public_updated_at") or ""),
                )
            )
    return candidates, len(pages)


def _updated_since(document: dict, since: date) -> bool:
    """Whether a collection's document was last updated on or after `since`: by its `public_updated_at`, else
    by the highest year in its title; a document with neither is kept (it cannot be ruled out)."""
    stamp = str(document.get("public_updated_at") or "")
    try:
        return date.fromisoformat(stamp[:10]) >= since
    except ValueError:
        years = [int(y) for y in YEAR.findall(str(document.get("title", "")))]
        return max(years) >= since.year if years else True


def govuk_files(
    source: Source,
    session: requests.Session,
    path: str,
    since: date | None = None,
    cache: DiscoveryCache | None = None,
) -> tuple[list[GovukFile], int]:
    """The file attachments of the GOV.UK page or collection at `path` (documents last updated on or after
    `since` only), and the number of pages read. `source` is named in errors (the collection's newest row)."""
    return _govuk_attachments(source, session, path, cache if cache is not None else DiscoveryCache(), since)


def _page_year(candidate: _Candidate) -> int | None:
    years = YEAR.findall(candidate.page_title) or YEAR.findall(candidate.page)
    return max(int(y) for y in years) if years else None


def locate_govuk(
    source: Source,
    session: requests.Session,
    path: str,
    cache: DiscoveryCache,
    attachment: str | None = None,
) -> str:
    """The URL of the attachment named `attachment` (default: the source's file_name) for its year."""
    page_url = GOVUK_WEB + path
    candidates, page_count = _govuk_attachments(source, session, path, cache)
    file_name = attachment or source.file_name
    wanted = file_name.lower()
    named = [c for c in candidates if c.name.lower() == wanted]
    if not named:
        seen = sorted({c.name for c in candidates})
        raise FetchError(
            source.source_id,
            source.file_name,
            "attachment found on page",
            f"no attachment named {file_name!r} on {page_url} ({page_count} page(s) read, "
            f"{len(seen)} attachment(s): {', '.join(seen[:15])}{' …' if len(seen) > 15 else ''}); "
            "set a verified direct_url in data/sources.csv if the publisher names it differently",
        )
    year = source.reporting_year.strip()
    on_its_page = [c for c in named if source.page_url and c.page == source.page_url.rstrip("/")]
    if on_its_page:
        # the document the row was found on (release_watch writes it as page_url)
        in_year = on_its_page
    elif year in file_name:
        in_year = named
    else:
        # "… 2013 to 2014" is the release for the year ending March 2014: a page's year is the highest
        # year in its title (or, without one, its path), so "2014 to 2015" does not count for 2014.
        in_year = [c for c in named if _page_year(c) == _leading_year(year)]
    if not in_year:
        raise FetchError(
            source.source_id,
            source.file_name,
            "attachment matches reporting year",
            f"{file_name!r} is on {page_url} but not on a page for reporting year {year}: "
            + "; ".join(f"{c.page_title} ({c.page})" for c in named),
        )
    urls = sorted({c.url for c in in_year})
    if len(urls) > 1:
        raise FetchError(
            source.source_id,
            source.file_name,
            "attachment unambiguous",
            f"{len(urls)} attachments named {file_name!r} for {year} under {page_url}: "
            + "; ".join(f"{c.url} on {c.page}" for c in in_year),
        )
    return urls[0]


# --- Explore Education Statistics -----------------------------------------------------------------


def _ees_release_entries(
    source: Source, session: requests.Session, slug: str, cache: DiscoveryCache
) -> list[dict]:
    """The publication's releases (newest first as EES lists them), legacy links left out."""
    entries: list[dict] = []
    page = 1
    try:
        while True:
            document = _get_json(
                source,
                session,
                f"{EES_CONTENT_API}/publications/{quote(slug)}/release-entries?page={page}&pageSize={EES_PAGE_SIZE}",
                cache,
            )
            if not isinstance(document, dict) or not isinstance(document.get("results"), list):
                raise FetchError(
                    source.source_id,
                    source.file_name,
                    "discovery JSON",
                    f"EES release-entries for {slug!r} has no `results` list",
                )
            entries.extend(document["results"])
            total_pages = int((document.get("paging") or {}).get("totalPages") or 1)
            if page >= total_pages:
                break
            page += 1
    except _DiscoveryStatus as exc:
        if exc.status != 404:
            raise
        listing = _get_json(source, session, f"{EES_CONTENT_API}/publications/{quote(slug)}/releases", cache)
        if not isinstance(listing, list):
            raise FetchError(
                source.source_id,
                source.file_name,
                "discovery JSON",
                f"EES releases for {slug!r} is not a list",
            ) from None
        entries = listing
    return [e for e in entries if isinstance(e, dict) and e.get("slug")]


def _leading_year(text: str) -> int | None:
    match = YEAR.search(text or "")
    return int(match.group()) if match else None


def _ees_release_for_year(source: Source, entries: list[dict], slug: str) -> dict:
    year = source.reporting_year.strip()
    matching = [e for e in entries if str(e.get("yearTitle", "")).strip() == year or e.get("slug") == year]
    if len(matching) != 1:
        raise FetchError(
            source.source_id,
            source.file_name,
            "EES release for reporting year",
            f"{len(matching)} release(s) of {EES_WEB}/find-statistics/{slug} have year {year!r}; "
            f"releases listed: {', '.join(str(e.get('yearTitle') or e.get('slug')) for e in entries)}",
        )
    return matching[0]


def locate_ees(source: Source, session: requests.Session, slug: str, cache: DiscoveryCache) -> str:
    entry = _ees_release_for_year(source, _ees_release_entries(source, session, slug, cache), slug)
    release_page = f"{EES_WEB}/find-statistics/{slug}/{entry['slug']}"
    release = _get_json(
        source,
        session,
        f"{EES_CONTENT_API}/publications/{quote(slug)}/releases/{quote(str(entry['slug']))}",
        cache,
    )
    if not isinstance(release, dict) or not release.get("id"):
        raise FetchError(
            source.source_id, source.file_name, "discovery JSON", f"{release_page}: release has no id"
        )
    files = [f for f in release.get("downloadFiles") or [] if isinstance(f, dict)]
    wanted = source.file_name.lower()
    matching = [f for f in files if str(f.get("fileName", "")).lower() == wanted and f.get("id")]
    if len(matching) != 1:
        names = ", ".join(str(f.get("fileName")) for f in files)
        raise FetchError(
            source.source_id,
            source.file_name,
            "EES file in release",
            f"{len(matching)} download file(s) named {source.file_name!r} in {release_page} "
            f"(files: {names or 'none'})",
        )
    return f"{EES_CONTENT_API}/releases/{release['id']}/files/{matching[0]['id']}"


# --- GitHub ---------------------------------------------------------------------------------------


def _github_pin(source: Source) -> tuple[str, str]:
    _, target = parse_locate(source)
    repo, sep, commit = target.partition("@")
    if not sep or repo.count("/") != 1 or not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise FetchError(
            source.source_id,
            source.file_name,
            "locate field",
            f"{source.locate!r} is not github:<owner>/<repo>@<40-hex commit>",
        )
    return repo, commit


def github_raw_url(source: Source, upstream_manifest: Path = UPSTREAM_MANIFEST) -> str:
    """raw.githubusercontent.com URL of a pinned reference file; its path comes from MANIFEST.csv."""
    repo, commit = _github_pin(source)
    copied_from = ""
    if upstream_manifest.is_file():
        with upstream_manifest.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("path") == source.mirror_path:
                    copied_from = row.get("copied_from", "")
                    break
    pinned, sep, path = copied_from.partition(":")
    if not sep or pinned != f"{repo}@{commit}" or not path:
        raise FetchError(
            source.source_id,
            source.file_name,
            "GitHub path in manifest",
            f"no copied_from '{repo}@{commit}:<path>' for {source.mirror_path!r} in {upstream_manifest} "
            f"(found {copied_from!r}); set direct_url to the raw file URL at that commit",
        )
    return f"{GITHUB_RAW}/{repo}/{commit}/{quote(path)}"


# --- release watch --------------------------------------------------------------------------------


def check_latest_release(
    source: Source, session: requests.Session, cache: DiscoveryCache | None = None
) -> ReleaseInfo:
    """The publisher's latest release of the series a source belongs to, and whether it is newer.

    - ees: the release-entries entry flagged latest (`isLatestRelease`, or `latestRelease` in the older
      listing), else the first listed; compared by the leading year of `yearTitle` with the source's
      reporting year.
    - govuk-content-api: the page and its collection documents; the latest is the document whose title
      names the highest year (titles such as "… 2013 to 2014" count as 2014), compared with the
      reporting year. A heuristic for a human to confirm: the release-watch report links the page.
    - github: pinned at a commit, so never "newer"; no request is made.
    """
    cache = cache if cache is not None else DiscoveryCache()
    scheme, target = parse_locate(source)
    current = source.reporting_year.strip()
    current_year = _leading_year(current)
    if scheme == "github":
        _, commit = _github_pin(source)
        return ReleaseInfo(source.source_id, commit, commit, None, source.page_url, False)
    if current_year is None:
        raise FetchError(
            source.source_id,
            source.file_name,
            "reporting year",
            f"reporting_year {source.reporting_year!r} has no year to compare releases with",
        )
    if scheme == "ees":
        entries = _ees_release_entries(source, session, target, cache)
        if not entries:
            raise FetchError(
                source.source_id,
                source.file_name,
                "EES release for reporting year",
                f"{target!r} lists no releases",
            )
        flagged = [e for e in entries if e.get("isLatestRelease") or e.get("latestRelease")]
        latest = flagged[0] if flagged else entries[0]
        latest_title = str(latest.get("yearTitle") or latest.get("slug"))
        latest_year = _leading_year(latest_title)
        if latest_year is None:
            raise FetchError(
                source.source_id,
                source.file_name,
                "EES release for reporting year",
                f"latest release {latest_title!r} of {target!r} has no year",
            )
        return ReleaseInfo(
            source_id=source.source_id,
            current_release=current,
            latest_release=latest_title,
            latest_published=latest.get("published"),
            page_url=f"{EES_WEB}/find-statistics/{target}/{latest['slug']}",
            is_newer=latest_year > current_year,
        )
    item = _get_json(source, session, _govuk_api_url(target), cache)
    if not isinstance(item, dict):
        raise FetchError(
            source.source_id, source.file_name, "discovery JSON", f"{target}: not a content item"
        )
    documents = [item, *((item.get("links") or {}).get("documents") or [])]
    dated = []
    for document in documents:
        years = [int(y) for y in YEAR.findall(str(document.get("title", "")))]
        if years:
            dated.append((max(years), str(document.get("public_updated_at") or ""), document))
    if not dated:
        raise FetchError(
            source.source_id,
            source.file_name,
            "release year on page",
            f"no document title with a year on {GOVUK_WEB}{target}",
        )
    latest_year, _, latest = max(dated, key=lambda item: (item[0], item[1]))
    return ReleaseInfo(
        source_id=source.source_id,
        current_release=current,
        latest_release=str(latest.get("title")),
        latest_published=latest.get("public_updated_at"),
        page_url=GOVUK_WEB + str(latest.get("base_path") or target),
        is_newer=latest_year > current_year,
    )


# --- release watch: the files of the newest EES release -------------------------------------------


@dataclass(frozen=True)
class EesRelease:
    """The newest release of an EES publication and its download files ({fileName, url})."""

    slug: str
    title: str
    page_url: str
    files: list[dict[str, str]]


def latest_ees_release(
    source: Source, session: requests.Session, slug: str, cache: DiscoveryCache | None = None
) -> EesRelease:
    """The publication's latest release (flagged `isLatestRelease`/`latestRelease`, else the first listed)
    and the URL of each of its `downloadFiles` (ReleaseFileController.Stream)."""
    cache = cache if cache is not None else DiscoveryCache()
    entries = _ees_release_entries(source, session, slug, cache)
    if not entries:
        raise FetchError(
            source.source_id, source.file_name, "EES releases listed", f"{slug!r} lists no releases"
        )
    flagged = [e for e in entries if e.get("isLatestRelease") or e.get("latestRelease")]
    entry = flagged[0] if flagged else entries[0]
    release = _get_json(
        source,
        session,
        f"{EES_CONTENT_API}/publications/{quote(slug)}/releases/{quote(str(entry['slug']))}",
        cache,
    )
    if not isinstance(release, dict) or not release.get("id"):
        raise FetchError(
            source.source_id, source.file_name, "discovery JSON", f"release {entry['slug']} has no id"
        )
    files = [
        {
            "fileName": str(f["fileName"]),
            "url": f"{EES_CONTENT_API}/releases/{release['id']}/files/{f['id']}",
        }
        for f in release.get("downloadFiles") or []
        if isinstance(f, dict) and f.get("fileName") and f.get("id")
    ]
    year_title = str(release.get("yearTitle") or entry.get("yearTitle") or entry["slug"])
    return EesRelease(
        slug=str(entry["slug"]),
        title=f"reporting year {year_title}",
        page_url=f"{EES_WEB}/find-statistics/{slug}/{entry['slug']}",
        files=files,
    )
