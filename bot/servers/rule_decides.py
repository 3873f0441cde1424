"""TED is not asked for a prediction that a rule has already decided.

Rasa asks every policy for every prediction, then picks one (DefaultPolicyPredictionEnsemble
in rasa/core/policies/ensemble.py): a "no user" prediction (a form's happy path) beats every
other; then the highest confidence wins, and among equal confidences the higher priority.
TED's confidences are a softmax, at most 1.0, and its priority (1) is below the rule
policy's (6). So when the rule policy predicts with confidence 1.0, or makes a "no user"
prediction, TED's prediction cannot win, and TED adds no events unless it wins. Yet TED was
three quarters of the time spent predicting: 7.4 of 10 ms a turn, measured 2026-12-05 on
the load benchmark's long conversations.

`install()` rewires the prediction graph, in the Rasa server process only
(bot.servers.rasa_server): TED's node runs after the rule policy's and, when the rule has
decided, stands in with a prediction of confidence 0 (the same winner, the same events, the
same policy name and confidence in the tracker). TED is still asked when:
- the rule policy is not sure (below 1.0), or its priority is not above TED's;
- the last action was rejected (the ensemble zeroes that action in every prediction);
- TED was trained on user text (end-to-end), whose predictions overrule intent-based ones.

tests/unit/servers/test_rule_decides.py checks the ensemble's choice with and without TED on
random predictions, and the rewired graph on the model's own prediction schema.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.nlu.constants import TEXT

MARK = "_vm_rule_decides"
PREDICT = "predict_action_probabilities"
TRACKER = PLACEHOLDER_TRACKER  # the graph's input that carries the tracker


def last_action_rejected(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, (ActionExecutionRejected, ActionExecuted)):
            return isinstance(event, ActionExecutionRejected)
    return False


def rule_decided(
    rule: PolicyPrediction, tracker: Any, ted_priority: int, ted_reads_text: bool
) -> bool:
    """Whether the ensemble picks `rule`'s action over TED's, whatever TED predicts."""
    if ted_reads_text or last_action_rejected(tracker):
        return False
    if rule.is_no_user_prediction:
        return True
    return rule.max_confidence >= 1.0 and rule.policy_priority > ted_priority


class UnlessRuleDecided:
    """TED's graph node, called with the rule policy's output first."""

    def __init__(self, ted_node: Any, ted_node_name: str) -> None:
        self._ted_node = ted_node
        self._name = ted_node_name

    def _ted(self) -> Optional[TEDPolicy]:
        # The node loads its component when made (prediction graphs are eager).
        component = getattr(self._ted_node, "_component", None)
        return component if isinstance(component, TEDPolicy) else None

    def __call__(self, rule_output: Any, *inputs: Any) -> Tuple[str, Any]:
        ted = self._ted()
        tracker = next((i[1] for i in inputs if isinstance(i, tuple) and i[0] == TRACKER), None)
        rule = rule_output[1] if isinstance(rule_output, tuple) else None
        if ted is not None and tracker is not None and isinstance(rule, PolicyPrediction):
            reads_text = ted.only_e2e or TEXT in ted.fake_features
            if rule_decided(rule, tracker, ted.priority, reads_text):
                losing = PolicyPrediction(
                    [0.0] * len(rule.probabilities), type(ted).__name__, ted.priority
                )
                return self._name, losing
        return self._ted_node(*inputs)


def _node_of(schema: Any, policy: type) -> Optional[str]:
    names = [
        name
        for name, node in schema.nodes.items()
        if node.fn == PREDICT and isinstance(node.uses, type) and issubclass(node.uses, policy)
    ]
    return names[0] if len(names) == 1 else None


def rewire(graph: Dict[str, Any], schema: Any) -> Dict[str, Any]:
    """The dask graph with TED's task run after the rule policy's, unless a rule decided."""
    ted, rule = _node_of(schema, TEDPolicy), _node_of(schema, RulePolicy)
    if ted is None or rule is None or ted not in graph or rule not in graph:
        return graph
    node, *needs = graph[ted]
    graph[ted] = (UnlessRuleDecided(node, ted), rule, *needs)
    return graph


def install() -> None:
    from rasa.engine.runner.dask import DaskGraphRunner

    build = DaskGraphRunner._build_dask_graph
    if getattr(build, MARK, False):
        return

    def build_rewired(self: Any, schema: Any) -> Dict[str, Any]:
        return rewire(build(self, schema), schema)

    setattr(build_rewired, MARK, True)
    DaskGraphRunner._build_dask_graph = build_rewired
