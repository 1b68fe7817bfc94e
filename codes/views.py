"""The reference pages. Each view reads what its page shows in a small, fixed number of queries
(see the query-count tests) and caches the rendered content for the current content revision;
the page around it (header, CSP nonce) is rendered per request for a visitor with a session,
and kept whole for everyone else (`codes.pages.conditional`)."""

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from codes.forms import CompareForm, SearchForm
from codes.models import (
    Code,
    Modifier,
    ModifierGuidance,
    NoteTopic,
    Payer,
    Source,
    Taxonomy,
    published_payer_notes,
)
from codes.pages import (
    CODE_SECTIONS,
    FAMILIES,
    FAMILY_ALIASES,
    MOST_USED,
    cached,
    code_sheets,
    conditional,
    digest,
    glance,
    group_citations,
)
from codes.search import normalise_code


def not_found(request: HttpRequest, message: str, query: str = "") -> HttpResponse:
    """A 404 page that helps: what was not found, and the codes a search for it finds."""
    results = Code.objects.search(query) if query.strip() else None
    context = {"message": message, "query": query, "results": results}
    return render(request, "codes/not_found.html", context, status=404)


@require_safe
@vary_on_headers("HX-Request")
@conditional
def home(request: HttpRequest) -> HttpResponse:
    def build() -> dict:
        codes = list(Code.objects.for_listing())
        by_code = {code.code: code for code in codes}
        context = {
            "glance": glance(codes),
            "most_used": [by_code[name] for name in MOST_USED if name in by_code],
            "families": FAMILIES,
        }
        return {"content_html": render_to_string("codes/home.html#content", context, request)}

    return render(request, "codes/home.html", cached(request, "home", build))


@require_safe
@vary_on_headers("HX-Request")
@conditional
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if form.is_valid():
        query, status, results = form.cleaned_data["q"], 200, None
        if query:
            # Ranking is the costly part of a search: kept per query until the data changes.
            found = cached(request, f"search:{query}", lambda: {"hits": Code.objects.search(query)})
            results = found["hits"]
    else:
        query, status, results = "", 400, None
    context = {"form": form, "query": query, "results": results}
    template = "codes/search.html#results" if request.htmx else "codes/search.html"
    return render(request, template, context, status=status)


@require_safe
@vary_on_headers("HX-Request")
@conditional
def code_page(request: HttpRequest, code: str) -> HttpResponse:
    name = normalise_code(code)

    def build() -> dict | None:
        sheets = code_sheets(Code.objects.filter(code=name))
        if not sheets:
            return None
        context = {"sheet": sheets[0], "code": sheets[0].code, "sections": CODE_SECTIONS}
        return {
            "title": sheets[0].code.display_code,
            "content_html": render_to_string("codes/code.html#content", context, request),
        }

    content = cached(request, f"code:{name}", build)
    if content is None:
        return not_found(request, f"There is no code “{code}” in FacetCoder.", query=code)
    return render(request, "codes/code.html", content)


@require_safe
@vary_on_headers("HX-Request")
@conditional
def code_section(request: HttpRequest, code: str, section: str) -> HttpResponse:
    """One section of a code page on its own: the fragment for htmx, a small page otherwise."""
    name = normalise_code(code)
    if section not in CODE_SECTIONS:
        return not_found(request, f"A code page has no section “{section}”.")

    def build() -> dict | None:
        sheets = code_sheets(Code.objects.filter(code=name), with_payers=section == "payers")
        if not sheets:
            return None
        context = {"sheet": sheets[0], "code": sheets[0].code}
        return {
            "title": f"{sheets[0].code.display_code}: {CODE_SECTIONS[section]}",
            "code": sheets[0].code.code,
            "section_html": render_to_string(f"codes/code.html#{section}", context, request),
        }

    content = cached(request, f"code:{name}:{section}", build)
    if content is None:
        return not_found(request, f"There is no code “{code}” in FacetCoder.", query=code)
    template = "codes/code_section.html#section" if request.htmx else "codes/code_section.html"
    return render(request, template, content)


@require_safe
@vary_on_headers("HX-Request")
@conditional
def modifiers(request: HttpRequest) -> HttpResponse:
    def build() -> dict:
        context = {"modifiers": Modifier.objects.annotate(codes_with_guidance=Count("guidance"))}
        return {"content_html": render_to_string("codes/modifiers.html#content", context, request)}

    return render(request, "codes/modifiers.html", cached(request, "modifiers", build))


@require_safe
@vary_on_headers("HX-Request")
@conditional
def modifier_page(request: HttpRequest, code: str) -> HttpResponse:
    name = code.strip().upper()

    def build() -> dict | None:
        modifier = (
            Modifier.objects.filter(code=name)
            .prefetch_related(
                "sources",
                Prefetch(
                    "guidance",
                    queryset=ModifierGuidance.objects.prefetch_related(
                        Prefetch("codes", queryset=Code.objects.for_listing()), "sources"
                    ),
                ),
            )
            .first()
        )
        if modifier is None:
            return None
        context = {"modifier": modifier}
        return {
            "title": f"Modifier {modifier.code}",
            "content_html": render_to_string("codes/modifier.html#content", context, request),
        }

    content = cached(request, f"modifier:{name}", build)
    if content is None:
        return not_found(request, f"There is no modifier “{code}” in FacetCoder.")
    return render(request, "codes/modifier.html", content)


