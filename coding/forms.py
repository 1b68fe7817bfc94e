"""GET parameters of the level/laterality wizard and its JSON API, validated by Forms.

``ClaimForm`` reads one session's description (procedure, guidance, joints or nerves, format,
intent), parses the joints or nerves with the rules engine and codes the session with it: a valid
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
    FORMATS,
    GUIDANCES,
    INTENTS,
    JOINTS,
    NERVES,
    PROCEDURES,
    S1_NERVE,
    SIDES,
    ClaimFormat,
    Guidance,
    InvalidInput,
    Procedure,
    Result,
    Side,
    Term,
    by_part,
    code_claim,
    parse_entries,
    side_of,
    side_set,
    site_label,
)

# 50 entries such as "T10-T11:B" fit with room to spare; anything longer is not a description.
MAX_LENGTH = 1000
DEFAULT_GUIDANCE = Guidance.FLUOROSCOPY
DEFAULT_FORMAT = ClaimFormat.MEDICARE
SINGLE_VALUED = ("procedure", "guidance", "format", "intent")


def _options(terms: tuple[Term, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((term.value, term.short_label, term.hint) for term in terms)


# (value, label, hint) for each choice the wizard offers, from the engine's vocabulary.
OPTIONS = {
    "procedure": _options(PROCEDURES),
    "guidance": _options(GUIDANCES),
    "format": _options(FORMATS),
    "intent": (*_options(INTENTS), ("", "Not stated", "")),
}
LABELS = {name: {value: label for value, label, _ in choices} for name, choices in OPTIONS.items()}
# The sides a picker offers: (value, label), 'not treated' first.
SIDE_OPTIONS = (("", "not treated"), *((side.value, side.label) for side in SIDES))

# Steps in order; joints and nerves are two ways to answer the same step.
STEPS = ("procedure", "guidance", "joints", "nerves", "format")
POSITION = {"procedure": 0, "guidance": 1, "joints": 2, "nerves": 2, "format": 3, "result": 4}
# The parameters each step sets.
STEP_FIELDS = {
    "procedure": ("procedure",),
    "guidance": ("guidance",),
    "joints": ("joints", "nerves"),
    "nerves": ("joints", "nerves"),
    "format": ("format", "intent"),
}
STATE_FIELDS = ("procedure", "guidance", "joints", "nerves", "format", "intent")

# The pickers' joints and nerves, grouped by part of the spine (T12-L1 is thoracic).
PICKER_GROUPS = {"joints": by_part(JOINTS), "nerves": by_part((*NERVES, S1_NERVE))}
PICKER_PREFIX = {"joints": "joint-", "nerves": "nerve-"}
# A step submitted without its answer.
UNANSWERED = {
    "procedure": "Choose the procedure.",
    "guidance": "Choose the imaging guidance.",
    "joints": "Pick at least one joint and its side.",
    "nerves": "Pick at least one nerve and its side.",
    "format": "Choose the claim format.",
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
    format = ChoiceParameter("format", FORMATS)
    intent = ChoiceParameter("intent", INTENTS)

    result: Result | None = None

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
        if self.ready_to_code():
            try:
                self.result = code_claim(
                    data["procedure"],
                    data["guidance"] or DEFAULT_GUIDANCE,
                    joints=data["joints"],
                    nerves=data["nerves"],
                    payer_format=data["format"] or DEFAULT_FORMAT,
                    intent=data["intent"] or None,
                )
            except InvalidInput as error:
                self.add_error(None, str(error))
        return data

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
        """The description as coded, defaults filled in."""
        data = self.cleaned_data
        return {
            "procedure": data["procedure"],
            "guidance": data["guidance"] or DEFAULT_GUIDANCE,
            "joints": entries_text(data["joints"]) or None,
            "nerves": entries_text(data["nerves"]) or None,
            "format": data["format"] or DEFAULT_FORMAT,
            "intent": data["intent"] or None,
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

    step = ChoiceParameter("step", STEPS)
    answered = ChoiceParameter("answered", STEPS)

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
        if not data.get("format"):
            return "format"
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
        return "format" if name == "intent" else name

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

    def api_url(self) -> str:
        return reverse("coding:wizard-api") + "?" + urlencode(self.state(), safe=":,")

    # What the steps show ----------------------------------------------------------------------

    @cached_property
    def radios(self) -> dict[str, list[dict]]:
        """Each radio step's options; the answer given is checked (else Medicare, not stated)."""
        state = self.state()
        state.setdefault("format", DEFAULT_FORMAT)
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
                    }
                    for name in names
                ],
            )
            for region, names in PICKER_GROUPS[kind]
        ]

    side_options = SIDE_OPTIONS

    @property
    def asks_intent(self) -> bool:
        """Whether the format step asks for the intent: it matters for injections only."""
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
        answer_format = LABELS["format"].get(state.get("format", ""), "")
        if answer_format and state.get("intent"):
            answer_format += f", {LABELS['intent'][state['intent']].lower()}"
        steps = (
            ("procedure", "Procedure", LABELS["procedure"].get(state.get("procedure", ""), "")),
            ("guidance", "Imaging guidance", LABELS["guidance"].get(state.get("guidance", ""), "")),
            (self.sites_kind, self.sites_kind.capitalize(), self.sites_text()),
            ("format", "Claim format", answer_format),
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
            "format": self.sites_kind,
            "result": "format",
        }.get(self.shown, "")
        return self.url(previous) if previous else ""
