// The law's reasons in the reader's language (the unit detail's powers, a member's powers,
// a refused assignment, the timeline's refusal entries): written from each reason's code
// and params (GET …/authority `reasons`, a 409 unit-not-eligible's `coded_reasons`); in
// English, and for a reason with nothing more to say, the server's sentence.

import { language, locale, num, t as tr, words } from './i18n.js';
import { hqTimezone } from './time.js';

/** "LSD-2023 c.3: 59 of 1 required members hold carry_weapons" → "LSD-2023 c.3: 59
 * members hold it; 1 needed" (the count is of the unit and the units under it). */
export function countWords(text) {
  const m = /^(.*?): (\d+) of (\d+) required members? hold \S+$/.exec(text);
  if (!m) return text;
  const [, clause, have, need] = m;
  const n = Number(have);
  const counts = { clause, n: num(n), need: num(Number(need)) };
  return n === 1
    ? tr('unit.countOne', '{clause}: 1 member (with the units under it) holds it; {need} needed', counts)
    : tr('unit.countMany', '{clause}: {n} members (with the units under it) hold it; {need} needed', counts);
}

/** A day of an act's dates ("1 Jul 2014" / "1 июл. 2014 г."). */
function day(iso) {
  return new Intl.DateTimeFormat(locale(), { timeZone: hqTimezone(), day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
}

/** Why a power is not held (a reason of GET …/authority: its code and what it says), in the
 * page's language; in English, and for a reason with nothing more to say, the server's
 * sentence (member counts rewritten by countWords). */
export function reasonWords(r) {
  const p = r.params ?? {};
  const grant = `${r.act ?? ''} ${r.clause ?? ''}`.trim();
  if (language() === 'en') return countWords(r.text);
  switch (r.code) {
    case 'not_granted':
      if (!p.power || !p.kind) break;
      return tr('unit.law.notGranted', '{power}: not granted to {kind} by any act in force{nor}', {
        power: tr(`power.${p.power}`, p.power),
        kind: tr(`agencyKind.${p.kind}`, p.kind).toLowerCase(),
        nor: p.proposed ? tr('unit.law.nor', ', nor by {acts} if passed', { acts: p.proposed }) : '',
      });
    case 'act_not_in_force':
      if (p.status === 'draft') return tr('unit.law.draft', '{grant}: the act is a draft, not in force', { grant });
      if (p.status === 'proposed') return tr('unit.law.proposed', '{grant}: the act is proposed, not in force', { grant });
      break;
    case 'act_not_yet_effective':
      if (!p.since) break;
      return tr('unit.law.notYet', '{grant}: the act is not yet in force (from {date})', { grant, date: day(p.since) });
    case 'act_no_longer_effective':
      if (!p.until) break;
      return tr('unit.law.noLonger', '{grant}: the act is no longer in force (until {date})', { grant, date: day(p.until) });
    case 'act_repealed':
      return p.until
        ? tr('unit.law.repealedUntil', '{grant}: the act is repealed (in force until {date})', { grant, date: day(p.until) })
        : tr('unit.law.repealed', '{grant}: the act is repealed', { grant });
    case 'region_not_covered':
      if (!p.region) break;
      return tr('unit.law.region', '{grant}: the act does not apply in {region}', { grant, region: p.region });
    case 'condition_not_met': {
      const said = conditionWords(p);
      if (!said) break;
      return `${grant}: ${said}`;
    }
    default:
      break;
  }
  return countWords(r.text);
}

/** A member's condition not met (params of a condition_not_met reason: the condition, the
 * qualification or programme, its state and dates), or null when the page has no words for it. */
export function conditionWords(p) {
  const v = { name: words(p.name ?? ''), date: p.date ? day(p.date) : '', unit: p.unit ?? '' };
  switch (`${p.condition}.${p.state}`) {
    case 'qualification.missing':
      return tr('unit.cond.qualMissing', 'no qualification "{name}"', v);
    case 'qualification.expired':
      return tr('unit.cond.qualExpired', 'qualification "{name}" expired {date}', v)
        + (p.renewed ? tr('unit.cond.renewed', '; renewed from {date}', { date: day(p.renewed) }) : '');
    case 'qualification.not_yet_valid':
      return tr('unit.cond.qualNotYet', 'qualification "{name}" not valid before {date}', v);
    case 'training.not_completed':
      return tr('unit.cond.trainingMissing', 'training "{name}" not completed', v);
    case 'training.completed_later':
      return tr('unit.cond.trainingLater', 'training "{name}" not completed until {date}', v);
    case 'fit.missing':
      return tr('unit.cond.fitMissing', 'not fit: no fitness record', v);
    case 'fit.expired':
      return tr('unit.cond.fitExpired', 'not fit: the fitness record expired {date}', v);
    case 'fit.not_yet_valid':
      return tr('unit.cond.fitNotYet', 'not fit: the fitness record is valid only from {date}', v);
    case 'activated.not_activated':
      return tr('unit.cond.notActivated', 'unit not activated', v);
    case 'activated.ended':
      return tr('unit.cond.activationEnded', 'unit not activated (the activation order of {unit} ended {date})', v);
    case 'activated.not_yet':
      return tr('unit.cond.activationLater', 'unit not activated (activation of {unit} from {date})', v);
    default:
      return null;
  }
}

/** A condition a member meets (params of a `held_by` condition: the condition, the
 * qualification or programme, and its dates or unit), or null when the page has no words. */
export function metWords(c) {
  const v = { name: words(c.name ?? ''), date: c.date ? day(c.date) : '', until: c.until ? day(c.until) : '', unit: c.unit ?? '' };
  switch (`${c.condition}.${c.state}`) {
    case 'qualification.valid':
      return c.date ? tr('unit.met.qualUntil', 'qualification "{name}" valid until {date}', v) : tr('unit.met.qual', 'qualification "{name}" valid, no expiry', v);
    case 'training.completed':
      return tr('unit.met.training', 'training "{name}" completed {date}', v);
    case 'fit.fit':
      return c.date ? tr('unit.met.fitUntil', 'fit until {date}', v) : tr('unit.met.fit', 'fit, no end date', v);
    case 'activated.activated':
      return c.until ? tr('unit.met.activatedUntil', '{unit} activated since {date} until {until}', v) : tr('unit.met.activated', '{unit} activated since {date}', v);
    default:
      return null;
  }
}

/** How a member holds a power, one line per grant (`held_by` of GET …/authority): the act
 * and clause, then each condition met; in English, and for a line the page has no words
 * for, the server's `basis` line. A unit's lines are its member counts (countWords). */
export function heldWords(p) {
  const held = p.held_by ?? [];
  if (language() === 'en' || held.length !== p.basis.length) return p.basis.map(countWords);
  return held.map((b, i) => {
    const grant = `${b.act} ${b.clause}`;
    if (!b.conditions.length) {
      const category = b.axis === 'agency_kind' ? tr(`agencyKind.${b.category}`, b.category).toLowerCase() : words(b.category);
      return tr('unit.met.none', '{grant}: granted to {category}, no conditions', { grant, category });
    }
    const met = b.conditions.map(metWords);
    if (met.includes(null)) return countWords(p.basis[i]);
    return `${grant}: ${met.map((m) => `${m} ✓`).join(', ')}`;
  });
}

/** One of the law's reasons for a missing power, without the power in front (a refused
 * assignment's `coded_reasons`: code, act, clause, text, params). */
export function lawReasonWords(power, r) {
  const text = reasonWords(r);
  for (const prefix of [`${tr(`power.${power}`, power)}: `, `${power}: `]) {
    if (text.startsWith(prefix)) return text.slice(prefix.length);
  }
  return text;
}

/** A requirement a unit fails for a task other than a power (code and params of a reason of
 * the eligibility rules), in the reader's language; null when the page has no words for it. */
export function eligibilityWords(r) {
  const p = r.params ?? {};
  switch (r.code) {
    case 'status_not_available':
      if (!p.status) return null;
      return tr('task.why.status', 'status {status} is not available for tasking', { status: words(p.status) });
    case 'missing_capability':
      if (!p.capability) return null;
      return tr('task.why.capability', 'lacks the capability "{capability}"', { capability: words(p.capability) });
    case 'readiness_too_low':
      if (p.readiness == null || p.minimum == null) return null;
      return tr('task.why.readiness', 'readiness {readiness} is below the required {minimum}', { readiness: p.readiness, minimum: p.minimum });
    default:
      return null;
  }
}
