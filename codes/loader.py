"""Reads the curated dataset under codes/data/ and writes it to the database.

Everything is read and checked before anything is written; the writes run in one transaction
and touch only rows whose content differs, so a second run changes nothing. A payer note that
an editor changed since it was loaded is never overwritten.
"""

import hashlib
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from codes import icd
from codes.models import (
    Code,
    Confidence,
    Dataset,
    Diagnosis,
    DiagnosisLink,
    Misconception,
    Modifier,
    ModifierGuidance,
    NoteTopic,
    Payer,
    Relation,
    Rule,
    Source,
    Taxonomy,
    payer_note_model,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = (
    "dataset",
    "sources",
    "codes",
    "relations",
    "modifiers",
    "taxonomies",
    "diagnoses",
    "payers",
    "rules",
    "misconceptions",
)

CODE_PATTERN = re.compile(r"^(\d{5}|\d{4}T|[A-Z]\d{4})$")
TAXONOMY_PATTERN = re.compile(r"^\d{3}[0-9A-Z]{6}X$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DataError(Exception):
    """Bad reference data: names the file and the record."""

    def __init__(self, file: str, record: str, problem: str):
        self.file, self.record, self.problem = file, record, problem
        super().__init__(f"codes/data/{file}.toml, {record}: {problem}")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # payer notes edited since loading, left as they are

    def line(self, label: str) -> str:
        text = (
            f"{label}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        )
        if self.kept:
            text += f", {self.kept} kept (edited since loaded)"
        return text


@dataclass
class Report:
    counts: dict[str, Counts] = field(default_factory=dict)

    def count(self, label: str, outcome: str) -> None:
        counts = self.counts.setdefault(label, Counts())
        setattr(counts, outcome, getattr(counts, outcome) + 1)

    def lines(self) -> list[str]:
        return [counts.line(label) for label, counts in self.counts.items()]

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())


# Reading and checking ------------------------------------------------------------------------


class Record:
    """One table of one TOML file, read with checks that name the file and the record."""

    def __init__(self, file: str, label: str, index: int, data: dict):
        self.file, self.data = file, data
        ident = data.get("key") or data.get("code") or data.get("slug")
        if file == "relations":
            ident = f"{data.get('from')} {data.get('type')} {data.get('to')}"
        self.name = f"{label} #{index + 1}" + (f" ({ident})" if ident else "")

    def fail(self, problem: str):
        raise DataError(self.file, self.name, problem)

    def get(self, key: str, kind: type = str, required: bool = True, default=None):
        if key not in self.data:
            if required:
                self.fail(f"missing field '{key}'")
            return default
        value = self.data[key]
        if kind is str and isinstance(value, str):
            value = value.strip()
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(f"field '{key}' must be {kind.__name__}, not {type(value).__name__}")
        if required and kind is str and not value:
            self.fail(f"field '{key}' is empty")
        return value

    def choice(self, key: str, choices, required: bool = True) -> str:
        value = self.get(key, required=required, default="")
        allowed = [c for c, _ in choices]
        if value not in allowed:
            self.fail(f"'{key}' is {value!r}; allowed: {', '.join(repr(a) for a in allowed)}")
        return value

    def string_list(self, key: str, required: bool = True) -> list[str]:
        value = self.get(key, list, required=required, default=[])
        if not all(isinstance(item, str) for item in value):
            self.fail(f"field '{key}' must be a list of strings")
        return [item.strip() for item in value]

    def date(self, key: str, required: bool = True) -> date | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                self.fail(f"field '{key}' is not an ISO date: {value!r}")
        if not isinstance(value, date):
            self.fail(f"field '{key}' must be a date")
        return value

    def confidence(self) -> str:
        return self.choice("confidence", Confidence.choices)


class DataFiles:
    """The whole dataset, read and cross-checked in memory."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.raw: dict[str, dict] = {}
        digest = hashlib.sha256()
        for name in FILES:
            path = data_dir / f"{name}.toml"
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                raise DataError(name, "file", f"missing ({path})") from None
            digest.update(content)
            try:
                self.raw[name] = tomllib.loads(content.decode("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
                raise DataError(name, "file", f"not valid TOML: {error}") from None
        self.fingerprint = digest.hexdigest()

    def records(self, file: str, table: str) -> list[Record]:
        items = self.raw[file].get(table, [])
        if not isinstance(items, list):
            raise DataError(file, table, f"'{table}' must be an array of tables ([[{table}]])")
        records = [Record(file, table, i, item) for i, item in enumerate(items)]
        return records


def check_unique(records: list[Record], key: str) -> None:
    seen = Counter(record.get(key) for record in records)
    for record in records:
        if seen[record.get(key)] > 1:
            record.fail(f"duplicate {key} {record.get(key)!r}")


def read(data_dir: Path) -> dict:
    """Read and check every file; return plain rows ready to write, or raise DataError."""
    ds = DataFiles(data_dir)
    meta = Record("dataset", "dataset", 0, ds.raw["dataset"])
    out: dict = {
        "dataset": {
            "version": meta.get("version"),
            "date": meta.date("date"),
            "title": meta.get("title"),
            "fingerprint": ds.fingerprint,
        }
    }

    sources = ds.records("sources", "source")
    check_unique(sources, "key")
    source_keys = set()
    out["sources"] = []
    for r in sources:
        key = r.get("key")
        if not SLUG_PATTERN.match(key):
            r.fail(f"source key {key!r} is not a slug (lowercase letters, digits, hyphens)")
        url = r.get("url", required=False, default="")
        if url and not url.startswith(("https://", "http://")):
            r.fail(f"url {url!r} is not an http(s) link")
        document = r.get("document", required=False, default="")
        kind = r.choice("kind", Source.Kind.choices)
        if kind == "seed" and not document:
            r.fail("a seed source needs its document (file name)")
        source_keys.add(key)
        out["sources"].append(
            {
                "key": key,
                "title": r.get("title"),
                "publisher": r.get("publisher", required=False, default=""),
                "url": url,
                "document": document,
                "kind": kind,
                "note": r.get("note", required=False, default=""),
            }
        )

    def cited(r: Record, key: str = "sources") -> list[str]:
        keys = r.string_list(key)
        if not keys:
            r.fail(f"cites no source ('{key}' is empty); every record cites at least one")
        for source in keys:
            if source not in source_keys:
                r.fail(f"unknown source {source!r}")
        return keys

    def one_source(r: Record, key: str = "source") -> str:
        source = r.get(key)
        if source not in source_keys:
            r.fail(f"unknown source {source!r}")
        return source

    codes = ds.records("codes", "code")
    check_unique(codes, "code")
    code_set: set[str] = set()
    out["codes"] = []
    for order, r in enumerate(codes):
        code = r.get("code").upper()
        if not CODE_PATTERN.match(code):
            r.fail(f"malformed code {code!r} (5 digits, 4 digits + T, or a letter + 4 digits)")
        code_set.add(code)
        max_per_day = r.get("max_per_day", int, required=False)
        if max_per_day is not None and max_per_day < 1:
            r.fail("max_per_day must be at least 1")
        extra = r.get("extra", dict, required=False, default={})
        if not all(isinstance(v, str) for v in extra.values()):
            r.fail("extra values must be strings")
        add_on = r.get("add_on", bool)
        out["codes"].append(
            {
                "code": code,
                "code_set": r.choice("code_set", Code.CodeSet.choices),
                "summary": r.get("summary"),
                "descriptor": r.get("descriptor", required=False, default=""),
                "region": r.choice("region", Code.Region.choices),
                "procedure": r.choice("procedure", Code.Procedure.choices),
                "guidance": r.choice("guidance", Code.Guidance.choices),
                "add_on": add_on,
                "level": r.choice("level", Code.Level.choices, required=False),
                "unit_basis": r.choice("unit_basis", Code.UnitBasis.choices),
                "max_per_day": max_per_day,
                "synonyms": r.string_list("synonyms", required=False),
                "guidance_note": r.get("guidance_note", required=False, default=""),
                "effective": r.date("effective", required=False),
                "replaces": r.string_list("replaces", required=False),
                "extra": extra,
                "confidence": r.confidence(),
                "sort_order": order,
                "sources": cited(r),
            }
        )

    def known_code(r: Record, code: str, what: str = "code") -> str:
        code = code.upper()
        if code not in code_set:
            r.fail(f"unknown {what} {code!r} (not in codes.toml)")
        return code

    def code_list(r: Record, key: str = "codes", required: bool = True) -> list[str]:
        return [known_code(r, c) for c in r.string_list(key, required=required)]

    relations = ds.records("relations", "relation")
    out["relations"] = []
    seen_relations = set()
    for r in relations:
        row = {
            "from": known_code(r, r.get("from"), "code in 'from'"),
            "to": known_code(r, r.get("to"), "code in 'to'"),
            "type": r.choice("type", Relation.Type.choices),
            "note": r.get("note", required=False, default=""),
            "confidence": r.confidence(),
            "sources": cited(r),
        }
        if row["from"] == row["to"]:
            r.fail("a code cannot relate to itself")
        ident = (row["from"], row["to"], row["type"])
        if ident in seen_relations:
            r.fail("duplicate relation")
        seen_relations.add(ident)
        out["relations"].append(row)

    modifiers = ds.records("modifiers", "modifier")
    check_unique(modifiers, "code")
    out["modifiers"] = []
    for r in modifiers:
        out["modifiers"].append(
            {
                "code": r.get("code").upper(),
                "name": r.get("name"),
                "definition": r.get("definition"),
                "confidence": r.confidence(),
                "sources": cited(r),
            }
        )
    modifier_codes = {m["code"] for m in out["modifiers"]}
    out["guidance"] = []
    for r in ds.records("modifiers", "guidance"):
        modifier = r.get("modifier").upper()
        if modifier not in modifier_codes:
            r.fail(f"unknown modifier {modifier!r}")
        out["guidance"].append(
            {
                "modifier": modifier,
                "codes": code_list(r),
                "text": r.get("text"),
                "confidence": r.confidence(),
                "sources": cited(r),
            }
        )

    taxonomies = ds.records("taxonomies", "taxonomy")
    check_unique(taxonomies, "code")
    out["taxonomies"] = []
    for r in taxonomies:
        code = r.get("code")
        if not TAXONOMY_PATTERN.match(code):
            r.fail(
                f"malformed taxonomy code {code!r}: NUCC codes are 10 characters, "
                "3 digits, 6 letters or digits, then X"
            )
        out["taxonomies"].append(
            {
                "code": code,
                "display_name": r.get("display_name"),
                "classification": r.get("classification"),
                "specialization": r.get("specialization", required=False, default=""),
                "note": r.get("note", required=False, default=""),
                "codes": code_list(r),
                "confidence": r.confidence(),
                "sources": cited(r),
            }
        )

    out["diagnoses"] = {}
    out["diagnosis_links"] = []
    seen_links = set()
    for r in ds.records("diagnoses", "diagnosis"):
        code = r.get("code").upper()
        found = icd.lookup(code)
        if found is None:
            r.fail(f"invalid ICD-10-CM code {code!r} (not in the CDC ICD-10-CM tabular)")
        official, billable = found
        title = r.get("title")
        if title != official:
            r.fail(f"title {title!r} does not match the ICD-10-CM title {official!r}")
        relation = r.choice("relation", DiagnosisLink.Relation.choices)
        if (relation == "not_billable_header") == billable:
            r.fail(
                f"{code} is {'billable' if billable else 'a header, not billable'}; "
                "relation 'not_billable_header' must be used exactly for header codes"
            )
        if (code, relation) in seen_links:
            r.fail(f"duplicate diagnosis {code} with relation {relation!r}")
        seen_links.add((code, relation))
        out["diagnoses"][code] = {"code": code, "title": official, "billable": billable}
        out["diagnosis_links"].append(
            {
                "diagnosis": code,
                "relation": relation,
                "codes": code_list(r),
                "note": r.get("note", required=False, default=""),
                "confidence": r.confidence(),
                "sources": cited(r),
            }
        )

    payers = ds.records("payers", "payer")
    check_unique(payers, "slug")
    out["payers"] = []
    for order, r in enumerate(payers):
        slug = r.get("slug")
        if not SLUG_PATTERN.match(slug):
            r.fail(f"payer slug {slug!r} is not a slug")
        out["payers"].append(
            {
                "slug": slug,
                "name": r.get("name"),
                "description": r.get("description", required=False, default=""),
                "sort_order": order,
                "sources": cited(r),
            }
        )
    payer_slugs = {p["slug"] for p in out["payers"]}
    notes = ds.records("payers", "note")
    check_unique(notes, "key")
    out["notes"] = []
    for r in notes:
        payer = r.get("payer")
        if payer not in payer_slugs:
            r.fail(f"unknown payer {payer!r}")
        url = r.get("url", required=False, default="")
        if url and not url.startswith(("https://", "http://")):
            r.fail(f"url {url!r} is not an http(s) link")
        out["notes"].append(
            {
                "key": r.get("key"),
                "payer": payer,
                "codes": code_list(r, required=False),
                "topic": r.choice("topic", NoteTopic.choices),
                "text": r.get("text"),
                "source": one_source(r),
                "url": url,
                "confidence": r.confidence(),
                "effective_date": r.date("effective_date", required=False),
                "last_reviewed": r.date("last_reviewed"),
            }
        )

    rules = ds.records("rules", "rule")
    check_unique(rules, "key")
    out["rules"] = []
    for order, r in enumerate(rules):
        out["rules"].append(
            {
                "key": r.get("key"),
                "title": r.get("title"),
                "text": r.get("text"),
                "codes": code_list(r, required=False),
                "confidence": r.confidence(),
                "sort_order": order,
                "sources": cited(r),
            }
        )
    rule_keys = {rule["key"] for rule in out["rules"]}

    misconceptions = ds.records("misconceptions", "misconception")
    check_unique(misconceptions, "key")
    out["misconceptions"] = []
    for order, r in enumerate(misconceptions):
        rule = r.get("rule", required=False, default="")
        if rule and rule not in rule_keys:
            r.fail(f"unknown rule {rule!r}")
        out["misconceptions"].append(
            {
                "key": r.get("key"),
                "source": one_source(r),
                "claim": r.get("claim"),
                "correction": r.get("correction"),
                "codes": code_list(r, required=False),
                "confidence": r.confidence(),
                "rule": rule or None,
                "sort_order": order,
                "sources": cited(r),
            }
        )
    return out


# Writing -------------------------------------------------------------------------------------


def sync(report: Report, label: str, model, lookup: dict, fields: dict, m2m: dict | None = None):
    """Create or update one row; save only what differs. m2m maps a field to wanted objects."""
    obj = model.objects.filter(**lookup).first()
    outcome = "unchanged"
    if obj is None:
        obj = model.objects.create(**lookup, **fields)
        outcome = "created"
    else:
        changed = [name for name, value in fields.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, fields[name])
            obj.save(update_fields=changed)
            outcome = "updated"
    for name, wanted in (m2m or {}).items():
        manager = getattr(obj, name)
        if {o.pk for o in manager.all()} != {o.pk for o in wanted}:
            manager.set(wanted)
            if outcome == "unchanged":
                outcome = "updated"
    report.count(label, outcome)
    return obj


def remove_stale(report: Report, label: str, queryset, keep_pks: set[int]) -> None:
    stale = queryset.exclude(pk__in=keep_pks)
    removed = stale.count()
    if removed:
        stale.delete()
        report.counts.setdefault(label, Counts()).updated += removed


@transaction.atomic
def write(data: dict) -> Report:
    report = Report()
    sources = {
        row["key"]: sync(report, "sources", Source, {"key": row["key"]}, _without(row, "key"))
        for row in data["sources"]
    }

    def srcs(keys):
        return [sources[k] for k in keys]

    codes = {}
    for row in data["codes"]:
        fields = _without(row, "code", "sources")
        codes[row["code"]] = sync(
            report, "codes", Code, {"code": row["code"]}, fields, {"sources": srcs(row["sources"])}
        )

    def code_objs(keys):
        return [codes[k] for k in keys]

    kept = set()
    for row in data["relations"]:
        lookup = {"from_code": codes[row["from"]], "to_code": codes[row["to"]], "type": row["type"]}
        fields = {"note": row["note"], "confidence": row["confidence"]}
        kept.add(
            sync(
                report, "relations", Relation, lookup, fields, {"sources": srcs(row["sources"])}
            ).pk
        )
    remove_stale(report, "relations", Relation.objects.all(), kept)

    modifiers = {}
    for row in data["modifiers"]:
        fields = _without(row, "code", "sources")
        modifiers[row["code"]] = sync(
            report,
            "modifiers",
            Modifier,
            {"code": row["code"]},
            fields,
            {"sources": srcs(row["sources"])},
        )
    kept = set()
    for row in data["guidance"]:
        lookup = {"modifier": modifiers[row["modifier"]], "text": row["text"]}
        m2m = {"codes": code_objs(row["codes"]), "sources": srcs(row["sources"])}
        obj = sync(
            report,
            "modifier guidance",
            ModifierGuidance,
            lookup,
            {"confidence": row["confidence"]},
            m2m,
        )
        kept.add(obj.pk)
    remove_stale(report, "modifier guidance", ModifierGuidance.objects.all(), kept)

    for row in data["taxonomies"]:
        fields = _without(row, "code", "codes", "sources")
        m2m = {"codes": code_objs(row["codes"]), "sources": srcs(row["sources"])}
        sync(report, "taxonomies", Taxonomy, {"code": row["code"]}, fields, m2m)

    diagnoses = {
        code: sync(report, "diagnoses", Diagnosis, {"code": code}, _without(row, "code"))
        for code, row in data["diagnoses"].items()
    }
    kept = set()
    for row in data["diagnosis_links"]:
        lookup = {"diagnosis": diagnoses[row["diagnosis"]], "relation": row["relation"]}
        fields = {"note": row["note"], "confidence": row["confidence"]}
        m2m = {"codes": code_objs(row["codes"]), "sources": srcs(row["sources"])}
        kept.add(sync(report, "diagnosis links", DiagnosisLink, lookup, fields, m2m).pk)
    remove_stale(report, "diagnosis links", DiagnosisLink.objects.all(), kept)

    payers = {}
    for row in data["payers"]:
        fields = _without(row, "slug", "sources")
        payers[row["slug"]] = sync(
            report,
            "payers",
            Payer,
            {"slug": row["slug"]},
            fields,
            {"sources": srcs(row["sources"])},
        )
    for row in data["notes"]:
        write_note(
            report, row, payers[row["payer"]], sources[row["source"]], code_objs(row["codes"])
        )

    rules = {}
    for row in data["rules"]:
        fields = _without(row, "key", "codes", "sources")
        m2m = {"codes": code_objs(row["codes"]), "sources": srcs(row["sources"])}
        rules[row["key"]] = sync(report, "rules", Rule, {"key": row["key"]}, fields, m2m)
    remove_stale(report, "rules", Rule.objects.all(), {r.pk for r in rules.values()})

    kept = set()
    for row in data["misconceptions"]:
        fields = _without(row, "key", "codes", "sources", "source", "rule")
        fields["source"] = sources[row["source"]]
        fields["rule"] = rules[row["rule"]] if row["rule"] else None
        m2m = {"codes": code_objs(row["codes"]), "sources": srcs(row["sources"])}
        kept.add(sync(report, "misconceptions", Misconception, {"key": row["key"]}, fields, m2m).pk)
    remove_stale(report, "misconceptions", Misconception.objects.all(), kept)

    meta = data["dataset"]
    current = Dataset.objects.order_by("-pk").first()
    if current is None or report.changed or current.fingerprint != meta["fingerprint"]:
        Dataset.objects.all().delete()
        Dataset.objects.create(**meta, loaded_at=timezone.now())
        report.count("dataset", "updated" if current else "created")
    else:
        report.count("dataset", "unchanged")
    return report


def write_note(report: Report, row: dict, payer, source, codes: list) -> None:
    """Add or refresh one payer note, unless an editor changed it since it was loaded."""
    fields = {
        "payer": payer,
        "topic": row["topic"],
        "text": row["text"],
        "source": source,
        "url": row["url"],
        "confidence": row["confidence"],
        "effective_date": row["effective_date"],
        "last_reviewed": row["last_reviewed"],
    }
    outcome = payer_note_model().objects.load(row["key"], fields, codes)
    report.count("payer notes", outcome)


def _without(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def load(data_dir: Path = DATA_DIR) -> Report:
    return write(read(data_dir))
