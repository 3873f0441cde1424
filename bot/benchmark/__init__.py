"""The load benchmark (`bin/benchmark --load`): simulated users typing the scripted
conversations over REST through nginx, against the cluster with 1 and 2 Rasa servers and
against a vanilla `rasa init` bot as the baseline; the figures and the issue's targets."""
