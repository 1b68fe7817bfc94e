"""Reads the curated dataset under codes/data/ and writes it to the database.

Each kind of record is a form (see codes/records.py) that declares its fields once. Everything
is read and checked before anything is written; the writes run in one transaction and touch
only rows whose content differs, so a second run changes nothing. A payer note that an editor
changed since it was loaded is never overwritten.
"""

import hashlib
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils import timezone

from codes import icd
from codes.models import (
    Code,
    Dataset,
    Diagnosis,
    DiagnosisLink,
    Misconception,
    Modifier,
    ModifierGuidance,
    Payer,
    Relation,
    Rule,
    Source,
    Taxonomy,
    payer_note_model,
)
from codes.records import (
    Choice,
    Date,
    Flag,
    Integer,
    Key,
    Keys,
    RecordForm,
    Report,
    Table,
    Text,
    Texts,
    read_table,
    read_toml,
    remove_stale,
    save,
    sync,
    validate_link,
    validate_slug,
)
from codes.signals import lock_revision, retry_once
from coding.engine import Payer as EnginePayer
from coding.engine.vocabulary import CODE_PATTERN

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

TAXONOMY_PATTERN = re.compile(r"^\d{3}[0-9A-Z]{6}X$")


# The records -----------------------------------------------------------------------------------


def cited() -> Keys:
    return Keys(
        "source",
        error_messages={
            "empty": "cites no source (%(field)s is empty); every record cites at least one"
        },
    )


class Cited(RecordForm):
    """A reference record: how sure we are of it, and the sources that say so."""

    confidence = Choice()
    sources = cited()


class DatasetForm(RecordForm):
    model = Dataset
    version = Text()
    date = Date()
    title = Text()


class SourceForm(RecordForm):
    model = Source
    ident = ("key",)
    key = Text(validators=[validate_slug])
    title = Text()
    publisher = Text(required=False)
    url = Text(required=False, validators=[validate_link])
    document = Text(required=False)
    kind = Choice()
    number = Text(required=False)
    version = Text(required=False)
    date = Date(required=False)
    quoted_in = Text(required=False)
    note = Text(required=False)

    def clean(self):
        row = super().clean()
        if not self.errors and row["kind"] == Source.Kind.SEED and not row["document"]:
            self.add_error("document", "a seed source needs its document (file name)")
        return row


class CodeForm(Cited):
    model = Code
    ident = ("code",)
    code = Text(
        upper=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                "malformed code %(value)r (5 digits, 4 digits + T, or a letter + 4 digits)",
            )
        ],
    )
    code_set = Choice()
    summary = Text()
    descriptor = Text(required=False)
    region = Choice()
    procedure = Choice()
    guidance = Choice()
    add_on = Flag()
    level = Choice(required=False)
    unit_basis = Choice()
    max_per_day = Integer(low=1, required=False)
    synonyms = Texts(required=False)
    guidance_note = Text(required=False)
    effective = Date(required=False)
    replaces = Texts(required=False)
    extra = Table(values=str, required=False)


class RelationForm(Cited):
    model = Relation
    toml_names = {"from_code": "from", "to_code": "to"}
    ident = ("from", "type", "to")
    from_code = Key("code", upper=True)
    to_code = Key("code", upper=True)
    type = Choice()
    note = Text(required=False)

    def clean(self):
        row = super().clean()
        if not self.errors and row["from_code"] == row["to_code"]:
            self.add_error("to_code", "a code cannot relate to itself")
        return row


class ModifierForm(Cited):
    model = Modifier
    ident = ("code",)
    code = Text(upper=True)
    name = Text()
    definition = Text()


class GuidanceForm(Cited):
    """[[guidance]] in modifiers.toml: when a modifier goes on which codes."""

    model = ModifierGuidance
    unique = ("modifier", "text")
    modifier = Key("modifier", upper=True)
    codes = Keys("code", upper=True)
    text = Text()


class TaxonomyForm(Cited):
    model = Taxonomy
    ident = ("code",)
    code = Text(
        validators=[
            RegexValidator(
                TAXONOMY_PATTERN,
                "malformed taxonomy code %(value)r: NUCC codes are 10 characters, "
                "3 digits, 6 letters or digits, then X",
            )
        ]
    )
    display_name = Text()
    classification = Text()
    specialization = Text(required=False)
    note = Text(required=False)
    codes = Keys("code", upper=True, required=False)


