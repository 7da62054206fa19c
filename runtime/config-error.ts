/** A setting that cannot be used: its message names the variable and says what it must be. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}
