from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from codes.models import Code, Modifier, Payer, Source


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "codes/home.html", {"codes": Code.objects.for_listing()})


@require_GET
def code_page(request: HttpRequest, code: str) -> HttpResponse:
    found = Code.objects.with_details().filter(code=code.upper()).first()
    if found is None:
        raise Http404(f"No code {code}")
    return render(request, "codes/code.html", {"code": found})


@require_GET
def modifier_page(request: HttpRequest, code: str) -> HttpResponse:
    modifier = get_object_or_404(Modifier, code=code.upper())
    return render(request, "codes/modifier.html", {"modifier": modifier})


@require_GET
def payer_page(request: HttpRequest, slug: str) -> HttpResponse:
    payer = get_object_or_404(Payer, slug=slug)
    return render(request, "codes/payer.html", {"payer": payer})


@require_GET
def sources_page(request: HttpRequest) -> HttpResponse:
    return render(request, "codes/sources.html", {"sources": Source.objects.all()})
