"""GET-parameter forms: bad input becomes a clear message and a 400, never a traceback."""

import re

from django import forms

from codes.search import MAX_QUERY_LENGTH, normalise_code
from coding.engine.vocabulary import CODE_PATTERN

CODE_FORMAT = CODE_PATTERN
COMPARE_MIN, COMPARE_MAX = 2, 4


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Code, procedure or keyword",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        error_messages={
            "max_length": (
                f"That search is too long: at most {MAX_QUERY_LENGTH} characters "
                "(it has %(show_value)d). Type a code, a procedure or a few keywords."
            )
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def query(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


class CompareForm(forms.Form):
    codes = forms.CharField(
        label="Codes to compare",
        help_text="Two to four codes, separated by commas, e.g. 64490, 64493",
        max_length=100,
        error_messages={
            "required": "Enter two to four codes, separated by commas, e.g. 64490, 64493.",
            "max_length": "That is too long for two to four codes.",
        },
    )

    def clean_codes(self) -> list[str]:
        """The codes as typed ("+64494", "0216t" allowed), each once, in the order typed."""
        codes: list[str] = []
        for part in re.split(r"[\s,;]+", self.cleaned_data["codes"]):
            if not part:
                continue
            code = normalise_code(part)
            if not CODE_FORMAT.match(code):
                raise forms.ValidationError(
                    f"“{part}” is not a code: codes are five digits (64493), four digits and "
                    "a T (0216T) or a letter and four digits (G0260)."
                )
            if code not in codes:
                codes.append(code)
        if not COMPARE_MIN <= len(codes) <= COMPARE_MAX:
            raise forms.ValidationError(
                f"Compare two to four different codes; you gave {len(codes)}."
            )
        return codes
