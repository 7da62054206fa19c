// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';
import globals from 'globals';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

/** Import patterns of these top-level folders from any depth below another top-level folder. */
const under = (folders) => folders.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../../../${f}/*`]);

/** A folder's layering: imports of `forbidden` folders are errors, of `typesOnly` folders allowed as types only. */
function layer(files, forbidden, message, typesOnly = []) {
  return {
    files: [files],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: under(forbidden), message },
          ...(typesOnly.length ? [{ group: under(typesOnly), allowTypeImports: true, message }] : []),
        ],
      }],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'bench/results/**', 'admin-ui/public/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // No import circle (values; test/import-graph.test.ts also counts type-only imports).
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Imports name their files with the extension (allowImportingTsExtensions), so Node's resolution finds them.
      'import-x/resolver-next': [createNodeResolver()],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Workflow code must be deterministic: no Node built-ins, no I/O, no clocks or
    // libraries that read the world. Activities do that and history records the answer.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins.' })),
            { name: 'luxon', message: 'No time-zone arithmetic in workflows: compute it in an activity.' },
            { name: 'json-rules-engine', message: 'No rules evaluation in workflows: do it in an activity.' },
            { name: 'sequelize', message: 'No database in workflows: use an activity.' },
            { name: 'pg', message: 'No database in workflows: use an activity.' },
            { name: '@temporalio/activity', message: 'Workflows import activities as types only.' },
            { name: '@temporalio/client', message: 'Workflows do not use the client.' },
            { name: '@temporalio/worker', message: 'Workflows do not use the worker.' },
          ],
          patterns: [
            { group: under(['activities', 'db', 'api', 'runtime', 'rules', 'services', 'bin']), allowTypeImports: true, message: 'Workflows import only their own files and types.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setInterval', message: 'Use sleep()/condition() from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code is deterministic: no process.' },
      ],
    },
  },
  // Imports run one way: workflows ← activities ← services ← adapters (api/, bin/), all composed
  // in runtime/; rules/ is pure and the data layer takes only its types (see README, Architecture).
  {
    // The admin UI's browser code (bundled by esbuild, admin-ui/assets.ts): browser globals, no Node, no server code.
    files: ['admin-ui/client/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'Browser code: no Node built-ins.' })),
        patterns: [{ group: ['../*', '../../*', '../../../*'], allowTypeImports: true, message: 'Browser code imports only its own files (and types) and browser libraries.' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'Browser code: no process.' }],
    },
  },
  layer('services/**/*.ts', ['api', 'bin', 'runtime'], 'Services are called by the adapters (api/, bin/) and built in runtime/; they import neither.'),
  layer('activities/**/*.ts', ['services', 'api', 'bin', 'runtime'], 'Activities sit below the services and adapters: they import neither.'),
  layer('rules/**/*.ts', ['db', 'services', 'activities', 'api', 'bin', 'runtime'], 'rules/ is pure: no database, no service, no adapter (storage comes in through rules/versions-store.ts).'),
  layer('db/**/*.ts', ['services', 'activities', 'api', 'bin', 'runtime'], 'The data layer imports only the types of rules/ and workflows/.', ['rules', 'workflows']),
  {
    // A file over 400 lines holds more than one concept: split it (the workflow file reads as the process: 250).
    files: ['**/*.ts'],
    ignores: ['db/migrations/**', 'test/fixtures/**', 'test/histories/**'],
    rules: { 'max-lines': ['error', { max: 400 }] },
  },
  { files: ['workflows/ticket.ts'], rules: { 'max-lines': ['error', { max: 250 }] } },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
