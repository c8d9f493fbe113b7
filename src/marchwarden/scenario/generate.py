"""Generate the demo forces of the border-raid scenario (docs: shared/design/scenario.md).

:func:`generate` is deterministic: the same ``seed`` and ``as_of`` give equal data. It
is pure apart from reading the bundled geodata through :mod:`marchwarden.geodata`
(cached), and needs no database or network.

What it produces, per border region (Belgorod RU-BEL, Kursk RU-KRS, Bryansk RU-BRY):

* a volunteer self-defence agency: in Belgorod seven battalions of almost 3,000
  members, each of 3–4 companies of 2–4 platoons, based at real settlements of the
  border districts (within 40 km of the state border); in Kursk and Bryansk two smaller
  battalions each. Members train since the previous November: most have basic training,
  a good part the self-defence programme; a minority hold firearms, first-aid, driver,
  medic or drone-operator qualifications, some of them expired; some fitness findings
  have expired;
* a border service (a detachment and outposts along the border; the Belgorod outposts
  with a registered roster), a national guard, a police and an emergency (civil
  protection) service, each with a few units and a declared strength;
* army units of one army agency: a garrison with battalions and a company, and a reserve.

The 2nd Belgorod battalion (Grayvoron district, where the scenario's raid comes) is under an
activation order from six days before ``as_of``; a Kursk battalion had one that expired.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from marchwarden import geodata
from marchwarden.core.access.model import Role, ScopeKind
from marchwarden.core.authority.demo_law import VOLUNTEERS, demo_law
from marchwarden.core.authority.model import (
    ActivationOrder,
    FitnessRecord,
    MemberFacts,
    QualificationRecord,
    TrainingRecord,
    UnitFacts,
    UnitTree,
    utc_day,
)
from marchwarden.core.clock import ensure_utc
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.forces.strength import stand_ins
from marchwarden.scenario.model import (
    ActivationOrderSpec,
    AgencySpec,
    FitnessSpec,
    MemberSpec,
    QualificationSpec,
    ScenarioData,
    ScenarioSummary,
    TrainingSpec,
    UnitSpec,
    UserSpec,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from marchwarden.core.geo.model import Settlement

DEFAULT_SEED = 2024

#: The three border regions, in the order they are generated.
REGIONS: tuple[str, ...] = ("RU-BEL", "RU-KRS", "RU-BRY")
REGION_SHORT: dict[str, str] = {"RU-BEL": "BEL", "RU-KRS": "KRS", "RU-BRY": "BRY"}
REGION_NAME: dict[str, str] = {"RU-BEL": "Belgorod", "RU-KRS": "Kursk", "RU-BRY": "Bryansk"}
CAPITAL: dict[str, str] = {"RU-BEL": "Belgorod", "RU-KRS": "Kursk", "RU-BRY": "Bryansk"}

#: Volunteer bases lie at settlements this close to the state border.
VOLUNTEER_BORDER_KM = 40.0

#: Belgorod's volunteer total is drawn from this range (inclusive): "almost 3,000".
BELGOROD_VOLUNTEERS = (2900, 2990)
#: Kursk and Bryansk: two battalions of a few hundred members in all.
SMALL_REGION_VOLUNTEERS: dict[str, tuple[int, int]] = {
    "RU-KRS": (380, 520),
    "RU-BRY": (320, 460),
}

#: Per region, the volunteer battalions in order: (district, settlements of its bases).
#: The battalion's headquarters is at the first settlement; companies take them in turn.
VOLUNTEER_DISTRICTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "RU-BEL": (
        ("Krasnaya Yaruga", ("Krasnaya Yaruga", "Proletarskiy", "Rakitnoye")),
        ("Grayvoron", ("Grayvoron", "Kozinka", "Golovchino")),
        ("Borisovka", ("Borisovka", "Tomarovka", "Bessonovka")),
        ("Belgorod", ("Oktyabr’skiy", "Mayskiy", "Razumnoye", "Belgorod")),
        ("Shebekino", ("Shebekino", "Novaya Tavolzhanka", "Maslova Pristan’")),
        ("Valuyki", ("Valuyki", "Urazovo", "Volokonovka", "Pyatnitskoye")),
        ("Roven’ki", ("Roven’ki", "Veydelevka")),
    ),
    "RU-KRS": (
        ("Sudzha", ("Sudzha", "Guyevo", "Belaya", "Bol’shoye Soldatskoye")),
        ("Glushkovo", ("Glushkovo", "Tëtkino", "Popovo-Lezhachi", "Korenevo")),
    ),
    "RU-BRY": (
        ("Klimovo", ("Klimovo", "Novyy Ropsk", "Sachkovichi", "Churovichi")),
        ("Suzëmka", ("Suzëmka", "Seredyna-Buda", "Sevsk", "Belaya Berëzka")),
    ),
}

#: The activated battalion (scenario: "2nd Battalion activated"), and its order's age.
ACTIVATED_BATTALION = "BEL-VSD-2BN"
ACTIVATED_DAYS_BEFORE = 6

_S = UnitStatus

# ------------------------------------------------------------------------ name lists

_MALE_GIVEN = (
    "Aleksandr", "Aleksey", "Anatoliy", "Andrey", "Anton", "Arkadiy", "Artyom", "Boris",
    "Daniil", "Denis", "Dmitriy", "Eduard", "Fyodor", "Gennadiy", "Georgiy", "Grigoriy",
    "Igor", "Ilya", "Ivan", "Kirill", "Konstantin", "Leonid", "Maksim", "Matvey", "Mikhail",
    "Nikita", "Nikolay", "Oleg", "Pavel", "Pyotr", "Roman", "Ruslan", "Semyon", "Sergey",
    "Stanislav", "Stepan", "Timofey", "Vadim", "Valentin", "Valeriy", "Vasiliy", "Viktor",
    "Vitaliy", "Vladimir", "Vladislav", "Vyacheslav", "Yaroslav", "Yegor", "Yevgeniy", "Yuriy",
)  # fmt: skip
_FEMALE_GIVEN = (
    "Alyona", "Anastasiya", "Anna", "Darya", "Galina", "Irina", "Kseniya", "Larisa",
    "Lyudmila", "Mariya", "Marina", "Nadezhda", "Natalya", "Oksana", "Olga", "Polina",
    "Sofiya", "Svetlana", "Tatyana", "Valentina", "Vera", "Viktoriya", "Yekaterina",
    "Yelena", "Yuliya",
)  # fmt: skip
#: Family names in their masculine form; :func:`_feminine` gives the feminine one.
_FAMILY = (
    "Abramov", "Afanasyev", "Akimov", "Aleksandrov", "Alekseyev", "Andreyev", "Anisimov",
    "Antonov", "Arkhipov", "Baranov", "Belousov", "Belov", "Belyayev", "Biryukov",
    "Bogdanov", "Bondarenko", "Borisov", "Boyko", "Bykov", "Chernov", "Chernyshov",
    "Danilov", "Davydov", "Denisov", "Dmitriyev", "Fedotov", "Filatov", "Filippov", "Fomin",
    "Frolov", "Fyodorov", "Galkin", "Gavrilov", "Gerasimov", "Golubev", "Goncharov",
    "Gorbunov", "Grachyov", "Grigoryev", "Grishin", "Gromov", "Gusev", "Ilyin", "Isayev",
    "Ivanov", "Kalinin", "Karpov", "Kazakov", "Kharitonov", "Kirillov", "Kiselyov",
    "Klimov", "Knyazev", "Kolesnikov", "Komarov", "Kondratyev", "Konovalov", "Korolyov",
    "Kotov", "Kovalenko", "Kovalyov", "Kozlov", "Kravchenko", "Krylov", "Kudryavtsev",
    "Kulikov", "Kuzmin", "Kuznetsov", "Lazarev", "Lebedev", "Leonov", "Litvinov",
    "Lukyanov", "Makarov", "Maksimov", "Malyshev", "Markov", "Martynov", "Maslov",
    "Matveyev", "Medvedev", "Melnikov", "Mikhaylov", "Mironov", "Mitrofanov", "Moiseyev",
    "Morozov", "Naumov", "Nazarov", "Nesterov", "Nikiforov", "Nikitin", "Nikolayev",
    "Novikov", "Orlov", "Osipov", "Ovchinnikov", "Panov", "Pavlov", "Petrov", "Polyakov",
    "Ponomaryov", "Popov", "Potapov", "Prokhorov", "Rodionov", "Romanov", "Rumyantsev",
    "Savelyev", "Semyonov", "Sergeyev", "Shcherbakov", "Shevchenko", "Sidorov", "Simonov",
    "Skvortsov", "Smirnov", "Sobolev", "Sokolov", "Sokolovskiy", "Solovyov", "Sorokin",
    "Stepanov", "Tarasov", "Tikhomirov", "Tikhonov", "Timofeyev", "Titov", "Tkachenko",
    "Trofimov", "Tsvetkov", "Vasilyev", "Vinogradov", "Vlasov", "Volkov", "Vorobyov",
    "Voronin", "Voronov", "Yakovlev", "Yefimov", "Yefremov", "Yegorov", "Yemelyanov",
    "Yeremin", "Yermakov", "Yudin", "Zakharov", "Zaytsev", "Zhdanov", "Zhukov",
    "Zhuravlyov",
)  # fmt: skip
_CALLSIGN_WORDS = (
    "Almaz", "Barsuk", "Berkut", "Buran", "Filin", "Granit", "Grom", "Gyurza", "Kedr",
    "Kobra", "Kremen", "Lis", "Los", "Medved", "Orel", "Rys", "Sapsan", "Sever", "Shtorm",
    "Sokol", "Strizh", "Taiga", "Tigr", "Veter", "Volk", "Voron", "Yastreb", "Zenit",
    "Zubr", "Kaban", "Sych", "Yenot", "Kondor", "Korshun", "Luch", "Mayak",
    "Pamir", "Ural", "Vityaz", "Yakor",
)  # fmt: skip


def _feminine(family: str) -> str:
    if family.endswith("skiy"):
        return family[:-4] + "skaya"
    if family.endswith(("ov", "ev", "yov", "in", "yn")):
        return family + "a"
    return family  # -enko, -ko and the like do not change


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ------------------------------------------------------------------------ geography


def _settlement_index() -> dict[tuple[str, str], Settlement]:
    return {(s.region, s.name): s for s in geodata.settlements()}


def _point_in(region: str, lon: float, lat: float) -> bool:
    return geodata.region_code_at(lon, lat) == region


def _offset(
    rng: random.Random,
    region: str,
    lon: float,
    lat: float,
    min_km: float,
    max_km: float,
) -> tuple[float, float]:
    """A point ``min_km``..``max_km`` from (lon, lat) in a random direction, inside
    ``region`` (the given point itself when no try lands inside)."""
    for _ in range(16):
        dist = min_km + (max_km - min_km) * math.sqrt(rng.random())
        bearing = rng.uniform(0.0, 2.0 * math.pi)
        dlat = dist / 111.2 * math.cos(bearing)
        dlon = dist / (111.2 * math.cos(math.radians(lat))) * math.sin(bearing)
        p = (round(lon + dlon, 5), round(lat + dlat, 5))
        if _point_in(region, *p):
            return p
    return (round(lon, 5), round(lat, 5))


# ------------------------------------------------------------------------ drafts


@dataclass
class _UnitDraft:
    code: str
    name: str
    agency_code: str
    parent_code: str | None
    category: str
    region: str
    home: tuple[float, float]
    capabilities: set[str]
    readiness: int
    status: UnitStatus = _S.AVAILABLE
    own_strength: int | None = None  # declared personnel not counted in sub-units
    position: tuple[float, float] | None = None
    children: list[str] = field(default_factory=list)


#: (weight, status) drawn for units whose status is not fixed.
_STATUS_WEIGHTS: tuple[tuple[float, UnitStatus], ...] = (
    (0.85, _S.AVAILABLE),
    (0.04, _S.ASSIGNED),
    (0.02, _S.EN_ROUTE),
    (0.03, _S.ON_SCENE),
    (0.015, _S.RETURNING),
    (0.03, _S.OFF_DUTY),
    (0.015, _S.OUT_OF_SERVICE),
)
#: Statuses in which a unit is away from its base.
_AWAY = frozenset({_S.EN_ROUTE, _S.ON_SCENE, _S.RETURNING})


def _draw_status(rng: random.Random) -> UnitStatus:
    x = rng.random()
    for weight, status in _STATUS_WEIGHTS:
        if x < weight:
            return status
        x -= weight
    return _S.AVAILABLE


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder; exact total)."""
    if total < 0:
        raise ValueError("cannot apportion a negative total")
    w_sum = sum(weights)
    quotas = [total * w / w_sum for w in weights]
    out = [math.floor(q) for q in quotas]
    rest = total - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (out[i] - quotas[i], i))
    for i in order[:rest]:
        out[i] += 1
    return out


