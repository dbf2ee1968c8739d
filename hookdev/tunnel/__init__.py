"""The tunnel: a self-hostable relay (:mod:`.relay`) and the client that connects a local app to it (:mod:`.client`).

The relay runs on a public host; ``hookdev listen --relay URL`` opens one outbound WebSocket to it,
so webhooks sent to ``URL/c/<channel>/...`` reach the local receiver with no inbound port opened.
"""

from hookdev.tunnel.client import RelayClient, RelayRefused, RelayStatus, new_channel_name
from hookdev.tunnel.relay import create_relay_app

__all__ = ["RelayClient", "RelayRefused", "RelayStatus", "create_relay_app", "new_channel_name"]
