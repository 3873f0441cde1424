"""JSON for the stored events and the action server's tracker (bot/json_text.py): the
same values as the standard library's, and its way where orjson refuses."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import json_text

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_values)
def test_the_same_values_as_the_standard_library(value: Any):
    assert json.loads(json_text.dumps(value)) == value
    assert json_text.loads(json.dumps(value)) == value


def test_what_orjson_refuses_goes_to_the_standard_library():
    assert math.isnan(json_text.loads('{"x": NaN}')["x"])
    assert json_text.loads(str(2**70)) == 2**70
    assert json.loads(json_text.dumps({1: "a"})) == {"1": "a"}
    assert json_text.dumps(2**70) == str(2**70)
