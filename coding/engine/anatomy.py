"""The facet joints, the nerves that supply them, and the spinal region of each joint.

A level is a facet joint. Nerves convert to joints by one sliding window over C2 … C8,
T1 … T12, L1 … L5: joint i is supplied by nerves i and i + 1 (L4-L5 <- L3 + L4; L5-S1 <- the L4
medial branch and the L5 dorsal ramus). The thoracic part of that window is an anatomical
inference from the same pattern, not a quoted payer rule. S1 supplies no facet joint.
C2-C3 is also supplied by the third occipital nerve alone (``TON``, the superficial medial
branch of C3; facts §10.1): TON on a side is C2-C3 on that side.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from coding.engine.vocabulary import Region

__all__ = [
    "ALLOWED_JOINTS",
    "ALLOWED_NERVES",
    "JOINTS",
    "LAST_CERVICAL_THORACIC_JOINT",
    "NERVES",
    "S1_NERVE",
    "TON_NERVE",
    "VERTEBRAE",
    "by_part",
    "is_thoracic_inference",
    "joint_nerves",
    "joint_region",
    "joints_of_nerve",
    "nerve_label",
    "site_label",
]

VERTEBRAE: tuple[str, ...] = (
    tuple(f"C{n}" for n in range(2, 8))
    + tuple(f"T{n}" for n in range(1, 13))
    + tuple(f"L{n}" for n in range(1, 6))
    + ("S1",)
)
# The 23 joints, cranial to caudal: C2-C3 … L5-S1.
JOINTS: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in pairwise(VERTEBRAE))
# The 24 nerves, in the same order; joint i is supplied by nerves i and i + 1.
NERVES: tuple[str, ...] = (
    tuple(f"C{n}" for n in range(2, 9))
    + tuple(f"T{n}" for n in range(1, 13))
    + tuple(f"L{n}" for n in range(1, 6))
)
S1_NERVE = "S1"
# The third occipital nerve: it alone supplies C2-C3.
TON_NERVE = "TON"
TON_JOINT = "C2-C3"

# T12-L1 takes the cervical/thoracic codes for CPT; L1-L2 is the first lumbar/sacral joint.
LAST_CERVICAL_THORACIC_JOINT = "T12-L1"

ALLOWED_JOINTS = "C2-C3 … C7-T1, T1-T2 … T12-L1, L1-L2 … L5-S1"
ALLOWED_NERVES = (
    "TON (third occipital nerve), C2 … C8, T1 … T12, L1 … L5 (L5 = the L5 dorsal ramus) and S1"
)

# The parts of the spine a list of joints or nerves is grouped by, with the first letters of the
# names in each: C7-T1 is cervical, T12-L1 thoracic.
_PARTS = (("Cervical", "C"), ("Thoracic", "T"), ("Lumbar and sacral", "LS"))


def joint_region(joint: str) -> Region:
    """Cervical/thoracic for C2-C3 … T12-L1, lumbar/sacral for L1-L2 … L5-S1."""
    if JOINTS.index(joint) <= JOINTS.index(LAST_CERVICAL_THORACIC_JOINT):
        return Region.CERVICAL_THORACIC
    return Region.LUMBAR_SACRAL


def joint_nerves(joint: str) -> tuple[str, str]:
    """The two nerves supplying a joint: L4-L5 -> ('L3', 'L4'), L5-S1 -> ('L4', 'L5')."""
    index = JOINTS.index(joint)
    return NERVES[index], NERVES[index + 1]


def joints_of_nerve(nerve: str) -> tuple[str, ...]:
    """The joints a nerve helps supply: L4 -> ('L4-L5', 'L5-S1'); C2 -> ('C2-C3',)."""
    if nerve == TON_NERVE:
        return (TON_JOINT,)
    index = NERVES.index(nerve)
    return tuple(JOINTS[i] for i in (index - 1, index) if 0 <= i < len(JOINTS))


def is_thoracic_inference(joint: str) -> bool:
    """Whether counting this joint from nerves rests on the inferred thoracic mapping."""
    return joint.startswith("T")


def nerve_label(nerve: str) -> str:
    """'L3 medial branch', 'L5 dorsal ramus', 'S1 branch'."""
    if nerve == "L5":
        return "L5 dorsal ramus"
    if nerve == TON_NERVE:
        return "third occipital nerve"
    return "S1 branch" if nerve == S1_NERVE else f"{nerve} medial branch"


def site_label(kind: str, name: str) -> str:
    """A joint as named ('L4-L5'), a nerve by its branch ('L3 medial branch')."""
    return name if kind == "joints" else nerve_label(name)


def by_part(names: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Joints or nerves grouped by part of the spine: (('Cervical', ('C2-C3', …)), …)."""
    names = tuple(names)
    return tuple(
        (part, tuple(name for name in names if _part_letter(name) in letters))
        for part, letters in _PARTS
    )


def _part_letter(name: str) -> str:
    return "C" if name == TON_NERVE else name[0]
