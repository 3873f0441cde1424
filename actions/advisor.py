"""Finding a confidential advisor: which post, which language, any preference, then up
to three matches (bot.advisor, bot.directory.resolution, bot.directory.matching)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import (
    AssistantAction,
    FormThatStepsAside,
    choice_of,
    intent_of,
    phrases,
    text_of,
    turn_of,
    words_with_english,
)
from bot import runtime
from bot.advisor.matches import describe_matches, handoff_choices
from bot.advisor.questions import (
    CHOOSE,
    CONFIRM,
    KNOWN_POST,
    PHONE,
    PREFERENCE_PHRASES,
    SKIPPED,
    answer_language,
    answer_post,
    answer_preference,
    choice_payload,
    chosen_post,
    country_name,
    language_name,
    language_options,
    post_choices,
    preference_values,
    propose_known_post,
    propose_named_post,
    propose_post_from_channel,
)
from bot.directory.matching import Preferences, languages_for_post, match_advisors
from bot.directory.resolution import (
    EMPTY,
    NO_POST_IN_COUNTRY,
    TOO_LONG,
    UNKNOWN,
    names_a_post,
    resolve_post,
)
from bot.forms.answer import Answer
from bot.forms.interruptions import QUESTION_INTENTS, Expects, skips

ADVISOR_SLOTS = (
    "advisor_post",
    "advisor_post_state",
    "advisor_post_candidates",
    "advisor_country",
    "advisor_phone_tried",
    "advisor_language",
    "advisor_language_retry",
    "advisor_preference",
    "advisor_matches",
)


def post_code(tracker: Tracker) -> Optional[str]:
    return chosen_post(tracker.get_slot("advisor_post"))


class ActionStartAdvisorSearch(AssistantAction):
    """Starts (or starts over) the search: nothing from an earlier search is kept."""

    def name(self) -> str:
        return "action_start_advisor_search"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        return [SlotSet(slot, None) for slot in ADVISOR_SLOTS]


class ActionCancelAdvisorSearch(AssistantAction):
    def name(self) -> str:
        return "action_cancel_advisor_search"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = text_of(tracker)
        if last_question(tracker) == "advisor_post" and not text.startswith("/"):
            # A place name can read as "stop" ("Den Haag"): a post we know by name is the
            # answer, so the search goes on and the form checks it as it checks any answer.
            resolution = resolve_post(text, await runtime.directory_service().current())
            if resolution.found and resolution.exact:
                return [SlotSet("advisor_post", text), FollowupAction("advisor_form")]
        self.utter(dispatcher, "utter_advisor_search_stopped")
        return [SlotSet(slot, None) for slot in ADVISOR_SLOTS]


def last_question(tracker: Tracker) -> Optional[str]:
    """The slot the form asked for last (the loop has already been stopped)."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            if event.get("value"):
                return event["value"]
    return None


class ValidateAdvisorForm(FormThatStepsAside):
    # The questions and the handoff the rules answer in the middle of the search
    # (data/rules/advisor.yml); anything else typed is an answer.
    answerable = QUESTION_INTENTS - {"delete_data", "change_language"} | {
        "cancel",
        "emergency",
        "self_harm",
        "nlu_fallback",
    }

    def name(self) -> str:
        return "validate_advisor_form"

    def answerable_at(self, requested_slot: str) -> frozenset[str]:
        # A place name can read as find_advisor ("Den Haag"): starting over counts only later.
        if requested_slot == "advisor_post":
            return self.answerable
        return self.answerable | {"find_advisor"}

    def expects(self, requested_slot: str) -> Expects:
        return Expects.TEXT

    def selects_choice(self, requested_slot: str, tracker: Tracker) -> bool:
        """A language named at the language question is the answer, also when the detector
        took the words for a language we do not speak ("wolof si possible": Italian, 0.30)."""
        if requested_slot != "advisor_language":
            return False
        _, lexicon = runtime.languages()
        conversation = AssistantAction.language(tracker)
        named = answer_language(
            text_of(tracker), None, choice_of(tracker), (), conversation, lexicon
        )
        return named is not None

    async def validate_advisor_post(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        if value is None:
            return {}  # cleared when the search (re)started: nothing was answered
        directory = await runtime.directory_service().current()
        offered = tracker.get_slot("advisor_post_candidates") or []
        # A skip only when said surely and naming no post: "schweiz" read as skip at 0.38
        # names a country, "piter" read as skip at 0.85 names St Petersburg.
        intent = intent_of(tracker)
        turn = turn_of(tracker)
        if intent == "skip" and (
            not skips(turn) or (not turn.is_payload and names_a_post(turn.text, directory))
        ):
            intent = None
        step = answer_post(text_of(tracker), intent, choice_of(tracker), offered, directory)
        unreadable = step.post is None and step.state in (EMPTY, TOO_LONG, UNKNOWN)
        slots = step.slots()
        if chosen_post(step.post):
            slots[KNOWN_POST] = step.post  # the report proposes it later
        answer = Answer(slots, refused=unreadable)
        return self.settled(dispatcher, tracker, "advisor_post", answer, _without_post)

    async def validate_advisor_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        if value is None:
            return {}  # cleared when the search (re)started: nothing was answered
        directory = await runtime.directory_service().current()
        conversation = AssistantAction.language(tracker)
        offered = language_options(languages_for_post(directory, post_code(tracker)), conversation)
        _, lexicon = runtime.languages()
        chosen = answer_language(
            text_of(tracker), intent_of(tracker), choice_of(tracker), offered, conversation, lexicon
        )
        answer = Answer(
            {"advisor_language": chosen, "advisor_language_retry": chosen is None},
            refused=chosen is None,
        )
        moved_on = Answer(
            {"advisor_language": conversation, "advisor_language_retry": None},
            ("utter_advisor_moved_on",),
        )
        return self.settled(dispatcher, tracker, "advisor_language", answer, lambda: moved_on)

    async def validate_advisor_preference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
    ) -> Dict[str, Any]:
        if value is None:
            return {}  # cleared when the search (re)started: nothing was answered
        words = {
            name: words_with_english(self.language(tracker), phrase)
            for name, phrase in PREFERENCE_PHRASES.items()
        }
        chosen = answer_preference(text_of(tracker), intent_of(tracker), choice_of(tracker), words)
        return {"advisor_preference": chosen}


