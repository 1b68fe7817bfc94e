"""The wizard pages: htmx steps, the same path without JavaScript, the result, bad input."""

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.engine import JOINTS, NERVES, code_claim
from coding.forms import PICKER_GROUPS

pytestmark = pytest.mark.django_db


def claim_shown(html: str) -> str:
    """The claim lines the result shows in its read-only output."""
    match = re.search(r'<output id="claim-text"[^>]*>([^<]*)</output>', html)
    return match.group(1) if match else ""


URL = "/wizard/"
HTMX = {"HX-Request": "true"}
RESULT = (
    "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R"
    "&payer=medicare&intent=diagnostic"
)


class StepForm(HTMLParser):
    """The step's GET form: its action, hidden inputs and field names; and the page's links."""

    def __init__(self, html: str):
        super().__init__()
        self.action = None
        self.hidden: list[tuple[str, str]] = []
        self.fields: set[str] = set()
        self.links: dict[str, str] = {}  # id -> href
        self.hx_links: list[tuple[str, str]] = []  # (href, hx-get)
        self._in_form = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "get":
            self._in_form = True
            self.action = attrs.get("action")
        elif tag == "input" and self._in_form:
            if attrs.get("type") == "hidden":
                self.hidden.append((attrs["name"], attrs.get("value", "")))
            else:
                self.fields.add(attrs["name"])
        elif tag == "select" and self._in_form:
            self.fields.add(attrs["name"])
        elif tag == "a":
            if "id" in attrs:
                self.links[attrs["id"]] = attrs["href"]
            if "hx-get" in attrs:
                self.hx_links.append((attrs["href"], attrs["hx-get"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def submit(client, response, **fields):
    """Submit the page's step form like a browser without JavaScript, following redirects."""
    form = StepForm(response.content.decode())
    assert form.action == URL
    data: dict[str, list[str]] = {}
    for name, value in form.hidden:
        data.setdefault(name, []).append(value)
    for name, value in fields.items():
        assert name.replace("_", "-") in form.fields, (name, form.fields)
        data[name.replace("_", "-")] = [value]
    return client.get(form.action, data, follow=True)


def heading(response) -> str:
    match = re.search(r'<h2 id="step-heading"[^>]*>(.*?)</h2>', response.content.decode())
    assert match, response.content.decode()[:2000]
    return unescape(match.group(1))


# htmx: each step answers with the fragment of the next --------------------------------------


@pytest.mark.parametrize(
    ("query", "next_heading", "pushed"),
    [
        (
            "answered=procedure&procedure=injection",
            "Step 2 of 5: imaging guidance",
            "/wizard/?procedure=injection",
        ),
        (
            "procedure=rfa&answered=guidance&guidance=ct",
            "Step 3 of 5: joints treated",
            "/wizard/?procedure=rfa&guidance=ct",
        ),
        (
            "procedure=injection&guidance=fluoroscopy&answered=joints"
            "&joint-L4-L5=B&joint-L5-S1=R&joint-L3-L4=",
            "Step 4 of 5: payer and claim",
            "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R",
        ),
        (
            "procedure=injection&guidance=fluoroscopy&answered=nerves&nerve-L3=B&nerve-L4=B",
            "Step 4 of 5: payer and claim",
            "/wizard/?procedure=injection&guidance=fluoroscopy&nerves=L3:B,L4:B",
        ),
        (
            "procedure=injection&guidance=fluoroscopy&joints=L4-L5:B"
            "&answered=payer&payer=aetna&bilateral=rtlt&intent=therapeutic",
            "Result",
            "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B"
            "&payer=aetna&bilateral=rtlt&intent=therapeutic",
        ),
    ],
)
def test_it_answers_each_htmx_step_with_the_fragment_of_the_next(
    coder, query, next_heading, pushed
):
    response = coder.get(f"{URL}?{query}", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="wizard"')
    assert "<html" not in html
    assert heading(response) == next_heading
    # The address carries the answers, not the form's bookkeeping: it can be bookmarked.
    assert response["HX-Push-Url"] == pushed
    assert "HX-Request" in response["Vary"]


def test_it_renders_the_whole_page_without_htmx(coder):
    response = coder.get(f"{URL}?procedure=injection")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "<h1>Level and laterality wizard</h1>" in html
    assert heading(response) == "Step 2 of 5: imaging guidance"
    assert "HX-Request" in response["Vary"]


def test_it_moves_focus_to_the_new_step_only_when_the_step_changes(coder):
    moved = coder.get(f"{URL}?procedure=injection", headers=HTMX)
    assert re.search(r'<h2 id="step-heading"[^>]*autofocus', moved.content.decode())
    picking = coder.get(
        f"{URL}?procedure=injection&guidance=ct&joints=L4-L5:L&step=joints",
        headers={**HTMX, "HX-Trigger": "edit-joint-L4-L5-R"},
    )
    assert "autofocus" not in picking.content.decode()
    page = coder.get(f"{URL}?procedure=injection")
    assert "autofocus" not in page.content.decode()


def test_it_keeps_picking_joints_while_the_lists_change_with_htmx(coder):
    response = coder.get(
        f"{URL}?procedure=injection&guidance=ct&answered=joints&joint-L4-L5=L&joint-C5-C6=B"
        "&step=joints",
        headers={**HTMX, "HX-Trigger": "edit-joints"},
    )
    assert response.status_code == 200
    assert heading(response) == "Step 3 of 5: joints treated"
    assert response["HX-Push-Url"] == (
        "/wizard/?procedure=injection&guidance=ct&joints=C5-C6:B,L4-L5:L&step=joints"
    )
    html = response.content.decode()
    assert re.search(r'<option value="L"\s+selected>left</option>', select(html, "joint-L4-L5"))
    assert re.search(
        r'<option value="B"\s+selected>both sides</option>', select(html, "joint-C5-C6")
    )


def select(html: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, name
    return match.group(1)


# Without JavaScript: plain GETs from the first step to the result -----------------------------


def test_it_walks_from_the_first_step_to_the_result_without_javascript(coder):
    page = coder.get(URL)
    assert page.status_code == 200
    assert heading(page) == "Step 1 of 5: procedure"
    assert '<form method="get"' in page.content.decode()

    page = submit(coder, page, procedure="injection")
    assert heading(page) == "Step 2 of 5: imaging guidance"
    assert page.redirect_chain[-1][0] == "/wizard/?procedure=injection"

    page = submit(coder, page, guidance="fluoroscopy")
    assert heading(page) == "Step 3 of 5: joints treated"

    page = submit(coder, page, joint_L4_L5="B", joint_L5_S1="R")
    assert heading(page) == "Step 4 of 5: payer and claim"
    assert page.redirect_chain[-1][0] == (
        "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R"
    )

    page = submit(coder, page, payer="medicare", intent="diagnostic")
    assert page.status_code == 200
    assert heading(page) == "Result"
    assert page.redirect_chain[-1][0] == RESULT
    assert claim_shown(page.content.decode()) == "64493-50-KX, 64494-RT-KX"


def test_it_counts_nerves_picked_without_javascript(coder):
    page = coder.get(f"{URL}?procedure=injection&guidance=ct")
    switch = next(href for href, _ in StepForm(page.content.decode()).hx_links if "nerves" in href)
    page = coder.get(switch)
    assert heading(page) == "Step 3 of 5: nerves treated"
    page = submit(coder, page, nerve_L3="B", nerve_L4="B", nerve_L5="B")
    page = submit(coder, page, payer="medicare", intent="therapeutic")
    html = page.content.decode()
    assert heading(page) == "Result"
    assert claim_shown(html) == "64493-50, 64494-50"
    assert 'id="warning-nerves-counted-as-joints"' in html


def test_it_toggles_a_side_on_the_spine_diagram_with_plain_links(coder):
    page = coder.get(f"{URL}?procedure=injection&guidance=ct&step=joints")
    links = StepForm(page.content.decode()).links
    page = coder.get(links["edit-joint-L4-L5-L"])
    assert page.status_code == 200
    assert heading(page) == "Step 3 of 5: joints treated"
    assert parse_qs(page.request["QUERY_STRING"]) == {
        "procedure": ["injection"],
        "guidance": ["ct"],
        "joints": ["L4-L5:L"],
        "step": ["joints"],
    }
    page = coder.get(StepForm(page.content.decode()).links["edit-joint-L4-L5-R"])
    assert "joints=L4-L5:B&" in page.request["QUERY_STRING"]
    assert re.search(r'<option value="B"\s+selected>', select(page.content.decode(), "joint-L4-L5"))
    page = coder.get(StepForm(page.content.decode()).links["edit-joint-L4-L5-L"])
    assert "joints=L4-L5:R&" in page.request["QUERY_STRING"]
    page = coder.get(StepForm(page.content.decode()).links["edit-joint-L4-L5-R"])
    assert "joints" not in parse_qs(page.request["QUERY_STRING"])
    assert heading(page) == "Step 3 of 5: joints treated"


def test_it_gives_every_htmx_link_the_same_address_as_its_href(coder):
    for url in (f"{URL}?procedure=rfa", f"{URL}?procedure=rfa&guidance=ct&step=joints", RESULT):
        links = StepForm(coder.get(url).content.decode()).hx_links
        assert links
        assert all(href == hx_get for href, hx_get in links)


def test_it_shows_a_later_step_again_to_change_an_answer_keeping_the_others(coder):
    page = coder.get(RESULT + "&step=guidance")
    assert heading(page) == "Step 2 of 5: imaging guidance"
    page = submit(coder, page, guidance="ultrasound")
    assert heading(page) == "Result"
    assert claim_shown(page.content.decode()) == "0216T-50, 0217T-RT"


def test_it_never_shows_a_step_past_the_first_unanswered_one(coder):
    page = coder.get(f"{URL}?procedure=injection&step=payer", follow=True)
    assert heading(page) == "Step 2 of 5: imaging guidance"
    assert page.redirect_chain == [("/wizard/?procedure=injection", 302)]


# The result -----------------------------------------------------------------------------------


def test_it_shows_the_result_with_claim_rules_sources_warnings_and_checklist(coder):
    response = coder.get(RESULT)
    assert response.status_code == 200
    html = response.content.decode()
    expected = code_claim("injection", "fluoroscopy", joints="L4-L5:B,L5-S1:R", intent="diagnostic")
    assert claim_shown(html) == expected.claim_text()
    assert 'data-copy="claim-text"' in html
    for line in expected.lines:
        plus = "+" if line.add_on else ""
        link = rf'<a class="code"\s+href="/codes/{line.code}/">{re.escape(plus)}{line.code}</a>'
        assert re.search(link, html)
        assert escape(line.rule) in html
        for key in line.sources:
            assert f'href="/sources/#source-{key}"' in html
    for warning in expected.warnings:
        assert f'id="warning-{warning.id}"' in html
        assert f'href="#warning-{warning.id}"' in html
        assert escape(warning.message) in html
    for item in expected.documentation:
        assert escape(item) in html
    assert "Levels counted: L4-L5, L5-S1 (2)." in html


def test_it_names_the_sources_by_title(coder):
    html = coder.get(RESULT).content.decode()
    assert re.search(r'href="/sources/#source-fcsocg">First Coast[^<]+</a>', html)


def test_it_links_the_result_to_its_json(coder):
    html = coder.get(RESULT).content.decode()
    api = re.search(r'<a href="(/api/wizard\?[^"]+)">', html).group(1)
    data = coder.get(unescape(api)).json()
    assert data["claim"] == "64493-50-KX, 64494-RT-KX"


def test_it_shows_no_claim_line_and_the_reason_without_imaging(coder):
    response = coder.get(f"{URL}?procedure=injection&guidance=none&joints=L4-L5:B&payer=medicare")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No claim lines" in html
    assert 'id="claim-text"' not in html
    assert 'id="warning-no-imaging-injection"' in html


def test_it_answers_a_bookmarked_result_directly(coder):
    response = coder.get(RESULT)
    assert response.status_code == 200
    assert heading(response) == "Result"


def test_it_moves_a_non_canonical_address_to_the_canonical_one(coder):
    response = coder.get(
        f"{URL}?joints=l4-5:b&procedure=INJECTION&guidance=fluoroscopy&format=medicare&intent="
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "/wizard/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B&payer=medicare"
    )


@pytest.mark.parametrize(
    ("old", "new", "claim"),
    [
        ("format=medicare", "payer=medicare", "64493-50, 64494-RT"),
        ("format=rtlt", "payer=other&bilateral=rtlt", "64493-RT, 64493-LT, 64494-RT"),
        ("step=format", "step=payer", None),
    ],
)
def test_it_moves_old_format_links_to_the_payer_and_keeps_their_lines(coder, old, new, claim):
    query = "procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R&intent=therapeutic"
    page = coder.get(f"{URL}?{query}&{old}", follow=True)
    assert page.redirect_chain[-1][0].endswith(new) or new in page.redirect_chain[-1][0]
    if claim:
        assert claim_shown(page.content.decode()) == claim
    else:
        assert heading(page) == "Step 4 of 5: payer and claim"


def test_it_links_its_own_stylesheet_and_script_and_nothing_inline(coder):
    html = coder.get(RESULT).content.decode()
    assert "/static/css/wizard.css" in html
    assert re.search(r'<script src="/static/js/wizard.js" defer>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    assert "hx-on" not in html


def test_it_labels_every_control(coder):
    for url in (
        URL,
        f"{URL}?procedure=injection",
        f"{URL}?procedure=injection&guidance=ct",
        f"{URL}?procedure=injection&guidance=ct&step=nerves",
        f"{URL}?procedure=injection&guidance=ct&joints=L4-L5:B",
        RESULT,
    ):
        html = coder.get(url).content.decode()
        ids = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
        assert ids
        for control in ids:
            assert re.search(rf'<label for="{control}"[ >]', html), (url, control)
        assert html.count("<fieldset>") == html.count("<legend>")


# Bad input: the step again, with the message, and a 400 ---------------------------------------


@pytest.mark.parametrize(
    ("query", "shown", "message"),
    [
        ("procedure=surgery", "Step 1 of 5: procedure", "Unknown procedure &#x27;surgery&#x27;"),
        ("answered=procedure", "Step 1 of 5: procedure", "Choose the procedure."),
        (
            "procedure=injection&guidance=laser",
            "Step 2 of 5: imaging guidance",
            "Unknown guidance &#x27;laser&#x27;",
        ),
        (
            "procedure=injection&answered=guidance",
            "Step 2 of 5: imaging guidance",
            "Choose the imaging guidance.",
        ),
        ("procedure=injection&guidance=ct&joints=L6-L7:B", "Step 3 of 5: joints treated", "L6-L7"),
        (
            "procedure=injection&guidance=ct&joints=L3-L5:B",
            "Step 3 of 5: joints treated",
            "not adjacent",
        ),
        (
            "procedure=injection&guidance=ct&answered=joints&joint-L4-L5=&joint-L5-S1=",
            "Step 3 of 5: joints treated",
            "Pick at least one joint and its side.",
        ),
        (
            "procedure=injection&guidance=ct&answered=joints&joint-L4-L5=Q",
            "Step 3 of 5: joints treated",
            "Unknown side for L4-L5 &#x27;Q&#x27;",
        ),
        (
            "procedure=injection&guidance=ct&nerves=L9:B",
            "Step 3 of 5: nerves treated",
            "Unknown nerve",
        ),
        (
            "procedure=injection&guidance=ct&joints=L4-L5:B&nerves=L3:B,L4:B",
            "Step 3 of 5: joints treated",
            "not both",
        ),
        (
            "procedure=injection&guidance=ct&joints=L4-L5:B&format=bcbs",
            "Step 4 of 5: payer and claim",
            "Unknown format",
        ),
        (
            "procedure=injection&guidance=ct&joints=L4-L5:B&payer=medicare&intent=x",
            "Step 4 of 5: payer and claim",
            "Unknown intent",
        ),
        (
            "procedure=injection&procedure=rfa",
            "Step 1 of 5: procedure",
            "given more than once with different values",
        ),
        ("procedure=injection&step=everything", "Step 2 of 5: imaging guidance", "Unknown step"),
    ],
)
def test_it_shows_the_step_again_with_the_problem_and_a_400(coder, query, shown, message):
    for headers in ({}, HTMX):
        response = coder.get(f"{URL}?{query}", headers=headers)
        assert response.status_code == 400
        assert heading(response) == shown
        html = response.content.decode()
        assert 'role="alert"' in html
        assert message in html
    assert response["HX-Push-Url"] == "false"


def test_it_keeps_the_valid_answers_when_one_is_wrong(coder):
    response = coder.get(f"{URL}?procedure=rfa&guidance=laser&joints=L4-L5:B&format=rtlt")
    hidden = dict(StepForm(response.content.decode()).hidden)
    assert hidden == {
        "procedure": "rfa",
        "joints": "L4-L5:B",
        "payer": "other",
        "bilateral": "rtlt",
        "answered": "guidance",
    }


def test_it_answers_an_absurd_number_of_parameters_with_a_400_page(coder):
    query = "&".join(f"x{i}=1" for i in range(1500))
    response = coder.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert "Too many parameters" in response.content.decode()


def test_it_allows_only_get(coder):
    assert coder.post(URL, {"procedure": "injection"}).status_code == 405


# Query budgets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "procedure=injection",
        "procedure=injection&guidance=ct",
        "procedure=injection&guidance=ct&joints=L4-L5:B&step=joints",
        "procedure=injection&guidance=ct&joints=L4-L5:B",
    ],
)
def test_it_shows_each_step_in_one_query(coder, django_assert_num_queries, query):
    with django_assert_num_queries(2):  # the content revision; the dataset in the footer
        assert coder.get(f"{URL}?{query}").status_code == 200
    with django_assert_num_queries(1):  # then the revision alone: the dataset is kept for it
        assert coder.get(f"{URL}?{query}").status_code == 200
    with django_assert_num_queries(0):  # the fragment has no footer
        assert coder.get(f"{URL}?{query}", headers=HTMX).status_code == 200


def test_it_shows_the_result_in_two_queries(coder, django_assert_num_queries):
    many = "C3-C4:B,C4-C5:L,T11-T12:R,T12-L1:B,L1-L2:B,L2-L3:R,L3-L4:L,L4-L5:B,L5-S1:R"
    coder.get(URL)  # the first step: the dataset in the footer is kept from here on
    with django_assert_num_queries(2):  # the sources cited; the content revision
        response = coder.get(
            f"{URL}?procedure=injection&guidance=fluoroscopy&joints={many}&payer=other&bilateral=rtlt"
        )
    assert response.status_code == 200
    with django_assert_num_queries(1):  # the sources cited
        assert coder.get(RESULT, headers=HTMX).status_code == 200


# Fuzz: random query strings never make a 500 --------------------------------------------------

NAMES = [
    "procedure",
    "guidance",
    "joints",
    "nerves",
    "format",
    "intent",
    "step",
    "answered",
    "joint-L4-L5",
    "nerve-L3",
    "x",
]
TOKENS = [
    "injection",
    "rfa",
    "ct",
    "none",
    "medicare",
    "rtlt",
    "diagnostic",
    "joints",
    "nerves",
    "format",
    *JOINTS[-6:],
    "L3",
    "L",
    "R",
    "B",
    ":",
    ",",
    "%",
    "%FF",
    "&",
    "=",
    " ",
]
value = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=8).map("".join), st.text(max_size=30))
query_string = st.lists(st.tuples(st.sampled_from(NAMES), value), max_size=8).map(
    lambda pairs: "&".join(f"{quote(name)}={quote(text, safe=':,%-')}" for name, text in pairs)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=query_string, htmx=st.booleans())
def test_it_never_fails_on_random_query_strings(query, htmx):
    response = Client().get(f"{URL}?{query}", headers=HTMX if htmx else {})
    assert response.status_code in (200, 302, 400), (query, response.status_code)
    if response.status_code == 302:
        follow = Client().get(response["Location"])
        assert follow.status_code == 200, (query, response["Location"])


def test_it_groups_the_pickers_by_region_covering_every_joint_and_nerve_once():
    joints = dict(PICKER_GROUPS["joints"])
    assert [name for names in joints.values() for name in names] == list(JOINTS)
    assert joints["Cervical"][-1] == "C7-T1"
    assert joints["Thoracic"][-1] == "T12-L1"
    assert joints["Lumbar and sacral"][0] == "L1-L2"
    nerves = dict(PICKER_GROUPS["nerves"])
    assert [name for names in nerves.values() for name in names] == ["TON", *NERVES, "S1"]
    assert nerves["Cervical"][0] == "TON"  # the third occipital nerve, C2-C3 alone
    assert nerves["Cervical"][-1] == "C8"
    assert nerves["Thoracic"][-1] == "T12"


def test_the_result_marks_add_ons_and_titles_each_warning_with_its_severity(coder):
    html = coder.get(RESULT).content.decode()
    assert re.search(r'<a class="code"\s+href="/codes/64494/">\+64494</a>', html)
    assert re.search(r'<a class="code"\s+href="/codes/64493/">64493</a>', html)
    warning = re.search(
        r'<li class="wizard-warning wizard-(\w+)"\s+id="warning-imaging-included">', html
    )
    assert warning.group(1) == "info"
    assert "Imaging guidance is included" in html
    assert re.search(r"<summary>\s*1 source · <span", html)  # imaging-included cites First Coast


def test_the_result_links_to_the_history_check_and_the_auditor_with_the_session(coder):
    html = unescape(coder.get(RESULT).content.decode())
    assert "/check/?procedure=injection&guidance=fluoroscopy&joints=L4-L5:B,L5-S1:R" in html
    assert re.search(r'href="/audit/\?[^"]*claim=64493-50-KX', html.replace("%2C+", ", "))
