"""``policyeditor export``: a design's manifests from a running server, for GitOps jobs.

``GET {url}/api/v1/designs/{id}/manifests/?format=yaml[&target=T]`` with ``Authorization: Token T``; the
answer is written as it came (one multi-document file: ``-o FILE``, or stdout) or cut into one file per
namespace (``--out DIR``: ``DIR/<namespace>.yaml``; documents without a namespace go to the file the
server names).  Exit status: 0, or 2 when the server cannot be reached or refuses (the message says why).
"""

from __future__ import annotations

import argparse
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TextIO

import yaml

from .lines import quick_document_starts

_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# YAML is what is asked for (``format=yaml``); errors come as JSON (DRF refuses an Accept it cannot render)
ACCEPT = "application/yaml, application/json;q=0.9, */*;q=0.8"
_FILENAME = re.compile(r'filename="([^"/\\]+)"')


class ExportFailed(Exception):
    """The server could not be reached or did not answer the manifests; the message says what to do."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="fetch a design's manifests from a policyeditor server",
        description="Fetch a design's manifests through the REST API: one multi-document file (-o FILE, or "
        "stdout), or one file per namespace (--out DIR).",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("POLICYEDITOR_URL"),
        help="the server, e.g. https://policy.example.com (default: $POLICYEDITOR_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("POLICYEDITOR_TOKEN"),
        help="an API token (default: $POLICYEDITOR_TOKEN; prefer it in CI, a command line is visible to others)",
    )
    parser.add_argument("--design", required=True, type=int, metavar="ID", help="the design's id")
    parser.add_argument("--target", help="export target: networkpolicy (default), cilium, netassert")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", metavar="DIR", help="write one file per namespace into DIR")
    where.add_argument("-o", "--output", metavar="FILE", help="write one multi-document file (default: stdout)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the server (default 60)")
    parser.set_defaults(run=run)


def manifests_url(url: str, design: int, target: str | None) -> str:
    query = {"format": "yaml"}
    if target:
        query["target"] = target
    return f"{url.rstrip('/')}/api/v1/designs/{design}/manifests/?{urllib.parse.urlencode(query)}"


def fetch(url: str, token: str, timeout: float) -> tuple[str, str]:
    """(YAML text, the file name the server gives); raises :class:`ExportFailed`."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}", "Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the user's own URL)
            body = response.read().decode("utf-8")
            match = _FILENAME.search(response.headers.get("Content-Disposition", ""))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()[:500]
        hint = {
            401: "check --token (an API token: manage.py drf_create_token USER)",
            403: "the token's user may not read this design",
            404: "no such design for this token's user: check --design (and --url)",
            400: "check --target",
        }.get(exc.code, "see the server's answer")
        raise ExportFailed(f"The server answered {exc.code} {exc.reason} for GET {url}: {hint}. {detail}") from None
    except urllib.error.URLError as exc:
        raise ExportFailed(f"Cannot reach {url}: {exc.reason}. Check --url.") from None
    except (TimeoutError, OSError) as exc:
        raise ExportFailed(f"Cannot read the answer of {url}: {exc}. Check --url, or raise --timeout.") from None
    return body, match.group(1) if match else "manifests.yaml"


def split_by_namespace(text: str, default_name: str) -> dict[str, str]:
    """``{file name: text}``: each document's text as it came, grouped by its ``metadata.namespace``."""
    lines = text.split("\n")
    starts = quick_document_starts(text)
    files: dict[str, list[str]] = {}
    for i, start in enumerate(starts):
        chunk = "\n".join(lines[start : starts[i + 1] if i + 1 < len(starts) else len(lines)]).rstrip("\n") + "\n"
        try:
            data = yaml.load(chunk, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            data = None
        metadata = data.get("metadata") if isinstance(data, dict) else None
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        name = f"{namespace}.yaml" if isinstance(namespace, str) and _NAMESPACE.fullmatch(namespace) else default_name
        files.setdefault(name, []).append(chunk if chunk.startswith("---") else "---\n" + chunk)
    return {name: "".join(chunks) for name, chunks in sorted(files.items())}


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.url:
        raise ExportFailed("Give the server's address: --url https://policy.example.com (or $POLICYEDITOR_URL).")
    if not args.token:
        raise ExportFailed("Give an API token: --token (or $POLICYEDITOR_TOKEN); make one with drf_create_token.")
    url = manifests_url(args.url, args.design, args.target)
    text, filename = fetch(url, args.token, args.timeout)
    if args.out:
        directory = Path(args.out)
        directory.mkdir(parents=True, exist_ok=True)
        files = split_by_namespace(text, filename)
        for name, body in files.items():
            (directory / name).write_text(body, encoding="utf-8")
        err.write(f"wrote {len(files)} files to {directory}: {', '.join(files)}\n")
    elif args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        err.write(f"wrote {args.output}\n")
    else:
        out.write(text)
    return 0
