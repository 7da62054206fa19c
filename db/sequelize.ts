import { Sequelize } from 'sequelize';

export interface DbOptions {
  url: string;
  /** Connection pool size per process. */
  poolMax?: number;
  logging?: (sql: string) => void;
}

/** One Sequelize instance per process; pass it to repositories, never import it globally. */
export function connect(opts: DbOptions): Sequelize {
  return new Sequelize(opts.url, {
    dialect: 'postgres',
    logging: opts.logging ?? false,
    pool: { max: opts.poolMax ?? 10, min: 0, idle: 10_000, acquire: 30_000 },
    define: { underscored: true, timestamps: false },
  });
}
