"""The two servers and the one launcher that starts them (bin/run, the tests, the
evaluation): the Rasa server with its HTTP API behind a token, and the action server on
loopback behind a shared secret. `python -m bot.servers` runs both until Ctrl-C."""
