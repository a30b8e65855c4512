"""Browser: a design from an uploaded Hubble capture, previewed with the upload's progress bar, then opened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from editor import models

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).parent.parent / "data" / "hubble-sample.jsonl"


def test_user_previews_a_capture_with_upload_progress_and_opens_the_design(page, live_server, user):
    log_in(page, live_server)
    page.click("#from-traffic-link")
    page.evaluate(
        """() => { window.maxProgress = 0;
        document.addEventListener("htmx:xhr:progress", () => {
          const bar = document.querySelector("#traffic-form progress.upload-progress");
          window.maxProgress = Math.max(window.maxProgress, bar.hidden ? 0 : bar.value); }); }"""
    )
    page.fill("input[name=name]", "observed")
    page.set_input_files("input[name=capture]", str(SAMPLE))
    page.click("#traffic-preview-button")
    page.wait_for_selector("#traffic-summary")
    assert "16 flows → 5 connections, 2 to the internet, 1 dropped" in page.inner_text("#traffic-summary")
    assert page.locator("svg.traffic-picture .node").count() >= 5
    assert page.evaluate("window.maxProgress") == 100
    assert page.locator("#traffic-form progress.upload-progress").is_hidden()
    assert not models.Design.objects.exists()
    page.click("#traffic-create-button")
    page.wait_for_url(re.compile(r"/designs/\d+/$"))
    design = models.Design.objects.get(name="observed")
    assert page.url.endswith(f"/designs/{design.pk}/") and design.flows.count() == 5
