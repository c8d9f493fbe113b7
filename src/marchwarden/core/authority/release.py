"""Release analysis: which units of named agencies could leave the border while every
settlement covered today stays covered.

The question of issue 16. For a power (say ``armed_response``) and a time budget, a
settlement is *covered* when some unit holding the power is within the budget under a
:class:`~marchwarden.core.geo.distance.TravelModel` (a travel time equal to the budget
counts). *Covered today* means covered by the units that hold the power under the acts in
force. For a set of responders (say, under the acts in force plus a proposed act), the
units of the named agencies (default: the army and the national guard) are the
*candidates*; every other responder stays where it is. The smallest set of candidates to
keep — with the others — so that every settlement covered today stays covered is a
weighted set cover:

    minimise    sum_j cost_j * keep_j
    subject to  sum_{j reaches i} keep_j >= 1   for every settlement i covered today
                                                 that no other responder reaches
                keep_j in {0, 1}

With ``target=POPULATION`` the people covered must not fall below today's instead (a
settlement may be given up if a larger one is gained): variables ``cov_i <= sum keep_j``
and ``sum pop_i * cov_i >= people covered today - people the others cover``.

It is solved exactly by ``scipy.optimize.milp`` (HiGHS) within a time limit; beyond it the
answer is the greedy one (best ratio of newly covered settlements — or people — to cost,
then redundant units dropped), reported with the bound of the LP relaxation, so a reader
knows how far from the optimum it can be. Candidates and settlements are ordered by id
before the model is built, and ties in the greedy go to the lower id, so the same data
give the same units. A second solve (with the proposed act) prefers, among equally good
answers, to keep the units the first solve kept: the units it frees are then the
difference of the two released sets.

Pure: no I/O; the caller gives the responders (with positions, people and readiness) and
the settlements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from marchwarden.core.errors import Invalid
from marchwarden.core.geo.areas import haversine_km_array
from marchwarden.core.geo.model import check_lon_lat

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from marchwarden.core.geo.distance import TravelModel
    from marchwarden.core.geo.model import Settlement

#: the agencies whose units the question is about, unless the caller names others
DEFAULT_AGENCIES: frozenset[str] = frozenset({"army", "national_guard"})
DEFAULT_TIME_LIMIT_S = 3.0
_PAIRS_PER_CHUNK = 1 << 21


class Objective(StrEnum):
    """What keeping a unit at the border costs."""

    UNITS = "units"
    """Every unit counts one: keep as few units as possible."""
    PEOPLE = "people"
    """A unit counts its people: keep as few people as possible (free the most)."""
    READINESS = "readiness"
    """A unit counts its readiness level (1-4): the readiest units are released first."""


class Target(StrEnum):
    """What must be kept covered."""

    SETTLEMENTS = "settlements"
    """Every settlement covered today stays covered."""
    POPULATION = "population"
    """The people covered do not fall below today's (settlements may change)."""


class Method(StrEnum):
    OPTIMAL = "optimal"
    """Proved optimal by the MILP solver."""
    GREEDY = "greedy"
    """The greedy answer (the solver hit its time limit); see the bound."""
    TRIVIAL = "trivial"
    """Nothing to decide: no settlement needs a unit of the named agencies."""


def id_key(unit_id: str) -> tuple[int, int, str]:
    """Sort key of a unit id: numeric ids in numeric order, then the others."""
    return (0, int(unit_id), "") if unit_id.isdigit() else (1, 0, unit_id)


@dataclass(frozen=True, slots=True)
class Responder:
    """A unit that holds the power, where it is, and what it weighs."""

    unit_id: str
    agency_kind: str
    lon: float
    lat: float
    people: int = 0
    readiness: int = 3

    def __post_init__(self) -> None:
        check_lon_lat(self.lon, self.lat, f"unit {self.unit_id!r}")
        if self.people < 0:
            raise Invalid.said(
                "law.unit_people", "unit {unit_id}: people must be >= 0", unit_id=repr(self.unit_id)
            )