class _Builder:
    """Mutable state of one generation run; :meth:`freeze` gives the frozen data."""

    def __init__(self, seed: int, as_of: datetime) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.as_of = as_of
        self.today = as_of.date()
        year = self.today.year if self.today.month == 12 else self.today.year - 1
        #: the volunteers' training started on 1 November before ``as_of``
        self.training_start = date(year, 11, 1)
        self.places = _settlement_index()
        self.border_names = {
            (e.settlement.region, e.settlement.name)
            for e in geodata.border_settlements(VOLUNTEER_BORDER_KM).entries
        }
        self.agencies: list[AgencySpec] = []
        self.units: dict[str, _UnitDraft] = {}
        self.members: list[MemberSpec] = []
        self.orders: list[ActivationOrderSpec] = []
        self.member_seq: Counter[str] = Counter()
        self.callsigns: set[str] = set()
        self.phones: set[str] = set()

    # -- places
    def place(self, region: str, name: str, *, near_border: bool = False) -> tuple[float, float]:
        s = self.places.get((region, name))
        if s is None:
            raise LookupError(f"settlement {name!r} ({region}) is not in the bundled geodata")
        if near_border and (region, name) not in self.border_names:
            raise LookupError(
                f"settlement {name!r} ({region}) is not within "
                f"{VOLUNTEER_BORDER_KM:g} km of the state border"
            )
        if not _point_in(region, s.lon, s.lat):
            raise LookupError(f"settlement {name!r} lies outside its region {region}")
        return (s.lon, s.lat)

    def near(self, region: str, point: tuple[float, float], km: float) -> tuple[float, float]:
        return _offset(self.rng, region, point[0], point[1], 0.0, km)

    # -- units
    def add_unit(self, draft: _UnitDraft) -> _UnitDraft:
        if draft.code in self.units:
            raise ValueError(f"unit code {draft.code} used twice")
        if draft.parent_code is not None:
            self.units[draft.parent_code].children.append(draft.code)
        self.units[draft.code] = draft
        return draft

    def set_status(self, unit: _UnitDraft, status: UnitStatus) -> None:
        unit.status = status
        if status in _AWAY:
            unit.position = _offset(self.rng, unit.region, *unit.home, 3.0, 14.0)

    # -- people
    def next_member_id(self, agency_code: str) -> str:
        self.member_seq[agency_code] += 1
        return f"{agency_code}-{self.member_seq[agency_code]:05d}"

    def callsign(self) -> str:
        rng = self.rng
        for digits in (99, 999, 9999):
            for _ in range(20):
                c = f"{rng.choice(_CALLSIGN_WORDS)}-{rng.randint(1, digits)}"
                if c not in self.callsigns:
                    self.callsigns.add(c)
                    return c
        raise RuntimeError("ran out of callsigns")  # pragma: no cover - 400k combinations

    def phone(self) -> str:
        rng = self.rng
        while True:
            d = [rng.randint(0, 9) for _ in range(9)]
            p = f"+7 9{d[0]}{d[1]} {d[2]}{d[3]}{d[4]}-{d[5]}{d[6]}-{d[7]}{d[8]}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def person(self, female_share: float, min_age: int, max_age: int) -> tuple[str, str, date]:
        rng = self.rng
        female = rng.random() < female_share
        given = rng.choice(_FEMALE_GIVEN if female else _MALE_GIVEN)
        family = rng.choice(_FAMILY)
        if female:
            family = _feminine(family)
        born = self.today - timedelta(days=rng.randint(min_age * 365 + 5, max_age * 365 + 300))
        return given, family, born

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def adult_days_ago(self, born: date, low: int, high: int) -> date | None:
        """A day ``low``..``high`` days ago on which a person born on ``born`` was of
        age (18); None when there is no such day."""
        of_age = (self.today - born).days - round(18 * 365.25)
        high = min(high, of_age)
        return None if high < low else self.days_ago(low, high)


