"""Immediate danger and thoughts of suicide or self-harm: a dedicated detector.

- `lexicon`: the per-language lexicons (data/safety/<lang>.yml) and the text folding they
  are matched on;
- `detector`: a message text -> `danger`, `self_harm` or None, every lexicon on every message;
- `classifier`: a small trained classifier (danger, self_harm, other) beside the lexicons;
- `training_data`: its training examples (data/safety/training/ and the NLU examples);
- `crossval`: choosing its settings and threshold by cross-validation on those alone;
- `decision`: how the detector (lexicons or classifier) and the intent model set the intent;
- `component`: the Rasa NLU component that applies the decision to each parsed message;
- `evaluation`: recall and false alarms on the held-out sets (evaluation/safety/).

Nothing is loaded at import time.
"""
