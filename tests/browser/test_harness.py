"""The harness itself: a page with a console error, a broken image and a good image is seen as such."""

from __future__ import annotations

import base64

import pytest
from harness import assert_clean, images_not_decoded, open_page

PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201"
    "d9b0b2ae0000000049454e44ae426082"
)).decode()


def test_the_harness_sees_console_errors_and_undecoded_images(browser, tmp_path):
    page_file = tmp_path / "page.html"
    page_file.write_text(
        f'<html><body><img id="good" src="data:image/png;base64,{PIXEL}"><img id="bad" src="data:image/png;base64,AAAA">'
        "<script>console.error('boom')</script></body></html>"
    )
    page, log = open_page(browser, page_file.as_uri())
    page.wait_for_timeout(100)
    assert images_not_decoded(page) == ["data:image/png;base64,AAAA"]
    with pytest.raises(AssertionError, match="boom"):
        assert_clean(log)
    page.close()