# ------------------------------------------------------------------------ volunteers

_VOL_PLATOON_CAPS: tuple[tuple[str, float], ...] = (
    ("checkpoint", 0.7),
    ("evacuation", 0.6),
    ("first_aid", 0.4),
    ("transport", 0.3),
    ("drone", 0.2),
    ("search_rescue", 0.15),
)


def _volunteer_agency(b: _Builder, region: str) -> str:
    short = REGION_SHORT[region]
    code = f"{short}-VSD"
    b.agencies.append(
        AgencySpec(
            code, f"{REGION_NAME[region]} Region Self-Defence", "volunteer_self_defence", region
        )
    )
    rng = b.rng
    big = region == "RU-BEL"
    slots: list[tuple[str, float]] = []  # platoons: (unit code, weight)
    hq: list[tuple[str, int]] = []  # headquarters: (unit code, members)
    for bn_no, (district, bases) in enumerate(VOLUNTEER_DISTRICTS[region], start=1):
        bn_code = f"{code}-{bn_no}BN"
        bn_name = f"{_ordinal(bn_no)} Battalion ({district})"
        activated = bn_code == ACTIVATED_BATTALION
        bn_home = b.near(region, b.place(region, bases[0], near_border=True), 0.5)
        bn = b.add_unit(
            _UnitDraft(
                bn_code, bn_name, code, None, "battalion", region, bn_home,
                {"observation"}, 4 if activated else 3,
            )
        )  # fmt: skip
        hq.append((bn_code, rng.randint(6, 10)))
        n_companies = rng.choice((3, 4)) if big else rng.choice((2, 3))
        for co_no in range(1, n_companies + 1):
            base = bases[(co_no - 1) % len(bases)]
            co_code = f"{bn_code}-{co_no}CO"
            co_home = b.near(region, b.place(region, base, near_border=True), 1.5)
            co = b.add_unit(
                _UnitDraft(
                    co_code, f"{_ordinal(co_no)} Company, {bn_name}", code, bn_code, "company",
                    region, co_home, {"observation"},
                    rng.choice((3, 4)) if activated else rng.choice((2, 3, 3)),
                )
            )  # fmt: skip
            hq.append((co_code, rng.randint(2, 4)))
            n_platoons = rng.randint(2, 4) if big else rng.randint(2, 3)
            for pl_no in range(1, n_platoons + 1):
                caps = {"observation"} | {c for c, p in _VOL_PLATOON_CAPS if rng.random() < p}
                pl = b.add_unit(
                    _UnitDraft(
                        f"{co_code}-{pl_no}PL",
                        f"{_ordinal(pl_no)} Platoon, {_ordinal(co_no)} Company, {bn_name}",
                        code, co_code, "platoon", region, b.near(region, co_home, 2.5), caps,
                        rng.choice((2, 3, 3, 4)),
                    )
                )  # fmt: skip
                b.set_status(pl, _draw_status(rng))
                slots.append((pl.code, rng.uniform(0.75, 1.25)))
                co.capabilities |= caps
            b.set_status(co, _draw_status(rng))
            bn.capabilities |= co.capabilities
    low, high = BELGOROD_VOLUNTEERS if big else SMALL_REGION_VOLUNTEERS[region]
    total = rng.randint(low, high)
    in_hq = sum(n for _, n in hq)
    per_platoon = _apportion(total - in_hq, [w for _, w in slots])
    for unit_code, n in [*hq, *((c, n) for (c, _), n in zip(slots, per_platoon, strict=True))]:
        for _ in range(n):
            b.members.append(_volunteer(b, code, unit_code))
    return code


