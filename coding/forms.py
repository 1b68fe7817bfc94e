"""GET parameters of the level/laterality wizard and its JSON API, validated by Forms.

``ClaimForm`` reads one session's description (procedure, guidance, joints or nerves, intent)
and its payer side (payer, mac or state, claim_type, bilateral; the old ``format``), parses
the joints or nerves with the rules engine and codes the session with it: a valid
form has a ``result``. ``WizardForm`` takes the same parameters one step at a time: every field is
optional, it knows which step to show, turns the no-JavaScript pickers (one select per joint or
nerve) into the ``joints`` / ``nerves`` parameter, and builds the wizard's URLs. No coding rule
lives here.
"""

from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from coding.engine import (
    BILATERALS,
    CLAIM_TYPES,
    FORMATS,
    GUIDANCES,
    INTENTS,
    JOINTS,
    MACS,
    NERVES,
    PAYERS,
    PROCEDURES,
    S1_NERVE,
    SIDES,
    STATES,
    TON_NERVE,
    ClaimType,
    Coverage,
    Guidance,
    InvalidInput,
    Payer,
    Procedure,
    Result,
    Side,
    Term,
    by_part,
    code_claim,
    joints_from_nerves,
    parse_entries,
    read_coverage,
    side_of,
    side_set,
    site_label,
)

# 50 entries such as "T10-T11:B" fit with room to spare; anything longer is not a description.
MAX_LENGTH = 1000
DEFAULT_GUIDANCE = Guidance.FLUOROSCOPY
# The payer side of the claim, as read_coverage takes it; ``format`` is the old parameter.
COVERAGE_FIELDS = ("payer", "mac", "state", "claim_type", "bilateral", "format")
SINGLE_VALUED = ("procedure", "guidance", "intent", *COVERAGE_FIELDS)
STATE_CODES = tuple(sorted(STATES))


