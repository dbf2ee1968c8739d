"""The five top-level views, one per tab: inbox, send, endpoints, deliveries, receiver."""
