"""Manifest files as a repository keeps them, and a way to run the command in the test's process."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from editor.cli import main

APP = """\
# the shop: a namespace and two workloads
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: db
          ports:
            - {name: pg, containerPort: 5432}
"""

# web may send to db on 5432 (and DNS); db takes 5432 from web; a second ingress rule of db allows everything
POLICIES = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Egress]
  egress:
    - to:
        - podSelector:
            matchLabels: {app: db}
      ports:
        - port: 5432
    - to:
        - namespaceSelector: {}
      ports:
        - {port: 53, protocol: UDP}
        - {port: 53, protocol: TCP}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: db}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: web}
      ports:
        - port: pg
    - {}
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The line (from 1) of the first line of ``path`` holding ``text``, after line ``after``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if number > after and text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A repository's k8s/ folder: app.yaml (namespace, workloads) and policies.yaml; the working directory."""
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(APP)
    (tmp_path / "k8s" / "policies.yaml").write_text(POLICIES)
    monkeypatch.chdir(tmp_path)
    return tmp_path
