/**
 * Reading and resolving the `vigil.*` settings.
 *
 * This module does not import `vscode`: it works on a tiny `ConfigSource` (what
 * `WorkspaceConfiguration` already is), so the rules below are unit-tested with plain objects.
 *
 * Two groups of settings exist (contract §2):
 * - server settings: sent to the server as `initializationOptions.settings` and as the answer to
 *   `workspace/configuration` for section `vigil`, camelCase, merged by the server over
 *   `[tool.vigil]` of the workspace's pyproject.toml;
 * - client settings (`interpreter`, `path`, `trace.server`): how to start the server; they never
 *   reach the server's analysis.
 */

/** The subset of `vscode.WorkspaceConfiguration` this module needs. */
export interface ConfigSource {
  get<T>(section: string): T | undefined;
}

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type RunMode = 'onType' | 'onSave';
export type WorkspaceScan = 'off' | 'openFiles' | 'workspace';
export type LogLevel = 'error' | 'warning' | 'info' | 'debug';
export type TraceLevel = 'off' | 'messages' | 'verbose';

/** Exactly the object the server receives (contract §2); keys are the `vigil.<key>` names. */
export interface ServerSettings {
  enable: boolean;
  select: string[];
  ignore: string[];
  severityOverrides: Record<string, Severity>;
  run: RunMode;
  workspaceScan: WorkspaceScan;
  maxWorkspaceFiles: number;
  ruleDirs: string[];
  trustedRuleDirs: string[];
  logLevel: LogLevel;
  /** Persistent result cache folder; '' = $VIGIL_CACHE_DIR or the user cache folder. */
  cacheDir: string;
}

/** Settings that only decide how the client starts the server. */
export interface ClientSettings {
  interpreter: string[];
  path: string[];
  trace: TraceLevel;
}

export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const RUN_MODES: readonly RunMode[] = ['onType', 'onSave'];
const SCAN_MODES: readonly WorkspaceScan[] = ['off', 'openFiles', 'workspace'];
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'debug'];
const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'messages', 'verbose'];

/** Defaults of contract §2; `package.json` must declare the same (a unit test checks it). */
export const SERVER_SETTING_DEFAULTS: Readonly<ServerSettings> = Object.freeze({
  enable: true,
  select: [],
  ignore: [],
  severityOverrides: {},
  run: 'onType',
  workspaceScan: 'workspace',
  maxWorkspaceFiles: 5000,
  ruleDirs: [],
  trustedRuleDirs: [],
  logLevel: 'warning',
  cacheDir: '',
});

export const CLIENT_SETTING_DEFAULTS: Readonly<ClientSettings> = Object.freeze({
  interpreter: [],
  path: [],
  trace: 'off',
});

/** Settings whose change needs a new server process; every other change is sent live. */
export const RESTART_SETTINGS: readonly string[] = ['vigil.interpreter', 'vigil.path'];

/** Values substituted into paths, as VS Code users know them from tasks and launch configs. */
export interface PathVariables {
  /** Folder of the workspace folder the settings belong to, if any. */
  workspaceFolder?: string;
  userHome: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Why a setting value was not used (shown in the output channel, never thrown). */
export interface SettingProblem {
  key: string;
  message: string;
}

export interface Resolved<T> {
  value: T;
  problems: SettingProblem[];
}

/**
 * Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`.
 *
 * An unknown `${...}` is left as is so the user sees it in the error that follows, rather than
 * the path silently turning into something else.
 */
export function expandVariables(value: string, vars: PathVariables): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (envName !== undefined) {
      return vars.env[envName] ?? '';
    }
    if (name === 'userHome') {
      return vars.userHome;
    }
    return vars.workspaceFolder ?? whole;
  });
  if (out === '~' || out.startsWith('~/')) {
    out = vars.userHome + out.slice(1);
  }
  return out;
}

/** True for POSIX absolute paths and Windows drive/UNC paths. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** Resolve a folder setting to an absolute path: relative paths are taken from the workspace folder. */
export function resolveFolder(value: string, vars: PathVariables): string {
  const expanded = expandVariables(value, vars);
  if (isAbsolutePath(expanded) || vars.workspaceFolder === undefined) {
    return expanded;
  }
  const base = vars.workspaceFolder.replace(/[\\/]+$/, '');
  const rest = expanded.replace(/^\.[\\/]/, '');
  return rest === '.' || rest === '' ? base : `${base}/${rest}`;
}

class Reader {
  readonly problems: SettingProblem[] = [];

