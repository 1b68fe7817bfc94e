"""The record validator both loaders share (codes/data and quiz/data), and their writing helpers.

Each kind of record in a TOML file is a `RecordForm`: a Django form that declares the record's
fields once, with the field types below. TOML already gives typed values (text, whole numbers,
true or false, dates, arrays, tables), so these fields check the type as written and never
convert: "3" is not a number and 3 is not text. Choices and lengths come from the model field of
the same name. `clean_<field>` and `clean()` hold the checks that need more than one value;
`Key` and `Keys` check references against the records known so far.

`RecordForm.read()` turns every problem of a record into one DataError that names the file, the
record and the field. The writers use the same declaration (`model_values()`), so a new field
touches its model, its migration and its line in the form, nothing else.

The quiz imports this module; nothing here knows about the quiz.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import RegexValidator

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

validate_slug = RegexValidator(
    SLUG_PATTERN, "%(value)r in %(field)s is not a slug (lowercase letters, digits, hyphens)"
)


def validate_link(value: str) -> None:
    if not value.startswith(("https://", "http://")):
        raise ValidationError("url %(value)r is not an http(s) link", params={"value": value})


class DataError(Exception):
    """Bad data in a TOML file: names the file, the record and, where one is at fault, the field."""

    def __init__(self, file: str, record: str, problem: str, field: str = ""):
        self.file, self.record, self.problem, self.field = file, record, problem, field
        super().__init__(f"{file}, {record}: {problem}")


def read_toml(path: Path, file: str, digest=None) -> dict:
    """One TOML file as a dict (`file` is its name in messages); `digest` hashes its bytes."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DataError(file, "file", f"missing ({path})") from None
    if digest is not None:
        digest.update(content)
    try:
        return tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DataError(file, "file", f"not valid TOML: {error}") from None


# Fields ----------------------------------------------------------------------------------------

TOML_TYPES = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text",
    datetime: "a date and time",
    date: "a date",
    list: "an array",
    dict: "a table",
}


def toml_type(value: object) -> str:
    return next((name for kind, name in TOML_TYPES.items() if isinstance(value, kind)), "unknown")


class Value(forms.Field):
    """A field of a TOML record. `types` are the TOML types it takes; a value of another type is
    refused, never converted. Absent, it is `empty_value()`. stored=False: read for checks only,
    never written to the model."""

    types: tuple[type, ...] = (object,)
    expected = "a value"
    default_error_messages = {
        "required": "missing field %(field)s",
        "empty": "field %(field)s is empty",
        "type": "field %(field)s must be %(expected)s, not %(kind)s",
    }

    def __init__(self, *, required: bool = True, stored: bool = True, **kwargs):
        self.stored = stored
        super().__init__(required=required, **kwargs)

    def empty_value(self):
        return None

    def clean(self, value):
        if value is None:  # TOML has no null: None means the key is absent
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.empty_value()
        wrong_bool = isinstance(value, bool) and bool not in self.types
        if wrong_bool or not isinstance(value, self.types):
            raise ValidationError(
                self.error_messages["type"],
                code="type",
                params={"expected": self.expected, "kind": toml_type(value)},
            )
        value = self.to_python(value)
        if value in self.empty_values:
            if self.required:
                raise ValidationError(self.error_messages["empty"], code="empty")
            return value
        self.validate(value)
        self.run_validators(value)
        return value

    def validate(self, value) -> None:
        """Checks of a present, non-empty value (the type is already right)."""


class Text(Value):
    """Text, stripped; upper=True for codes. Its length limit is the model field's."""

    types = (str,)
    expected = "text"

    def __init__(self, *, max_length: int | None = None, upper: bool = False, **kwargs):
        self.max_length, self.upper = max_length, upper
        super().__init__(**kwargs)

    def empty_value(self) -> str:
        return ""

    def to_python(self, value: str) -> str:
        value = value.strip()
        return value.upper() if self.upper else value

    def validate(self, value: str) -> None:
        if self.max_length is not None and len(value) > self.max_length:
            raise ValidationError(
                "field %(field)s is longer than %(limit)s characters",
                code="max_length",
                params={"limit": self.max_length},
            )


