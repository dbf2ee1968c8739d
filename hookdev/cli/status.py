"""``hookdev status``: which workspace and config a command here uses, and what runs on them now."""

from __future__ import annotations

import time
from typing import Any

import click

from hookdev.cli._common import display_path, emit_json, home_option, json_option


@click.command()
@home_option
@json_option
def status(home: str | None, as_json: bool) -> None:
    """The workspace in use and why, the receiver, queues, retries.

    Shows the workspace a command run here uses (and why: --home, $HOOKDEV_HOME, found upward like
    git finds a repository, or none yet), the hookdev.toml in use, the receiver's URL and whether a
    `hookdev listen` or the TUI is serving it right now, each endpoint with its queue, and the retries
    waiting. Creates nothing.

    \b
    Examples:
      hookdev status
      hookdev status --json | jq .receiver.running
    """
    from hookdev import runtime
    from hookdev.workspace import DEFAULT_HOST, DEFAULT_PORT, locate_home

    location = locate_home(home)
    exists = location.path.is_dir()
    doc: dict[str, Any] = {
        "workspace": {
            "path": str(location.path.absolute()),
            "source": location.source,
            "reason": location.reason if exists or location.source != "new" else _not_yet(),
            "exists": exists,
        }
    }
    config_path, config, config_error = _config()
    doc["config"] = {"path": str(config_path) if config_path else None, "error": config_error}
    receiver_cfg = config.receiver if config is not None else None
    host = (receiver_cfg.host if receiver_cfg else None) or DEFAULT_HOST
    port = receiver_cfg.port if receiver_cfg and receiver_cfg.port is not None else DEFAULT_PORT
    configured = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    live = runtime.running(location.path) if exists else None
    doc["receiver"] = {
        "url": live.url if live else configured,
        "running": live is not None,
        "kind": live.kind if live else None,
        "pid": live.pid if live else None,
        "since": _iso(live.started_at) if live else None,
        # something else holds the configured port (another workspace's hookdev, another program)
        "port_in_use": live is None and runtime.accepts(configured),
    }
    doc["endpoints"], doc["retries"] = _queues(location.path) if exists else ([], {"pending": 0, "next": []})
    if as_json:
        emit_json(doc)
        return
    _print(doc, location.path)


def _config() -> tuple[Any, Any, str | None]:
    from hookdev.config import ConfigError, find_config, load_config

    path = find_config()
    if path is None:
        return None, None, None
    try:
        return path.absolute(), load_config(path), None
    except ConfigError as e:
        first = e.issues[0] if e.issues else e
        more = f" (and {len(e.issues) - 1} more)" if len(e.issues) > 1 else ""
        return path.absolute(), None, f"{first}{more}"


def _queues(home: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from hookdev.sender import Sender
    from hookdev.workspace import Workspace

    workspace = Workspace(home)
    try:
        sender = Sender(workspace)
        store = sender.store
        now = time.time()
        counts = store.endpoint_counts(now)
        names = sender.endpoint_names()
        endpoints = []
        for e in sender.endpoints():
            c = counts.get(e.id)
            endpoints.append(
                {
                    "id": e.id,
                    "name": names.get(e.id),
                    "url": e.url,
                    "disabled": e.disabled,
                    "backlog": c.backlog if c else 0,
                    "pending": c.pending if c else 0,
                    "sending": c.sending if c else 0,
                }
            )
        pending = store.list_attempts(statuses=["pending"], limit=None, include_bodies=False)
        due = sorted(pending, key=lambda a: a.scheduled_at)
        retries = {
            "pending": len(pending),
            "next": [
                {
                    "message_id": a.message_id,
                    "endpoint_id": a.endpoint_id,
                    "attempt": a.number,
                    "due_at": _iso(a.scheduled_at),
                    "due_in": max(0.0, round(a.scheduled_at - now, 1)),
                }
                for a in due[:5]
            ],
        }
        return endpoints, retries
    finally:
        workspace.close()


def _iso(ts: float) -> str:
    from hookdev.presentation import iso

    return iso(ts) or ""


def _print(doc: dict[str, Any], home: Any) -> None:
    from hookdev.delivery.schedule import countdown

    ws = doc["workspace"]
    where = display_path(home)
    click.echo(f"workspace  {where}" + ("" if ws["exists"] else "  (not created yet)"))
    click.echo(f"           {ws['reason']}")
    cfg = doc["config"]
    if cfg["path"] is None:
        click.echo("config     none (hookdev init writes one)")
    else:
        click.echo(f"config     {cfg['path']}")
        if cfg["error"]:
            click.echo(click.style(f"           invalid: {cfg['error']}", fg="red"))
    r = doc["receiver"]
    if r["running"]:
        by = "the TUI" if r["kind"] == "ui" else f"hookdev {r['kind']}"
        state = click.style(f"running ({by}, pid {r['pid']})", fg="green")
    elif r["port_in_use"]:
        state = click.style("not this workspace's: something else listens there", fg="yellow")
    else:
        state = "not running (start it with `hookdev listen` or `hookdev`)"
    click.echo(f"receiver   {r['url']}  {state}")
    eps = doc["endpoints"]
    click.echo("endpoints  " + ("none" if not eps else ""))
    width = max((len(e["name"] or e["id"]) for e in eps), default=0)
    for e in eps:
        label = e["name"] or e["id"]
        queue = f"backlog {e['backlog']}, retries {e['pending']}" + (
            f", sending {e['sending']}" if e["sending"] else ""
        )
        extra = "  disabled" if e["disabled"] else ""
        ident = f"  ({e['id']})" if e["name"] else ""
        click.echo(f"  {label:<{width}}  {e['url']}  {queue}{extra}{ident}")
    retries = doc["retries"]
    if not retries["pending"]:
        click.echo("retries    none pending")
    else:
        first = retries["next"][0]
        click.echo(
            f"retries    {retries['pending']} pending; next: {first['message_id']} -> {first['endpoint_id']}"
            f" attempt {first['attempt']} in {countdown(first['due_in'])}"
            + ("" if r["running"] else " (runs while `hookdev listen`, the TUI or `hookdev dispatch` runs)")
        )


def _not_yet() -> str:
    return "none found upward from here: the next command that needs one creates ./.hookdev"
