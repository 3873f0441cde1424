"""`python -m bot.cli accounts`: the first admin and every account made from the command
line, with a one-time password and the TOTP enrolment printed once; list, disable and the
two resets. Accounts live in DATABASE_URL; no default account or password exists."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa

from bot import db
from bot.cli import main
from bot.console import accounts


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("VM_STATE_DIR", str(tmp_path / "state"))
    database = db.Database(f"sqlite:///{tmp_path}/cli.db")
    yield database
    database.dispose()


def printed(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    out, err = capsys.readouterr()
    return out, err


def enrolment(text: str) -> tuple[str, str]:
    password = re.search(r"one-time password \(to be changed at the first login\): (\S+)", text)
    uri = re.search(r"second factor, for the authenticator app: (otpauth://\S+)", text)
    assert password and uri, text
    return password.group(1), uri.group(1)


def test_the_first_admin_is_made_here_and_can_log_in(database, capsys):
    assert main(["accounts", "list"]) == 0
    assert "no accounts" in printed(capsys)[0]
    assert main(["accounts", "add", "Admin@Example.org", "--role", "admin"]) == 0
    password, uri = enrolment(printed(capsys)[0])
    totp = pyotp.parse_uri(uri)
    assert totp.issuer == "Veilig Melden" and "admin%40example.org" in uri
    with database.session() as session:
        result = accounts.log_in(session, "admin@example.org", password, totp.now())
        assert result.account is not None and result.account.must_change_password
        stored = " ".join(
            str(v) for v in session.execute(sa.text("SELECT * FROM console_accounts"))
        )
    assert password not in stored and totp.secret not in stored  # hashed; encrypted


def test_an_advisor_account_names_a_directory_advisor(database, capsys):
    assert main(["accounts", "add", "nadia@example.org", "--role", "advisor"]) == 1
    assert "linked to an advisor" in printed(capsys)[1]
    assert (
        main(["accounts", "add", "x@example.org", "--role", "advisor", "--advisor", "nobody"]) == 1
    )
    assert "no advisor nobody" in printed(capsys)[1]
    args = ["accounts", "add", "nadia@example.org", "--role", "advisor", "--advisor"]
    assert main([*args, "rab-nadia-benali"]) == 0
    printed(capsys)
    assert main([*args, "rab-nadia-benali"]) == 1
    assert "exists" in printed(capsys)[1]
    assert main(["accounts", "list"]) == 0
    assert "nadia@example.org  advisor      active advisor rab-nadia-benali" in printed(capsys)[0]


def test_disable_and_the_resets(database, capsys):
    main(["accounts", "add", "c@example.org", "--role", "coordinator"])
    first, uri = enrolment(printed(capsys)[0])
    assert main(["accounts", "reset-password", "c@example.org"]) == 0
    out = printed(capsys)[0]
    second = re.search(r"one-time password \(to be changed at the first login\): (\S+)", out)
    assert second and second.group(1) != first and "otpauth://" not in out
    assert main(["accounts", "reset-2fa", "c@example.org"]) == 0
    out = printed(capsys)[0]
    new_uri = re.search(r"(otpauth://\S+)", out)
    assert new_uri and new_uri.group(1) != uri and "one-time password" not in out
    old_code = pyotp.parse_uri(uri).now()
    new_code = pyotp.parse_uri(new_uri.group(1)).now()
    with database.session() as session:
        assert accounts.log_in(session, "c@example.org", second.group(1), old_code).account is None
        assert accounts.log_in(session, "c@example.org", second.group(1), new_code).account
    assert main(["accounts", "disable", "c@example.org"]) == 0
    printed(capsys)
    assert main(["accounts", "list"]) == 0
    assert "disabled" in printed(capsys)[0]
    with database.session() as session:
        code = pyotp.parse_uri(new_uri.group(1)).at(int(time.time()) + 30)  # not used yet
        assert accounts.log_in(session, "c@example.org", second.group(1), code).account is None
    assert main(["accounts", "disable", "nobody@example.org"]) == 1
    assert "no such account" in printed(capsys)[1]
