"""``hookdev catalog``: list the event types, show one's schema and example, validate a catalog."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from hookdev.cli._common import Failed, HookdevError, emit_json, home_option, json_option, open_workspace
from hookdev.config import ConfigError, project_config
from hookdev.workspace import resolve_home

if TYPE_CHECKING:  # the catalog package: only for the commands that read a catalog (the options are pure)
    from hookdev.catalog import Catalog, TypeInfo
    from hookdev.catalog.lookup import CatalogSource
    from hookdev.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def find_catalog(
    catalog: str | None, home: str | None, strict: bool = False, workspace: Workspace | None = None
) -> CatalogSource:
    """The catalog a command uses, by :func:`hookdev.catalog.lookup.catalog_source`'s one rule.

    This gathers the layers the CLI knows: ``--catalog``, hookdev.toml, the workspace setting. The
    workspace is only opened when it already exists: asking which event types there are must not create
    ``./.hookdev`` as a side effect.
    """
    from hookdev.catalog.lookup import WORKSPACE_SETTING as CATALOG_SETTING
    from hookdev.catalog.lookup import catalog_source

    try:
        config = project_config()
    except ConfigError as e:
        more = f" (and {len(e.issues) - 1} more)" if len(e.issues) > 1 else ""
        raise HookdevError(f"{e.issues[0]}{more}" if e.issues else str(e)) from None
    setting: object = None
    home_dir = workspace.home if workspace is not None else resolve_home(home)
    exists = home_dir.is_dir()
    if catalog is None and config.catalog is None and workspace is not None:
        setting = workspace.store.get_setting(CATALOG_SETTING)
    elif catalog is None and config.catalog is None and exists:
        opened = open_workspace(home)
        try:
            setting = opened.store.get_setting(CATALOG_SETTING)
        finally:
            opened.close()
    return catalog_source(
        flag=catalog,
        config=config.catalog,
        setting=setting,
        strict_flag=strict,
        config_strict=config.strict,
        workspace_home=home_dir if exists else None,
    )


def catalog_path(catalog: str | None, home: str | None) -> str | None:
    """The path :func:`find_catalog` picks (``None``: the bundled sample)."""
    return find_catalog(catalog, home).path


def resolve_catalog(catalog: str | None, home: str | None, strict: bool = False) -> Catalog:
    """Load the catalog a command should use (see :func:`find_catalog`); bad input is one HookdevError line."""
    return load_or_fail(find_catalog(catalog, home, strict))


def load_or_fail(source: CatalogSource | str | None) -> Catalog:
    """Load a catalog, with its errors turned into one line that points at ``catalog validate``."""
    from hookdev.catalog import CatalogError
    from hookdev.catalog.lookup import CatalogSource

    if not isinstance(source, CatalogSource):
        source = CatalogSource(source)
    path = source.path
    try:
        return source.load()
    except CatalogError as e:
        if len(e.issues) == 1 and e.issues[0].message == "no such file or directory":
            raise HookdevError(f"catalog not found: {path}") from None
        n = len(e.issues)
        where = "the bundled sample catalog" if path is None else f"catalog {path}"
        hint = "" if path is None else f"; run `hookdev catalog validate {path}` for all of them"
        raise HookdevError(
            f"{where} is invalid ({n} problem{'s' if n != 1 else ''}{hint}): {e.issues[0]}"
        ) from None


def strict_option(f: F) -> F:
    return click.option(
        "--strict",
        "strict",
        is_flag=True,
        default=False,
        help="All-or-nothing: refuse the catalog if any type has a problem (default: load per type; "
        "hookdev.toml's strict = true does the same).",
    )(f)


def catalog_path_option(f: F) -> F:
    return click.option(
        "--catalog",
        "catalog",
        metavar="PATH",
        default=None,
        help="Catalog to use: a directory of event type files, one such file, an OpenAPI 3.x document "
        "(its webhooks) or an AsyncAPI 2.x/3.x document (its messages) (default: hookdev.toml's catalog, "
        "else the workspace's, else the bundled sample).",
    )(f)


def catalog_option(f: F) -> F:
    """``--catalog PATH`` and ``--strict``, for the commands that read the catalog."""
    return catalog_path_option(strict_option(f))


@click.group("catalog")
def catalog() -> None:
    """Event types you can send: their descriptions, JSON Schemas and examples.

    \b
    A catalog is one of:
      - a directory of *.json / *.yaml / *.yml files, each holding one event type
        ({name, description, schema, example}) or a list of them;
      - an OpenAPI 3.x document whose `webhooks` (or `x-webhooks`) section names the event types;
      - an AsyncAPI 2.x/3.x document, whose messages are the event types;
      - the bundled sample (QR codes, pages, contacts, workspaces), used when none is set.

    \b
    Loading is per type: a type without a valid example gets one synthesised from its schema
    (flagged "synthesised"), a type whose schema cannot be used is listed as unusable with the reason,
    and the others work. --strict (or strict = true in hookdev.toml) refuses the whole catalog instead.
    """


_TAGS = {"ok": "", "synthesized": "[synthesised]", "unusable": "[unusable]"}


@catalog.command("list")
@catalog_option
@home_option
@json_option
def list_types(catalog: str | None, strict: bool, home: str | None, as_json: bool) -> None:
    """List the event types of the catalog, with their descriptions.

    A type marked [synthesised] has no valid example of its own (one is made from its schema); one
    marked [unusable] cannot be validated or synthesised: `hookdev catalog show TYPE` says why.
    """
    cat = resolve_catalog(catalog, home, strict)
    infos = cat.infos()
    if as_json:
        emit_json([info.as_dict() for info in infos])
        return
    width = max((len(i.name) for i in infos), default=0)
    tagged = any(i.status != "ok" for i in infos)
    tag_width = max((len(_TAGS[i.status]) for i in infos), default=0)
    columns = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0  # a pipe gets whole lines
    for info in infos:
        tag = f"  {_TAGS[info.status]:<{tag_width}}" if tagged else ""
        line = f"{info.name:<{width}}{tag}  {_one_line(info)}".rstrip()
        if columns and len(line) > columns:
            line = line[: max(columns - 1, width)] + "…"
        click.echo(line)
    _footer(cat, infos)


def _one_line(info: TypeInfo) -> str:
    if info.status != "unusable":
        return info.summary()
    reason = (
        info.reason.split(": ", 1)[1] if info.reason.startswith("$") and ": " in info.reason else info.reason
    )
    return f"{info.summary()} ({reason})".strip()


def _footer(cat: Catalog, infos: list[TypeInfo]) -> None:
    made = sum(i.status == "synthesized" for i in infos)
    bad = sum(i.status == "unusable" for i in infos)
    notes = []
    if made:
        notes.append(f"{made} with a synthesised example")
    if bad:
        notes.append(f"{bad} unusable")
    if cat.issues and not notes:
        notes.append(f"{len(cat.issues)} problem(s) in the catalog")
    if notes:
        hint = f"`hookdev catalog validate{'' if cat.source == 'bundled sample' else ' ' + cat.source}` lists every problem"
        click.echo(
            f"{len(infos)} event type{'' if len(infos) == 1 else 's'}: {', '.join(notes)}; {hint}", err=True
        )


@catalog.command("show")
@click.argument("event_type", metavar="TYPE")
@catalog_option
@home_option
@json_option
def show(event_type: str, catalog: str | None, strict: bool, home: str | None, as_json: bool) -> None:
    """Show one event type: its description, JSON Schema and example payload (and why it is flagged)."""
    cat = resolve_catalog(catalog, home, strict)
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
    if et.problem is not None:
        click.secho(f"unusable: {et.problem.brief()}", fg="red")
        click.echo("It can still be sent with --data ... --no-validate.")
    if et.synthesized:
        click.secho("example: synthesised from the schema, because:", fg="yellow")
        for note in et.notes:
            click.echo(f"  {note.brief()}")
    if et.schema:
        click.echo("")
        click.secho("schema:", bold=True)
        click.echo(json.dumps(et.schema, indent=2, ensure_ascii=False))
    if et.example is not None:
        click.echo("")
        click.secho("example:" if not et.synthesized else "example (synthesised):", bold=True)
        click.echo(json.dumps(et.example, indent=2, ensure_ascii=False))


@catalog.command("validate")
@click.argument("path", required=False, metavar="[PATH]")
@home_option
@json_option
def validate(path: str | None, home: str | None, as_json: bool) -> None:
    """Check a catalog: parse every file, check each schema, validate each example against its schema.

    Lists every problem (missing or invalid examples, unusable schemas, files that do not parse,
    duplicate names), even those per-type loading works around. PATH defaults to the catalog list and
    show use. Exit status: 0 valid, 1 invalid, 2 PATH not found.
    """
    from hookdev.catalog import CatalogError

    source = find_catalog(None, home) if path is None else find_catalog(path, home)
    target = source.path
    if target is not None and not os.path.exists(Path(target).expanduser()):
        raise HookdevError(f"no such file or directory: {target}")
    label = source.label
    count = 0

    def progress(done: int, total: int) -> None:
        if total >= 50 and sys.stderr.isatty():  # a big document: say how far it got
            click.echo(f"\rchecking {done}/{total} event types…", err=True, nl=done == total)

    try:
        cat = source.load()
        issues = cat.all_issues(progress)
        count = len(cat)
    except CatalogError as e:
        issues = e.issues
    if as_json:
        emit_json(
            {"ok": not issues, "source": label, "count": count, "issues": [i.as_dict() for i in issues]}
        )
        if issues:
            raise click.exceptions.Exit(1)
        return
    if issues:
        for issue in issues:
            click.echo(str(issue))
        n = len(issues)
        raise Failed(f"invalid: {n} problem{'s' if n != 1 else ''} in {label}")
    click.echo(f"ok: {count} event type{'s' if count != 1 else ''}")
