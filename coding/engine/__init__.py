"""The coding engine: a procedure description in, claim lines and warnings out.

Pure Python, no Django: the wizard's pages and API, the quiz's scoring and every later check
(history, note reading, claim audit) call it, and none of them applies a coding rule of its own.
"""

from coding.engine.rules import *  # noqa: F403
from coding.engine.rules import __all__  # noqa: F401