@dataclass(frozen=True, slots=True)
class ReleaseQuestion:
    agencies: frozenset[str] = DEFAULT_AGENCIES
    objective: Objective = Objective.UNITS
    target: Target = Target.SETTLEMENTS
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    #: "auto": MILP within the time limit, else greedy; "greedy": greedy only
    solver: str = "auto"

    def __post_init__(self) -> None:
        if not self.agencies:
            raise Invalid.said(
                "law.name_least_one_agency",
                "name at least one agency kind whose units could be released",
            )
        if not (0 < self.time_limit_s <= 600):
            raise Invalid.said(
                "law.solver_time_limit_more",
                "the solver's time limit must be more than 0 and at most 600 s",
            )
        if self.solver not in ("auto", "greedy"):
            raise Invalid.said("law.solver_auto_greedy", "solver must be auto or greedy")


@dataclass(frozen=True, slots=True)
class KeptUnit:
    """A unit of the named agencies that must stay, and the settlements it keeps covered
    (``only``: those no other kept unit or other responder reaches)."""

    unit_id: str
    settlements: tuple[int, ...]
    only: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReleasePlan:
    """Under one set of acts: which candidates stay and which could leave."""

    responders: int
    candidates: tuple[str, ...]
    kept: tuple[KeptUnit, ...]
    released: tuple[str, ...]
    released_people: int
    #: settlements covered today that the other agencies' responders reach on their own
    covered_by_others: tuple[int, ...]
    #: settlements covered today that no responder under these acts reaches (only when
    #: the acts take the power from someone)
    lost: tuple[int, ...]
    method: Method
    #: cost of the kept units under the objective, and a lower bound on the optimum
    objective: float
    bound: float

    @property
    def kept_ids(self) -> tuple[str, ...]:
        return tuple(k.unit_id for k in self.kept)


@dataclass(frozen=True, slots=True)
class ReleaseAnalysis:
    travel_model: str
    budget_minutes: float
    reach_km: float
    question: ReleaseQuestion
    settlements: tuple[Settlement, ...]
    covered_today: tuple[int, ...]
    covered_today_population: int
    #: settlements no unit holding the power reaches, with or without the act
    uncovered_either_way: tuple[int, ...]
    #: settlements the act adds to today's coverage (before any release)
    gained_by_act: tuple[int, ...]
    before: ReleasePlan
    after: ReleasePlan
    people: dict[str, int] = field(repr=False)

    @property
    def freed(self) -> tuple[str, ...]:
        """Units the act frees: releasable with it, not without it."""
        was = set(self.before.released)
        return tuple(u for u in self.after.released if u not in was)

    @property
    def recalled(self) -> tuple[str, ...]:
        """Units releasable without the act but kept with it (the optimum moved)."""
        now = set(self.after.released)
        return tuple(u for u in self.before.released if u not in now)

    @property
    def freed_people(self) -> int:
        return sum(self.people.get(u, 0) for u in self.freed)

    def settlement(self, settlement_id: int) -> Settlement:
        for s in self.settlements:
            if s.id == settlement_id:
                return s
        raise KeyError(settlement_id)


# --------------------------------------------------------------------------- reach


