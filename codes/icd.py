"""The CDC ICD-10-CM tabular (simple-icd-10-cm, offline), imported once.

The package reads its bundled data with a deprecated importlib call; that warning is the
package's own and says nothing about our data, so it is silenced here and only here.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm as tabular


def lookup(code: str) -> tuple[str, bool] | None:
    """(official title, billable) for a valid ICD-10-CM code, None for anything else."""
    code = code.strip().upper()
    if not tabular.is_valid_item(code) or tabular.is_chapter_or_block(code):
        return None
    return tabular.get_description(code), tabular.is_leaf(code)
