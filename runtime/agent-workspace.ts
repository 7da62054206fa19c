/**
 * Builds the agents' workspace (services/agent/workspace.ts) for the web process: one per
 * process, given to createApp as AppDeps.agent (the staff pages get it as StaffDeps.agent).
 */
import type { i18n } from 'i18next';
import type { Sequelize } from 'sequelize';
import { createDuplicatesRepo } from '../db/duplicates-repo.ts';
import type { KbRepo } from '../db/kb-repo.ts';
import { createRequesterCardRepo } from '../db/requester-card-repo.ts';
import type { Vault } from '../db/vault.ts';
import { createSavedViewsRepo } from '../db/saved-views-repo.ts';
import { createTicketListRepo } from '../db/ticket-list-repo.ts';
import { createQueueService } from '../services/agent/queues.ts';
import { createSavedViews } from '../services/agent/saved-views.ts';
import { createTeamLoadRepo } from '../db/team-load-repo.ts';
import type { UsersRepo } from '../db/users-repo.ts';
import { createTeamView } from '../services/agent/team.ts';
import { createTicketContext } from '../services/agent/context.ts';
import { createCountdowns } from '../services/agent/countdown.ts';
import type { RulesVersions } from '../rules/versions.ts';
import type { AgentWorkspace, TicketFeed } from '../services/agent/workspace.ts';

/** What the workspace's parts are built from: the database's repositories and the web process's i18next. */
export interface AgentWorkspaceDeps {
  db: { sequelize: Sequelize; kb: KbRepo; vault: Vault; rules: Pick<RulesVersions, 'compiled'>; users: Pick<UsersRepo, 'listStaff'> };
  i18n: i18n;
  /**
   * The web process's live feed (runtime/ticket-feed.ts createTicketFeed over the read model's
   * database, closed when the web process closes); without it /agent/stream answers 503.
   */
  feed?: TicketFeed;
}

export function createAgentWorkspace(deps: AgentWorkspaceDeps): AgentWorkspace {
  const { db, i18n } = deps;
  return {
    countdowns: createCountdowns({ rules: db.rules, i18n }),
    queues: createQueueService({ list: createTicketListRepo(db.sequelize), vault: db.vault }),
    savedViews: createSavedViews({ repo: createSavedViewsRepo(db.sequelize) }),
    team: createTeamView({ repo: createTeamLoadRepo(db.sequelize), users: db.users }),
    ...(deps.feed ? { feed: deps.feed } : {}),
    context: createTicketContext({ cards: createRequesterCardRepo(db.sequelize), duplicates: createDuplicatesRepo(db.sequelize), kb: db.kb, vault: db.vault, i18n }),
  };
}