class DiagnosisForm(Cited):
    """A diagnosis with its official title, and how it relates to the codes (a DiagnosisLink)."""

    model = DiagnosisLink
    ident = ("code",)
    unique = ("code", "relation")
    code = Text(upper=True, stored=False)
    title = Text(stored=False)
    relation = Choice()
    codes = Keys("code", upper=True)
    note = Text(required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        self.official = icd.lookup(code)
        if self.official is None:
            raise ValidationError(
                "invalid ICD-10-CM code %(value)r (not in the CDC ICD-10-CM tabular)",
                params={"value": code},
            )
        return code

    def clean(self):
        row = super().clean()
        if self.errors:
            return row
        official, billable = self.official
        if row["title"] != official:
            self.add_error(
                "title",
                ValidationError(
                    "title %(value)r does not match the ICD-10-CM title %(official)r",
                    params={"value": row["title"], "official": official},
                ),
            )
        elif (row["relation"] == DiagnosisLink.Relation.NOT_BILLABLE_HEADER) == billable:
            self.add_error(
                "relation",
                ValidationError(
                    "%(code)s is %(what)s; relation 'not_billable_header' must be used exactly "
                    "for header codes",
                    params={
                        "code": row["code"],
                        "what": "billable" if billable else "a header, not billable",
                    },
                ),
            )
        row["billable"] = billable
        return row


class PayerForm(RecordForm):
    model = Payer
    ident = ("slug",)
    slug = Text(validators=[validate_slug])
    name = Text()
    description = Text(required=False)
    sources = cited()


MEDICARE_SLUG = EnginePayer.MEDICARE.slug


class NoteForm(RecordForm):
    """[[note]] in payers.toml: a payer note as the dataset has it (notes.PayerNote)."""

    ident = ("key",)
    key = Text(validators=[validate_slug])
    payer = Key("payer")
    codes = Keys("code", upper=True, required=False)
    topic = Choice()
    text = Text()
    source = Key("source")
    url = Text(required=False, validators=[validate_link])
    confidence = Choice()
    effective_date = Date(required=False)
    last_reviewed = Date()
    # The payer matrix: the column the note gives a figure for, the figure, and the one MAC a
    # Medicare note is about (absent: every MAC).
    matrix_column = Choice(required=False)
    figure = Text(required=False)
    mac = Choice(required=False)

    @classmethod
    def get_model(cls):
        return payer_note_model()

    def clean(self) -> dict:
        cleaned = super().clean()
        column, figure = cleaned.get("matrix_column"), cleaned.get("figure")
        if bool(column) != bool(figure):
            raise ValidationError(
                "a matrix cell needs both matrix_column and figure", code="matrix_cell"
            )
        if cleaned.get("mac") and cleaned.get("payer") != MEDICARE_SLUG:
            raise ValidationError("mac is for Medicare notes only", code="mac")
        return cleaned


class RuleForm(Cited):
    model = Rule
    ident = ("key",)
    key = Text(validators=[validate_slug])
    title = Text()
    text = Text()
    codes = Keys("code", upper=True, required=False)


class MisconceptionForm(Cited):
    model = Misconception
    ident = ("key",)
    key = Text(validators=[validate_slug])
    source = Key("source")
    claim = Text()
    correction = Text()
    codes = Keys("code", upper=True, required=False)
    rule = Key("rule", required=False)


# Reading ---------------------------------------------------------------------------------------


def read(data_dir: Path) -> dict:
    """Read and check every file; return cleaned records ready to write, or raise DataError."""
    digest = hashlib.sha256()
    raw = {name: read_toml(data_dir / f"{name}.toml", path(name), digest) for name in FILES}
    known: dict[str, set[str]] = {}

    def table(name: str, label: str, form: type[RecordForm]) -> list[dict]:
        return read_table(form, raw[name].get(label, []), file=path(name), label=label, known=known)

    dataset = DatasetForm.read(raw["dataset"], file=path("dataset"), record="dataset")
    out = {"dataset": {**dataset, "fingerprint": digest.hexdigest()}}
    out["sources"] = table("sources", "source", SourceForm)
    known["source"] = {row["key"] for row in out["sources"]}
    out["codes"] = ordered(table("codes", "code", CodeForm))
    known["code"] = {row["code"] for row in out["codes"]}
    out["relations"] = table("relations", "relation", RelationForm)
    out["modifiers"] = table("modifiers", "modifier", ModifierForm)
    known["modifier"] = {row["code"] for row in out["modifiers"]}
    out["guidance"] = table("modifiers", "guidance", GuidanceForm)
    out["taxonomies"] = table("taxonomies", "taxonomy", TaxonomyForm)
    out["diagnoses"] = table("diagnoses", "diagnosis", DiagnosisForm)
    out["payers"] = ordered(table("payers", "payer", PayerForm))
    known["payer"] = {row["slug"] for row in out["payers"]}
    out["notes"] = table("payers", "note", NoteForm)
    out["rules"] = ordered(table("rules", "rule", RuleForm))
    known["rule"] = {row["key"] for row in out["rules"]}
    out["misconceptions"] = ordered(table("misconceptions", "misconception", MisconceptionForm))
    return out


def path(name: str) -> str:
    return f"codes/data/{name}.toml"


def ordered(rows: list[dict]) -> list[dict]:
    """Records shown in file order keep it as their sort_order."""
    for order, row in enumerate(rows):
        row["sort_order"] = order
    return rows


# Writing ---------------------------------------------------------------------------------------


@transaction.atomic
def write(data: dict) -> Report:
    # The revision's lock first, as every writer takes it (see codes.signals): an editor's
    # save running meanwhile is waited for (or waits), never deadlocked.
    lock_revision()
    report = Report()
    objects: dict[str, dict] = {}  # kind -> key -> object, for the Key fields of later records

    def each(label, model, form, rows, lookup, stale=False) -> list:
        saved = [save(report, label, model, form, row, objects, lookup) for row in rows]
        if stale:  # records no longer in the dataset
            remove_stale(report, label, model.objects.all(), {obj.pk for obj in saved})
        return saved

    sources = each("sources", Source, SourceForm, data["sources"], ("key",))
    objects["source"] = {obj.key: obj for obj in sources}
    codes = each("codes", Code, CodeForm, data["codes"], ("code",))
    objects["code"] = {obj.code: obj for obj in codes}
    lookup = ("from_code", "to_code", "type")
    each("relations", Relation, RelationForm, data["relations"], lookup, stale=True)
    modifiers = each("modifiers", Modifier, ModifierForm, data["modifiers"], ("code",))
    objects["modifier"] = {obj.code: obj for obj in modifiers}
    guidance, lookup = data["guidance"], ("modifier", "text")
    each("modifier guidance", ModifierGuidance, GuidanceForm, guidance, lookup, stale=True)
    each("taxonomies", Taxonomy, TaxonomyForm, data["taxonomies"], ("code",))

    diagnoses = {}
    for row in data["diagnoses"]:
        if row["code"] not in diagnoses:
            fields = {"title": row["title"], "billable": row["billable"]}
            lookup = {"code": row["code"]}
            diagnoses[row["code"]] = sync(report, "diagnoses", Diagnosis, lookup, fields)
    kept = set()
    for row in data["diagnoses"]:
        fields, m2m = DiagnosisForm.model_values(row, objects, exclude=("billable",))
        lookup = {"diagnosis": diagnoses[row["code"]], "relation": fields.pop("relation")}
        kept.add(sync(report, "diagnosis links", DiagnosisLink, lookup, fields, m2m).pk)
    remove_stale(report, "diagnosis links", DiagnosisLink.objects.all(), kept)

    payers = each("payers", Payer, PayerForm, data["payers"], ("slug",))
    objects["payer"] = {obj.slug: obj for obj in payers}
    for row in data["notes"]:
        # An editor's change since the last load is kept: see PayerNote.objects.load().
        fields, m2m = NoteForm.model_values(row, objects)
        outcome = payer_note_model().objects.load(fields.pop("key"), fields, m2m["codes"])
        report.count("payer notes", outcome)

    rules = each("rules", Rule, RuleForm, data["rules"], ("key",), stale=True)
    objects["rule"] = {obj.key: obj for obj in rules}
    misconceptions = data["misconceptions"]
    each("misconceptions", Misconception, MisconceptionForm, misconceptions, ("key",), stale=True)

    meta = data["dataset"]
    current = Dataset.objects.order_by("-pk").first()
    if current is None or report.changed or current.fingerprint != meta["fingerprint"]:
        Dataset.objects.all().delete()
        Dataset.objects.create(**meta, loaded_at=timezone.now())
        report.count("dataset", "updated" if current else "created")
    else:
        report.count("dataset", "unchanged")
    return report


def load(data_dir: Path = DATA_DIR) -> Report:
    data = read(data_dir)
    # Should PostgreSQL still roll the load back as a deadlock, it runs once more.
    return retry_once(lambda: write(data))