def _volunteer(b: _Builder, agency_code: str, unit_code: str) -> MemberSpec:
    rng = b.rng
    today = b.today
    start = b.training_start
    span = (today - start).days
    last = today - timedelta(days=1)
    given, family, born = b.person(0.15, 19, 62)
    trainings: list[TrainingSpec] = []
    quals: list[QualificationSpec] = []
    fitness: list[FitnessSpec] = []

    def in_window(lo: float, hi: float) -> date:
        return min(start + timedelta(days=int(span * rng.uniform(lo, hi))), last)

    def years(n: float) -> timedelta:
        return timedelta(days=round(365.25 * n))

    sdp = False
    if rng.random() < 0.88:
        basic_done = in_window(0.04, 0.55)
        trainings.append(TrainingSpec("basic", basic_done, 40.0))
        if rng.random() < 0.45:
            sdp_done = min(basic_done + timedelta(days=int(span * rng.uniform(0.15, 0.45))), last)
            trainings.append(TrainingSpec("self_defence_programme", sdp_done, 120.0))
            sdp = True
    # firearms: valid (issued within the last 4 years, 5-year licence) or expired
    x = rng.random()
    issued_on: date | None = None
    if x < (0.36 if sdp else 0.07):
        issued_on = b.adult_days_ago(born, 10, 4 * 365)
    elif x < (0.46 if sdp else 0.10):
        issued_on = b.adult_days_ago(born, 5 * 366 + 5, 8 * 365)
    if issued_on is not None:
        quals.append(QualificationSpec("firearms", issued_on, issued_on + years(5)))
    # first aid: a 3-year certificate; the course taken in the programme shows as training
    x = rng.random()
    issued_on = None
    if x < 0.22:
        if rng.random() < 0.7:
            issued_on = in_window(0.1, 1.0)
            trainings.append(TrainingSpec("first_aid_course", issued_on, 16.0))
        else:
            issued_on = b.adult_days_ago(born, 30, 3 * 365 - 30)
    elif x < 0.27:
        issued_on = b.adult_days_ago(born, 3 * 366 + 5, 5 * 365)
    if issued_on is not None:
        quals.append(QualificationSpec("first_aid", issued_on, issued_on + years(3)))
    if rng.random() < 0.20:  # driving licence: 10 years, some long expired
        issued_on = b.adult_days_ago(born, 200, 20 * 365)
        if issued_on is not None:
            quals.append(QualificationSpec("driver", issued_on, issued_on + years(10)))
    if rng.random() < 0.04:  # medics: 5-year certificate
        issued_on = b.adult_days_ago(born, 100, 8 * 365)
        if issued_on is not None:
            quals.append(QualificationSpec("medic", issued_on, issued_on + years(5)))
    if rng.random() < (0.12 if sdp else 0.05):  # drone operators trained in the programme
        issued = in_window(0.2, 1.0)
        quals.append(QualificationSpec("drone_operator", issued, issued + years(2)))
        trainings.append(TrainingSpec("drone_course", issued, 40.0))
    if rng.random() < 0.92:  # a medical examination, valid one year; some have lapsed
        examined = b.days_ago(5, 440)
        fitness.append(FitnessSpec(examined, examined + timedelta(days=365), rng.random() > 0.03))
    return MemberSpec(
        external_id=b.next_member_id(agency_code),
        unit_code=unit_code,
        callsign=b.callsign(),
        given_name=given,
        family_name=family,
        date_of_birth=born,
        phone=b.phone(),
        trainings=tuple(sorted(trainings, key=lambda t: (t.completed_on, t.programme))),
        qualifications=tuple(sorted(quals, key=lambda q: (q.kind, q.issued_on))),
        fitness=tuple(fitness),
    )


