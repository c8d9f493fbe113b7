"""The TAK gateway's bridge, against a real ``marchwarden tak serve`` process, with devices
enrolled through the enrolment endpoint and connected by pytak over TLS.

A Kursk unit's phone and a Belgorod unit's phone: each gets exactly what its account may
see (the same policy as the WebSocket stream); a device's SA moves its unit's AVL
position; a GeoChat to the HQ becomes one field report however often it is sent; a
revoked certificate and a disabled account are cut and refused."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role, Scope
from marchwarden.core.alerts.areas import AreaKind, AreaSpec
from marchwarden.core.alerts.model import (
    AlertContent,
    CapSeverity,
    Category,
    Certainty,
    InfoText,
    Instruction,
    Urgency,
)
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.services import accounts, alerts, forces, incidents, reports, tak_certs, tasks
from tests.conftest import make_settings
from tests.e2e.tak_support import (
    CotClient,
    GatewayProcess,
    at,
    cli,
    enrol,
    event,
    gateway_env,
    sa,
    type_is,
    uid_is,
)
from tests.factories import PASSWORD, make_forces, make_user

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from marchwarden.services.context import Services

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Services, dict[str, int]]]:
    svc = build_services(make_settings(database_url, tmp_path))
    ids = make_forces(svc)
    for key, unit_id in (("krs", ids["krs_bn"]), ("bel", ids["bn2"])):
        path = accounts.unit_path(svc, unit_id)
        make_user(svc, f"{key}-phone", Role.UNIT_COMMANDER, Scope.of_unit(unit_id, path))
    make_user(svc, "bel-ops", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
    make_user(svc, "hq", Role.HQ_COMMANDER, Scope.all())
    forces.report_position(svc, None, ids["krs_bn"], lon=35.9, lat=51.2)
    forces.report_position(svc, None, ids["co2"], lon=35.41, lat=50.46)
    # an incident with an open task before the gateway starts: both in its first picture
    admin = make_user(svc, "setup", Role.ADMIN, Scope.all()).principal()
    opened = incidents.create_incident(
        svc,
        admin,
        incidents.IncidentSpec(
            name="Drone over Shebekino",
            incident_type=IncidentType.DRONE_ATTACK,
            place=IncidentPlace.point(36.9, 50.41),
        ),
    )
    ids["incident"] = opened.incident.id
    ids["task"] = tasks.create_task(
        svc, admin, opened.incident.id, tasks.TaskSpec(title="Find the launch site")
    ).task.id
    yield svc, ids
    svc.db.engine.dispose()


@pytest.fixture
def gateway(world: object, database_url: str, tmp_path: Path) -> Iterator[GatewayProcess]:
    env = gateway_env(database_url, tmp_path, MARCHWARDEN_LOGIN_LOCK_AFTER="4")
    made = cli(env, "tak", "ca", "init")
    assert made.returncode == 0, made.stdout + made.stderr
    gw = GatewayProcess(env, tmp_path / "gateway.log")
    gw.start()
    yield gw
    gw.stop()


def _wait(pred: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_each_device_gets_what_its_account_may_see_and_reports_into_the_picture(
    world: tuple[Services, dict[str, int]], gateway: GatewayProcess, tmp_path: Path
) -> None:
    svc, ids = world
    ca = tmp_path / "tak-ca" / "ca.pem"
    krs_tls = enrol(gateway.ports["enrol"], ca, "krs-phone", PASSWORD, tmp_path / "krs")
    bel_tls = enrol(gateway.ports["enrol"], ca, "bel-phone", PASSWORD, tmp_path / "bel")
    ops_tls = enrol(gateway.ports["enrol"], ca, "bel-ops", PASSWORD, tmp_path / "ops")
    url = f"tls://127.0.0.1:{gateway.ports['tls']}"
    krs_unit, co1, co2 = (f"mw.unit.{ids[k]}" for k in ("krs_bn", "co1", "co2"))
    hq = accounts.login(svc, username="hq", password=PASSWORD, address="test").user.principal()

    async def scenario() -> None:
        krs = await CotClient.pytak(url, **krs_tls)
        bel = await CotClient.pytak(url, **bel_tls)
        ops = await CotClient.pytak(url, **ops_tls)
        anon = await CotClient.pytak(f"tcp://127.0.0.1:{gateway.ports['tcp']}")  # no account
        # the picture on joining: Kursk sees its battalion, Belgorod its battalion's companies
        await krs.wait_for(uid_is(krs_unit))
        await bel.wait_for(uid_is(co2))
        await ops.wait_for(uid_is(co2))
        await ops.wait_for(uid_is(f"mw.incident.{ids['incident']}"))
        task = await ops.wait_for(uid_is(f"mw.task.{ids['task']}"))
        assert "Find the launch site" in (task.findtext("detail/remarks") or "")
        await krs.wait_for(uid_is("marchwarden-hq"))
        # live: a Belgorod position reaches Belgorod only
        await asyncio.to_thread(forces.report_position, svc, None, ids["co2"], lon=35.42, lat=50.47)
        await bel.wait_for(at(co2, "50.4700000"))
        # an incident in Belgorod reaches Belgorod only
        await asyncio.to_thread(
            incidents.create_incident,
            svc,
            hq,
            incidents.IncidentSpec(
                name="Shelling near Grayvoron",
                incident_type=IncidentType.SHELLING,
                place=IncidentPlace.point(35.45, 50.48),
            ),
        )
        first = f"mw.incident.{ids['incident']}"
        inc = await ops.wait_for(
            lambda e: str(e.get("uid")).startswith("mw.incident.") and e.get("uid") != first
        )
        assert "Shelling near Grayvoron" in (inc.findtext("detail/remarks") or "")
        # the Kursk device's SA: its unit's AVL position moves; Belgorod's phone never sees it
        await krs.send(sa("KRS-PHONE-1", "KURSK-1", 51.25, 35.95))
        await bel.send(sa("BEL-PHONE-1", "BELGOROD-1", 50.49, 35.46))
        await krs.wait_for(at(krs_unit, "51.2500000"))
        await ops.wait_for(uid_is("BEL-PHONE-1"))  # a Belgorod device sees another's SA
        # GeoChat to the HQ becomes a field report, once however often it is sent
        chat = (
            '<__chat chatroom="Marchwarden HQ" id="marchwarden-hq" senderCallsign="KURSK-1"/>'
            "<remarks>two armoured vehicles crossing near Tetkino</remarks>"
            '<marti><dest callsign="Marchwarden HQ"/></marti>'
        )
        msg = event(
            "GeoChat.KRS-PHONE-1.marchwarden-hq.m1", "b-t-f", detail=chat, lat=51.26, lon=35.96
        )
        await krs.send(msg)
        await krs.send(msg)
        await bel.settle(1.5)
        await krs.settle(0.2)
        await ops.settle(0.2)
        await anon.settle(0.2)  # a device no account vouches for gets nothing of theirs
        assert not any(u.startswith(("mw.", "KRS", "BEL", "GeoChat")) for u in anon.uids())
        for belgorod in (bel, ops):
            assert not any(u == krs_unit or u.startswith("KRS") for u in belgorod.uids())
        assert co2 not in krs.uids() and co1 not in krs.uids()
        assert not any(u.startswith(("mw.incident.", "mw.task.")) for u in krs.uids())
        assert "BEL-PHONE-1" not in krs.uids()
        for c in (krs, bel, ops, anon):
            await c.close()

    asyncio.run(scenario())
    unit = forces.get_unit(svc, hq, ids["krs_bn"])
    assert (unit.position_lon, unit.position_lat) == (35.95, 51.25)
    taken = [r for r in reports.list_reports(svc, hq, limit=500) if r.source_kind.value == "tak"]
    assert len(taken) == 1
    assert taken[0].text == "two armoured vehicles crossing near Tetkino"
    assert taken[0].position == (35.96, 51.26)


def test_revoked_certificates_and_disabled_accounts_are_cut_and_refused(
    world: tuple[Services, dict[str, int]], gateway: GatewayProcess, tmp_path: Path
) -> None:
    svc, _ = world
    ca = tmp_path / "tak-ca" / "ca.pem"
    krs_tls = enrol(gateway.ports["enrol"], ca, "krs-phone", PASSWORD, tmp_path / "krs")
    bel_tls = enrol(gateway.ports["enrol"], ca, "bel-phone", PASSWORD, tmp_path / "bel")
    url = f"tls://127.0.0.1:{gateway.ports['tls']}"

    async def scenario() -> None:
        krs = await CotClient.pytak(url, **krs_tls)
        bel = await CotClient.pytak(url, **bel_tls)
        await krs.wait_for(type_is("t-x-takp-v"))
        await bel.wait_for(type_is("t-x-takp-v"))
        serial = tak_certs.certificates_of(svc, "krs-phone")[0].serial
        await asyncio.to_thread(tak_certs.revoke, svc, None, serial, "phone lost")
        assert await krs.closed_by_server(10)
        again = await CotClient.pytak(url, **krs_tls)
        assert await again.closed_by_server(10)
        await asyncio.to_thread(accounts.disable_user, svc, None, "bel-phone")
        assert await bel.closed_by_server(10)
        again = await CotClient.pytak(url, **bel_tls)
        assert await again.closed_by_server(10)

    asyncio.run(scenario())
    assert "refused" in gateway.log()


def test_enrolment_refuses_wrong_passwords_and_locks_out_like_the_web_sign_in(
    world: object, gateway: GatewayProcess, tmp_path: Path
) -> None:
    import ssl

    ctx = ssl.create_default_context(cafile=str(tmp_path / "tak-ca" / "ca.pem"))
    base = f"https://127.0.0.1:{gateway.ports['enrol']}/Marti/api/tls/signClient/v2"
    with httpx.Client(verify=ctx, timeout=30) as http:
        assert http.post(base, content=b"x").status_code == 401  # no credentials
        bad_csr = http.post(base, content=b"not a csr", auth=("hq", PASSWORD))
        assert bad_csr.status_code == 400 and "CSR" in bad_csr.json()["detail"]
        statuses = [
            http.post(base, content=b"csr", auth=("krs-phone", "wrong-password-1")).status_code
            for _ in range(6)
        ]
        assert statuses[0] == 401 and statuses[-1] == 429
        # locked per address too, as the web sign-in: even a right password waits
        locked = http.post(base, content=b"csr", auth=("hq", PASSWORD))
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert tak_certs.certificates_of(svc_of(world), "krs-phone") == []
    assert tak_certs.certificates_of(svc_of(world), "hq") == []


def svc_of(world: object) -> Services:
    return world[0]  # type: ignore[index,no-any-return]


def test_a_data_package_from_the_cli_connects_its_account(
    world: tuple[Services, dict[str, int]], gateway: GatewayProcess, tmp_path: Path
) -> None:
    import re
    import zipfile

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    out = tmp_path / "krs.zip"
    made = cli(
        gateway.env,
        "tak",
        "package",
        "krs-phone",
        "--host",
        "127.0.0.1",
        "--port",
        str(gateway.ports["tls"]),
        "--out",
        str(out),
    )
    assert made.returncode == 0, made.stdout + made.stderr
    password = re.search(r"certificate password: (\S+)", made.stdout)
    assert password is not None
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {"MANIFEST/manifest.xml", "certs/marchwarden.pref"} <= names
        pref = z.read("certs/marchwarden.pref").decode()
        assert f"127.0.0.1:{gateway.ports['tls']}:ssl" in pref
        key, cert, cas = pkcs12.load_key_and_certificates(
            z.read("certs/marchwarden-client.p12"), password.group(1).encode()
        )
        trust = z.read("certs/truststore-marchwarden.p12")
    assert key is not None and cert is not None and len(cas) == 1 and trust
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "c.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    tls = {
        "PYTAK_TLS_CLIENT_CERT": str(tmp_path / "c.pem"),
        "PYTAK_TLS_CLIENT_KEY": str(tmp_path / "c.key"),
        "PYTAK_TLS_CLIENT_CAFILE": str(tmp_path / "tak-ca" / "ca.pem"),
        "PYTAK_TLS_SERVER_EXPECTED_HOSTNAME": "localhost",
    }
    svc, ids = world

    async def scenario() -> None:
        phone = await CotClient.pytak(f"tls://127.0.0.1:{gateway.ports['tls']}", **tls)
        await phone.wait_for(uid_is(f"mw.unit.{ids['krs_bn']}"))
        await phone.close()

    asyncio.run(scenario())
    assert [c.serial for c in tak_certs.certificates_of(svc, "krs-phone")] == [
        format(cert.serial_number, "x")
    ]


def test_a_published_alert_is_a_shape_for_who_may_read_it_and_its_cancel_makes_it_stale(
    world: tuple[Services, dict[str, int]], gateway: GatewayProcess, tmp_path: Path
) -> None:
    svc, _ = world
    ca = tmp_path / "tak-ca" / "ca.pem"
    krs_tls = enrol(gateway.ports["enrol"], ca, "krs-phone", PASSWORD, tmp_path / "krs")
    ops_tls = enrol(gateway.ports["enrol"], ca, "bel-ops", PASSWORD, tmp_path / "ops")
    url = f"tls://127.0.0.1:{gateway.ports['tls']}"
    hq = accounts.login(svc, username="hq", password=PASSWORD, address="test").user.principal()
    ring = ((35.55, 50.42), (35.75, 50.42), (35.75, 50.52), (35.55, 50.52), (35.55, 50.42))
    content = AlertContent(
        event="Incursion",
        category=Category.SECURITY,
        urgency=Urgency.IMMEDIATE,
        severity=CapSeverity.MODERATE,
        certainty=Certainty.OBSERVED,
        instruction=Instruction.SHELTER_IN_PLACE,
        texts=(InfoText("en", "Take shelter near Grayvoron", "", ""),),
        area=AreaSpec(AreaKind.POLYGON, ring=ring),
        expires=datetime.now(UTC) + timedelta(hours=6),
    )

    def publish() -> int:
        drafted = alerts.draft(svc, hq, content).alert.id
        alerts.approve(svc, hq, drafted)
        alerts.publish(svc, hq, drafted)
        return drafted

    async def scenario() -> None:
        krs = await CotClient.pytak(url, **krs_tls)
        ops = await CotClient.pytak(url, **ops_tls)
        await ops.wait_for(uid_is("marchwarden-hq"))
        await krs.wait_for(uid_is("marchwarden-hq"))
        alert_id = await asyncio.to_thread(publish)
        uid = f"mw.alert.{alert_id}.0"
        shape = await ops.wait_for(uid_is(uid), timeout=10)
        assert shape.get("type") == "u-d-f"
        points = [link.get("point") for link in shape.iterfind("detail/link")]
        assert points[0] == "50.4200000,35.5500000" and len(points) == 5
        assert "Take shelter near Grayvoron" in (shape.findtext("detail/remarks") or "")
        assert shape.get("stale", "") > shape.get("time", "")
        await asyncio.to_thread(alerts.cancel, svc, hq, alert_id)
        stale = await ops.wait_for(
            lambda e: e.get("uid") == uid and e.get("stale") == e.get("time"), timeout=10
        )
        assert stale.get("type") == "u-d-f"
        await ops.wait_for(uid_is(f"{uid}.delete"))
        await krs.settle(0.5)  # a Kursk phone may not read a Belgorod alert
        assert not any(u.startswith("mw.alert.") for u in krs.uids())
        for c in (krs, ops):
            await c.close()

    asyncio.run(scenario())
