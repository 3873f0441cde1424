"""docs/evaluation.md holds one section per command: writing one replaces only it."""

from __future__ import annotations

from bot.evaluation.document import replace_section

DOCUMENT = """# Held-out evaluation

Intent accuracy 0.95.

## Top intent confusions

- greet -> out_of_scope: 4

# Typed conversations

Old figures.

## Failed conversations (1)

- en / report / old failure

# Safety detector

Recall 1.0.
"""


def test_a_section_is_replaced_with_its_subsections_and_the_others_are_kept():
    new = "# Typed conversations\n\nNew figures.\n\n## Failed conversations (0)\n\nNone.\n"
    document = replace_section(DOCUMENT, new)
    assert "Old figures" not in document and "old failure" not in document
    assert "New figures." in document and "None." in document
    assert "## Top intent confusions" in document and "Recall 1.0." in document
    assert (
        document.index("# Held-out")
        < document.index("New figures")
        < document.index("# Safety detector")
    )


def test_a_missing_section_is_appended_and_an_empty_document_gets_only_it():
    appended = replace_section("# Held-out evaluation\n\nx\n", "# Typed conversations\n\ny\n")
    assert appended == "# Held-out evaluation\n\nx\n\n# Typed conversations\n\ny\n"
    assert replace_section("", "# Typed conversations\n\ny\n") == "# Typed conversations\n\ny\n"


def test_the_first_section_is_replaced_up_to_the_next_top_level_heading():
    document = replace_section(DOCUMENT, "# Held-out evaluation\n\nIntent accuracy 0.97.\n")
    assert "0.95" not in document and "greet -> out_of_scope" not in document
    assert document.startswith("# Held-out evaluation\n\nIntent accuracy 0.97.\n\n# Typed")