def _border_guard(b: _Builder, agency_code: str, unit_code: str) -> MemberSpec:
    rng = b.rng
    given, family, born = b.person(0.05, 20, 50)
    course = b.adult_days_ago(born, 400, 12 * 365) or b.days_ago(100, 400)
    issued = b.adult_days_ago(born, 10, 4 * 365) or b.days_ago(10, 300)
    quals = [QualificationSpec("firearms", issued, issued + timedelta(days=5 * 365))]
    d = b.adult_days_ago(born, 200, 15 * 365)
    if d is not None and rng.random() < 0.5:
        quals.append(QualificationSpec("driver", d, d + timedelta(days=10 * 365)))
    if rng.random() < 0.3:
        d = b.days_ago(30, 2 * 365)
        quals.append(QualificationSpec("first_aid", d, d + timedelta(days=3 * 365)))
    examined = b.days_ago(5, 330)
    return MemberSpec(
        external_id=b.next_member_id(agency_code),
        unit_code=unit_code,
        callsign=b.callsign(),
        given_name=given,
        family_name=family,
        date_of_birth=born,
        phone=b.phone(),
        trainings=(TrainingSpec("border_guard_course", course, 480.0),),
        qualifications=tuple(sorted(quals, key=lambda q: (q.kind, q.issued_on))),
        fitness=(FitnessSpec(examined, examined + timedelta(days=365), True),),
    )


# ------------------------------------------------------------------------ other agencies


@dataclass(frozen=True, slots=True)
class _Tpl:
    """One unit of a template. In ``name``, "{R}" is the region's name and "{P}" the
    place; ``place=""`` is the regional capital; ``status=None`` is drawn at random;
    ``strength`` is the range of the unit's own strength (sub-units not counted)."""

    suffix: str
    name: str
    category: str
    place: str
    caps: tuple[str, ...]
    readiness: int
    strength: tuple[int, int]
    status: UnitStatus | None = None
    children: tuple[_Tpl, ...] = ()


def _per_place(unit: _Tpl, places: tuple[str, ...]) -> tuple[_Tpl, ...]:
    """``unit`` once per place, its suffix numbered (``OP1``, ``OP2``, …)."""
    return tuple(
        replace(unit, suffix=f"{unit.suffix}{i}", place=place)
        for i, place in enumerate(places, start=1)
    )


