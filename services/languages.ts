/** The languages the desk speaks: locales/{lng}/*.json exist for each, and a ticket follows one. */
export const LANGUAGES = ['en', 'pl', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
