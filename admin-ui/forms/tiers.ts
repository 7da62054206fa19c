/**
 * Support tiers and their teams as a form. Tiers are listed from the first line up (their order
 * is the escalation order) with their id, name and the ids of their teams; teams with their id,
 * name and tier. A team moved to another tier (its tier select changed) is also moved between the
 * tiers' lists. Removing a tier or a team is not refused: the form shows beforehand which teams,
 * ladder steps, defaults and rules name it, and the validator then says what breaks.
 *
 * Fields: `tier:<i>:id|name|teams`, `team:<i>:id|name|tier`, `newTier:id|name`,
 * `newTeam:id|name|tier`; buttons `op` = save, add-tier, add-team, remove-tier:<i>,
 * up-tier:<i>, down-tier:<i>, remove-team:<i>.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import type { Seg } from '../../rules/paths.ts';
import { asList, idsOf, isObj, listText, moveItem, opOf, options, posted, setField, shownText, splitList, textValue, type Obj } from './fields.ts';
import { fieldModel, type FieldModel, type PageProblems } from './page.ts';
import { referencesOf, usedByText, type Words } from './references.ts';

export const tiersMine = (segs: Seg[]): boolean => segs[0] === 'tiers' || segs[0] === 'teams';

export function tiersFieldFor(segs: Seg[]): string | undefined {
  const [list, i, key] = segs;
  if ((list !== 'tiers' && list !== 'teams') || typeof i !== 'number') return undefined;
  const kind = list === 'tiers' ? 'tier' : 'team';
  const keys = list === 'tiers' ? ['id', 'name', 'teams'] : ['id', 'name', 'tier'];
  return `${kind}-${i}-${typeof key === 'string' && keys.includes(key) ? key : 'id'}`;
}

export interface TierRow {
  index: number;
  /** 1-based: the line of support it is. */
  position: number;
  key: string;
  id: FieldModel;
  name: FieldModel;
  teams: FieldModel;
  usedBy: string;
  first: boolean;
  last: boolean;
}

export interface TeamRow {
  index: number;
  key: string;
  id: FieldModel;
  name: FieldModel;
  tier: FieldModel;
  usedBy: string;
}

export interface TiersView {
  tiers: TierRow[];
  teams: TeamRow[];
  newTier: { id: FieldModel; name: FieldModel };
  newTeam: { id: FieldModel; name: FieldModel; tier: FieldModel };
}

export function tiersView(file: Obj, p: PageProblems, t: Words): TiersView {
  const refs = referencesOf(file);
  const tiers = asList(file.tiers);
  const teams = asList(file.teams);
  const tierIds = idsOf(tiers);
  const unknownTier = (v: string): string => t('tiers.unknownTier', { tier: v });
  return {
    tiers: tiers.map((raw, i) => {
      const tier = isObj(raw) ? raw : {};
      return {
        index: i, position: i + 1, key: shownText(tier.id) || String(i + 1),
        id: fieldModel(p, `tier-${i}-id`, `tier:${i}:id`, shownText(tier.id)),
        name: fieldModel(p, `tier-${i}-name`, `tier:${i}:name`, shownText(tier.name)),
        teams: fieldModel(p, `tier-${i}-teams`, `tier:${i}:teams`, listText(tier.teams), { hint: 'tiers-teams-hint' }),
        usedBy: typeof tier.id === 'string' ? usedByText(refs.tiers.get(tier.id), t) : '',
        first: i === 0, last: i === tiers.length - 1,
      };
    }),
    teams: teams.map((raw, i) => {
      const team = isObj(raw) ? raw : {};
      return {
        index: i, key: shownText(team.id) || String(i + 1),
        id: fieldModel(p, `team-${i}-id`, `team:${i}:id`, shownText(team.id)),
        name: fieldModel(p, `team-${i}-name`, `team:${i}:name`, shownText(team.name)),
        tier: fieldModel(p, `team-${i}-tier`, `team:${i}:tier`, shownText(team.tier), { options: options(tierIds, team.tier, undefined, unknownTier) }),
        usedBy: typeof team.id === 'string' ? usedByText(refs.teams.get(team.id), t) : '',
      };
    }),
    newTier: { id: fieldModel(p, 'new-tier-id', 'newTier:id', ''), name: fieldModel(p, 'new-tier-name', 'newTier:name', '') },
    newTeam: {
      id: fieldModel(p, 'new-team-id', 'newTeam:id', ''),
      name: fieldModel(p, 'new-team-name', 'newTeam:name', ''),
      tier: fieldModel(p, 'new-team-tier', 'newTeam:tier', tierIds[0] ?? '', { options: options(tierIds, tierIds[0]) }),
    },
  };
}

