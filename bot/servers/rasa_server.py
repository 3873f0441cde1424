"""`rasa ARGS` with the API token added: `python -m bot.servers.rasa_server run ...` is
`rasa run ... --auth-token <token>`, the token taken from VM_API_TOKEN (the launcher sets
it) or the state folder's `api.token`. The token is added inside this process, so it never
appears in a command line that `ps` shows to every user of the machine."""

from __future__ import annotations

import sys

from bot.servers.secrets import api_token


def main() -> None:
    arguments = sys.argv[1:]
    if "--auth-token" in arguments:
        sys.exit("rasa_server: the token comes from VM_API_TOKEN or api.token, not the command")
    sys.argv = ["rasa", *arguments, "--auth-token", api_token().value]
    from rasa.__main__ import main as rasa_main

    from bot import runtime
    from bot.servers import (
        action_calls,
        action_results,
        applied_events,
        dialogue_states,
        held,
        model_load,
        outages,
        rule_decides,
        track_language,
        tracker_copy,
        typed_buttons,
    )

    outages.install()  # the action server or the database down: "send it again", not silence
    applied_events.install()  # a turn's predictions fold the events once, not per call
    dialogue_states.install()  # the policies' dialogue states continued, not replayed anew
    tracker_copy.install()  # an action's tracker copied by its state, not by a replay
    action_results.install()  # the action server's answers: the schema checked once
    action_calls.install()  # the tracker sent to the action server: written by orjson
    model_load.install()  # DIET and TED loaded to predict, without a training step
    rule_decides.install()  # TED not asked when a rule has decided the next action
    held.install()  # an advisor's hold: silent, except the way back and emergencies
    typed_buttons.install()  # "Nadia" under the advisors' list is her button; "last week"
    # after "tell me what happened" is the story
    track_language.install()  # the conversation language kept here, not by the action server
    runtime.use_content_edits()  # the answers coordinators published

    rasa_main()


if __name__ == "__main__":
    main()
