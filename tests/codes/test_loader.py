import re
import shutil
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from codes.loader import DATA_DIR
from codes.models import Code, Misconception, Relation
from notes.models import PayerNote

pytestmark = pytest.mark.django_db


def load(data_dir: Path = DATA_DIR) -> str:
    out = StringIO()
    call_command("load_reference", data_dir=data_dir, stdout=out)
    return out.getvalue()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the shipped dataset that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + "\n" + text)


def test_it_loads_every_required_code():
    required = (
        [str(c) for c in range(64490, 64496)]
        + ["0213T", "0214T", "0215T", "0216T", "0217T", "0218T"]
        + ["64633", "64634", "64635", "64636", "64451", "64625", "27096", "G0260"]
        + ["77003", "77012", "20552", "20553"]
    )
    assert set(required) <= set(Code.objects.values_list("code", flat=True))


def test_it_changes_nothing_on_a_second_run():
    out = load()
    assert "Nothing changed." in out
    assert not re.search(r"[1-9]\d* (created|updated)", out), out


def test_it_reports_counts_per_kind_of_record(data_dir):
    replace(data_dir / "codes.toml", 'code = "64490"', 'code = "64490"\n# touched')
    out = load(data_dir)
    assert re.search(r"^codes: 0 created, 0 updated, \d+ unchanged$", out, re.M), out
    assert re.search(r"^payer notes: 0 created, 0 updated, \d+ unchanged$", out, re.M), out


def test_it_updates_a_changed_record_and_nothing_else(data_dir):
    code = Code.objects.get(code="64493")
    replace(data_dir / "codes.toml", code.summary.replace('"', '\\"'), "A new summary.")
    out = load(data_dir)
    assert "codes: 0 created, 1 updated" in out
    assert Code.objects.get(code="64493").summary == "A new summary."


# Each bad record is refused with the file, the record and the field at fault.
@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (  # a missing field
            "codes.toml",
            'unit_basis = "level"',
            "",
            r"codes/data/codes\.toml, code #1 \(64490\): missing field 'unit_basis'$",
        ),
        (  # a field of the wrong type: never converted
            "codes.toml",
            "add_on = false",
            'add_on = "false"',
            r"codes\.toml, code #1 \(64490\): field 'add_on' must be true or false, not text$",
        ),
        (
            "codes.toml",
            "max_per_day = 1",
            'max_per_day = "1"',
            r"codes\.toml, code #\d+ \(\S+\): field 'max_per_day' must be a whole number, not text",
        ),
        (
            "payers.toml",
            "last_reviewed = 2026-11-22",
            'last_reviewed = "last week"',
            r"payers\.toml, note #1 \(\S+\): field 'last_reviewed' is not a date \(2026-01-31\): "
            r"'last week'",
        ),
        (  # a value out of its choices, which are the model's
            "codes.toml",
            'region = "lumbar_sacral"',
            'region = "lumbar"',
            r"codes\.toml, code #\d+ \(\S+\): 'region' is 'lumbar'; allowed: "
            r"'cervical_thoracic', 'lumbar_sacral'",
        ),
        (  # a typo in a field's name is not silently ignored
            "codes.toml",
            "add_on = false",
            "add_on = false\naddon = true",
            r"codes\.toml, code #1 \(64490\): unknown field 'addon'; the fields are: ",
        ),
        (  # unknown references
            "relations.toml",
            'to = "64493"',
            'to = "64999"',
            r"relations\.toml, relation #\d+ \(\S+ \S+ 64999\): unknown code '64999' in 'to'$",
        ),
        (
            "payers.toml",
            'payer = "aetna"',
            'payer = "acme"',
            r"payers\.toml, note #\d+ \(\S+\): unknown payer 'acme' in 'payer'$",
        ),
        (
            "misconceptions.toml",
            'source = "seed-000"',
            'source = "seed-999"',
            r"misconceptions\.toml, misconception #\d+ \(\S+\): unknown source 'seed-999' "
            r"in 'source'$",
        ),
        (  # a duplicate key names the record it repeats
            "codes.toml",
            'code = "64491"',
            'code = "64490"',
            r"codes\.toml, code #2 \(64490\): duplicate code '64490' \(also code #1 \(64490\)\)$",
        ),
        (
            "sources.toml",
            'key = "seed-001"',
            'key = "Seed 001"',
            r"sources\.toml, source #2 \(Seed 001\): 'Seed 001' in 'key' is not a slug",
        ),
        (
            "diagnoses.toml",
            'code = "M47.816"',
            'code = "M47.8199"',
            r"diagnoses\.toml, diagnosis #\d+ \(M47\.8199\): invalid ICD-10-CM code 'M47\.8199'",
        ),
        (
            "diagnoses.toml",
            'title = "Spondylosis without myelopathy or radiculopathy, lumbar region"',
            'title = "Spondylosis with myelopathy, lumbar region"',
            r"diagnoses\.toml, diagnosis #\d+ \(M47\.816\): title .* does not match",
        ),
        (
            "taxonomies.toml",
            'code = "208VP0014X"',
            'code = "208VP0014"',
            r"taxonomies\.toml, taxonomy #\d+ \(208VP0014\): malformed taxonomy code",
        ),
        (
            "codes.toml",
            'code = "64636"',
            'code = "6463"',
            r"codes\.toml, code #\d+ \(6463\): malformed code '6463'",
        ),
        ("sources.toml", "[[source]]", "[[source]\n", r"sources\.toml, file: not valid TOML"),
    ],
)
def test_it_rejects_bad_data_naming_file_and_record_and_writes_nothing(
    data_dir, file, old, new, message
):
    # A change earlier in the load order must not be written either.
    code = Code.objects.get(code="64490")
    replace(data_dir / "codes.toml", code.summary.replace('"', '\\"'), "Must not be written.")
    replace(data_dir / file, old, new)
    with pytest.raises(CommandError, match=message):
        load(data_dir)
    assert Code.objects.get(code="64490").summary == code.summary