def _army_templates(region: str) -> tuple[_Tpl, ...]:
    towns = {
        "RU-BEL": ("Belgorod", "Valuyki", "Shebekino", "Staryy Oskol"),
        "RU-KRS": ("Ryl’sk", "Kurchatov", "Kursk", "Zheleznogorsk"),
        "RU-BRY": ("Klintsy", "Pochep", "Bryansk", "Karachev"),
    }[region]
    mr = ("infantry", "armoured", "transport", "drone")
    return (
        _Tpl(
            "GAR",
            "{R} Garrison",
            "garrison",
            "",
            ("infantry", "transport", "medical", "engineering"),
            4,
            (80, 120),
            _S.AVAILABLE,
            (
                _Tpl(
                    "1MRB",
                    "1st Motor Rifle Battalion, {R} Garrison",
                    "battalion",
                    towns[0],
                    mr,
                    4,
                    (350, 450),
                ),
                _Tpl(
                    "2MRB",
                    "2nd Motor Rifle Battalion, {R} Garrison",
                    "battalion",
                    towns[1],
                    mr,
                    4,
                    (350, 450),
                ),
                _Tpl(
                    "TKC",
                    "Tank Company, {R} Garrison",
                    "company",
                    towns[2],
                    ("armoured",),
                    4,
                    (45, 70),
                ),
            ),
        ),
        _Tpl(
            "RES",
            "{R} Reserve Battalion",
            "reserve",
            towns[3],
            ("infantry", "transport", "engineering"),
            2,
            (300, 500),
            _S.AVAILABLE,
        ),
    )


def _border_templates(region: str) -> tuple[_Tpl, ...]:
    outposts = {
        "RU-BEL": (
            "Krasnaya Yaruga",
            "Grayvoron",
            "Kozinka",
            "Novaya Tavolzhanka",
            "Shebekino",
            "Urazovo",
            "Roven’ki",
        ),
        "RU-KRS": ("Tëtkino", "Glushkovo", "Sudzha", "Guyevo"),
        "RU-BRY": ("Klimovo", "Novyy Ropsk", "Suzëmka", "Seredyna-Buda"),
    }[region]
    kids = _per_place(
        _Tpl(
            "OP",
            "{P} Border Outpost",
            "outpost",
            "",
            ("observation", "checkpoint", "infantry"),
            4,
            (24, 40),
        ),
        outposts,
    )
    return (
        _Tpl(
            "DET",
            "{R} Border Detachment",
            "detachment",
            "",
            ("observation", "checkpoint", "transport", "drone", "k9"),
            4,
            (40, 60),
            _S.AVAILABLE,
            kids,
        ),
    )


def _guard_templates(region: str) -> tuple[_Tpl, ...]:
    town = {"RU-BEL": "Shebekino", "RU-KRS": "Ryl’sk", "RU-BRY": "Klintsy"}[region]
    return (
        _Tpl(
            "DIR",
            "{R} National Guard Directorate",
            "directorate",
            "",
            ("checkpoint", "transport"),
            4,
            (30, 50),
            _S.AVAILABLE,
            (
                _Tpl(
                    "RRD",
                    "{R} Rapid Response Detachment",
                    "detachment",
                    "",
                    ("infantry", "armoured", "checkpoint"),
                    4,
                    (80, 120),
                ),
                _Tpl(
                    "SPD",
                    "{R} Special Purpose Detachment",
                    "detachment",
                    "",
                    ("infantry", "checkpoint", "k9"),
                    4,
                    (60, 100),
                ),
                _Tpl(
                    "CO",
                    "{P} National Guard Company",
                    "company",
                    town,
                    ("infantry", "checkpoint", "observation"),
                    3,
                    (40, 60),
                ),
            ),
        ),
    )


def _police_templates(region: str) -> tuple[_Tpl, ...]:
    towns = {
        "RU-BEL": ("Shebekino", "Grayvoron", "Valuyki", "Krasnaya Yaruga"),
        "RU-KRS": ("Sudzha", "Glushkovo", "Ryl’sk"),
        "RU-BRY": ("Klimovo", "Suzëmka", "Sevsk"),
    }[region]
    kids = _per_place(
        _Tpl(
            "D",
            "{P} District Police",
            "department",
            "",
            ("observation", "checkpoint", "transport"),
            3,
            (30, 80),
        ),
        towns,
    )
    return (
        _Tpl(
            "DIR",
            "{R} Regional Police",
            "directorate",
            "",
            ("observation", "checkpoint", "transport", "k9"),
            3,
            (60, 90),
            _S.AVAILABLE,
            kids,
        ),
    )


def _rescue_templates(region: str) -> tuple[_Tpl, ...]:
    fire, medevac = {
        "RU-BEL": (("Shebekino", "Grayvoron"), "Valuyki"),
        "RU-KRS": (("Sudzha",), "Ryl’sk"),
        "RU-BRY": (("Klimovo",), "Trubchevsk"),
    }[region]
    kids = (
        _Tpl(
            "SAR",
            "{R} Search and Rescue Team",
            "team",
            "",
            ("search_rescue", "first_aid", "engineering", "evacuation"),
            4,
            (20, 35),
        ),
        *_per_place(
            _Tpl(
                "FR",
                "{P} Fire and Rescue Team",
                "team",
                "",
                ("firefighting", "search_rescue", "evacuation"),
                4,
                (20, 40),
            ),
            fire,
        ),
        _Tpl(
            "MED",
            "{P} Medical Evacuation Team",
            "team",
            medevac,
            ("medical", "first_aid", "evacuation", "transport"),
            3,
            (15, 30),
        ),
    )
    return (
        _Tpl(
            "DIR",
            "{R} Civil Protection Directorate",
            "directorate",
            "",
            ("search_rescue", "transport"),
            3,
            (20, 40),
            _S.AVAILABLE,
            kids,
        ),
    )


