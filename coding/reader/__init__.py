"""The procedure-note reader: a note's text in, the session it describes and its claim out.

``read_note(text, coverage)`` returns a ``Reading``: the procedure, technique, guidance, intent,
joints (and nerves, when the note names nerves), every finding with its character span and
whether it was used (and why not), the review questions, and the engine's lines and warnings
when no open question decides the claim. ``grammar`` is our domain grammar (levels, sides,
nerves, procedures); ``context`` runs medspaCy (sentences, ConText); ``reading`` puts them
together and calls the engine.
"""

from coding.reader.reading import Finding, Reading, Review, read_note

__all__ = ["Finding", "Reading", "Review", "read_note"]
