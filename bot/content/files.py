"""The whole content as files, and the database's edits measured against the seed:
`export` writes a tree like data/content/ (one file per language) with the published
edits in place; `import_tree` publishes every response of such a tree that differs from
what users get now, all or nothing, after checking every one of them like the console
does; `differences` lists the responses whose published text differs from the seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import yaml
from sqlalchemy.orm import Session

from bot.content import edits
from bot.content.store import Content, ContentError, Response, load_content, with_edits


def _response_yaml(response: Response) -> Any:
    data: dict[str, Any] = {"text": response.text}
    if response.sms:
        data["sms"] = response.sms
    if response.buttons:
        data["buttons"] = [{"title": b.title, "payload": b.payload} for b in response.buttons]
    return data


def export(content: Content, target: Path) -> list[Path]:
    """Writes <target>/<language>/content.yml for every language; returns the files."""
    written = []
    for language in sorted(content.responses):
        folder = target / language
        folder.mkdir(parents=True, exist_ok=True)
        data = {
            "language": language,
            "utterances": {
                name: _response_yaml(response)
                for name, response in sorted(content.responses[language].items())
            },
            "phrases": dict(sorted(content.phrases.get(language, {}).items())),
        }
        path = folder / "content.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100))
        written.append(path)
    return written


def differences(seed: Content, session: Session) -> list[tuple[str, str]]:
    """(language, name) of each response whose published text is not the seed's."""
    return sorted(
        key
        for key, response in edits.published(session).items()
        if seed.responses.get(key[0], {}).get(key[1]) != response
    )


class ImportRefused(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def import_tree(
    session: Session,
    source: Path,
    seed: Content,
    languages: tuple[str, ...],
    author_id: Optional[str] = None,
) -> int:
    """Publishes each response of `source` that differs from what is published now; every
    one is checked first (bot.console.editing), and one problem refuses them all."""
    from bot.console.editing import problems

    try:
        given = load_content(source)
    except (ContentError, yaml.YAMLError, OSError) as error:
        raise ImportRefused([str(error)]) from None
    current = with_edits(seed, edits.published(session))
    found, changes = [], []
    for language, named in sorted(given.responses.items()):
        for name, response in sorted(named.items()):
            base = seed.responses.get(language, {}).get(name)
            if base is None:
                found.append(f"{language}/{name}: no such response in the seed")
                continue
            for problem in problems(response, base):
                found.append(f"{language}/{name}: {problem.key} {problem.detail}".rstrip())
            if current.responses.get(language, {}).get(name) != response:
                changes.append((language, name, response))
    if found:
        raise ImportRefused(found)
    for language, name, response in changes:
        edits.publish(session, name, language, response, author_id or "import",
                      edits.current_version(session, name, language), languages)  # fmt: skip
    return len(changes)
