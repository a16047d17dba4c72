"""Fixtures for real-browser tests: ``browser`` (one headless Chromium per test session)."""

from __future__ import annotations

import os

import pytest
from harness import launch, unavailable_reason


@pytest.fixture(scope="session")
def browser():
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
