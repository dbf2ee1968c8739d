"""hookdev.toml: the optional project file, read into one typed, strictly validated ``Config``.

- ``declared``: every setting, declared once (type, default, help, flag, file key);
- ``model``: the typed tables (``Config``, ``ReceiverConfig``, ...), their keys, and ``ConfigError``;
- ``loading``: finding and reading the file;
- ``checking``: validation, with "did you mean" for unknown keys and choices;
- ``lines``: the line of a key, for error messages;
- ``starter``: the file ``hookdev init`` writes.
"""

from __future__ import annotations

from hookdev.config.checking import header_name_problem, parse_size
from hookdev.config.declared import DEV_KEYS, RECEIVER_KEYS, SETTINGS, TOP_KEYS, Setting
from hookdev.config.loading import find_config, load_config, parse_config, project_config
from hookdev.config.model import (
    CONFIG_FILE,
    DEFAULT_HOST,
    DEFAULT_MAX_BODY,
    DEFAULT_PORT,
    DEFAULT_RESEND_MODE,
    DEFAULT_RESPOND_MODE,
    DEFAULT_TIME_SCALE,
    DEFAULT_TOLERANCE,
    ENDPOINT_KEYS,
    MAX_BODY_LIMIT,
    RESEND_MODES,
    RESPOND_KEYS,
    RESPOND_MODES,
    ROUTE_KEYS,
    SCHEMES,
    Config,
    ConfigError,
    ConfigIssue,
    DevConfig,
    EndpointConfig,
    ReceiverConfig,
    RespondConfig,
    RouteConfig,
    empty_config,
    first_set,
)
from hookdev.config.starter import STARTER

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_HOST",
    "DEFAULT_MAX_BODY",
    "DEFAULT_PORT",
    "DEFAULT_RESEND_MODE",
    "DEFAULT_RESPOND_MODE",
    "DEFAULT_TIME_SCALE",
    "DEFAULT_TOLERANCE",
    "DEV_KEYS",
    "ENDPOINT_KEYS",
    "MAX_BODY_LIMIT",
    "RECEIVER_KEYS",
    "RESEND_MODES",
    "RESPOND_KEYS",
    "RESPOND_MODES",
    "ROUTE_KEYS",
    "SCHEMES",
    "SETTINGS",
    "STARTER",
    "Setting",
    "TOP_KEYS",
    "Config",
    "ConfigError",
    "ConfigIssue",
    "DevConfig",
    "EndpointConfig",
    "ReceiverConfig",
    "RespondConfig",
    "RouteConfig",
    "empty_config",
    "find_config",
    "first_set",
    "header_name_problem",
    "load_config",
    "parse_config",
    "parse_size",
    "project_config",
]