@require_safe
@vary_on_headers("HX-Request")
@conditional
def taxonomies(request: HttpRequest) -> HttpResponse:
    def build() -> dict:
        rows = Taxonomy.objects.prefetch_related(
            Prefetch("codes", queryset=Code.objects.for_listing()), "sources"
        )
        context = {"taxonomies": rows}
        return {"content_html": render_to_string("codes/taxonomies.html#content", context, request)}

    return render(request, "codes/taxonomies.html", cached(request, "taxonomies", build))


@require_safe
@vary_on_headers("HX-Request")
@conditional
def payers(request: HttpRequest) -> HttpResponse:
    def build() -> dict:
        published = Q(notes__status="published")
        rows = Payer.objects.annotate(note_count=Count("notes", filter=published))
        context = {"payers": rows.prefetch_related("sources")}
        return {"content_html": render_to_string("codes/payers.html#content", context, request)}

    return render(request, "codes/payers.html", cached(request, "payers", build))


@require_safe
@vary_on_headers("HX-Request")
@conditional
def payer_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug != slug.lower():  # /payers/Medicare/ as typed: the page is at /payers/medicare/
        return redirect("codes:payer", slug=slug.lower(), permanent=True)

    def build() -> dict | None:
        notes = published_payer_notes().select_related("source")
        notes = notes.prefetch_related(Prefetch("codes", queryset=Code.objects.for_listing()))
        payer = (
            Payer.objects.filter(slug=slug)
            .prefetch_related("sources", Prefetch("notes", queryset=notes))
            .first()
        )
        if payer is None:
            return None
        context = {"payer": payer, "topics": NoteTopic}
        return {
            "title": payer.name,
            "content_html": render_to_string("codes/payer.html#content", context, request),
        }

    content = cached(request, f"payer:{slug}", build)
    if content is None:
        return not_found(request, f"There is no payer “{slug}” in FacetCoder.")
    return render(request, "codes/payer.html", content)


@require_safe
@vary_on_headers("HX-Request")
@conditional
def sources(request: HttpRequest) -> HttpResponse:
    def build() -> dict:
        context = {"sources": group_citations(Source.objects.all(), Source.objects.citations())}
        return {"content_html": render_to_string("codes/sources.html#content", context, request)}

    return render(request, "codes/sources.html", cached(request, "sources", build))


@require_safe
@vary_on_headers("HX-Request")
@conditional
def compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET or None)
    if not request.GET:
        return render(request, "codes/compare.html", {"form": form})
    if not form.is_valid():
        return render(request, "codes/compare.html", {"form": form}, status=400)
    wanted = form.cleaned_data["codes"]
    missing: list[str] = []

    def build() -> dict | None:
        sheets = code_sheets(Code.objects.filter(code__in=wanted), with_payers=False)
        found = {sheet.code.code for sheet in sheets}
        missing.extend(code for code in wanted if code not in found)
        if missing:
            return None
        sheets.sort(key=lambda sheet: wanted.index(sheet.code.code))
        context = {"sheets": sheets}
        return {
            "title": " · ".join(sheet.code.display_code for sheet in sheets),
            "table_html": render_to_string("codes/compare.html#table", context, request),
        }

    content = cached(request, "compare:" + ",".join(wanted), build)
    if content is None:
        unknown = ", ".join(missing)
        form.add_error("codes", f"Not in FacetCoder: {unknown}. Check the codes and try again.")
        return render(request, "codes/compare.html", {"form": form}, status=400)
    return render(request, "codes/compare.html", {"form": form, **content})


@require_safe
@vary_on_headers("HX-Request")
@conditional
def cheatsheets(request: HttpRequest) -> HttpResponse:
    return render(request, "codes/cheatsheets.html", {"families": FAMILIES})


@require_safe
@vary_on_headers("HX-Request")
@conditional
def cheatsheet(request: HttpRequest, family: str) -> HttpResponse:
    if family in FAMILY_ALIASES:
        return redirect("codes:cheatsheet", family=FAMILY_ALIASES[family], permanent=True)
    chosen = FAMILIES.get(family)
    if chosen is None:
        return not_found(request, f"There is no cheat sheet “{family}”.")

    def build() -> dict:
        sheets = code_sheets(Code.objects.filter(chosen.condition), with_payers=False)
        context = {
            "family": chosen,
            "sheets": sheets,
            "glance": glance(sheet.code for sheet in sheets),
            "digest": digest(sheets),
        }
        return {
            "title": chosen.title,
            "content_html": render_to_string("codes/cheatsheet.html#content", context, request),
        }

    return render(request, "codes/cheatsheet.html", cached(request, f"cheatsheet:{family}", build))


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """For clients that ask /favicon.ico without reading the page's icon link."""
    response = redirect(static("img/favicon.svg"))
    patch_cache_control(response, max_age=60 * 60 * 24)
    return response