def test_it_writes_nothing_into_an_empty_database_on_bad_data(data_dir):
    PayerNote.objects.all().delete()
    Misconception.objects.all().delete()
    Relation.objects.all().delete()
    Code.objects.all().delete()
    append(
        data_dir / "relations.toml",
        '[[relation]]\nfrom = "64490"\nto = "00000"\ntype = "next_level"\n'
        'confidence = "C"\nsources = ["fcsocg"]\n',
    )
    with pytest.raises(CommandError, match="unknown code '00000' in 'to'"):
        load(data_dir)
    assert Code.objects.count() == 0


def test_it_rejects_a_record_that_cites_no_source(data_dir):
    append(
        data_dir / "rules.toml",
        '[[rule]]\nkey = "uncited"\ntitle = "T"\ntext = "T"\ncodes = []\n'
        'confidence = "C"\nsources = []\n',
    )
    with pytest.raises(CommandError, match=r"rules\.toml, rule #\d+ \(uncited\): cites no source"):
        load(data_dir)


def test_it_never_overwrites_a_payer_note_changed_after_loading(data_dir):
    note = PayerNote.objects.filter(payer__slug="medicare").order_by("key").first()
    note.text = "Edited by an editor."
    note.last_reviewed = date(2027, 1, 5)
    note.save()
    # The dataset changes the same note; the editor's text still wins.
    replace(data_dir / "payers.toml", f'key = "{note.key}"', f'key = "{note.key}"\n# newer')
    append(
        data_dir / "payers.toml",
        '[[note]]\nkey = "aetna-new-note-from-dataset"\npayer = "aetna"\ncodes = ["64493"]\n'
        'topic = "coverage"\ntext = "A note added by a newer dataset."\nsource = "aetna-cpb-0016"\n'
        'url = ""\nconfidence = "L"\nlast_reviewed = 2026-12-01\n',
    )
    out = load(data_dir)
    note.refresh_from_db()
    assert note.text == "Edited by an editor."
    assert note.last_reviewed == date(2027, 1, 5)
    assert "1 kept (edited since loaded)" in out
    added = PayerNote.objects.get(key="aetna-new-note-from-dataset")
    assert added.text == "A note added by a newer dataset."
    assert [c.code for c in added.codes.all()] == ["64493"]


def test_it_refreshes_an_unedited_note_from_a_newer_dataset(data_dir):
    note = PayerNote.objects.filter(payer__slug="aetna").order_by("key").first()
    replace(
        data_dir / "payers.toml",
        note.text.replace('"', '\\"').split("\n")[0],
        "Rewritten by the dataset.",
    )
    load(data_dir)
    note.refresh_from_db()
    assert note.text.startswith("Rewritten by the dataset.")


def test_it_records_seed_errors_as_misconceptions_not_as_facts():
    third = Code.objects.get(code="64495")
    assert third.add_on and third.max_per_day == 1
    assert Code.objects.get(code="64494").level == "second"
    claims = Misconception.objects.filter(source__key="seed-000", codes__code="64494")
    assert any("64494" in m.claim and "64495" in m.correction for m in claims)
    each_level = Misconception.objects.filter(source__key="seed-002", codes__code="64495")
    assert any("once" in m.correction.lower() for m in each_level)
