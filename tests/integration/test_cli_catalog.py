"""``hookdev catalog list|show|validate`` through click's CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import hookdev
from hookdev.catalog import load_catalog
from hookdev.cli import main
from hookdev.workspace import Workspace

ROOT = Path(hookdev.__file__).resolve().parent.parent

GOOD = {
    "name": "order.paid",
    "description": "An order was paid.\nSecond line.",
    "schema": {
        "type": "object",
        "required": ["type", "data"],
        "properties": {"type": {"const": "order.paid"}, "data": {"type": "object"}},
    },
    "example": {"type": "order.paid", "data": {"amount": 5}},
}


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory (no hookdev.toml, no .hookdev) with no HOOKDEV_HOME set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOOKDEV_HOME", raising=False)
    return tmp_path


@pytest.fixture
def user_catalog(here: Path) -> Path:
    d = here / "events"
    d.mkdir()
    (d / "order.paid.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (d / "more.yaml").write_text(
        "- name: order.refunded\n  description: Money went back.\n  schema: {type: object}\n"
        "  example: {type: order.refunded}\n",
        encoding="utf-8",
    )
    return d


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["catalog", *args], catch_exceptions=False)


class TestList:
    def test_bundled_sample_table(self, here: Path) -> None:
        result = run("list")
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert len(lines) == len(load_catalog()) >= 8
        width = max(len(n) for n in load_catalog().names())
        assert lines[0] == f"{'code.created':<{width}}  A QR code was created in a workspace."
        assert not (here / ".hookdev").exists(), "listing must not create a workspace"

    def test_json(self, user_catalog: Path) -> None:
        result = run("list", "--json", "--catalog", str(user_catalog))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == [
            {
                "name": "order.paid",
                "description": GOOD["description"],
                "source": str(user_catalog / "order.paid.json"),
                "status": "ok",
                "reason": "",
            },
            {
                "name": "order.refunded",
                "description": "Money went back.",
                "source": str(user_catalog / "more.yaml"),
                "status": "ok",
                "reason": "",
            },
        ]

    def test_table_shows_first_description_line(self, user_catalog: Path) -> None:
        result = run("list", "--catalog", str(user_catalog))
        assert result.stdout.splitlines() == [
            "order.paid      An order was paid.",
            "order.refunded  Money went back.",
        ]

    def test_missing_and_invalid_catalogs_are_one_line_errors(self, here: Path) -> None:
        result = run("list", "--catalog", "nope")
        assert (result.exit_code, result.stderr) == (2, "Error: catalog not found: nope\n")
        (here / "bad").mkdir()
        (here / "bad" / "x.json").write_text('{"name": "a",', encoding="utf-8")
        result = run("list", "--catalog", "bad")
        assert result.exit_code == 2
        assert result.stderr == (
            "Error: catalog bad is invalid (1 problem; run `hookdev catalog validate bad` for all of them): "
            f"{os.path.join('bad', 'x.json')}: invalid JSON at line 1 column 14: Expecting property name enclosed in "
            "double quotes\n"
        )


class TestResolution:
    def test_workspace_setting(self, here: Path, user_catalog: Path) -> None:
        ws = Workspace(here / "home")
        ws.store.set_setting("catalog", str(user_catalog))
        ws.close()
        result = run("list", "--json", "--home", str(here / "home"))
        assert [t["name"] for t in json.loads(result.stdout)] == ["order.paid", "order.refunded"]
        result = run(
            "list", "--json", "--home", str(here / "home"), "--catalog", str(user_catalog / "more.yaml")
        )
        assert [t["name"] for t in json.loads(result.stdout)] == ["order.refunded"]

    def test_missing_home_is_not_created(self, here: Path) -> None:
        result = run("list", "--json", "--home", str(here / "no-home"))
        assert len(json.loads(result.stdout)) == len(load_catalog())
        assert not (here / "no-home").exists()

    def test_hookdev_toml_catalog(self, here: Path, user_catalog: Path) -> None:
        (here / "hookdev.toml").write_text('catalog = "events/more.yaml"\n', encoding="utf-8")
        result = run("list", "--json")
        assert [t["name"] for t in json.loads(result.stdout)] == ["order.refunded"]


class TestShow:
    def test_text(self, here: Path) -> None:
        result = run("show", "code.scanned")
        assert result.exit_code == 0, result.output
        et = load_catalog().get("code.scanned")
        out = result.stdout
        assert out.startswith(f"code.scanned\n{et.description}\nsource: {et.source}\n\nschema:\n")
        assert json.dumps(et.example, indent=2, ensure_ascii=False) in out
        assert json.dumps(et.schema, indent=2, ensure_ascii=False) in out

    def test_json(self, user_catalog: Path) -> None:
        result = run("show", "order.paid", "--json", "--catalog", str(user_catalog))
        assert json.loads(result.stdout) == {
            **GOOD,
            "source": str(user_catalog / "order.paid.json"),
            "status": "ok",
            "synthesized": False,
            "notes": [],
            "problem": None,
        }

    def test_unknown_type_suggests(self, here: Path) -> None:
        result = run("show", "code.scaned")
        assert result.exit_code == 2
        assert result.stderr == (
            'Error: unknown event type "code.scaned" in the bundled sample catalog; did you mean code.scanned?\n'
        )


class TestValidate:
    def test_ok(self, user_catalog: Path) -> None:
        result = run("validate", str(user_catalog))
        assert (result.exit_code, result.stdout) == (0, "ok: 2 event types\n")
        result = run("validate", str(user_catalog / "more.yaml"))
        assert (result.exit_code, result.stdout) == (0, "ok: 1 event type\n")

    def test_default_is_the_bundled_sample(self, here: Path) -> None:
        result = run("validate")
        assert (result.exit_code, result.stdout) == (0, f"ok: {len(load_catalog())} event types\n")

    def test_invalid_lists_every_problem_and_exits_1(self, user_catalog: Path) -> None:
        bad: dict[str, Any] = {**GOOD, "example": {"type": "order.paid", "data": []}}
        (user_catalog / "order.paid.json").write_text(json.dumps(bad), encoding="utf-8")
        (user_catalog / "zz.yaml").write_text(
            "name: x\nschema: {type: nope}\n  example: {}\n", encoding="utf-8"
        )
        result = run("validate", "events")
        assert result.exit_code == 1
        assert result.stdout.splitlines() == [
            f'{os.path.join("events", "order.paid.json")}: example at $.data: [] is not of type "object"',
            f"{os.path.join('events', 'zz.yaml')}: invalid YAML at line 3 column 3: expected <block end>, "
            "but found '<block mapping start>' (while parsing a block mapping)",
        ]
        assert result.stderr == "invalid: 2 problems in events\n"

        result = run("validate", "events", "--json")
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        assert (report["ok"], report["count"], report["source"]) == (
            False,
            2,
            "events",
        )  # both types load (one synthesised)
        assert report["issues"][0] == {
            "file": os.path.join("events", "order.paid.json"),
            "path": "$.data",
            "subject": "example",
            "message": '[] is not of type "object"',
        }

    def test_missing_path_exits_2(self, here: Path) -> None:
        result = run("validate", "nope")
        assert (result.exit_code, result.stderr) == (2, "Error: no such file or directory: nope\n")

    def test_json_ok(self, user_catalog: Path) -> None:
        result = run("validate", str(user_catalog), "--json")
        assert json.loads(result.stdout) == {
            "ok": True,
            "source": str(user_catalog),
            "count": 2,
            "issues": [],
        }


def test_real_subprocess(user_catalog: Path, here: Path) -> None:
    """The installed entry point path: ``python -m hookdev`` in a fresh interpreter."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("HOOKDEV_HOME", None)

    def hookdev(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hookdev", "catalog", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=here,
            env=env,
        )

    done = hookdev("list", "--json", "--catalog", str(user_catalog))
    assert done.returncode == 0, done.stderr
    assert [t["name"] for t in json.loads(done.stdout)] == ["order.paid", "order.refunded"]
    assert hookdev("validate", str(user_catalog)).returncode == 0
    (user_catalog / "broken.json").write_text("{", encoding="utf-8")
    assert hookdev("validate", str(user_catalog)).returncode == 1
    missing = hookdev("validate", str(here / "missing"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"Error: no such file or directory: {here / 'missing'}"
    assert "Traceback" not in missing.stderr


def test_strict_from_the_flag_and_from_hookdev_toml(here: Path, user_catalog: Path) -> None:
    """Per type by default; --strict or strict = true in hookdev.toml refuse a catalog with a problem."""
    (user_catalog / "order.paid.json").write_text(
        json.dumps({**GOOD, "example": {"type": 1}}), encoding="utf-8"
    )
    result = run("list", "--catalog", str(user_catalog))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split()[:2] == ["order.paid", "[synthesised]"]
    assert "1 with a synthesised example" in result.stderr
    result = run("list", "--catalog", str(user_catalog), "--strict")
    assert result.exit_code == 2
    assert "is invalid (2 problems;" in result.stderr and "example at $" in result.stderr
    (here / "hookdev.toml").write_text(f'catalog = "{user_catalog}"\nstrict = true\n', encoding="utf-8")
    result = run("show", "order.refunded")
    assert result.exit_code == 2 and "is invalid (2 problems;" in result.stderr
    (here / "hookdev.toml").write_text(f'catalog = "{user_catalog}"\nstrict = false\n', encoding="utf-8")
    assert run("show", "order.refunded").exit_code == 0


def test_engine_settings_carry_strict(here: Path, user_catalog: Path) -> None:
    from hookdev.config import load_config
    from hookdev.settings import Layers, resolve

    (here / "hookdev.toml").write_text(f'catalog = "{user_catalog}"\nstrict = true\n', encoding="utf-8")
    settings = resolve(Layers().with_file(load_config(here / "hookdev.toml")))
    assert settings.strict is True and settings.catalog == str(user_catalog)
    (here / "hookdev.toml").write_text("strict = 3\n", encoding="utf-8")
    with pytest.raises(Exception, match="strict"):
        load_config(here / "hookdev.toml")


def test_list_and_show_explain_flagged_types(here: Path) -> None:
    from tests.unit.test_catalog_per_type import document

    path = here / "api.json"
    path.write_text(json.dumps(document()), encoding="utf-8")
    result = run("list", "--catalog", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "org.created  [synthesised]  An organisation was created",
        'org.deleted  [unusable]     (cannot resolve $ref "#/components/schemas/Gone": "Gone" not found)',
        "org.nulled",
        "org.renamed  [synthesised]  An organisation got a new name",
    ]
    assert result.stderr.startswith("4 event types: 2 with a synthesised example, 1 unusable;")
    shown = run("show", "org.renamed", "--catalog", str(path)).stdout
    assert "example: synthesised from the schema, because:" in shown
    assert 'org.renamed example at $.org: "env_123" does not match "^org_[A-Za-z0-9]{27}$"' in shown
    assert "example (synthesised):" in shown
    shown = run("show", "org.deleted", "--catalog", str(path)).stdout
    assert "unusable: $.webhooks['org.deleted']: cannot resolve" in shown and "--no-validate" in shown
    assert "schema:" not in shown
    report = json.loads(run("validate", str(path), "--json").stdout)
    assert (report["ok"], report["count"], len(report["issues"])) == (False, 4, 3)


def test_the_footer_counts_one_type_in_the_singular(here: Path) -> None:
    path = here / "one.json"
    path.write_text(json.dumps({"name": "only.one", "schema": {"type": "object"}}), encoding="utf-8")
    result = run("list", "--catalog", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("1 event type: 1 with a synthesised example;")


class TestListAgreesWithShow:
    """``catalog list`` never calls a type synthesised that ``catalog show`` calls unusable."""

    TYPES: list[dict[str, Any]] = [
        {"name": "a.string", "description": "A string", "schema": {"type": "string"}},
        {"name": "b.number", "description": "Not a schema", "schema": 5},
        {"name": "c.nothing", "description": "Accepts nothing", "schema": False},
        {
            "name": "d.impossible",  # an object, but its required property accepts nothing
            "description": "Impossible",
            "schema": {"type": "object", "required": ["a"], "properties": {"a": False}},
        },
        {"name": "e.enum", "description": "Enum of strings", "schema": {"enum": ["x", "y"]}},
        {"name": "f.fine", "description": "Fine", "schema": {"type": "object"}},
        {
            "name": "g.branches",  # every branch of its anyOf leaves objects out
            "description": "Branches",
            "schema": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        {
            "name": "h.either",  # one branch may be an object: synthesised
            "description": "Either",
            "schema": {"oneOf": [{"type": "string"}, {"type": "object"}]},
        },
    ]

    def _statuses(self, path: Path) -> tuple[dict[str, str], dict[str, str]]:
        listed = {
            t["name"]: t["status"] for t in json.loads(run("list", "--json", "--catalog", str(path)).stdout)
        }
        shown = {
            name: json.loads(run("show", name, "--json", "--catalog", str(path)).stdout)["status"]
            for name in listed
        }
        return listed, shown

    def test_a_small_catalog_is_exact(self, here: Path) -> None:
        path = here / "types.json"
        path.write_text(json.dumps(self.TYPES), encoding="utf-8")
        listed, shown = self._statuses(path)
        assert listed == shown
        assert listed == {
            "a.string": "unusable",
            "b.number": "unusable",
            "c.nothing": "unusable",
            "d.impossible": "unusable",
            "e.enum": "unusable",
            "f.fine": "synthesized",
            "g.branches": "unusable",
            "h.either": "synthesized",
        }
        text = run("list", "--catalog", str(path)).stdout
        assert (
            "a.string      [unusable]     A string (a.string schema: a payload must be a JSON object" in text
        )

    def test_a_big_document_lists_a_non_object_schema_as_unusable_without_building_all(
        self, here: Path
    ) -> None:
        from hookdev.catalog import load_catalog

        padding = {"x-padding": "p" * (70 * 1024)}  # above the size where types are built when used
        path = here / "big.json"
        types = [{**self.TYPES[0], **padding}, *self.TYPES[1:]]
        path.write_text(json.dumps(types), encoding="utf-8")
        cat = load_catalog(path)
        assert cat.entries["f.fine"].built is None  # a big document still builds its types lazily
        listed, shown = self._statuses(path)
        for name in ("a.string", "b.number", "c.nothing", "e.enum", "g.branches"):
            assert listed[name] == shown[name] == "unusable", name
        for name in ("f.fine", "h.either"):
            assert listed[name] == shown[name] == "synthesized", name

    def test_a_big_openapi_document_follows_the_top_ref(self, here: Path) -> None:
        hooks = {
            name: {
                "post": {
                    "summary": name,
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": ref}}}},
                }
            }
            for name, ref in (("s.string", "#/components/schemas/S"), ("o.object", "#/components/schemas/O"))
        }
        doc = {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1", "description": "d" * (70 * 1024)},
            "webhooks": hooks,
            "components": {"schemas": {"S": {"type": "string"}, "O": {"type": "object"}}},
        }
        path = here / "api.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        listed, shown = self._statuses(path)
        assert listed == shown == {"o.object": "synthesized", "s.string": "unusable"}
