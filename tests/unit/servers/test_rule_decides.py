"""TED not asked when a rule has decided (bot/servers/rule_decides.py): Rasa's ensemble picks
the same action, policy, confidence and events with TED's real prediction as with the
stand-in, on random predictions; and the rewired graph asks TED only when needed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dask
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.benchmark.store import domain as real_domain
from bot.servers.rule_decides import TRACKER, rewire, rule_decided

DOMAIN: Domain = real_domain()
ACTIONS = len(DOMAIN.action_names_or_texts)
RULE, MEMO, TED = 6, 3, 1  # the policies' priorities in config.yml (Rasa's defaults)


def _tracker(last: str, rejected: bool) -> DialogueStateTracker:
    events: list[Any] = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]
    events += [ActionExecutionRejected(last) if rejected else ActionExecuted(last)]
    events += [SlotSet("requested_slot", None)]
    return DialogueStateTracker.from_events("s", events)


def _probabilities(draw: Any, sure: bool) -> list[float]:
    index = draw(st.integers(0, ACTIONS - 1))
    values = [draw(st.sampled_from([0.0, 0.01, 0.2])) for _ in range(ACTIONS)]
    values[index] = 1.0 if sure else draw(st.sampled_from([0.0, 0.3, 0.6, 0.95, 0.999]))
    return values


@st.composite
def predictions(draw: Any) -> tuple[PolicyPrediction, PolicyPrediction, PolicyPrediction]:
    rule = PolicyPrediction(
        _probabilities(draw, draw(st.booleans())),
        "RulePolicy",
        RULE,
        events=draw(st.sampled_from([[], [SlotSet("requested_slot", None)]])),
        optional_events=draw(st.sampled_from([[], [SlotSet("report_kind", None)]])),
        is_no_user_prediction=draw(st.booleans()),
    )
    memo = PolicyPrediction(_probabilities(draw, draw(st.booleans())), "MemoizationPolicy", MEMO)
    ted = PolicyPrediction(_probabilities(draw, draw(st.booleans())), "TEDPolicy", TED)
    return memo, rule, ted


def _chosen(predictions: list[PolicyPrediction], tracker: DialogueStateTracker) -> Any:
    ensemble = DefaultPolicyPredictionEnsemble()
    best = ensemble.combine_predictions(copy.deepcopy(predictions), tracker, DOMAIN)
    action = max(range(ACTIONS), key=lambda i: best.probabilities[i])
    return (
        best.policy_name,
        best.max_confidence,
        action,
        [(type(e).__name__, str(e)) for e in best.events],
    )


@settings(max_examples=300, deadline=None)
@given(
    predictions(),
    st.sampled_from(DOMAIN.action_names_or_texts),
    st.booleans(),
    st.booleans(),
)
def test_the_ensemble_chooses_the_same_without_ted_when_the_rule_decided(
    made: tuple[PolicyPrediction, ...], last: str, rejected: bool, listened: bool
) -> None:
    memo, rule, ted = made
    tracker = _tracker("action_listen" if listened else last, rejected)
    if not rule_decided(rule, tracker, TED, ted_reads_text=False):
        return
    stand_in = PolicyPrediction([0.0] * ACTIONS, "TEDPolicy", TED)
    assert _chosen([memo, rule, stand_in], tracker) == _chosen([memo, rule, ted], tracker)


def test_ted_is_asked_when_it_could_win() -> None:
    tracker = _tracker("utter_greet", rejected=False)
    unsure = PolicyPrediction([0.9] + [0.0] * (ACTIONS - 1), "RulePolicy", RULE)
    ted = PolicyPrediction([0.0, 0.95] + [0.0] * (ACTIONS - 2), "TEDPolicy", TED)
    assert not rule_decided(unsure, tracker, TED, ted_reads_text=False)
    assert _chosen([unsure, ted], tracker)[0] == "TEDPolicy"  # it would have won
    sure = PolicyPrediction([1.0] + [0.0] * (ACTIONS - 1), "RulePolicy", RULE)
    assert rule_decided(sure, tracker, TED, ted_reads_text=False)
    assert not rule_decided(sure, tracker, TED, ted_reads_text=True)  # end-to-end TED
    assert not rule_decided(sure, tracker, RULE, ted_reads_text=False)  # same priority
    assert not rule_decided(sure, _tracker("utter_greet", rejected=True), TED, False)


class _Node:
    """Stands in for a GraphNode: returns (name, prediction), counts its calls."""

    def __init__(self, name: str, prediction: PolicyPrediction, component: Any = None) -> None:
        self.name, self.prediction, self._component, self.calls = name, prediction, component, 0

    def __call__(self, *inputs: Any) -> tuple[str, PolicyPrediction]:
        self.calls += 1
        return self.name, self.prediction


def _node(uses: type, needs: dict[str, str]) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=uses,
        constructor_name="load",
        fn="predict_action_probabilities",
        config={},
    )


@pytest.fixture
def ted_policy(tmp_path: Path) -> TEDPolicy:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    return TEDPolicy(TEDPolicy.get_default_config(), storage, Resource("ted"), context)


def test_the_rewired_graph_asks_ted_only_when_the_rule_is_not_sure(ted_policy: TEDPolicy) -> None:
    needs = {"tracker": TRACKER}
    schema = GraphSchema(
        {
            "run_MemoizationPolicy0": _node(MemoizationPolicy, needs),
            "run_RulePolicy1": _node(RulePolicy, needs),
            "run_TEDPolicy2": _node(TEDPolicy, needs),
        }
    )
    one_hot = [1.0] + [0.0] * (ACTIONS - 1)
    rule = _Node("run_RulePolicy1", PolicyPrediction(one_hot, "RulePolicy", RULE))
    ted = _Node("run_TEDPolicy2", PolicyPrediction(one_hot[::-1], "TEDPolicy", TED), ted_policy)
    graph: dict[str, Any] = {
        "run_RulePolicy1": (rule, TRACKER),
        "run_TEDPolicy2": (ted, TRACKER),
        TRACKER: (TRACKER, _tracker("utter_greet", rejected=False)),
    }
    graph = rewire(graph, schema)

    name, prediction = dask.get(graph, "run_TEDPolicy2")
    assert (name, ted.calls, prediction.max_confidence) == ("run_TEDPolicy2", 0, 0.0)

    rule.prediction = PolicyPrediction([0.7] + [0.0] * (ACTIONS - 1), "RulePolicy", RULE)
    name, prediction = dask.get(graph, "run_TEDPolicy2")
    assert (ted.calls, prediction.probabilities[-1]) == (1, 1.0)  # TED's own answer


def test_a_graph_without_the_rule_policy_is_left_alone() -> None:
    schema = GraphSchema({"run_TEDPolicy0": _node(TEDPolicy, {"tracker": TRACKER})})
    graph: dict[str, Any] = {"run_TEDPolicy0": ("node", TRACKER)}
    assert rewire(dict(graph), schema) == graph
