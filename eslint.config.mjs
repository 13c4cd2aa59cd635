import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The shape of src/ (see README, "Code layout"): folders depend in one direction. Each folder
 * lists the folders it may import values from (type-only imports are free: they vanish at run
 * time); `app.ts`, `server.ts` and `cli.ts` assemble everything and may import anything.
 */
const FEATURES = [
  'mail',
  'webhooks',
  'audit',
  'users',
  'tokens',
  'mfa',
  'passkeys',
  'auth',
  'oauth',
  'settings',
  'flags',
  'projects',
  'specifications',
  'items',
  'links',
  'baselines',
  'approvals',
  'documents',
  'imports',
  'accounts',
  'health',
  'control',
  'console',
];
const MAY_IMPORT = {
  domain: [],
  platform: [],
  http: ['domain', 'platform'],
  mail: ['domain', 'platform', 'http'],
  // The audit log and project activity: every feature records its events here.
  audit: ['domain', 'platform', 'http', 'webhooks'],
  // Webhooks: a project's events delivered out (the outbox that audit's activity fills).
  webhooks: ['domain', 'platform', 'http', 'mail'],
  users: ['domain', 'platform', 'http'],
  // Sign-in factors and tokens, below auth, which builds sign-in flows from them.
  tokens: ['domain', 'platform', 'http', 'users', 'audit'],
  mfa: ['domain', 'platform', 'http', 'users', 'audit'],
  passkeys: ['domain', 'platform', 'http', 'users', 'audit'],
  auth: ['domain', 'platform', 'http', 'users', 'mail', 'audit', 'tokens', 'mfa', 'passkeys'],
  oauth: ['domain', 'platform', 'http', 'users', 'passkeys', 'auth'],
  settings: ['domain', 'platform', 'http', 'auth', 'oauth'],
  flags: ['domain', 'platform', 'http', 'audit'],
  projects: ['domain', 'platform', 'http', 'users', 'audit', 'webhooks'],
  specifications: ['domain', 'platform', 'http', 'audit', 'projects'],
  items: ['domain', 'platform', 'http', 'audit', 'projects', 'specifications'],
  links: ['domain', 'platform', 'http', 'audit', 'projects', 'specifications', 'items'],
  // Snapshots of a specification and what changed between them.
  baselines: [
    'domain',
    'platform',
    'http',
    'audit',
    'projects',
    'specifications',
    'items',
    'links',
  ],
  // Electronic signatures of items and baselines; signing re-authenticates.
  approvals: [
    'domain',
    'platform',
    'http',
    'audit',
    'users',
    'auth',
    'projects',
    'specifications',
    'items',
    'baselines',
  ],
  // A specification or a baseline as a file: its items with their links (export, trace matrix).
  documents: [
    'domain',
    'platform',
    'http',
    'projects',
    'specifications',
    'items',
    'links',
    'baselines',
  ],
  // Files into a project: ReqIF, JSON and CSV read, matched against the project and written.
  imports: [
    'domain',
    'platform',
    'http',
    'audit',
    'projects',
    'specifications',
    'items',
    'links',
    'baselines',
    'documents',
  ],
  accounts: ['domain', 'platform', 'http', 'audit', 'users', 'tokens', 'mfa', 'auth', 'projects'],
  health: ['domain', 'platform', 'http'],
  // The control socket runs commands for the CLI in the serving process.
  control: ['domain', 'platform', 'http', 'users', 'auth', 'accounts'],
  // The web console's built files, served at `/`.
  console: ['domain', 'platform', 'http'],
};
const FOLDERS = Object.keys(MAY_IMPORT);
for (const f of FEATURES) if (!FOLDERS.includes(f)) throw new Error(`no layer for ${f}`);

// Another folder's repository is private to it: go through its service.
const FOREIGN_REPOSITORY = {
  group: ['../*/*.repository.js', '../**/*.repository.js'],
  message: "Another feature's repository is private to it: call its service.",
};

function layerRules(folder, extra = []) {
  const forbidden = FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f));
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ...(forbidden.length > 0
            ? [
                {
                  group: forbidden.flatMap((f) => [`../${f}/*`, `../../${f}/*`]),
                  allowTypeImports: true,
                  message: `src/${folder} may import values from ${MAY_IMPORT[folder].join(', ') || 'nothing outside itself'} only (eslint.config.mjs).`,
                },
              ]
            : []),
          FOREIGN_REPOSITORY,
          ...extra,
        ],
      },
    ],
  };
}

// The edge of a feature: its routes and their schemas, the flows they call, its plugins. Only
// these use http/.
const EDGE = [
  '**/*.routes.ts',
  '**/*.schemas.ts',
  '**/*.flows.ts',
  '**/*.plugin.ts',
  'src/auth/authenticate.ts',
];

const architecture = [
  ...FOLDERS.flatMap((folder) => [
    { files: [`src/${folder}/**/*.ts`], rules: layerRules(folder) },
    {
      // Services, repositories and the helpers beside them know nothing of HTTP.
      files: [`src/${folder}/**/*.ts`],
      ignores: folder === 'http' ? ['src/http/**'] : EDGE,
      rules: layerRules(folder, [
        {
          group: ['../http/*'],
          allowTypeImports: true,
          message: 'Only routes, flows and plugins use http/: shared rules live in domain/.',
        },
      ]),
    },
  ]),
  {
    // The edge opens transactions (http/unit-of-work.ts, through domain/unit-of-work.ts) and
    // hands them down; nothing else does.
    files: ['src/**/*.ts'],
    ignores: ['src/domain/unit-of-work.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='transaction']",
          message: 'Take `tx` from the edge (work() in http/unit-of-work.ts) instead.',
        },
      ],
    },
  },
];

export default tseslint.config(
  // bin/ and scripts/*.mjs are plain JavaScript that runs before any build.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bin/**',
      'scripts/*.mjs',
      'eslint.config.mjs',
      'packages/client/dist/**',
      // Generated by openapi-typescript (npm run generate:client).
      'packages/client/src/schema.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  ...architecture,
  {
    // Migrations are written against Kysely<any> (Kysely docs): they must not know app types.
    files: ['src/platform/migrations/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read JSON bodies of responses, which are untyped by nature.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
