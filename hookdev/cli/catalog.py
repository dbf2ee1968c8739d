"""``hookdev catalog``: list the event types, show one's schema and example, validate a catalog."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hookdev.cli._common import Failed, HookdevError, emit_json, home_option, json_option, open_workspace

if TYPE_CHECKING:  # hookdev.catalog loads jsonschema: only the commands that read the catalog pay for it
    from hookdev.catalog import Catalog
from hookdev.workspace import resolve_home

CATALOG_SETTING = "catalog"

F = TypeVar("F", bound=Callable[..., Any])


def catalog_path(catalog: str | None, home: str | None) -> str | None:
    """Which catalog a command uses: ``--catalog``, else hookdev.toml's ``catalog``, else the workspace
    setting, else the bundled sample (``None``).

    The workspace is only opened when it already exists: asking which event types there are must not
    create ``./.hookdev`` as a side effect.
    """
    from hookdev.config import ConfigError, project_config

    if catalog is not None:
        return catalog
    try:
        configured = project_config().catalog
    except ConfigError as e:
        more = f" (and {len(e.issues) - 1} more)" if len(e.issues) > 1 else ""
        raise HookdevError(f"{e.issues[0]}{more}" if e.issues else str(e)) from None
    if configured is not None:
        return str(configured)
    if resolve_home(home).is_dir():
        workspace = open_workspace(home)
        try:
            setting = workspace.store.get_setting(CATALOG_SETTING)
        finally:
            workspace.close()
        if isinstance(setting, str) and setting:
            return setting
    return None


def resolve_catalog(catalog: str | None, home: str | None) -> Catalog:
    """Load the catalog a command should use (see :func:`catalog_path`); bad input is one HookdevError line."""
    return load_or_fail(catalog_path(catalog, home))


def load_or_fail(path: str | None) -> Catalog:
    """:func:`load_catalog`, with its errors turned into one line that points at ``catalog validate``."""
    from hookdev.catalog import CatalogError, load_catalog

    try:
        return load_catalog(path)
    except CatalogError as e:
        if len(e.issues) == 1 and e.issues[0].message == "no such file or directory":
            raise HookdevError(f"catalog not found: {path}") from None
        n = len(e.issues)
        where = "the bundled sample catalog" if path is None else f"catalog {path}"
        hint = "" if path is None else f"; run `hookdev catalog validate {path}` for all of them"
        raise HookdevError(
            f"{where} is invalid ({n} problem{'s' if n != 1 else ''}{hint}): {e.issues[0]}"
        ) from None


def catalog_option(f: F) -> F:
    return click.option(
        "--catalog",
        "catalog",
        metavar="PATH",
        default=None,
        help="Catalog to use: a directory of event type files, one such file, or an OpenAPI 3.1 document "
        "(default: hookdev.toml's catalog, else the workspace's, else the bundled sample).",
    )(f)


@click.group("catalog")
def catalog() -> None:
    """Event types you can send: their descriptions, JSON Schemas and examples.

    \b
    A catalog is one of:
      - a directory of *.json / *.yaml / *.yml files, each holding one event type
        ({name, description, schema, example}) or a list of them;
      - an OpenAPI 3.1 document whose `webhooks` section names the event types;
      - the bundled sample (QR codes, pages, contacts, workspaces), used when none is set.
    """


@catalog.command("list")
@catalog_option
@home_option
@json_option
def list_types(catalog: str | None, home: str | None, as_json: bool) -> None:
    """List the event types of the catalog, with their descriptions."""
    cat = resolve_catalog(catalog, home)
    if as_json:
        emit_json([{"name": t.name, "description": t.description, "source": t.source} for t in cat])
        return
    width = max((len(n) for n in cat.names()), default=0)
    for t in cat:
        click.echo(f"{t.name:<{width}}  {t.summary()}".rstrip())


@catalog.command("show")
@click.argument("event_type", metavar="TYPE")
@catalog_option
@home_option
@json_option
def show(event_type: str, catalog: str | None, home: str | None, as_json: bool) -> None:
    """Show one event type: its description, JSON Schema and example payload."""
    cat = resolve_catalog(catalog, home)
    try:
        et = cat.get(event_type)
    except KeyError as e:
        raise HookdevError(str(e)) from None
    if as_json:
        emit_json(et.as_dict())
        return
    click.secho(et.name, bold=True)
    if et.description:
        click.echo(et.description)
    click.echo(f"source: {et.source}")
    click.echo("")
    click.secho("schema:", bold=True)
    click.echo(json.dumps(et.schema, indent=2, ensure_ascii=False))
    click.echo("")
    click.secho("example:", bold=True)
    click.echo(json.dumps(et.example, indent=2, ensure_ascii=False))


@catalog.command("validate")
@click.argument("path", required=False, metavar="[PATH]")
@home_option
@json_option
def validate(path: str | None, home: str | None, as_json: bool) -> None:
    """Check a catalog: parse every file, check each schema, validate each example against its schema.

    PATH defaults to the catalog list and show use. Exit status: 0 valid, 1 invalid, 2 PATH not found.
    """
    from hookdev.catalog import SAMPLE_SOURCE, CatalogError, load_catalog

    target = catalog_path(path, home) if path is None else path
    if target is not None and not os.path.exists(Path(target).expanduser()):
        raise HookdevError(f"no such file or directory: {target}")
    source = SAMPLE_SOURCE if target is None else target
    try:
        cat = load_catalog(target)
    except CatalogError as e:
        if as_json:
            emit_json({"ok": False, "source": source, "count": 0, "issues": [i.as_dict() for i in e.issues]})
            raise click.exceptions.Exit(1) from None
        for issue in e.issues:
            click.echo(str(issue))
        n = len(e.issues)
        raise Failed(f"invalid: {n} problem{'s' if n != 1 else ''} in {source}") from None
    if as_json:
        emit_json({"ok": True, "source": source, "count": len(cat), "issues": []})
        return
    click.echo(f"ok: {len(cat)} event type{'s' if len(cat) != 1 else ''}")