def reach_matrix(
    settlements: Sequence[Settlement],
    responders: Sequence[Responder],
    travel: TravelModel,
    budget_minutes: float,
) -> sparse.csc_array:
    """Boolean settlements x responders: the responder reaches the settlement in time."""
    n, m = len(settlements), len(responders)
    if n == 0 or m == 0:
        return sparse.csc_array((n, m), dtype=np.bool_)
    slon = np.fromiter((s.lon for s in settlements), dtype=np.float64, count=n)
    slat = np.fromiter((s.lat for s in settlements), dtype=np.float64, count=n)
    rlon = np.fromiter((r.lon for r in responders), dtype=np.float64, count=m)
    rlat = np.fromiter((r.lat for r in responders), dtype=np.float64, count=m)
    rows: list[npt.NDArray[np.intp]] = []
    cols: list[npt.NDArray[np.intp]] = []
    step = max(1, _PAIRS_PER_CHUNK // n)
    for lo in range(0, m, step):
        hi = min(m, lo + step)
        d = haversine_km_array(rlon[None, lo:hi], rlat[None, lo:hi], slon[:, None], slat[:, None])
        minutes = d * travel.detour_factor / travel.speed_kmh * 60.0
        i, j = np.nonzero(minutes <= budget_minutes)
        rows.append(i)
        cols.append(j + lo)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    return sparse.csc_array((np.ones(r.size, dtype=np.bool_), (r, c)), shape=(n, m))


# --------------------------------------------------------------------------- solving


@dataclass(frozen=True, slots=True)
class _Cover:
    kept: npt.NDArray[np.bool_]
    method: Method
    bound: float


def _tie_costs(
    base: npt.NDArray[np.float64], preferred: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Costs whose optimum is an optimum of ``base`` that keeps as many preferred units
    as it can (base costs are integers: the tie-break adds less than one in total)."""
    scale = float(base.size + 1)
    return base * scale + (~preferred).astype(np.float64)


def _lp_bound(
    a: sparse.csr_array,
    base: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64] | None,
    need: float,
) -> float:
    """The LP relaxation's optimum: no cover can cost less."""
    if weights is None:
        res = linprog(base, A_ub=-a, b_ub=-np.ones(a.shape[0]), bounds=(0, 1), method="highs")
        value = float(res.fun) if res.status == 0 else 0.0
    else:
        n, m = a.shape
        c = np.concatenate((base, np.zeros(n)))
        link = sparse.hstack((-a, sparse.identity(n, format="csr"))).tocsr()
        pop = sparse.csr_array(np.concatenate((np.zeros(m), -weights))[None, :])
        a_ub = sparse.vstack((link, pop)).tocsr()
        b_ub = np.concatenate((np.zeros(n), [-need]))
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
        value = float(res.fun) if res.status == 0 else 0.0
    return math.ceil(value - 1e-6) if np.all(base == np.round(base)) else value


def _greedy(
    a: sparse.csc_array,
    base: npt.NDArray[np.float64],
    preferred: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64] | None,
    need: float,
) -> npt.NDArray[np.bool_]:
    """Best ratio of newly covered rows (or weight) to cost, ties to the preferred unit
    and then the lower index; then redundant units are dropped, costliest first."""
    n, m = a.shape
    w = np.ones(n) if weights is None else weights
    target = float(w.sum()) if weights is None else need
    a_csc = sparse.csc_array(a, dtype=np.float64)
    a_csr = sparse.csr_array(a_csc)
    open_rows = np.ones(n, dtype=np.bool_)
    kept = np.zeros(m, dtype=np.bool_)
    covered = 0.0
    order_tie = np.lexsort((np.arange(m), ~preferred))  # preferred first, then index
    rank = np.empty(m, dtype=np.int64)
    rank[order_tie] = np.arange(m)
    while covered < target - 1e-9:
        gain = a_csr.T @ (w * open_rows)
        gain[kept] = 0.0
        if not np.any(gain > 0):
            break
        with np.errstate(divide="ignore"):
            ratio = np.where(base > 0, gain / np.where(base > 0, base, 1.0), np.inf)
        ratio[gain <= 0] = -1.0
        best = ratio.max()
        ties = np.flatnonzero(ratio == best)
        j = int(ties[np.argmin(rank[ties])])
        kept[j] = True
        rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
        newly = rows[open_rows[rows]]
        covered += float(w[newly].sum())
        open_rows[newly] = False
    # drop units no longer needed, costliest (then highest index) first
    for j in sorted(np.flatnonzero(kept).tolist(), key=lambda k: (-base[k], -k)):
        kept[j] = False
        count = a_csr @ kept.astype(np.float64)
        if weights is None:
            ok = bool(np.all(count > 0))
        else:
            ok = float(w[count > 0].sum()) >= need - 1e-9
        if not ok:
            kept[j] = True
    return kept


def solve_cover(
    a: sparse.csc_array,
    base: npt.NDArray[np.float64],
    preferred: npt.NDArray[np.bool_],
    *,
    weights: npt.NDArray[np.float64] | None = None,
    need: float = 0.0,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    solver: str = "auto",
) -> _Cover:
    """Keep the cheapest columns of ``a`` (rows x candidates) so that every row has a kept
    column (``weights is None``), or so that the weight of rows with a kept column is at
    least ``need``. Every row must have some column."""
    n, m = a.shape
    if m == 0 or n == 0 or (weights is not None and need <= 0):
        return _Cover(np.zeros(m, dtype=np.bool_), Method.TRIVIAL, 0.0)
    costs = _tie_costs(base, preferred)
    a_csr = sparse.csr_array(a, dtype=np.float64)
    if solver == "auto":
        if weights is None:
            c = costs
            constraints = LinearConstraint(a_csr, lb=np.ones(n), ub=np.inf)
            integrality = np.ones(m)
        else:
            c = np.concatenate((costs, np.zeros(n)))
            link = sparse.hstack((a_csr, -sparse.identity(n, format="csr"))).tocsr()
            pop = sparse.csr_array(np.concatenate((np.zeros(m), weights))[None, :])
            constraints = LinearConstraint(
                sparse.vstack((link, pop)).tocsr(),
                lb=np.concatenate((np.zeros(n), [need])),
                ub=np.inf,
            )
            integrality = np.concatenate((np.ones(m), np.zeros(n)))
        res = milp(
            c,
            constraints=constraints,
            integrality=integrality,
            bounds=Bounds(0, 1),
            options={"time_limit": time_limit_s, "mip_rel_gap": 0.0, "presolve": True},
        )
        if res.status == 0 and res.x is not None:
            kept = np.asarray(res.x[:m]) > 0.5
            return _Cover(kept, Method.OPTIMAL, float(base[kept].sum()))
    kept = _greedy(a, base, preferred, weights, need)
    bound = _lp_bound(a_csr, base, weights, need)
    return _Cover(kept, Method.GREEDY, min(bound, float(base[kept].sum())))


# --------------------------------------------------------------------------- the analysis


def _covered_rows(reach: sparse.csc_array, cols: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    if reach.shape[1] == 0 or not cols.any():
        return np.zeros(reach.shape[0], dtype=np.bool_)
    counts = sparse.csr_array(reach, dtype=np.float64) @ cols.astype(np.float64)
    return np.asarray(counts) > 0


def _base_costs(question: ReleaseQuestion, units: Sequence[Responder]) -> npt.NDArray[np.float64]:
    if question.objective is Objective.PEOPLE:
        return np.array([float(u.people) for u in units])
    if question.objective is Objective.READINESS:
        return np.array([float(u.readiness) for u in units])
    return np.ones(len(units))


def _plan(
    reach: sparse.csc_array,
    responders: Sequence[Responder],
    active: npt.NDArray[np.bool_],
    today: npt.NDArray[np.bool_],
    populations: npt.NDArray[np.float64],
    ids: Sequence[int],
    question: ReleaseQuestion,
    preferred: frozenset[str],
) -> ReleasePlan:
    is_candidate = np.array([r.agency_kind in question.agencies for r in responders])
    cand = active & is_candidate
    others = active & ~is_candidate
    by_others = _covered_rows(reach, others)
    reachable = _covered_rows(reach, active)
    lost = today & ~reachable
    cand_idx = np.flatnonzero(cand)
    reach_c = sparse.csc_array(reach[:, cand_idx])
    if question.target is Target.SETTLEMENTS:
        rows = np.flatnonzero(today & ~by_others & reachable)
        weights = None
        need = 0.0
    else:
        rows = np.flatnonzero(~by_others & _covered_rows(reach, cand))
        weights = populations[rows]
        need = float(populations[today].sum() - populations[by_others].sum())
    sub = sparse.csc_array(reach_c[rows, :])
    units = [responders[k] for k in cand_idx.tolist()]
    base = _base_costs(question, units)
    pref = np.array([u.unit_id in preferred for u in units], dtype=np.bool_)
    solved = solve_cover(
        sub,
        base,
        pref,
        weights=weights,
        need=need,
        time_limit_s=question.time_limit_s,
        solver=question.solver,
    )
    kept_mask = solved.kept
    kept_cols = np.flatnonzero(kept_mask)
    sub_csr = sparse.csr_array(sub, dtype=np.float64)
    per_row = sub_csr @ kept_mask.astype(np.float64) if rows.size else np.zeros(0)
    kept: list[KeptUnit] = []
    for j in kept_cols.tolist():
        col = sub.indices[sub.indptr[j] : sub.indptr[j + 1]]
        served = sorted(col.tolist())
        kept.append(
            KeptUnit(
                unit_id=units[j].unit_id,
                settlements=tuple(ids[int(rows[i])] for i in served),
                only=tuple(ids[int(rows[i])] for i in served if per_row[i] == 1),
            )
        )
    kept.sort(key=lambda k: id_key(k.unit_id))
    released = sorted((u.unit_id for j, u in enumerate(units) if not kept_mask[j]), key=id_key)
    people = {u.unit_id: u.people for u in units}
    return ReleasePlan(
        responders=int(active.sum()),
        candidates=tuple(sorted((u.unit_id for u in units), key=id_key)),
        kept=tuple(kept),
        released=tuple(released),
        released_people=sum(people[u] for u in released),
        covered_by_others=tuple(ids[i] for i in np.flatnonzero(today & by_others).tolist()),
        lost=tuple(ids[i] for i in np.flatnonzero(lost).tolist()),
        method=solved.method,
        objective=float(base[kept_mask].sum()),
        bound=solved.bound,
    )


def analyse_release(
    settlements: Sequence[Settlement],
    before: Iterable[Responder],
    after: Iterable[Responder],
    travel: TravelModel,
    budget_minutes: float,
    question: ReleaseQuestion | None = None,
) -> ReleaseAnalysis:
    """The release analysis: ``before`` are the units holding the power under the acts in
    force, ``after`` under the acts in force plus the proposed acts (and any activation
    orders added). Settlements are taken in id order."""
    question = question or ReleaseQuestion()
    if math.isnan(budget_minutes) or budget_minutes <= 0:
        raise Invalid.said(
            "law.time_budget_more_than", "the time budget must be more than 0 minutes"
        )
    towns = tuple(sorted(settlements, key=lambda s: s.id))
    before_list = sorted(before, key=lambda r: id_key(r.unit_id))
    after_list = sorted(after, key=lambda r: id_key(r.unit_id))
    merged: dict[str, Responder] = {}
    for r in (*before_list, *after_list):
        seen = merged.get(r.unit_id)
        if seen is not None and seen != r:
            raise Invalid.said(
                "law.unit_given_twice_different",
                "unit {unit_id} is given twice with different facts",
                unit_id=repr(r.unit_id),
            )
        merged[r.unit_id] = r
    responders = [merged[k] for k in sorted(merged, key=id_key)]
    index = {r.unit_id: k for k, r in enumerate(responders)}
    act_before = np.zeros(len(responders), dtype=np.bool_)
    act_before[[index[r.unit_id] for r in before_list]] = True
    act_after = np.zeros(len(responders), dtype=np.bool_)
    act_after[[index[r.unit_id] for r in after_list]] = True
    reach = reach_matrix(towns, responders, travel, budget_minutes)
    ids = [s.id for s in towns]
    pops = np.array([float(s.population) for s in towns])
    today = _covered_rows(reach, act_before)
    with_act = _covered_rows(reach, act_after)
    plan_before = _plan(reach, responders, act_before, today, pops, ids, question, frozenset())
    plan_after = _plan(
        reach, responders, act_after, today, pops, ids, question, frozenset(plan_before.kept_ids)
    )
    return ReleaseAnalysis(
        travel_model=travel.describe(),
        budget_minutes=budget_minutes,
        reach_km=travel.reach_km(budget_minutes),
        question=question,
        settlements=towns,
        covered_today=tuple(ids[i] for i in np.flatnonzero(today).tolist()),
        covered_today_population=int(pops[today].sum()),
        uncovered_either_way=tuple(ids[i] for i in np.flatnonzero(~today & ~with_act).tolist()),
        gained_by_act=tuple(ids[i] for i in np.flatnonzero(with_act & ~today).tolist()),
        before=plan_before,
        after=plan_after,
        people={r.unit_id: r.people for r in responders},
    )
