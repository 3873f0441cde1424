"""The kinds of identifying metadata scrubbing takes out, as the assistant names them to
the user ("the location and the camera were removed")."""

from __future__ import annotations

from collections.abc import Iterable

LOCATION = "location"
CAMERA = "camera"  # make, model, serial numbers, lens, maker notes
AUTHOR = "author"  # who made or last changed it, owner names
ORGANISATION = "organisation"  # company, manager
TIME = "time"  # when it was taken or made
SOFTWARE = "software"  # the program or device that made it
COMMENT = "comment"  # descriptions, titles, comments hidden in the file
OTHER = "other"  # XMP and IPTC blocks, whose contents vary

ORDER = (LOCATION, CAMERA, AUTHOR, ORGANISATION, TIME, SOFTWARE, COMMENT, OTHER)


def in_order(found: Iterable[str]) -> tuple[str, ...]:
    """The categories found, once each, in a fixed order."""
    present = set(found)
    return tuple(category for category in ORDER if category in present)
