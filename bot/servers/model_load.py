"""Rasa's TensorFlow models (DIET, TED) loaded for predicting, without a training step.

RasaModel.load (rasa/utils/tensorflow/models.py) makes the model's variables by training it
on one example (`model.fit`), then reads the trained weights over them. That traces and runs
the whole training graph, and builds the optimizer's state (Adam keeps two more copies of
every weight), which the checkpoint then fills too: none of it is used to predict. Measured
2026-12-05 on this model, loading it took 26 s and left the process at 1174 MB; without the
training step, 10 s and 803 MB, with the same weights and the same parse results.

`install()` replaces the method, in the Rasa server process only (bot.servers.rasa_server),
by one that makes the variables with one forward pass of the training loss on the same
example (the same layers, built in the same order as the training step builds them, with
nothing computed kept), then reads the same weights; the optimizer's part of the file is
left unread. Fine-tuning (`rasa train --finetune`) keeps Rasa's own method: it trains on.
tests/e2e/test_model_load.py loads the trained model both ways and compares every weight
and the parse results."""

from __future__ import annotations

from typing import Any, Optional

MARK = "_without_training_step"


def load_for_prediction(
    cls: Any,
    model_file_name: str,
    model_data_example: Any,
    predict_data_example: Optional[Any] = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """RasaModel.load without the training step (not for fine-tuning)."""
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    # As Rasa compiles it: the optimizer object is there, empty (it builds its state only
    # when it first applies gradients), and `run_eagerly` is what the config says.
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    # The batch `fit` would train on, through the loss as the training step computes it:
    # every layer the training step builds is built, with the same shapes.
    batch = RasaBatchDataGenerator(model_data_example, batch_size=1)[0][0]
    model._training = True
    try:
        model.batch_loss(batch)
    finally:
        model._training = None
    # The file also holds the optimizer's state: not needed to predict, left unread.
    model.load_weights(model_file_name).expect_partial()
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction once, as Rasa does
    return model


def install() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    if getattr(RasaModel.load, MARK, False):
        return
    rasa_load = RasaModel.__dict__["load"].__func__

    def load(
        cls: Any,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Optional[Any] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if finetune_mode:
            return rasa_load(
                cls, model_file_name, model_data_example, predict_data_example, True,
                *args, **kwargs,
            )  # fmt: skip
        return load_for_prediction(
            cls, model_file_name, model_data_example, predict_data_example, *args, **kwargs
        )

    setattr(load, MARK, True)
    RasaModel.load = classmethod(load)
