"""The reference pages: plain function views. Each reads what its page shows through QuerySet
methods, in a fixed number of queries (tests/codes/test_pages.py counts them), and renders its
template: a whole page, or for htmx the inline partial it asks for.

Visitors not signed in get an ETag and the page kept in the cache, both keyed by the content
revision (codes/caching.py): `@condition` answers 304, `@cached_for_visitors` keeps the page.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from codes.caching import cached_for_visitors, page_etag
from codes.forms import CompareForm, SearchForm
from codes.models import Code, Modifier, NoteTopic, Payer, Source, Taxonomy
from codes.search import normalise_code, search_case
from codes.sheets import (
    CODE_SECTIONS,
    FAMILIES,
    FAMILY_ALIASES,
    MOST_USED,
    code_sheets,
    differences,
    digest,
    glance,
    group_citations,
    nerve_table,
    worked_examples,
)


def not_found(request: HttpRequest, message: str, query: str = "") -> HttpResponse:
    """A 404 page that helps: what was not found, and the codes a search for it finds."""
    results = Code.objects.search(query) if query.strip() else None
    context = {"message": message, "query": query, "results": results}
    return render(request, "codes/not_found.html", context, status=404)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def home(request: HttpRequest) -> HttpResponse:
    codes = list(Code.objects.for_listing())
    by_code = {code.code: code for code in codes}
    context = {
        "glance": glance(codes),
        "most_used": [by_code[name] for name in MOST_USED if name in by_code],
        "families": FAMILIES,
    }
    return render(request, "codes/home.html", context)


def search_key(request: HttpRequest) -> str | None:
    """A search is kept by the query as the form cleaned it; a bad one is not kept."""
    form = SearchForm(request.GET)
    return form.cleaned_data["q"] if form.is_valid() else None


@require_safe
@vary_on_headers("HX-Request")
@condition(etag_func=page_etag)
@cached_for_visitors(search_key, params=("q",))
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.query()
    context = {
        "form": form,
        "query": query,
        "results": Code.objects.search(query) if query else None,
        "case": search_case(query) if query else None,
    }
    template = "codes/search.html#results" if request.htmx else "codes/search.html"
    return render(request, template, context, status=200 if form.is_valid() else 400)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors(lambda request, code: normalise_code(code))
def code_page(request: HttpRequest, code: str) -> HttpResponse:
    sheets = code_sheets(Code.objects.filter(code=normalise_code(code)))
    if not sheets:
        return not_found(request, f"There is no code “{code}” in FacetCoder.", query=code)
    context = {"sheet": sheets[0], "code": sheets[0].code, "sections": CODE_SECTIONS}
    return render(request, "codes/code.html", context)


@require_safe
@vary_on_headers("HX-Request")
@condition(etag_func=page_etag)
@cached_for_visitors(lambda request, code, section: f"{normalise_code(code)}/{section}")
def code_section(request: HttpRequest, code: str, section: str) -> HttpResponse:
    """One section of a code page on its own: the partial for htmx, a small page otherwise."""
    if section not in CODE_SECTIONS:
        return not_found(request, f"A code page has no section “{section}”.")
    codes = Code.objects.filter(code=normalise_code(code))
    sheets = code_sheets(codes, with_payers=section == "payers")
    if not sheets:
        return not_found(request, f"There is no code “{code}” in FacetCoder.", query=code)
    sheet = sheets[0]
    context = {"sheet": sheet, "code": sheet.code, "section": section}
    context["title"] = f"{sheet.code.display_code}: {CODE_SECTIONS[section]}"
    template = f"codes/code.html#{section}" if request.htmx else "codes/code_section.html"
    return render(request, template, context)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def modifiers(request: HttpRequest) -> HttpResponse:
    context = {"modifiers": Modifier.objects.with_guidance_count()}
    return render(request, "codes/modifiers.html", context)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors(lambda request, code: code.strip().upper())
def modifier_page(request: HttpRequest, code: str) -> HttpResponse:
    modifier = Modifier.objects.with_guidance().filter(code=code.strip().upper()).first()
    if modifier is None:
        return not_found(request, f"There is no modifier “{code}” in FacetCoder.")
    return render(request, "codes/modifier.html", {"modifier": modifier})


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def taxonomies(request: HttpRequest) -> HttpResponse:
    context = {"taxonomies": Taxonomy.objects.with_codes()}
    return render(request, "codes/taxonomies.html", context)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def payers(request: HttpRequest) -> HttpResponse:
    return render(request, "codes/payers.html", {"payers": Payer.objects.with_note_counts()})


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def payer_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug != slug.lower():  # /payers/Medicare/ as typed: the page is at /payers/medicare/
        return redirect("codes:payer", slug=slug.lower(), permanent=True)
    payer = Payer.objects.with_published_notes().filter(slug=slug).first()
    if payer is None:
        return not_found(request, f"There is no payer “{slug}” in FacetCoder.")
    return render(request, "codes/payer.html", {"payer": payer, "topics": NoteTopic})


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def sources(request: HttpRequest) -> HttpResponse:
    context = {"sources": group_citations(Source.objects.all(), Source.objects.citations())}
    return render(request, "codes/sources.html", context)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def compare(request: HttpRequest) -> HttpResponse:
    """Codes side by side. Only the empty form is kept (no query parameter is allowed): a
    comparison shows the codes as typed, so each way of typing them would be a page of its own."""
    form = CompareForm(request.GET or None)
    if not request.GET:
        return render(request, "codes/compare.html", {"form": form})
    if not form.is_valid():
        return render(request, "codes/compare.html", {"form": form}, status=400)
    wanted = form.cleaned_data["codes"]
    sheets = code_sheets(Code.objects.filter(code__in=wanted), with_payers=False)
    found = {sheet.code.code for sheet in sheets}
    missing = [code for code in wanted if code not in found]
    if missing:
        unknown = ", ".join(missing)
        form.add_error("codes", f"Not in FacetCoder: {unknown}. Check the codes and try again.")
        return render(request, "codes/compare.html", {"form": form}, status=400)
    sheets.sort(key=lambda sheet: wanted.index(sheet.code.code))
    title = " · ".join(sheet.code.display_code for sheet in sheets)
    differs = differences(sheets)
    context = {
        "form": form,
        "sheets": sheets,
        "title": title,
        "differs": differs,
    }
    context["rows"] = len(differs) - (0 if sheets[0].descriptor else 1)  # the descriptor's row
    context["differing"] = sum(differs.values())
    context["shared"] = context["rows"] - context["differing"]
    return render(request, "codes/compare.html", context)


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def cheatsheets(request: HttpRequest) -> HttpResponse:
    return render(request, "codes/cheatsheets.html", {"families": FAMILIES})


@require_safe
@condition(etag_func=page_etag)
@cached_for_visitors()
def cheatsheet(request: HttpRequest, family: str) -> HttpResponse:
    if family in FAMILY_ALIASES:
        return redirect("codes:cheatsheet", family=FAMILY_ALIASES[family], permanent=True)
    chosen = FAMILIES.get(family)
    if chosen is None:
        return not_found(request, f"There is no cheat sheet “{family}”.")
    sheets = code_sheets(Code.objects.filter(chosen.condition), with_payers=False)
    context = {
        "family": chosen,
        "sheets": sheets,
        "glance": glance(sheet.code for sheet in sheets),
        "digest": digest(sheets),
        "examples": worked_examples(sheets),
        "nerves": [
            (Code.Region(region).label, nerve_table(region)) for region in chosen.nerve_regions
        ],
    }
    return render(request, "codes/cheatsheet.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """For clients that ask /favicon.ico without reading the page's icon link."""
    response = redirect(static("img/favicon.svg"))
    patch_cache_control(response, max_age=60 * 60 * 24)
    return response
