"""An editor changes a payer note in the back office; a coder who had the code page open sees
the change on reloading it (the cached page is refreshed), with the Markdown rendered."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from notes.models import PayerNote
from tests.e2e.conftest import make_user, sign_in
from tests.e2e.test_accessibility import layout_and_accessibility_problems

pytestmark = pytest.mark.e2e

EDITORS = "Payer note editors"


def test_it_shows_a_coder_the_payer_note_an_editor_changed(page, new_context):
    note = PayerNote.objects.published().filter(codes__code="64493").order_by("key").first()
    addition = "Prior authorization is **now required** for every session (test bulletin)."
    coder = new_context().new_page()
    coder.goto("/codes/64493/")
    expect(coder.get_by_role("heading", level=2, name="Payer notes")).to_be_visible()
    expect(coder.locator("main")).not_to_contain_text("for every session (test bulletin)")

    make_user("edith", groups=(EDITORS,), staff=True)
    sign_in(page, "edith")
    page.goto("/admin/notes/payernote/")
    page.get_by_role("link", name=note.key, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/notes/payernote/{note.pk}/change/$"))
    text = page.locator("[name=text]")
    text.fill(f"{note.text}\n\n{addition}")
    page.locator("[name=change_reason]").fill("Payer bulletin of this quarter")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")

    coder.reload()
    # Payer notes show one payer at a time: open this note's payer.
    coder.locator(f"#payer-{note.payer.slug} > summary").click()
    changed = coder.locator("main").get_by_text("for every session (test bulletin)")
    expect(changed).to_be_visible()
    expect(coder.locator("main strong", has_text="now required")).to_be_visible()
    # What the coder reads was saved with who changed it, and why.
    latest = note.history.latest()
    assert latest.history_user.username == "edith"
    assert latest.history_change_reason == "Payer bulletin of this quarter"


def test_it_keeps_an_editor_away_from_everything_but_payer_notes(page):
    make_user("edith", groups=(EDITORS,), staff=True)
    sign_in(page, "edith")
    page.goto("/admin/codes/code/")
    expect(page.get_by_role("link", name="Add code")).to_have_count(0)
    response = page.goto("/admin/auth/user/")
    assert response.status == 403


def test_the_editors_desk_has_the_overdue_panel_and_a_live_preview(page):
    note = PayerNote.objects.order_by("key").first()
    PayerNote.objects.filter(pk=note.pk).update(
        last_reviewed=PayerNote.review_cutoff() - timedelta(days=40)
    )
    make_user("edith", groups=("Payer note editors",), staff=True)
    sign_in(page, "edith")
    panel = page.locator(".notes-desk")
    expect(panel.get_by_role("heading", name="Overdue for review")).to_be_visible()
    expect(panel).to_contain_text("more than 12 months ago")
    assert layout_and_accessibility_problems(page) == []
    panel.get_by_role("link", name=note.key).click()

    page.evaluate("window.sameDocument = true")
    text = page.locator("[name=text]")
    text.fill("A **live** preview\n\n<script>window.injected = true</script>")
    preview = page.locator("#note-preview")
    expect(preview.locator("strong")).to_have_text("live")
    expect(preview).not_to_contain_text("window.injected")
    assert page.evaluate("window.sameDocument") is True
    assert page.evaluate("window.injected") is None
    expect(page.locator("input[type=date][name=last_reviewed]")).to_be_visible()
    expect(page.locator(".timezonewarning")).to_have_count(0)
