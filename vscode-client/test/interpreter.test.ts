import * as assert from 'node:assert/strict';

import {
  type LaunchInputs,
  type Probe,
  type ProbeResult,
  PIP_PACKAGE,
  failureNotice,
  installCommand,
  resolveLaunch,
  shellQuote,
} from '../src/interpreter';

/** A probe over a fixed world: which interpreters exist/have Vigil, what is on PATH, what is executable. */
function world(opts: { pythons?: Record<string, ProbeResult>; onPath?: string; executables?: string[] }): Probe & { probed: string[] } {
  const probed: string[] = [];
  return {
    probed,
    pythonHasVigil(interpreter) {
      probed.push(interpreter.join(' '));
      return Promise.resolve(opts.pythons?.[interpreter[0]] ?? { status: 'no-interpreter', detail: 'cannot run it (ENOENT)' });
    },
    findOnPath: () => Promise.resolve(opts.onPath),
    isExecutable: (f) => Promise.resolve((opts.executables ?? []).includes(f)),
  };
}

const ok: ProbeResult = { status: 'ok', version: '0.1.0' };
const noVigil: ProbeResult = { status: 'no-vigil', detail: 'Vigil is not importable (ModuleNotFoundError)' };
const inputs = (o: Partial<LaunchInputs>): LaunchInputs => ({ interpreterSetting: [], pathSetting: [], ...o });

describe('interpreter: resolveLaunch order', () => {
  it('1. vigil.interpreter wins and runs `python -m vigil serve` with its extra arguments', async () => {
    const probe = world({ pythons: { '/venv/bin/python': ok, '/ext/python': ok }, onPath: '/usr/bin/vigil' });
    const r = await resolveLaunch(inputs({ interpreterSetting: ['/venv/bin/python', '-X', 'utf8'], activeEnvironment: ['/ext/python'] }), probe);
    assert.equal(r.kind, 'ok');
    assert.deepEqual(r.kind === 'ok' && r.launch, {
      command: '/venv/bin/python',
      args: ['-X', 'utf8', '-m', 'vigil', 'serve'],
      source: 'vigil.interpreter',
      version: '0.1.0',
    });
    assert.deepEqual(probe.probed, ['/venv/bin/python -X utf8'], 'the Python extension is not consulted');
  });

  it('2. then the Python extension environment', async () => {
    const r = await resolveLaunch(inputs({ activeEnvironment: ['/ext/python'] }), world({ pythons: { '/ext/python': ok }, onPath: '/usr/bin/vigil' }));
    assert.deepEqual(r.kind === 'ok' && [r.launch.command, r.launch.args, r.launch.source], ['/ext/python', ['-m', 'vigil', 'serve'], 'python-extension']);
  });

  it('3. then `vigil` on PATH (when the environment lacks Vigil)', async () => {
    const r = await resolveLaunch(inputs({ activeEnvironment: ['/ext/python'], pathSetting: ['/opt/vigil'] }), world({ pythons: { '/ext/python': noVigil }, onPath: '/usr/bin/vigil', executables: ['/opt/vigil'] }));
    assert.deepEqual(r.kind === 'ok' && [r.launch.command, r.launch.args, r.launch.source], ['/usr/bin/vigil', ['serve'], 'PATH']);
    assert.ok(r.notes.some((n) => n.includes('/ext/python')), 'why the environment was skipped is logged');
  });

  it('4. then the first executable vigil.path entry', async () => {
    const r = await resolveLaunch(inputs({ pathSetting: ['/missing/vigil', '/opt/vigil'] }), world({ executables: ['/opt/vigil'] }));
    assert.deepEqual(r.kind === 'ok' && [r.launch.command, r.launch.args, r.launch.source], ['/opt/vigil', ['serve'], 'vigil.path']);
    assert.ok(r.notes.some((n) => n.includes('/missing/vigil')));
  });
});

describe('interpreter: resolveLaunch failures', () => {
  it('an explicit interpreter without Vigil is not silently replaced: offer the install there', async () => {
    const r = await resolveLaunch(inputs({ interpreterSetting: ['/venv/bin/python'] }), world({ pythons: { '/venv/bin/python': noVigil }, onPath: '/usr/bin/vigil' }));
    assert.equal(r.kind, 'not-installed');
    assert.deepEqual(r.kind === 'not-installed' && [r.interpreter, r.source], [['/venv/bin/python'], 'vigil.interpreter']);
  });

  it('an explicit interpreter that cannot run is reported as such', async () => {
    const r = await resolveLaunch(inputs({ interpreterSetting: ['/nope/python'] }), world({}));
    assert.equal(r.kind, 'bad-interpreter');
  });

  it('the Python extension environment lacks Vigil and nothing else works: offer the install into it', async () => {
    const r = await resolveLaunch(inputs({ activeEnvironment: ['/ext/python'] }), world({ pythons: { '/ext/python': noVigil } }));
    assert.deepEqual(r.kind === 'not-installed' && [r.interpreter, r.source], [['/ext/python'], 'python-extension']);
  });

  it('no Python extension, nothing on PATH, no vigil.path: nothing-found', async () => {
    const r = await resolveLaunch(inputs({}), world({}));
    assert.equal(r.kind, 'nothing-found');
    assert.ok(r.notes.length >= 2);
  });
});

describe('interpreter: install command and notices', () => {
  it('installs the PyPI distribution with the same interpreter', () => {
    assert.equal(PIP_PACKAGE, 'vigil-lsp');
    assert.deepEqual(installCommand(['/venv/bin/python', '-X', 'utf8']), ['/venv/bin/python', '-X', 'utf8', '-m', 'pip', 'install', '--upgrade', 'vigil-lsp']);
  });

  it('quotes only what a shell would split', () => {
    assert.equal(shellQuote(['/a b/python', '-m', 'pip', "it's"]), `'/a b/python' -m pip 'it'\\''s'`);
  });

  it('not-installed notice shows the exact command and offers Install/Copy', () => {
    const n = failureNotice({ kind: 'not-installed', interpreter: ['/venv/bin/python'], source: 'python-extension', notes: [] }, true);
    assert.equal(n.severity, 'warning');
    assert.ok(n.message.includes('/venv/bin/python -m pip install --upgrade vigil-lsp'), n.message);
    assert.deepEqual(n.actions, ['Install Vigil', 'Copy Command', 'Show Log']);
  });

  it('bad-interpreter notice points at the setting and offers no install', () => {
    const n = failureNotice({ kind: 'bad-interpreter', interpreter: ['/nope'], source: 'vigil.interpreter', detail: 'cannot run it (ENOENT)', notes: [] }, false);
    assert.equal(n.severity, 'error');
    assert.ok(n.message.includes('/nope') && n.message.includes('ENOENT'));
    assert.ok(!n.actions.includes('Install Vigil'));
  });

  it('nothing-found offers Select Interpreter only when the Python extension is there', () => {
    const r = { kind: 'nothing-found' as const, notes: [] };
    assert.ok(failureNotice(r, true).actions.includes('Select Interpreter'));
    assert.ok(!failureNotice(r, false).actions.includes('Select Interpreter'));
    assert.ok(failureNotice(r, false).message.includes('python3 -m pip install --upgrade vigil-lsp'));
  });
});
