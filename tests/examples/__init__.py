"""Worked examples of hookdev's pytest plugin (the README's "Test your consumer" section).

Each ``*_consumer.py`` is a minimal webhook consumer as a user would write it; its ``test_*.py`` tests
it with the ``hookdev_sender`` and ``hookdev_check`` fixtures, in-process (no server). The naive
consumer skips verification, and its test shows ``hookdev_check`` catching it; the GitHub consumer is
tested in GitHub's own format. ``test_outgoing.py``
tests code that SENDS webhooks with ``hookdev_receiver``.
"""
