"""The starter hookdev.toml that ``hookdev init`` writes, generated from the declared settings: every
key with its default (or a commented-out example) and what it does."""

from __future__ import annotations

from hookdev.config.declared import Setting, in_table, starter_value

HEADER = """\
# hookdev.toml - project settings for hookdev, read from the directory you run hookdev in.
# Every setting is optional. Command-line flags win over this file; this file wins over the defaults.
# Active lines hold the built-in defaults; remove the "# " in front of a line to turn it on.
"""

# Tables of records rather than settings: shown as commented-out examples.
RESPOND = """\
[receiver.respond]               # how the receiver answers, to exercise a sender's failure paths
mode = "normal"                  # normal | status | fail | delay | gone | throttle
# status = 500                   # the status code for mode = "status" and mode = "fail"
# count = 3                      # mode = "fail": fail the next N requests, then answer normally
# delay = 2.5                    # mode = "delay": seconds to wait before answering
# retry_after = 30               # mode = "throttle": answer 429 with this Retry-After, in seconds
"""

ROUTES = """\
# [[routes]]                     # per-path handling; repeat the block for each path
# path = "/stripe"               # requests to this path...
# to = "http://localhost:3000/stripe"  # ...are forwarded here (unset: only verified and stored)
# secret = "whsec_..."           # ...and verified with this secret (optional)
# scheme = "stripe"              # ...and this scheme (optional; unset: detected)
"""

ENDPOINTS = """\
# [[endpoints]]                  # endpoints hookdev sends to, kept in sync with this file
# name = "orders-app"            # required and unique: identifies the endpoint across reloads
# url = "http://localhost:3000/webhooks"  # required: where deliveries go
# events = ["order.created"]     # event types it subscribes to; empty: all of them
# channels = []                  # only messages on one of these channels; empty: no channel filter
# rate_limit = 10                # at most this many messages per second, > 0; unset: no limit
# headers = { "X-Team" = "growth" }  # custom headers added to every delivery
# description = ""               # a note shown in listings
# disabled = false               # true: keep the endpoint but deliver nothing to it
# secret = "whsec_..."           # signing secret, whsec_ + base64; unset: generated once and kept
# scheme = "standard"            # sign as: standard | stripe | github | shopify | slack
"""

_COMMENT_AT = 33  # the column comments start at


def setting_line(setting: Setting) -> str:
    value, commented = starter_value(setting)
    text = f"{'# ' if commented else ''}{setting.leaf} = {value}"
    return f"{text.ljust(_COMMENT_AT - 1)} # {setting.file_help or setting.help}"


def _lines(table: str) -> str:
    return "".join(setting_line(s) + "\n" for s in in_table(table) if s.kind not in ("respond", "routes"))


def render_starter() -> str:
    return (
        "\n".join(
            [
                HEADER,
                _lines(""),
                "[receiver]\n" + _lines("receiver"),
                RESPOND,
                ROUTES,
                ENDPOINTS,
                "[dev]\n" + _lines("dev"),
            ]
        ).rstrip("\n")
        + "\n"
    )


STARTER = render_starter()