#: Optional capabilities some units of a kind add: (capability, probability).
_EXTRA_CAPS: dict[str, tuple[tuple[str, float], ...]] = {
    "outpost": (("k9", 0.4), ("drone", 0.5)),
    "department": (("k9", 0.3),),
    "team": (("drone", 0.25),),
}


def _add_templates(
    b: _Builder,
    agency_code: str,
    code_prefix: str,
    region: str,
    templates: Iterable[_Tpl],
    parent: str | None = None,
) -> None:
    rng = b.rng
    rname = REGION_NAME[region]
    for t in templates:
        town = t.place or CAPITAL[region]
        home = b.near(region, b.place(region, town), 0.8 if parent is None else 2.0)
        extra = {c for c, p in _EXTRA_CAPS.get(t.category, ()) if rng.random() < p}
        unit = b.add_unit(
            _UnitDraft(
                f"{code_prefix}-{t.suffix}",
                t.name.format(R=rname, P=town),
                agency_code,
                parent,
                t.category,
                region,
                home,
                set(t.caps) | extra,
                t.readiness,
                own_strength=rng.randint(*t.strength),
            )
        )
        b.set_status(unit, t.status if t.status is not None else _draw_status(rng))
        _add_templates(b, agency_code, code_prefix, region, t.children, unit.code)


#: Units whose status the scenario fixes, with a position away from base where committed.
_FIXED_STATUS: dict[str, UnitStatus] = {
    "BEL-BS-OP3": _S.ON_SCENE,  # Kozinka outpost patrolling the border line
    "BEL-EMS-FR1": _S.ON_SCENE,  # Shebekino fire team at a fire after a drone strike
    "BEL-VSD-5BN-1CO": _S.ASSIGNED,  # Shebekino volunteers staffing a checkpoint
    "KRS-POL-D1": _S.EN_ROUTE,
    "ARMY-BRY-TKC": _S.OUT_OF_SERVICE,
    "BEL-VSD-3BN-2CO": _S.OUT_OF_SERVICE,
}


# ------------------------------------------------------------------------ generate


def generate(seed: int = DEFAULT_SEED, *, as_of: datetime) -> ScenarioData:
    """The demo forces for ``seed`` as they stand at ``as_of`` (timezone-aware)."""
    as_of = ensure_utc(as_of)
    b = _Builder(seed, as_of)
    army = "ARMY"
    b.agencies.append(AgencySpec(army, "Army (border regions group of forces)", "army", None))
    for region in REGIONS:
        short = REGION_SHORT[region]
        rname = REGION_NAME[region]
        _volunteer_agency(b, region)
        others = (
            ("BS", f"{rname} Border Directorate", "border_service", _border_templates),
            ("NG", f"{rname} National Guard", "national_guard", _guard_templates),
            ("POL", f"{rname} Regional Police", "police", _police_templates),
            ("EMS", f"{rname} Civil Protection Service", "emergency_service", _rescue_templates),
        )
        for suffix, name, kind, templates in others:
            code = f"{short}-{suffix}"
            b.agencies.append(AgencySpec(code, name, kind, region))
            _add_templates(b, code, code, region, templates(region))
        _add_templates(b, army, f"{army}-{short}", region, _army_templates(region))
    # Belgorod's border outposts keep a registered roster instead of a declared strength
    for unit in list(b.units.values()):
        if unit.agency_code == "BEL-BS" and unit.category == "outpost":
            for _ in range(unit.own_strength or 0):
                b.members.append(_border_guard(b, unit.agency_code, unit.code))
            unit.own_strength = None
    for code, status in _FIXED_STATUS.items():
        b.set_status(b.units[code], status)
    # a few units at readiness 1 (not ready): the ones out of service
    for unit in b.units.values():
        if unit.status is _S.OUT_OF_SERVICE:
            unit.readiness = 1
    year = as_of.year
    b.orders.append(
        ActivationOrderSpec(
            ACTIVATED_BATTALION,
            f"HQ-BEL/{year}/117",
            utc_day(b.today - timedelta(days=ACTIVATED_DAYS_BEFORE)),
            None,
        )
    )
    b.orders.append(
        ActivationOrderSpec(
            "KRS-VSD-1BN",
            f"HQ-KRS/{year}/64 (exercise)",
            utc_day(b.today - timedelta(days=75)),
            utc_day(b.today - timedelta(days=68)),
        )
    )
    return ScenarioData(
        seed=seed,
        as_of=as_of,
        agencies=tuple(b.agencies),
        units=_freeze_units(b),
        members=tuple(b.members),
        activation_orders=tuple(b.orders),
        acts=demo_law(),
        users=DEMO_USERS,
    )


def _freeze_units(b: _Builder) -> tuple[UnitSpec, ...]:
    registered = Counter(m.unit_code for m in b.members)
    totals: dict[str, int | None] = {}

    def total(code: str) -> int | None:
        """Declared strength including sub-units (None when the unit declares none)."""
        if code not in totals:
            u = b.units[code]
            if u.own_strength is None:
                totals[code] = None
            else:
                kids = 0
                for child in u.children:
                    t = total(child)
                    kids += registered_subtree(child) if t is None else t
                totals[code] = u.own_strength + kids
        return totals[code]

    def registered_subtree(code: str) -> int:
        return registered[code] + sum(registered_subtree(c) for c in b.units[code].children)

    return tuple(
        UnitSpec(
            code=u.code,
            name=u.name,
            agency_code=u.agency_code,
            parent_code=u.parent_code,
            category=u.category,
            region=u.region,
            home_lon=u.home[0],
            home_lat=u.home[1],
            capabilities=tuple(sorted(u.capabilities)),
            readiness=u.readiness,
            status=u.status,
            declared_strength=total(u.code),
            position=u.position,
        )
        for u in b.units.values()
    )


