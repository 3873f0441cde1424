"""Phone numbers in channel sender ids ('whatsapp:+212612345678', '+33 6 12 34 56 78'):
their country, for proposing a post, and their E.164 form, for a handoff the user agreed
to. Only international numbers: Telegram and web chat ids are digits too."""

from __future__ import annotations

import re
from typing import Optional

import phonenumbers


def _phone_text(sender: object) -> Optional[str]:
    if not isinstance(sender, str) or len(sender) > 64:
        return None
    text = sender.strip()
    if ":" in text:
        scheme, _, rest = text.partition(":")
        if scheme.lower() not in ("whatsapp", "sms", "tel"):
            return None
        text = rest.strip()
    text = re.sub(r"[\s().-]", "", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    # Only international numbers: Telegram and web chat ids are digits too.
    if not re.fullmatch(r"\+\d{6,15}", text):
        return None
    return text


def parse_phone(sender: object) -> Optional[phonenumbers.PhoneNumber]:
    text = _phone_text(sender)
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def country_from_phone(sender: object) -> Optional[str]:
    """ISO 3166-1 code of a phone number's country; None when it is not an international
    phone number or its country cannot be told."""
    number = parse_phone(sender)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region in (None, phonenumbers.UNKNOWN_REGION, "001"):
        return None
    return region


def phone_from_sender(sender: object) -> Optional[str]:
    """The E.164 number in a WhatsApp/SMS sender id, for a handoff the user agreed to."""
    number = parse_phone(sender)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
