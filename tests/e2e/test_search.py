"""A coder finds a code: search as you type (htmx) on the search page and the home page, a case
described in words ranked with its primary code first, the plain form without JavaScript, and
the "/" key that brings the search box from anywhere."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FAMILY = ["64490", "64491", "64492", "64493", "64494", "64495"]


def result_links(page):
    return page.locator("main li a[href^='/codes/']")


def test_it_updates_the_results_as_the_coder_types_without_reloading(page):
    page.goto("/search")
    page.evaluate("window.sameDocument = true")
    box = page.locator("main input[name=q]")

    box.press_sequentially("6449", delay=40)
    for code in FAMILY:
        expect(page.locator(f"main a[href='/codes/{code}/']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search\?q=6449$"))

    box.fill("")
    box.press_sequentially("64493", delay=40)
    expect(result_links(page).first).to_have_attribute("href", "/codes/64493/")
    expect(page).to_have_url(re.compile(r"/search\?q=64493$"))

    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"


def test_it_forgives_a_typo_as_the_coder_types(page):
    page.goto("/search")
    page.locator("main input[name=q]").press_sequentially("lumbr", delay=40)
    expect(page.locator("main a[href='/codes/64493/']")).to_be_visible()
    expect(page.locator("main")).to_contain_text("lumbar")


def test_it_searches_with_the_plain_form_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/")
    box = page.locator("main input[name=q]")
    box.fill("MBB")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=MBB$"))
    expect(page.locator("main a[href='/codes/64493/']")).to_be_visible()
    expect(page.locator("main a[href='/codes/64490/']")).to_be_visible()
    expect(page.locator("main input[name=q]")).to_have_value("MBB")


def test_it_focuses_the_search_box_when_the_coder_presses_slash(page):
    page.goto("/codes/64493/")
    page.keyboard.press("/")
    focused = page.locator("input[name=q]:focus")
    expect(focused).to_have_count(1)
    focused.press_sequentially("sacroiliac")
    focused.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=sacroiliac$"))
    expect(page.locator("main a[href='/codes/27096/']")).to_be_visible()


def test_it_searches_as_the_coder_types_on_the_home_page_with_the_primary_code_first(page):
    page.goto("/")
    page.evaluate("window.sameDocument = true")
    page.locator("main input[name=q]").press_sequentially(
        "bilateral L4-L5 and L5-S1 medial branch block", delay=10
    )
    expect(page).to_have_url(re.compile(r"/search\?q=bilateral"))
    expect(result_links(page).first).to_have_attribute("href", "/codes/64493/")
    expect(result_links(page).nth(1)).to_have_attribute("href", "/codes/64494/")
    expect(page.get_by_role("heading", level=2, name="Code families at a glance")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
