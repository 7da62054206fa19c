/** People and teams as the rules see them. Plain records only. */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface RequesterFacts {
  email: string;
  vip: boolean;
  serviceLevel?: string;
  organisation?: string;
  department?: string;
}

export function createDirectoryRepo(sequelize: Sequelize) {
  return {
    /** What the rules may know about a requester; an unknown address is an ordinary, non-VIP requester. */
    async requesterFacts(email: string): Promise<RequesterFacts> {
      const rows = await sequelize.query<{ vip: boolean; service_level: string | null; organisation: string | null; department: string | null }>(
        `SELECT vip, service_level, organisation, department FROM users WHERE email = :email`,
        { replacements: { email }, type: QueryTypes.SELECT },
      );
      const r = rows[0];
      return {
        email,
        vip: r?.vip ?? false,
        ...(r?.service_level ? { serviceLevel: r.service_level } : {}),
        ...(r?.organisation ? { organisation: r.organisation } : {}),
        ...(r?.department ? { department: r.department } : {}),
      };
    },
  };
}

export type DirectoryRepo = ReturnType<typeof createDirectoryRepo>;
