"""The starter hookdev.toml that ``hookdev init`` writes: every key with its default and a comment."""

from __future__ import annotations

STARTER = """\
# hookdev.toml - project settings for hookdev, read from the directory you run hookdev in.
# Every setting is optional. Command-line flags win over this file; this file wins over the defaults.
# Active lines hold the built-in defaults; remove the "# " in front of a line to turn it on.

# catalog = "events/"            # event catalog: JSON Schema files or an OpenAPI document, relative to this file
time_scale = 1.0                 # delivery clock speed, > 0: 3600 plays an hour of retries in a second
# ops_endpoint = "orders-app"    # endpoint (ep_... id or [[endpoints]] name) that receives operational events

[receiver]
host = "127.0.0.1"               # interface the receiver listens on
port = 8787                      # 0..65535 (0 picks a free port)
# secrets = ["stripe:whsec_..."]  # more secrets to accept; "SCHEME:" binds one to a scheme
# scheme = "standard"            # standard|stripe|github|shopify|slack; unset: detected from the headers
tolerance = 300                  # seconds a signature's timestamp may be away from now
max_body = "5MiB"                # largest body accepted: bytes, or a string with KB, KiB, MB or MiB
# max_response = "10MiB"         # largest answer from your app held when forwarding; larger: 502
# forward_to = "3000"            # also forward every request to your app: a port, host:port or URL
accept_invalid = false           # true: answer 2xx even when the signature does not verify

[receiver.respond]               # how the receiver answers, to exercise a sender's failure paths
mode = "normal"                  # normal | status | fail | delay | gone | throttle
# status = 500                   # the status code for mode = "status" and mode = "fail"
# count = 3                      # mode = "fail": fail the next N requests, then answer normally
# delay = 2.5                    # mode = "delay": seconds to wait before answering
# retry_after = 30               # mode = "throttle": answer 429 with this Retry-After, in seconds

# [[routes]]                     # per-path handling; repeat the block for each path
# path = "/stripe"               # requests to this path...
# to = "http://localhost:3000/stripe"  # ...are forwarded here (unset: only verified and stored)
# secret = "whsec_..."           # ...and verified with this secret (optional)
# scheme = "stripe"              # ...and this scheme (optional; unset: detected)

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

[dev]
# resend_on_change = ["src/"]    # resend the last events when files under these paths change (relative to this file)
resend_mode = "new"              # new: send them as new messages | replay: deliver the same messages again
"""