#: The demo accounts tied to forces (scope by agency or unit code).
DEMO_USERS: tuple[UserSpec, ...] = (
    UserSpec(
        "liaison-bel-bs",
        "Belgorod border service liaison",
        Role.AGENCY_LIAISON,
        ScopeKind.AGENCY,
        "BEL-BS",
    ),
    UserSpec(
        "liaison-army",
        "Army liaison",
        Role.AGENCY_LIAISON,
        ScopeKind.AGENCY,
        "ARMY",
    ),
    UserSpec(
        "cmdr-bel-2bn",
        "Commander, 2nd Battalion (Grayvoron), Belgorod Region Self-Defence",
        Role.UNIT_COMMANDER,
        ScopeKind.UNIT,
        ACTIVATED_BATTALION,
    ),
    UserSpec(
        "personnel-bel",
        "Personnel officer, Belgorod Region Self-Defence",
        Role.PERSONNEL_OFFICER,
        ScopeKind.AGENCY,
        "BEL-VSD",
    ),
)


# ------------------------------------------------------------------------ authority facts


def to_authority_facts(
    data: ScenarioData, *, declared_as_members: bool = False
) -> tuple[list[MemberFacts], UnitTree]:
    """The scenario as facts for the legal engine: member ids are external ids, unit ids
    are unit codes; activation orders go with their units.

    Only fit findings become fitness records. With ``declared_as_members``, each unit's
    declared strength not covered by registered members or by its sub-units is stood in
    for by anonymous members without records (ids ``"<unit code>#<n>"``), so that a unit
    known only by its declared strength is counted too (e.g. an army battalion towards
    SEC-1996's n=8 for armed response).
    """
    kinds = {a.code: a.kind for a in data.agencies}
    orders: dict[str, list[ActivationOrder]] = {}
    for o in data.activation_orders:
        orders.setdefault(o.unit_code, []).append(
            ActivationOrder(o.valid_from, o.valid_to, o.reference)
        )
    unit_facts = [
        UnitFacts(
            unit_id=u.code,
            parent_id=u.parent_code,
            agency_kind=kinds[u.agency_code],
            category=u.category,
            region=u.region,
            name=u.name,
            activation_orders=tuple(orders.get(u.code, ())),
        )
        for u in data.units
    ]
    tree = UnitTree(unit_facts)
    by_code = {u.unit_id: u for u in unit_facts}
    members: list[MemberFacts] = []
    for m in data.members:
        unit = by_code[m.unit_code]
        members.append(
            MemberFacts(
                member_id=m.external_id,
                unit_id=unit.unit_id,
                region=unit.region,
                agency_kind=unit.agency_kind,
                unit_category=unit.category,
                qualifications=tuple(
                    QualificationRecord(
                        q.kind,
                        utc_day(q.issued_on),
                        None if q.expires_on is None else utc_day(q.expires_on),
                    )
                    for q in m.qualifications
                ),
                trainings=tuple(
                    TrainingRecord(t.programme, utc_day(t.completed_on)) for t in m.trainings
                ),
                fitness=tuple(
                    FitnessRecord(
                        utc_day(f.examined_on),
                        None if f.valid_until is None else utc_day(f.valid_until),
                    )
                    for f in m.fitness
                    if f.fit
                ),
            )
        )
    if declared_as_members:
        members.extend(_stand_ins(data, by_code))
    return members, tree


def _stand_ins(data: ScenarioData, by_code: dict[str, UnitFacts]) -> list[MemberFacts]:
    """The stand-ins of declared strength (``core/forces/strength.py: stand_ins``)."""
    registered = Counter(m.unit_code for m in data.members)
    counts = stand_ins(
        ((u.code, u.parent_code, u.declared_strength) for u in data.units), registered
    )
    out: list[MemberFacts] = []
    for code, n in counts.items():
        unit = by_code[code]
        out.extend(
            MemberFacts(f"{code}#{k}", code, unit.region, unit.agency_kind, unit.category)
            for k in range(1, n + 1)
        )
    return out


# ------------------------------------------------------------------------ summary


def _counts(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items()))


def summarize(data: ScenarioData) -> ScenarioSummary:
    """Counts of the generated forces, for printing (:meth:`ScenarioSummary.lines`)."""
    units = {u.code: u for u in data.units}
    kinds = {a.code: a.kind for a in data.agencies}
    return ScenarioSummary(
        agencies=len(data.agencies),
        units=len(data.units),
        members=len(data.members),
        members_by_region=_counts(units[m.unit_code].region for m in data.members),
        members_by_agency=_counts(units[m.unit_code].agency_code for m in data.members),
        units_by_category=_counts(u.category for u in data.units),
        units_by_agency=_counts(u.agency_code for u in data.units),
        units_by_status=_counts(u.status.value for u in data.units),
        volunteer_battalions_by_region=_counts(
            u.region
            for u in data.units
            if u.category == "battalion" and kinds[u.agency_code] == VOLUNTEERS
        ),
        activated_units=tuple(
            sorted(
                {
                    o.unit_code
                    for o in data.activation_orders
                    if o.valid_from <= data.as_of
                    and (o.valid_to is None or data.as_of < o.valid_to)
                }
            )
        ),
    )