const listValue = (s: string): string[] => splitList(s);

/** Takes `team` out of the team list of the tier with id `tier`, and puts it at the end of `into`'s. */
function moveTeam(tiers: unknown[], team: string, from: unknown, into: unknown): void {
  for (const tier of tiers) {
    if (!isObj(tier) || !Array.isArray(tier.teams)) continue;
    if (tier.id === from) tier.teams = tier.teams.filter((x) => x !== team);
  }
  const target = tiers.find((x) => isObj(x) && x.id === into) as Obj | undefined;
  if (!target) return;
  if (!Array.isArray(target.teams)) target.teams = [];
  if (!(target.teams as unknown[]).includes(team)) (target.teams as unknown[]).push(team);
}

/** The file with the tiers and teams as posted, the button's operation applied. */
export function applyTiers(file: Obj, body: FormBody): Obj {
  const next = structuredClone(file);
  const tiers = Array.isArray(next.tiers) ? next.tiers : [];
  const teams = Array.isArray(next.teams) ? next.teams : [];
  tiers.forEach((tier, i) => {
    if (!isObj(tier)) return;
    setField(tier, 'id', body, `tier:${i}:id`);
    setField(tier, 'name', body, `tier:${i}:name`);
    setField(tier, 'teams', body, `tier:${i}:teams`, listValue, listText);
  });
  teams.forEach((team, i) => {
    if (!isObj(team)) return;
    const oldTier = team.tier;
    setField(team, 'id', body, `team:${i}:id`);
    setField(team, 'name', body, `team:${i}:name`);
    setField(team, 'tier', body, `team:${i}:tier`);
    if (team.tier !== oldTier && typeof team.id === 'string') moveTeam(tiers, team.id, oldTier, team.tier);
  });

  const { op, index } = opOf(body);
  if (index !== undefined && op === 'remove-tier' && index < tiers.length) tiers.splice(index, 1);
  if (index !== undefined && (op === 'up-tier' || op === 'down-tier')) moveItem(tiers, index, op === 'up-tier' ? -1 : 1);
  if (index !== undefined && op === 'remove-team' && index < teams.length) {
    const [gone] = teams.splice(index, 1);
    const id = isObj(gone) ? gone.id : undefined;
    for (const tier of tiers) if (isObj(tier) && Array.isArray(tier.teams)) tier.teams = tier.teams.filter((x) => x !== id);
  }

  // A new tier or team is added when its fields are filled in, whichever button was used.
  const tierId = textValue(posted(body, 'newTier:id') ?? '');
  const tierName = textValue(posted(body, 'newTier:name') ?? '');
  if (tierId !== undefined || tierName !== undefined) {
    tiers.push({ ...(tierId !== undefined ? { id: tierId } : {}), ...(tierName !== undefined ? { name: tierName } : {}), teams: [] });
  }
  const teamId = textValue(posted(body, 'newTeam:id') ?? '');
  const teamName = textValue(posted(body, 'newTeam:name') ?? '');
  if (teamId !== undefined || teamName !== undefined) {
    const tier = textValue(posted(body, 'newTeam:tier') ?? '');
    teams.push({ ...(teamId !== undefined ? { id: teamId } : {}), ...(teamName !== undefined ? { name: teamName } : {}), ...(tier !== undefined ? { tier } : {}) });
    if (teamId !== undefined) moveTeam(tiers, teamId, undefined, tier);
  }
  if (tiers.length || Array.isArray(next.tiers)) next.tiers = tiers;
  if (teams.length || Array.isArray(next.teams)) next.teams = teams;
  return next;
}