  constructor(private readonly cfg: ConfigSource) {}

  private raw(key: string): unknown {
    return this.cfg.get<unknown>(key);
  }

  private bad(key: string, message: string): void {
    this.problems.push({ key: `vigil.${key}`, message });
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    this.bad(key, `expected true or false, got ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  }

  int(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    this.bad(key, `expected a whole number >= 0, got ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  }

  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.bad(key, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  }

  /** One string; blank means "not set". */
  string(key: string, fallback: string): string {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return v.trim();
    this.bad(key, `expected a string, got ${JSON.stringify(v)}; using ${JSON.stringify(fallback)}`);
    return fallback;
  }

  /** A string list; a lone string is accepted as a one-item list (a common hand-edit). */
  strings(key: string): string[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return v.trim() === '' ? [] : [v];
    if (Array.isArray(v)) {
      const items = v.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
      if (items.length !== v.length) this.bad(key, 'ignored items that are not non-empty strings');
      return items;
    }
    this.bad(key, `expected a list of strings, got ${JSON.stringify(v)}; using []`);
    return [];
  }

  severities(key: string): Record<string, Severity> {
    const v = this.raw(key);
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.bad(key, `expected an object {"RULE": "severity"}, got ${JSON.stringify(v)}; using {}`);
      return {};
    }
    const out: Record<string, Severity> = {};
    for (const [rule, sev] of Object.entries(v as Record<string, unknown>)) {
      const lower = typeof sev === 'string' ? sev.toLowerCase() : sev;
      if (typeof lower === 'string' && (SEVERITIES as readonly string[]).includes(lower)) {
        out[rule] = lower as Severity;
      } else {
        this.bad(key, `severity of ${rule} must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(sev)}; ignored`);
      }
    }
    return out;
  }
}

/**
 * The server settings for one workspace folder (or the window, when `vars.workspaceFolder` is unset).
 *
 * Wrong types fall back to the default and are reported, because a typo in settings.json should
 * not stop security findings from appearing.
 */
export function resolveServerSettings(cfg: ConfigSource, vars: PathVariables): Resolved<ServerSettings> {
  const r = new Reader(cfg);
  const d = SERVER_SETTING_DEFAULTS;
  const value: ServerSettings = {
    enable: r.bool('enable', d.enable),
    select: r.strings('select'),
    ignore: r.strings('ignore'),
    severityOverrides: r.severities('severityOverrides'),
    run: r.choice('run', RUN_MODES, d.run),
    workspaceScan: r.choice('workspaceScan', SCAN_MODES, d.workspaceScan),
    maxWorkspaceFiles: r.int('maxWorkspaceFiles', d.maxWorkspaceFiles),
    ruleDirs: r.strings('ruleDirs').map((p) => resolveFolder(p, vars)),
    trustedRuleDirs: r.strings('trustedRuleDirs').map((p) => resolveFolder(p, { ...vars, workspaceFolder: undefined })),
    logLevel: r.choice('logLevel', LOG_LEVELS, d.logLevel),
    // Machine-level only (like trustedRuleDirs): a repository must not point Vigil at a cache of
    // results it wrote itself. `~` and `${env:...}` are expanded; there is no workspace folder.
    cacheDir: ((dir) => (dir === '' ? '' : resolveFolder(dir, { ...vars, workspaceFolder: undefined })))(
      r.string('cacheDir', d.cacheDir),
    ),
  };
  return { value, problems: r.problems };
}

/** How to start the server: interpreter command line, executable paths, trace level. */
export function resolveClientSettings(cfg: ConfigSource, vars: PathVariables): Resolved<ClientSettings> {
  const r = new Reader(cfg);
  const value: ClientSettings = {
    // Only the first item is a path (the interpreter); later items are its arguments.
    interpreter: r.strings('interpreter').map((p, i) => (i === 0 ? expandVariables(p, vars) : p)),
    path: r.strings('path').map((p) => expandVariables(p, vars)),
    trace: r.choice('trace.server', TRACE_LEVELS, CLIENT_SETTING_DEFAULTS.trace),
  };
  return { value, problems: r.problems };
}

/** Whether a configuration change needs a new server process (vs. a live `didChangeConfiguration`). */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((s) => affects(s));
}

/** Whether a configuration change is one the running server should hear about. */
export function affectsServer(affects: (section: string) => boolean): boolean {
  return (Object.keys(SERVER_SETTING_DEFAULTS) as (keyof ServerSettings)[]).some((k) => affects(`vigil.${k}`));
}