def _without_post() -> Answer:
    """After two answers that name no post, the search goes on without one (advisors at
    headquarters and external advisors serve everyone), and says so."""
    slots = {"advisor_post": SKIPPED, "advisor_post_state": None, "advisor_post_candidates": None}
    return Answer(slots, ("utter_advisor_moved_on",))


class ActionAskAdvisorPost(AssistantAction):
    """Asks for the post, or checks what the last answer pointed to."""

    def name(self) -> str:
        return "action_ask_advisor_post"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        directory = await runtime.directory_service().current()
        language = self.language(tracker)
        state = tracker.get_slot("advisor_post_state")
        candidates = tracker.get_slot("advisor_post_candidates") or []
        country = tracker.get_slot("advisor_country")
        events: List[Dict[str, Any]] = []
        if state is None and not tracker.get_slot("advisor_phone_tried"):
            events.append(SlotSet("advisor_phone_tried", True))
            proposal = propose_post_from_channel(
                tracker.sender_id,
                tracker.get_latest_input_channel(),
                (tracker.latest_message or {}).get("metadata"),
                directory,
            )
            if proposal is None:
                proposal = propose_known_post(tracker.get_slot(KNOWN_POST), directory)
            if proposal is None:  # "... I work at our embassy in Kenya": named when asking
                proposal = propose_named_post(text_of(tracker), directory)
            if proposal is not None:
                state, candidates = proposal.state, list(proposal.candidates)
                country = proposal.country
                events += [SlotSet(k, v) for k, v in proposal.slots().items()]
        country_label = country_name(country, language)
        hq_name = runtime.renderer().phrase("post_hq", language)
        choices = post_choices(candidates, directory, language, hq_name)
        if state == PHONE and len(choices) == 1:
            self.utter(
                dispatcher, "utter_advisor_post_from_phone", country=country_label,
                post=choices[0]["title"],
            )  # fmt: skip
        elif state in (PHONE, CHOOSE) and choices:
            response = (
                "utter_advisor_post_choose_in_country"
                if state == PHONE
                else ("utter_advisor_post_choose")
            )
            self.utter(dispatcher, response, country=country_label, choices=choices)
        elif state == CONFIRM and choices:
            self.utter(dispatcher, "utter_advisor_post_confirm", post=choices[0]["title"])
        elif state == NO_POST_IN_COUNTRY:
            self.utter(dispatcher, "utter_advisor_post_no_post_in_country", country=country_label)
        elif state in (EMPTY, TOO_LONG, UNKNOWN):
            self.utter(dispatcher, f"utter_advisor_post_{state}")
        else:
            self.utter(dispatcher, "utter_advisor_post_question")
        return events


class ActionAskAdvisorLanguage(AssistantAction):
    def name(self) -> str:
        return "action_ask_advisor_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        directory = await runtime.directory_service().current()
        language = self.language(tracker)
        offered = language_options(languages_for_post(directory, post_code(tracker)), language)
        lookup = phrases(language).lookup
        choices = [
            {"title": language_name(code, lookup), "payload": choice_payload(code)}
            for code in offered
        ]
        retry = tracker.get_slot("advisor_language_retry")
        response = "utter_advisor_language_again" if retry else "utter_advisor_language_question"
        self.utter(dispatcher, response, choices=choices)
        return []


class ActionAskAdvisorPreference(AssistantAction):
    def name(self) -> str:
        return "action_ask_advisor_preference"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        self.utter(dispatcher, "utter_advisor_preference_question")
        return []


class ActionShowAdvisors(AssistantAction):
    """Up to three advisors, how to reach them and whether they are at work now; a wish
    (a woman, outside my post) nobody fits is left out, and said; when nobody speaks the
    language, the external advisors and the integrity coordinator."""

    def name(self) -> str:
        return "action_show_advisors"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        directory = await runtime.directory_service().current()
        language = self.language(tracker)
        wanted = tracker.get_slot("advisor_language") or language
        preferences = Preferences.from_values(
            **preference_values(tracker.get_slot("advisor_preference"))
        )
        result = match_advisors(directory, post_code(tracker), wanted, preferences).as_dict()
        words = phrases(language)
        advisors = describe_matches(result, words)
        choices = handoff_choices(result, words)
        response = "utter_advisor_no_match" if result["fallback"] else "utter_advisor_matches"
        if result["preferences_left_out"]:
            self.utter(dispatcher, "utter_advisor_preference_left_out")
        self.utter(dispatcher, response, advisors=advisors, choices=choices)
        return [SlotSet("advisor_matches", result)]
