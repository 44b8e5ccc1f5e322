import * as assert from 'node:assert/strict';

import {
  CLIENT_SETTING_DEFAULTS,
  type ConfigSource,
  type PathVariables,
  SERVER_SETTING_DEFAULTS,
  affectsServer,
  expandVariables,
  needsRestart,
  resolveClientSettings,
  resolveServerSettings,
} from '../src/settings';
import { manifest } from './packageJson';

/** A ConfigSource over a plain object of `vigil.*` values (keys without the prefix). */
function config(values: Record<string, unknown>): ConfigSource {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

const vars: PathVariables = { workspaceFolder: '/ws/proj', userHome: '/home/u', env: { VENV: '/opt/venv' } };

describe('settings: package.json mirrors contract §2', () => {
  const props = manifest.contributes.configuration.properties;

  it('declares every server setting with the contract default and a description', () => {
    for (const [key, def] of Object.entries(SERVER_SETTING_DEFAULTS)) {
      const prop = props[`vigil.${key}`];
      assert.ok(prop, `vigil.${key} missing from package.json`);
      assert.deepEqual(prop.default, def, `default of vigil.${key}`);
      assert.ok((prop.description ?? prop.markdownDescription ?? '').length > 20, `vigil.${key} needs a description`);
    }
  });

  it('declares the client-only settings (interpreter, path, trace.server) with defaults', () => {
    assert.deepEqual(props['vigil.interpreter'].default, CLIENT_SETTING_DEFAULTS.interpreter);
    assert.deepEqual(props['vigil.path'].default, CLIENT_SETTING_DEFAULTS.path);
    assert.equal(props['vigil.trace.server'].default, CLIENT_SETTING_DEFAULTS.trace);
    assert.deepEqual(props['vigil.trace.server'].enum, ['off', 'messages', 'verbose']);
  });

  it('declares nothing the code does not know about', () => {
    const known = new Set([...Object.keys(SERVER_SETTING_DEFAULTS).map((k) => `vigil.${k}`), 'vigil.interpreter', 'vigil.path', 'vigil.trace.server']);
    assert.deepEqual(Object.keys(props).filter((k) => !known.has(k)), []);
  });

  it('keeps trustedRuleDirs user-level only, so a repository cannot trust its own Python checks', () => {
    assert.equal(props['vigil.trustedRuleDirs'].scope, 'application');
  });

  it('keeps cacheDir machine-level, so a repository cannot point Vigil at results it wrote', () => {
    assert.equal(props['vigil.cacheDir'].scope, 'machine');
    assert.equal(props['vigil.cacheDir'].type, 'string');
  });

  it('enums in package.json match what the resolver accepts', () => {
    assert.deepEqual(props['vigil.run'].enum, ['onType', 'onSave']);
    assert.deepEqual(props['vigil.workspaceScan'].enum, ['off', 'openFiles', 'workspace']);
    assert.deepEqual(props['vigil.logLevel'].enum, ['error', 'warning', 'info', 'debug']);
  });
});

describe('settings: resolveServerSettings', () => {
  it('gives the contract defaults when nothing is set', () => {
    const r = resolveServerSettings(config({}), vars);
    assert.deepEqual(r.value, SERVER_SETTING_DEFAULTS);
    assert.deepEqual(r.problems, []);
  });

  it('passes valid values through unchanged (camelCase keys)', () => {
    const r = resolveServerSettings(
      config({
        enable: false,
        select: ['INJ', 'DES002'],
        ignore: ['WEB002'],
        severityOverrides: { WEB002: 'low' },
        run: 'onSave',
        workspaceScan: 'openFiles',
        maxWorkspaceFiles: 10,
        logLevel: 'debug',
      }),
      vars,
    );
    assert.deepEqual(r.problems, []);
    assert.equal(r.value.enable, false);
    assert.deepEqual(r.value.select, ['INJ', 'DES002']);
    assert.deepEqual(r.value.ignore, ['WEB002']);
    assert.deepEqual(r.value.severityOverrides, { WEB002: 'low' });
    assert.equal(r.value.run, 'onSave');
    assert.equal(r.value.workspaceScan, 'openFiles');
    assert.equal(r.value.maxWorkspaceFiles, 10);
    assert.equal(r.value.logLevel, 'debug');
  });

  it('falls back to defaults on wrong types and names each bad key', () => {
    const r = resolveServerSettings(config({ enable: 'yes', run: 'always', maxWorkspaceFiles: -1, select: 42, severityOverrides: { A: 'fatal', B: 'HIGH' } }), vars);
    assert.equal(r.value.enable, true);
    assert.equal(r.value.run, 'onType');
    assert.equal(r.value.maxWorkspaceFiles, 5000);
    assert.deepEqual(r.value.select, []);
    assert.deepEqual(r.value.severityOverrides, { B: 'high' }, 'case-insensitive severities are kept, unknown ones dropped');
    assert.deepEqual(
      r.problems.map((p) => p.key).sort(),
      ['vigil.enable', 'vigil.maxWorkspaceFiles', 'vigil.run', 'vigil.select', 'vigil.severityOverrides'],
    );
  });

  it('accepts a lone string where a list is expected and drops blank items', () => {
    const r = resolveServerSettings(config({ select: 'INJ', ignore: ['', 'X', 3] }), vars);
    assert.deepEqual(r.value.select, ['INJ']);
    assert.deepEqual(r.value.ignore, ['X']);
    assert.deepEqual(r.problems.map((p) => p.key), ['vigil.ignore']);
  });

  it('makes ruleDirs absolute: relative to the workspace folder, with variables and ~ expanded', () => {
    const r = resolveServerSettings(config({ ruleDirs: ['./rules', 'more/rules', '${workspaceFolder}/x', '~/r', '/abs', '${env:VENV}/r'] }), vars);
    assert.deepEqual(r.value.ruleDirs, ['/ws/proj/rules', '/ws/proj/more/rules', '/ws/proj/x', '/home/u/r', '/abs', '/opt/venv/r']);
  });

  it('never resolves trustedRuleDirs against the workspace (they are user-level paths)', () => {
    const r = resolveServerSettings(config({ trustedRuleDirs: ['rules', '~/trusted'] }), vars);
    assert.deepEqual(r.value.trustedRuleDirs, ['rules', '/home/u/trusted']);
  });

  it('passes cacheDir with ~ and ${env:...} expanded, never against the workspace; blank is unset', () => {
    assert.equal(resolveServerSettings(config({ cacheDir: '~/.cache/v' }), vars).value.cacheDir, '/home/u/.cache/v');
    assert.equal(resolveServerSettings(config({ cacheDir: '${env:VENV}/c' }), vars).value.cacheDir, '/opt/venv/c');
    assert.equal(resolveServerSettings(config({ cacheDir: 'rel' }), vars).value.cacheDir, 'rel');
    assert.equal(resolveServerSettings(config({ cacheDir: '  ' }), vars).value.cacheDir, '');
    const bad = resolveServerSettings(config({ cacheDir: 3 }), vars);
    assert.equal(bad.value.cacheDir, '');
    assert.deepEqual(bad.problems.map((p) => p.key), ['vigil.cacheDir']);
  });
});

describe('settings: resolveClientSettings', () => {
  it('expands variables in the interpreter path but not in its arguments', () => {
    const r = resolveClientSettings(config({ interpreter: ['${workspaceFolder}/.venv/bin/python', '-X', '${userHome}'] }), vars);
    assert.deepEqual(r.value.interpreter, ['/ws/proj/.venv/bin/python', '-X', '${userHome}']);
  });

  it('reads vigil.path entries and the trace level', () => {
    const r = resolveClientSettings(config({ path: ['~/bin/vigil'], 'trace.server': 'verbose' }), vars);
    assert.deepEqual(r.value.path, ['/home/u/bin/vigil']);
    assert.equal(r.value.trace, 'verbose');
  });

  it('defaults to an empty interpreter, no paths and trace off', () => {
    assert.deepEqual(resolveClientSettings(config({}), vars).value, CLIENT_SETTING_DEFAULTS);
  });
});

describe('settings: expandVariables', () => {
  it('leaves ${workspaceFolder} in place when there is no folder, so the error shows it', () => {
    assert.equal(expandVariables('${workspaceFolder}/x', { userHome: '/h', env: {} }), '${workspaceFolder}/x');
  });
  it('does not expand ~ in the middle of a path', () => {
    assert.equal(expandVariables('/a/~/b', vars), '/a/~/b');
  });
  it('expands an unset environment variable to empty', () => {
    assert.equal(expandVariables('${env:NOPE}/x', vars), '/x');
  });
});

describe('settings: which changes restart the server', () => {
  const only = (...changed: string[]) => (section: string) => changed.some((c) => c === section || c.startsWith(section + '.'));

  it('restarts for interpreter and path', () => {
    assert.equal(needsRestart(only('vigil.interpreter')), true);
    assert.equal(needsRestart(only('vigil.path')), true);
  });
  it('sends live updates, not restarts, for analysis settings', () => {
    for (const key of ['vigil.select', 'vigil.severityOverrides', 'vigil.run', 'vigil.workspaceScan', 'vigil.ruleDirs', 'vigil.logLevel']) {
      assert.equal(needsRestart(only(key)), false, key);
      assert.equal(affectsServer(only(key)), true, key);
    }
  });
  it('does neither for trace.server (vscode-languageclient applies it) or other extensions', () => {
    assert.equal(needsRestart(only('vigil.trace.server')), false);
    assert.equal(affectsServer(only('vigil.trace.server')), false);
    assert.equal(affectsServer(only('python.defaultInterpreterPath')), false);
  });
});
