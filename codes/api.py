"""The read-only JSON API over the reference data."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from codes.models import Code, Relation


def json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
def code_list(request: HttpRequest) -> JsonResponse:
    codes = Code.objects.for_listing().only("code", "summary", "region", "procedure", "add_on")
    data = [
        {
            "code": c.code,
            "summary": c.summary,
            "region": c.region,
            "procedure": c.procedure,
            "add_on": c.add_on,
        }
        for c in codes
    ]
    return JsonResponse(data, safe=False)


@require_safe
def code_detail(request: HttpRequest, code: str) -> JsonResponse:
    found = Code.objects.with_details().filter(code=code.upper()).first()
    if found is None:
        return json_error(f"Unknown code {code!r}. GET /api/codes/ lists every code.", 404)
    return JsonResponse(code_as_json(found))


def related_as_json(code: Code) -> list[dict]:
    """Relations read from this code's side, both directions, each with its sources."""
    related = []
    for rel in code.relations_from.all():
        related.append(_relation(rel, rel.to_code, rel.get_type_display(), "from"))
    for rel in code.relations_to.all():
        related.append(_relation(rel, rel.from_code, Relation.REVERSE_LABELS[rel.type], "to"))
    return related


def _relation(rel: Relation, other: Code, label: str, direction: str) -> dict:
    return {
        "code": other.code,
        "relation": rel.type,
        "label": label,
        "direction": direction,
        "note": rel.note,
        "confidence": rel.confidence,
        "sources": [s.key for s in rel.sources.all()],
    }


def modifiers_as_json(code: Code) -> list[dict]:
    """One entry per modifier, its guidance for this code joined in order."""
    by_modifier: dict[str, dict] = {}
    for item in code.modifier_guidance.all():
        entry = by_modifier.setdefault(
            item.modifier.code,
            {
                "code": item.modifier.code,
                "name": item.modifier.name,
                "guidance": [],
                "confidence": item.confidence,
                "sources": [],
            },
        )
        entry["guidance"].append(item.text)
        if item.confidence > entry["confidence"]:  # "U" > "L" > "C": keep the weakest
            entry["confidence"] = item.confidence
        entry["sources"] += [s.key for s in item.sources.all() if s.key not in entry["sources"]]
    for entry in by_modifier.values():
        entry["guidance"] = " ".join(entry["guidance"])
    return list(by_modifier.values())


def code_as_json(code: Code) -> dict:
    show_descriptor = settings.SHOW_CPT_DESCRIPTORS and code.descriptor
    return {
        "code": code.code,
        "code_set": code.code_set,
        "summary": code.summary,
        "descriptor": code.descriptor if show_descriptor else None,
        "region": code.region,
        "procedure": code.procedure,
        "guidance": code.guidance,
        "guidance_note": code.guidance_note,
        "add_on": code.add_on,
        "level": code.level or None,
        "primary_codes": [
            rel.to_code.code for rel in code.relations_from.all() if rel.type == "add_on_of"
        ],
        "max_per_day": code.max_per_day,
        "unit_basis": code.unit_basis,
        "effective": code.effective.isoformat() if code.effective else None,
        "replaces": code.replaces,
        "confidence": code.confidence,
        "extra": code.extra,
        "related": related_as_json(code),
        "modifiers": modifiers_as_json(code),
        "taxonomies": [{"code": t.code, "name": t.display_name} for t in code.taxonomies.all()],
        "diagnoses": [
            {
                "code": link.diagnosis.code,
                "title": link.diagnosis.title,
                "billable": link.diagnosis.billable,
                "relation": link.relation,
                "note": link.note,
                "confidence": link.confidence,
            }
            for link in code.diagnosis_links.all()
        ],
        "payer_notes": [
            {
                "payer": note.payer.name,
                "payer_slug": note.payer.slug,
                "topic": note.topic,
                "text": note.text,
                "source": note.source.title,
                "url": note.url or note.source.url or None,
                "confidence": note.confidence,
                "effective_date": note.effective_date.isoformat() if note.effective_date else None,
                "last_reviewed": note.last_reviewed.isoformat(),
                "review_overdue": note.review_overdue,
                "policy_number": note.source.number or None,
                "policy_version": note.source.version or None,
                "policy_date": note.source.date.isoformat() if note.source.date else None,
                "policy_older_than_review_cycle": note.source.older_than_review_cycle,
            }
            for note in code.payer_notes.all()
        ],
        "rules": [
            {
                "key": rule.key,
                "title": rule.title,
                "text": rule.text,
                "confidence": rule.confidence,
                "sources": [s.key for s in rule.sources.all()],
            }
            for rule in code.rules.all()
        ],
        "misconceptions": [
            {
                "claim": m.claim,
                "correction": m.correction,
                "source": m.source.title,
                "confidence": m.confidence,
                "sources": [s.key for s in m.sources.all()],
            }
            for m in code.misconceptions.all()
        ],
        "sources": [s.as_json() for s in code.sources.all()],
    }
