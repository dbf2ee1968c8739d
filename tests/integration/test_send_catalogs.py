"""Real-world catalogs end to end: every loaded type is sendable, and its delivery verifies with the
independent `svix` package; ``send --set/--set-str/--unset``, ``--vary --seed`` and ``--data
--no-validate`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hookdev.catalog import load_catalog
from hookdev.sender import Sender, SenderError
from hookdev.workspace import Workspace
from tests.integration.sender_support import deliver, invoke
from tests.unit.test_catalog_per_type import big_document, document, write

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
async def consumers():
    from tests.integration.sender_support import consumer_pool

    async with consumer_pool() as make:
        yield make


def documents(tmp: Path) -> dict[str, Path]:
    return {
        "oai": DATA / "oai-webhook-example.yaml",
        "svix": DATA / "svix-webhooks-openapi.json",
        "asyncapi": DATA / "asyncapi-streetlights-kafka.yml",
        "written": write(tmp / "written.json", document()),
        "big": write(tmp / "big.json", big_document(250)),
    }


async def test_every_loaded_type_is_sendable_and_verifies_with_svix(
    workspace: Workspace, consumers: Any, tmp_path: Path
) -> None:
    consumer = await consumers()
    for label, path in documents(tmp_path).items():
        cat = load_catalog(path)
        sender = Sender(workspace, catalog=cat)
        endpoint = sender.add_endpoint(consumer.url, description=label)
        consumer.secrets = [endpoint.secret]
        consumer.requests.clear()
        names = [i.name for i in cat.infos() if i.status != "unusable"]
        if label == "big":
            names = names[::25]  # ten of the 250 are enough here; the unit tests check every example
        sent: dict[str, bytes] = {}
        for name in names:
            message = sender.send(name, endpoints=[endpoint.id]).messages[0]
            sent[message.id] = message.payload
        await deliver(workspace, message_ids=set(sent))
        got = {r.webhook_id: r for r in consumer.requests}
        assert set(got) == set(sent), label
        for mid, body in sent.items():
            assert got[mid].body == body
            assert got[mid].verified_with == [endpoint.secret], (label, mid)
        for bad in (i.name for i in cat.infos() if i.status == "unusable"):
            with pytest.raises(SenderError, match="--data"):
                sender.send(bad, endpoints=[endpoint.id])
            # --data with validation off works for any type, even an unusable one
            forced = sender.send(bad, b'{"anything": true}', endpoints=[endpoint.id], validate=False)
            assert forced.messages[0].payload == b'{"anything": true}'
        sender.delete_endpoint(endpoint.id, force=True)


def body_of(workspace: Workspace, out: bytes) -> list[Any]:
    doc = json.loads(out)
    messages = doc["messages"] if "messages" in doc else [doc]
    return [json.loads(workspace.store.find_message(m["message_id"]).payload) for m in messages]


async def test_set_unset_and_validation_through_the_cli(workspace: Workspace) -> None:
    home = workspace.home
    code, out, err = await invoke(
        "send", "code.scanned", "--json", "--endpoint", "ep_local",
        "--set", "data.scan_count=42", "--set", "data.device.os=ios", "--set", "data.tags=[\"a\", \"b\"]",
        "--set-str", "data.code_name=007", "--unset", "data.location",
        "--set", "data.note.deep[0]=x", "--no-validate",
        home=home,
    )  # fmt: skip
    assert code == 0, err
    (payload,) = body_of(workspace, out)
    assert payload["data"]["scan_count"] == 42
    assert payload["data"]["device"]["os"] == "ios"
    assert payload["data"]["tags"] == ["a", "b"]
    assert payload["data"]["code_name"] == "007"
    assert "location" not in payload["data"]
    assert payload["data"]["note"] == {"deep": ["x"]}

    code, out, err = await invoke("send", "code.scanned", "--set", "data.scan_count=oops", home=home)
    assert code == 2
    assert b'$.data.scan_count: "oops" is not of type "integer"' in err
    assert b"(--no-validate sends it anyway)" in err

    code, out, err = await invoke(
        "send", "code.scanned", "--json", "--endpoint", "ep_local", "--no-validate",
        "--unset", "data.device", "--set", "data.device.os=ios", "--set-str", "data.device.type=1", "--set", "data.device.type=2",
        home=home,
    )  # fmt: skip
    assert code == 0, err
    assert body_of(workspace, out)[0]["data"]["device"] == {"os": "ios", "type": 2}  # in command-line order

    code, out, err = await invoke("send", "code.scanned", "--unset", "data.nothing", home=home)
    assert (code, err.strip()) == (2, b"Error: nothing to unset at $.data.nothing")
    code, out, err = await invoke("send", "code.scanned", "--set", "data..x=1", home=home)
    assert code == 2 and b"cannot read the path" in err
    code, out, err = await invoke("send", "code.scanned", "--set", "data.x", home=home)
    assert code == 2 and b"needs PATH=VALUE" in err

    data = json.dumps(load_catalog().get("code.scanned").example)
    code, out, err = await invoke(
        "send",
        "code.scanned",
        "--json",
        "--endpoint",
        "ep_local",
        "--data",
        data,
        "--set",
        "data.scan_count=5",
        home=home,
    )
    assert code == 0, err
    assert body_of(workspace, out)[0]["data"]["scan_count"] == 5


async def test_vary_gives_fresh_valid_payloads_and_follows_the_seed(workspace: Workspace) -> None:
    home = workspace.home
    runs = []
    for _ in range(2):
        code, out, err = await invoke(
            "send", "code.scanned", "--json", "--endpoint", "ep_local", "--vary", "--count", "4", "--seed", "7",
            "--set", "data.device.os=android",
            home=home,
        )  # fmt: skip
        assert code == 0, err
        runs.append(body_of(workspace, out))
    assert runs[0] == runs[1]  # the same seed, the same payloads
    payloads = runs[0]
    assert len({p["data"]["scan_id"] for p in payloads}) == 4  # fresh ids
    assert {p["data"]["device"]["os"] for p in payloads} == {"android"}  # --set on top of --vary
    code, out, err = await invoke(
        "send", "code.scanned", "--json", "--endpoint", "ep_local", "--vary", "--count", "2", home=home
    )
    assert code == 0, err
    assert body_of(workspace, out)[0] != payloads[0]
    code, out, err = await invoke("send", "code.scanned", "--vary", "--data", "{}", home=home)
    assert code == 2 and b"--vary" in err


async def test_data_no_validate_works_without_an_example(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "api.json", document())
    home = workspace.home
    code, out, err = await invoke(
        "send", "org.deleted", "--catalog", str(path), "--json", "--endpoint", "ep_local",
        "--data", '{"type": "org.deleted"}', "--no-validate",
        home=home,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = await invoke("send", "org.deleted", "--catalog", str(path), home=home)
    assert code == 2 and b"has no usable example" in err
    code, out, err = await invoke(
        "send", "org.created", "--catalog", str(path), "--json", "--endpoint", "ep_local", home=home
    )
    assert code == 0, err  # no example in the document: the synthesised one is sent
    code, out, err = await invoke("send", "org.created", "--catalog", str(path), "--strict", home=home)
    assert code == 2 and b"cannot load the event catalog" in err and b"(and 2 more problems)" in err
