"""The ``glassnet lesson all --quick`` report in a real browser: clean console, every figure decoded, every
experiment's section with its verdict; a screenshot of the top of the page (the README's docs/lessons.png)."""

from harness import assert_clean, images_not_decoded, open_page

from glassnet.lessons.registry import names

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_lessons_report_renders_cleanly_with_every_section(browser, quick_lessons, tmp_path):
    _, out, payload = quick_lessons
    page, log = open_page(browser, (out / "index.html").as_uri(), width=1280, height=900)
    assert images_not_decoded(page) == []
    assert page.locator("img").count() == sum(len(result["figures"]) for result in payload["results"])
    for name in names():
        section = page.locator(f"section#{name}")
        assert section.count() == 1
        assert section.locator("h2").inner_text().startswith(name)
        assert section.locator(".verdict").inner_text() == "holds"
        assert section.locator("table").count() >= 1
    assert page.locator("nav a").count() == len(names())
    screenshot = tmp_path / "lessons.png"
    page.screenshot(path=str(screenshot))  # the viewport: the top of the page
    assert screenshot.read_bytes()[:8] == PNG_MAGIC
    assert_clean(log)
    page.close()