def _options(terms: tuple[Term, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((term.value, term.short_label, term.hint) for term in terms)


# (value, label, hint) for each choice the wizard offers, from the engine's vocabulary.
OPTIONS = {
    "procedure": _options(PROCEDURES),
    "guidance": _options(GUIDANCES),
    "payer": _options(PAYERS),
    "claim_type": _options(CLAIM_TYPES),
    "intent": (*_options(INTENTS), ("", "Not stated", "")),
}
# The selects of the payer step: (value, label) with the "not given" choice first.
MAC_OPTIONS = (("", "Not sure: general Medicare rules"), *((mac.value, mac.label) for mac in MACS))
STATE_OPTIONS = (
    ("", "—"),
    *(
        (code, f"{code} · {mac.label}, {jurisdiction}")
        for code, (mac, jurisdiction) in sorted(STATES.items())
    ),
)
BILATERAL_OPTIONS = (
    ("", "The payer's usual format"),
    *((term.value, f"{term.label}: {term.hint[0].lower()}{term.hint[1:]}") for term in BILATERALS),
)
LABELS = {name: {value: label for value, label, _ in choices} for name, choices in OPTIONS.items()}
# The sides a picker offers: (value, label), 'not treated' first.
SIDE_OPTIONS = (("", "not treated"), *((side.value, side.label) for side in SIDES))

# Steps in order; joints and nerves are two ways to answer the same step.
STEPS = ("procedure", "guidance", "joints", "nerves", "payer")
POSITION = {"procedure": 0, "guidance": 1, "joints": 2, "nerves": 2, "payer": 3, "result": 4}
# The payer step was called "format" before it asked for the payer; old links still name it.
STEP_ALIASES = {"format": "payer"}
# The parameters each step sets.
STEP_FIELDS = {
    "procedure": ("procedure",),
    "guidance": ("guidance",),
    "joints": ("joints", "nerves"),
    "nerves": ("joints", "nerves"),
    "payer": (*COVERAGE_FIELDS, "intent"),
}
# The answers a wizard URL carries, in its order; an old ``format`` is carried as the payer.
STATE_FIELDS = (
    "procedure",
    "guidance",
    "joints",
    "nerves",
    *(name for name in COVERAGE_FIELDS if name != "format"),
    "intent",
)

# The pickers' joints and nerves, grouped by part of the spine (T12-L1 is thoracic).
PICKER_GROUPS = {
    "joints": by_part(JOINTS),
    "nerves": by_part((TON_NERVE, *NERVES, S1_NERVE)),
}
PICKER_PREFIX = {"joints": "joint-", "nerves": "nerve-"}
# A step submitted without its answer.
UNANSWERED = {
    "procedure": "Choose the procedure.",
    "guidance": "Choose the imaging guidance.",
    "joints": "Pick at least one joint and its side.",
    "nerves": "Pick at least one nerve and its side.",
    "payer": "Choose the payer.",
}


def entries_text(pairs: tuple[tuple[str, str], ...]) -> str:
    """(('L4-L5', 'B'), ('L5-S1', 'R')) -> 'L4-L5:B,L5-S1:R'."""
    return ",".join(f"{name}:{side}" for name, side in pairs)


class RepeatableInput(forms.TextInput):
    """Repeated parameters add up: joints=L4-L5:B&joints=L5-S1:R is 'L4-L5:B,L5-S1:R'."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name)
        return ",".join(values) if values else None


class ChoiceParameter(forms.ChoiceField):
    """A choice read case-insensitively; an error names the parameter and what is allowed."""

    def __init__(self, name: str, allowed: tuple[str, ...], *, required=False, upper=False):
        self.upper = upper
        listed = ", ".join(allowed)
        super().__init__(
            choices=[(value, value) for value in allowed],
            required=required,
            error_messages={
                "invalid_choice": f"Unknown {name} %(value).60r: use one of {listed}.",
                "required": f"Give the {name}: one of {listed}.",
            },
        )

    def to_python(self, value):
        value = super().to_python(value).strip()
        return value.upper() if self.upper else value.lower()


class EntriesParameter(forms.CharField):
    """Joints or nerves with their sides, parsed by the rules engine into (name, side) pairs."""

    widget = RepeatableInput

    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(
            required=False,
            strip=False,  # the limit is on what was sent; the engine ignores the spaces
            max_length=MAX_LENGTH,
            error_messages={
                "max_length": f"{kind} is too long (%(show_value)d characters): at most "
                "%(limit_value)d, e.g. 'L4-L5:B,L5-S1:R'."
            },
        )

    def clean(self, value):
        text = super().clean(value)
        if not text.strip(" ,;\n"):
            return ()
        try:
            return parse_entries(text, self.kind)
        except InvalidInput as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class ClaimForm(forms.Form):
    """One session's description from a QueryDict; when valid, ``result`` holds the claim.

    Defaults: fluoroscopy guidance, the Medicare format, no intent. Repeated joints or nerves
    parameters add up; any other parameter repeated with different values is an error.
    """

    procedure = ChoiceParameter("procedure", PROCEDURES, required=True)
    guidance = ChoiceParameter("guidance", GUIDANCES)
    joints = EntriesParameter("joints")
    nerves = EntriesParameter("nerves")
    intent = ChoiceParameter("intent", INTENTS)
    payer = ChoiceParameter("payer", PAYERS)
    mac = ChoiceParameter("mac", MACS)
    state = ChoiceParameter("state", STATE_CODES, upper=True)
    claim_type = ChoiceParameter("claim_type", CLAIM_TYPES)
    bilateral = ChoiceParameter("bilateral", BILATERALS)
    format = ChoiceParameter("format", FORMATS)

    result: Result | None = None
    coverage: Coverage | None = None

    def clean(self):
        data = super().clean()
        for name in SINGLE_VALUED:
            values = sorted({value.strip().lower() for value in self.data.getlist(name)})
            if len(values) > 1:
                self.errors.pop(name, None)  # the conflict is the error, not the last value
                given = ", ".join(repr(value[:40]) for value in values[:4])
                self.add_error(
                    name,
                    f"{name} is given more than once with different values ({given}): "
                    "give it once.",
                )
        if data.get("joints") and data.get("nerves"):
            self.add_error(
                None,
                "Give either joints or nerves, not both: e.g. joints=L4-L5:B,L5-S1:R or "
                "nerves=L3:B,L4:B,L5:B.",
            )
        self._read_coverage(data)
        if self.ready_to_code():
            try:
                self.result = code_claim(
                    data["procedure"],
                    data["guidance"] or DEFAULT_GUIDANCE,
                    joints=data["joints"],
                    nerves=data["nerves"],
                    intent=data["intent"] or None,
                    coverage=self.coverage,
                )
            except InvalidInput as error:
                self.add_error(None, str(error))
        return data

    def _read_coverage(self, data: dict) -> None:
        """The payer side; a contradiction (a MAC for Aetna) is an error of the payer field."""
        if any(name in self.errors for name in COVERAGE_FIELDS):
            return
        try:
            self.coverage = read_coverage(**{name: data.get(name) for name in COVERAGE_FIELDS})
        except InvalidInput as error:
            self.add_error("payer", str(error))

    def ready_to_code(self) -> bool:
        return not self.errors

    def error_messages(self) -> list[str]:
        """Every error; one about a parameter names it unless the message already does."""
        messages = []
        for name, errors in self.errors.items():
            for message in errors:
                named = name not in self.base_fields or name in message.lower()
                messages.append(message if named else f"{name}: {message}")
        return messages

    def error_text(self) -> str:
        return " ".join(self.error_messages())

    def description(self) -> dict:
        """The description as coded, defaults filled in (``format`` as old clients read it)."""
        data = self.cleaned_data
        return {
            "procedure": data["procedure"],
            "guidance": data["guidance"] or DEFAULT_GUIDANCE,
            "joints": entries_text(data["joints"]) or None,
            "nerves": entries_text(data["nerves"]) or None,
            "intent": data["intent"] or None,
            **self.coverage.as_dict(),
            "format": "medicare" if self.coverage.fifty else "rtlt",
        }


class WizardForm(ClaimForm):
    """The wizard's state, answered one step at a time.

    ``step`` asks for a step to be shown (to change an answer, or to pick joints one at a time);
    without it the first unanswered step is shown, and the result once every step is answered.
    ``answered`` marks a submitted step, so that submitting it empty is an error rather than the
    same step again. A select per joint (``joint-L4-L5=B``) or nerve (``nerve-L3=L``) replaces
    ``joints`` / ``nerves`` when present. After validation the step to show is: the
    earliest one with an error; else the requested one, never past the first unanswered; else
    the first unanswered one, or "result". It is ``shown``.
    """

    step = ChoiceParameter("step", (*STEPS, *STEP_ALIASES))
    answered = ChoiceParameter("answered", (*STEPS, *STEP_ALIASES))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].required = False
        for kind, groups in PICKER_GROUPS.items():
            for _, names in groups:
                for name in names:
                    self.fields[PICKER_PREFIX[kind] + name] = ChoiceParameter(
                        f"side for {name}", SIDES, upper=True
                    )
        self.shown = "procedure"

    # Validation -------------------------------------------------------------------------------

    def clean(self):
        for kind in ("joints", "nerves"):
            if any(key.startswith(PICKER_PREFIX[kind]) for key in self.data):
                self._read_picker(kind)
        data = super().clean()
        self.shown = self._step_to_show()
        return data

    def clean_step(self) -> str:
        step = self.cleaned_data["step"]
        return STEP_ALIASES.get(step, step)

    def clean_answered(self) -> str:
        answered = self.cleaned_data["answered"]
        return STEP_ALIASES.get(answered, answered)

    def _read_coverage(self, data: dict) -> None:
        """As ClaimForm, but the page's MAC and state selects count for Medicare only; the
        answers are then written as the canonical parameters (an old ``format`` as ``payer``
        and ``bilateral``; defaults left out)."""
        if data.get("payer") and data["payer"] != Payer.MEDICARE:
            data["mac"] = data["state"] = ""
        if data.get("mac") and data.get("state"):
            data["mac"] = ""  # the state names the MAC; the form's two selects may disagree
        super()._read_coverage(data)
        coverage = self.coverage
        if coverage is None or not (data.get("payer") or data.get("format")):
            return
        data["payer"] = coverage.payer.value
        data["format"] = ""
        data["bilateral"] = coverage.bilateral.value if coverage.bilateral_asked else ""
        claim_type = coverage.claim_type
        data["claim_type"] = "" if claim_type == ClaimType.PROFESSIONAL else claim_type.value

    def _read_picker(self, kind: str) -> None:
        prefix = PICKER_PREFIX[kind]
        pairs = tuple(
            (name, side)
            for _, names in PICKER_GROUPS[kind]
            for name in names
            if (side := self.cleaned_data.get(prefix + name))
        )
        self.cleaned_data[kind] = pairs
        if not pairs and not self.cleaned_data.get("step"):
            self.add_error(kind, UNANSWERED[kind])

    def _requested(self) -> str:
        return self.cleaned_data.get("step") or ""

    def _first_unanswered(self) -> str:
        data = self.cleaned_data
        if not data.get("procedure"):
            return "procedure"
        if not data.get("guidance"):
            return "guidance"
        if not data.get("joints") and not data.get("nerves"):
            return self._sites_step()
        if not data.get("payer") and not data.get("format"):
            return "payer"
        return "result"

    def _sites_step(self) -> str:
        requested = self._requested()
        if requested in ("joints", "nerves"):
            return requested
        data = self.cleaned_data
        return "nerves" if data.get("nerves") and not data.get("joints") else "joints"

    def ready_to_code(self) -> bool:
        return not self.errors and not self._requested() and self._first_unanswered() == "result"

    def _error_step(self, name: str) -> str:
        """The step that asks for the parameter in error."""
        for kind, prefix in PICKER_PREFIX.items():
            if name == kind or name.startswith(prefix):
                return kind
        if name == forms.forms.NON_FIELD_ERRORS:  # joints and nerves together, or the engine
            return self._sites_step()
        if name in ("step", "answered"):
            return self._first_unanswered()
        return "payer" if name in (*COVERAGE_FIELDS, "intent") else name

    def _step_to_show(self) -> str:
        first = self._first_unanswered()
        if self.errors:
            return min((self._error_step(name) for name in self.errors), key=POSITION.get)
        requested = self._requested()
        if requested:
            return requested if POSITION[requested] <= POSITION[first] else first
        answered = self.cleaned_data.get("answered")
        if answered and POSITION[answered] == POSITION[first]:
            self.add_error(None, UNANSWERED[first])
        return first

    # State and URLs ---------------------------------------------------------------------------

    def state(self, **changes) -> dict[str, str]:
        """The valid answers as parameters (joints as 'L4-L5:B,L5-S1:R'), changes applied."""
        data = getattr(self, "cleaned_data", {})
        state = {}
        for name in STATE_FIELDS:
            value = data.get(name) or ""
            state[name] = entries_text(value) if name in ("joints", "nerves") else value
        state |= changes
        return {name: value for name, value in state.items() if value}

    def url(self, step: str = "", **changes) -> str:
        state = self.state(**changes)
        if step:
            state["step"] = step
        query = urlencode(state, safe=":,")
        return reverse("coding:wizard") + (f"?{query}" if query else "")

    def canonical_url(self) -> str:
        """The address of what is shown: the answers, and the step when one was asked for."""
        return self.url(self.shown if self.shown == self._requested() else "")

    def hidden_state(self) -> list[tuple[str, str]]:
        """The answers the shown step does not ask for, carried by its form."""
        asked = STEP_FIELDS.get(self.shown, ())
        return [(name, value) for name, value in self.state().items() if name not in asked]

    def sides(self, kind: str) -> dict[str, set[str]]:
        """{'L4-L5': {'L', 'R'}}: the sides picked per joint (or nerve), named twice or not."""
        sides: dict[str, set[str]] = {}
        for name, side in getattr(self, "cleaned_data", {}).get(kind) or ():
            sides.setdefault(name, set()).update(side_set(side))
        return sides

    def toggled_url(self, kind: str, name: str, side: str) -> str:
        """The joints step with one side of one joint (or nerve) switched on or off."""
        sides = self.sides(kind)
        sides[name] = sides.get(name, set()) ^ {side}
        order = [entry for _, names in PICKER_GROUPS[kind] for entry in names]
        pairs = tuple((entry, side_of(sides[entry])) for entry in order if sides.get(entry))
        other = "nerves" if kind == "joints" else "joints"
        return self.url(kind, **{kind: entries_text(pairs), other: ""})

    def both_url(self, kind: str, name: str) -> str:
        """The joints step with a joint (or nerve) on both sides, or on none when it was."""
        sides = self.sides(kind)
        both = {Side.LEFT, Side.RIGHT}
        sides[name] = set() if sides.get(name, set()) >= both else both
        order = [entry for _, names in PICKER_GROUPS[kind] for entry in names]
        pairs = tuple((entry, side_of(sides[entry])) for entry in order if sides.get(entry))
        other = "nerves" if kind == "joints" else "joints"
        return self.url(kind, **{kind: entries_text(pairs), other: ""})

    def counted_text(self) -> str:
        """What the picks count as, for the live preview: 'L4-L5 both sides, L5-S1 right (2
        levels)'; nerves are counted into joints by the engine."""
        kind = self.sites_kind
        sides = self.sides(kind)
        if not sides:
            return ""
        pairs = tuple((name, side_of(picked)) for name, picked in sides.items() if picked)
        if kind == "joints":
            joints, left_over = pairs, ()
        else:
            joints, left_over = joints_from_nerves(pairs)
        order = {name: index for index, name in enumerate(JOINTS)}
        joints = sorted(joints, key=lambda pair: order[pair[0]])
        counted = ", ".join(f"{joint} {Side(side).label}" for joint, side in joints)
        levels = len(joints)
        text = f"{counted} ({levels} level{'s' if levels != 1 else ''})" if joints else "no joint"
        if left_over:
            text += "; completing no joint: " + ", ".join(
                f"{site_label('nerves', nerve)} {Side(side).label}" for nerve, side in left_over
            )
        return text

    def api_url(self) -> str:
        return reverse("coding:wizard-api") + "?" + urlencode(self.state(), safe=":,")

    def check_url(self) -> str:
        """The history check with this session prefilled (its GET takes the same parameters)."""
        return reverse("coding:check") + "?" + urlencode(self.state(), safe=":,")

    def audit_url(self) -> str:
        """The claim auditor with these lines, this payer and this session as the scenario."""
        state = self.state()
        state["claim"] = self.result.claim_text() if self.result else ""
        return reverse("coding:audit") + "?" + urlencode(state, safe=":,")

    # What the steps show ----------------------------------------------------------------------

    @cached_property
    def radios(self) -> dict[str, list[dict]]:
        """Each radio step's options; the answer given is checked (else Medicare, not stated)."""
        state = self.state()
        state.setdefault("payer", Payer.MEDICARE)
        state.setdefault("claim_type", ClaimType.PROFESSIONAL)
        return {
            name: [
                {
                    "value": value,
                    "label": label,
                    "hint": hint,
                    "id": f"{name}-{value or 'none'}",
                    "checked": value == state.get(name, ""),
                    "required": name in ("procedure", "guidance"),
                }
                for value, label, hint in options
            ]
            for name, options in OPTIONS.items()
        }

    @cached_property
    def selects(self) -> dict[str, list[dict]]:
        """The payer step's selects: MAC, state and bilateral format, the answer selected."""
        state = self.state()
        options = {"mac": MAC_OPTIONS, "state": STATE_OPTIONS, "bilateral": BILATERAL_OPTIONS}
        return {
            name: [
                {"value": value, "label": label, "selected": value == state.get(name, "")}
                for value, label in choices
            ]
            for name, choices in options.items()
        }

    def payer_text(self) -> str:
        """'Medicare, CGS (J15) · ASC facility · diagnostic' for the progress list."""
        coverage = self.coverage
        state = self.state()
        if coverage is None or not state.get("payer"):
            return ""
        parts = [coverage.payer.short_label]
        if coverage.mac:
            parts[0] += f", {coverage.mac.label}"
        if coverage.claim_type != ClaimType.PROFESSIONAL or coverage.bilateral_asked:
            parts.append(coverage.claim_type.short_label)
        if coverage.bilateral_asked:
            parts.append(coverage.bilateral.label)
        if state.get("intent"):
            parts.append(LABELS["intent"][state["intent"]].lower())
        return " · ".join(parts)

    @cached_property
    def picker(self) -> list[tuple[str, list[dict]]]:
        """Per region: each joint (or nerve), its side and the spine diagram's toggle links."""
        kind = self.sites_kind
        sides = self.sides(kind)
        return [
            (
                region,
                [
                    {
                        "name": name,
                        "label": site_label(kind, name),
                        "field": PICKER_PREFIX[kind] + name,
                        "side": side_of(sides[name]) if sides.get(name) else "",
                        "left": Side.LEFT in sides.get(name, ()),
                        "right": Side.RIGHT in sides.get(name, ()),
                        "left_url": self.toggled_url(kind, name, Side.LEFT),
                        "right_url": self.toggled_url(kind, name, Side.RIGHT),
                        "both_url": self.both_url(kind, name),
                    }
                    for name in names
                ],
            )
            for region, names in PICKER_GROUPS[kind]
        ]

    side_options = SIDE_OPTIONS

    @property
    def asks_intent(self) -> bool:
        """Whether the payer step asks for the intent: it matters for injections only."""
        return getattr(self, "cleaned_data", {}).get("procedure") == Procedure.INJECTION

    def switch_url(self) -> str:
        """The sites step the other way round (joints <-> nerves), starting empty."""
        other = "nerves" if self.sites_kind == "joints" else "joints"
        return self.url(other, joints="", nerves="")

    @cached_property
    def sites_kind(self) -> str:
        if self.shown in ("joints", "nerves"):
            return self.shown
        return "nerves" if self.state().get("nerves") else "joints"

    def sites_text(self) -> str:
        """'L4-L5 both sides, L5-S1 right'."""
        kind = self.sites_kind
        order = [name for _, names in PICKER_GROUPS[kind] for name in names]
        sides = self.sides(kind)
        return ", ".join(
            f"{site_label(kind, name)} {side_of(sides[name]).label}"
            for name in order
            if sides.get(name)
        )

    @cached_property
    def progress(self) -> list[dict]:
        """The steps for the progress list: title, the answer given, status and link."""
        state = self.state()
        steps = (
            ("procedure", "Procedure", LABELS["procedure"].get(state.get("procedure", ""), "")),
            ("guidance", "Imaging guidance", LABELS["guidance"].get(state.get("guidance", ""), "")),
            (self.sites_kind, self.sites_kind.capitalize(), self.sites_text()),
            ("payer", "Payer and claim", self.payer_text()),
            ("result", "Result", ""),
        )
        first = self._first_unanswered()
        items = []
        for step, title, answer in steps:
            if POSITION[step] == POSITION[self.shown]:
                status = "current"
            elif POSITION[step] <= POSITION[first]:
                status = "done" if answer or step == "result" else "todo"
            else:
                status = "todo"
            url = self.url() if step == "result" else self.url(step)
            items.append({"title": title, "answer": answer, "status": status, "url": url})
        return items

    @cached_property
    def back_url(self) -> str:
        """The step before the one shown ('' on the first step)."""
        previous = {
            "guidance": "procedure",
            "joints": "guidance",
            "nerves": "guidance",
            "payer": self.sites_kind,
            "result": "payer",
        }.get(self.shown, "")
        return self.url(previous) if previous else ""