class Choice(Text):
    """One of `choices`; by default the choices of the model field of the same name."""

    def __init__(self, choices=None, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def validate(self, value: str) -> None:
        allowed = [str(choice) for choice, _label in self.choices]
        if value not in allowed:
            raise ValidationError(
                "%(field)s is %(value)r; allowed: %(allowed)s",
                code="choice",
                params={"value": value, "allowed": ", ".join(map(repr, allowed))},
            )


class Integer(Value):
    types = (int,)
    expected = "a whole number"

    def __init__(self, *, low: int | None = None, high: int | None = None, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def validate(self, value: int) -> None:
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            message = (
                "field %(field)s must be a whole number from %(low)s to %(high)s"
                if self.high is not None
                else "field %(field)s must be a whole number of at least %(low)s"
            )
            raise ValidationError(
                message, code="range", params={"low": self.low, "high": self.high}
            )


class Flag(Value):
    """true or false; absent and optional, false."""

    types = (bool,)
    expected = "true or false"

    def empty_value(self) -> bool:
        return False


class Date(Value):
    """A TOML date (2026-01-31) or the same as text."""

    types = (date, str)
    expected = "a date (2026-01-31)"

    def to_python(self, value: date | str) -> date:
        if isinstance(value, datetime):
            raise ValidationError(
                self.error_messages["type"],
                code="type",
                params={"expected": self.expected, "kind": toml_type(value)},
            )
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValidationError(
                    "field %(field)s is not a date (2026-01-31): %(value)r",
                    code="date",
                    params={"value": value},
                ) from None
        return value


def text_items(field: Value, value: list) -> list[str]:
    if not all(isinstance(item, str) for item in value):
        raise ValidationError(
            field.error_messages["type"],
            code="type",
            params={"expected": field.expected, "kind": "an array holding other values"},
        )
    return [item.strip() for item in value]


class Texts(Value):
    """An array of text, each item stripped."""

    types = (list,)
    expected = "an array of text"

    def empty_value(self) -> list:
        return []

    def to_python(self, value: list) -> list[str]:
        return text_items(self, value)


class Choices(Texts):
    """An array of names out of `choices` (the misconception tags of a question)."""

    def __init__(self, choices, *, what: str, **kwargs):
        self.choices, self.what = choices, what
        super().__init__(**kwargs)

    def validate(self, value: list[str]) -> None:
        allowed = [str(choice) for choice, _label in self.choices]
        for item in value:
            if item not in allowed:
                raise ValidationError(
                    "unknown %(what)s %(value)r in %(field)s; allowed: %(allowed)s",
                    code="choice",
                    params={"what": self.what, "value": item, "allowed": ", ".join(allowed)},
                )


class Key(Text):
    """The key of another record, of `kind` ("source", "code", ...): it must be one the form
    was given in `known[kind]`. A writer turns it into that record's object."""

    def __init__(self, kind: str, *, what: str = "", hint: str = "", **kwargs):
        self.kind, self.what, self.hint = kind, what or kind, hint
        self.known = None  # set by the form
        super().__init__(**kwargs)

    def check_known(self, value: str) -> None:
        if value not in self.known:
            raise ValidationError(
                "unknown %(what)s %(value)r in %(field)s%(hint)s",
                code="unknown",
                params={"what": self.what, "value": value, "hint": self.hint},
            )

    def validate(self, value: str) -> None:
        super().validate(value)
        self.check_known(value)


class Keys(Key):
    """An array of keys of other records: a many-to-many relation of the model."""

    types = (list,)
    expected = "an array of text"

    def empty_value(self) -> list:
        return []

    def to_python(self, value: list) -> list[str]:
        items = text_items(self, value)
        return [item.upper() for item in items] if self.upper else items

    def validate(self, value: list[str]) -> None:
        for item in value:
            self.check_known(item)


class Table(Value):
    """A table (`extra = { ... }`, an inline scenario); values=str: every value is text."""

    types = (dict,)
    expected = "a table"

    def __init__(self, *, values: type | None = None, **kwargs):
        self.values = values
        super().__init__(**kwargs)

    def empty_value(self) -> dict:
        return {}

    def validate(self, value: dict) -> None:
        if self.values is not None and not all(isinstance(v, self.values) for v in value.values()):
            raise ValidationError(
                "the values of %(field)s must be %(expected)s",
                code="type",
                params={"expected": TOML_TYPES[self.values]},
            )


class Tables(Value):
    """An array of tables ([[question.options]]), each read by a form of its own."""

    types = (list,)
    expected = "an array of tables"

    def empty_value(self) -> list:
        return []


# Forms -----------------------------------------------------------------------------------------


class RecordForm(forms.Form):
    """One kind of record. Declare its fields with the types above, named like the model's
    fields; `toml_names` maps a field to a different key in the file ({"from_code": "from"}).
    `ident`: the TOML keys that name a record in messages; `unique`: those that no two records
    may share (by default the ident). Unknown keys in a record are refused."""

    model = None
    toml_names: dict[str, str] = {}
    ident: tuple[str, ...] = ()
    unique: tuple[str, ...] | None = None

    def __init__(self, data: dict, *, file: str, record: str, known: dict | None = None):
        field_names = {toml: name for name, toml in self.toml_names.items()}
        super().__init__({field_names.get(key, key): value for key, value in data.items()})
        self.toml_keys = list(data)
        self.file, self.record, self.known = file, record, known or {}
        model = self.get_model()
        for name, form_field in self.fields.items():
            if isinstance(form_field, Key):
                form_field.known = self.known[form_field.kind]
            elif isinstance(form_field, Text) and model is not None and form_field.stored:
                try:
                    model_field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if isinstance(form_field, Choice) and form_field.choices is None:
                    form_field.choices = model_field.choices
                if form_field.max_length is None:
                    form_field.max_length = model_field.max_length
            if isinstance(form_field, Choice) and form_field.choices is None:
                raise TypeError(f"{type(self).__name__}.{name}: no choices, and no model field")

    @classmethod
    def get_model(cls):
        return cls.model

    @classmethod
    def toml_name(cls, name: str) -> str:
        return cls.toml_names.get(name, name)

    @classmethod
    def record_name(cls, label: str, index: int, data: object) -> str:
        """'code #3 (64491)': the table's name, the record's place, its ident when it has one."""
        values = [data.get(key) for key in cls.ident] if isinstance(data, dict) else []
        ident = " ".join(value for value in values if isinstance(value, str))
        return f"{label} #{index + 1}" + (f" ({ident})" if ident else "")

    @classmethod
    def read(cls, data: object, *, file: str, record: str, known: dict | None = None) -> dict:
        """The record's cleaned values, named like the model's fields, or a DataError."""
        if not isinstance(data, dict):
            raise DataError(file, record, "must be a table")
        form = cls(data, file=file, record=record, known=known)
        if not form.is_valid():
            problems = list(form.problems())
            raise DataError(file, record, "; ".join(m for _f, m in problems), problems[0][0])
        return form.cleaned_data

    def problems(self):
        """(TOML key or '', message) for every error, with %(field)s filled in."""
        for name, errors in self.errors.as_data().items():
            key = "" if name == NON_FIELD_ERRORS else self.toml_name(name)
            for error in errors:
                message = str(error.message)
                if error.params is not None or "%(field)s" in message:
                    message %= {**(error.params or {}), "field": f"'{key}'"}
                yield key, message

    def clean(self) -> dict:
        names = [self.toml_name(name) for name in self.fields]
        unknown = [key for key in self.toml_keys if key not in names]
        if unknown:
            raise ValidationError(
                "unknown field %(unknown)s; the fields are: %(known)s",
                code="unknown_field",
                params={"unknown": ", ".join(map(repr, unknown)), "known": ", ".join(names)},
            )
        return self.cleaned_data

    def nested(self, form: type[RecordForm], data: object, name: str) -> dict:
        """Read a table inside this record ('question #3 (key) option 2') with its own form."""
        return form.read(data, file=self.file, record=f"{self.record} {name}", known=self.known)

    @classmethod
    def model_values(cls, row: dict, objects: dict, exclude=()) -> tuple[dict, dict]:
        """A cleaned record as (model fields, many-to-many lists): Key fields become the objects
        `objects[kind][key]`; fields declared stored=False and `exclude` are left out."""
        fields, m2m = {}, {}
        for name, value in row.items():
            declared = cls.base_fields.get(name)
            if name in exclude or (declared is not None and not declared.stored):
                continue
            if isinstance(declared, Keys):
                m2m[name] = [objects[declared.kind][key] for key in value]
            elif isinstance(declared, Key):
                fields[name] = objects[declared.kind][value] if value else None
            else:
                fields[name] = value
        return fields, m2m


def read_table(
    form: type[RecordForm],
    items: object,
    *,
    file: str,
    label: str,
    known: dict | None = None,
    seen: dict | None = None,
) -> list[dict]:
    """Read an array of tables ([[label]]) record by record with `form`; refuse a record that
    repeats the `unique` values of an earlier one (`seen` carries them across files)."""
    if not isinstance(items, list):
        raise DataError(file, label, f"'{label}' must be an array of tables ([[{label}]])")
    unique = form.ident if form.unique is None else form.unique
    names = {form.toml_name(name): name for name in form.base_fields}
    seen = {} if seen is None else seen
    rows = []
    for index, data in enumerate(items):
        record = form.record_name(label, index, data)
        row = form.read(data, file=file, record=record, known=known)
        if unique:
            values = tuple(row[names[key]] for key in unique)
            if values in seen:
                first_file, first = seen[values]
                where = first if first_file == file else f"{first} in {first_file}"
                what = ", ".join(
                    f"{key} {value!r}" for key, value in zip(unique, values, strict=True)
                )
                raise DataError(file, record, f"duplicate {what} (also {where})", unique[0])
            seen[values] = (file, record)
        rows.append(row)
    return rows


# Writing ---------------------------------------------------------------------------------------


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


def save(
    report: Report,
    label: str,
    model,
    form: type[RecordForm],
    row: dict,
    objects: dict,
    lookup: tuple[str, ...],
    exclude=(),
):
    """Create or update the row a cleaned record describes, found by its `lookup` fields."""
    fields, m2m = form.model_values(row, objects, exclude)
    return sync(report, label, model, {name: fields.pop(name) for name in lookup}, fields, m2m)


def remove_stale(report: Report, label: str, queryset, keep_pks: set[int]) -> None:
    stale = queryset.exclude(pk__in=keep_pks)
    removed = stale.count()
    if removed:
        stale.delete()
        report.counts.setdefault(label, Counts()).updated += removed
