/**
 * The real probe against real processes: small shell scripts stand in for Python interpreters
 * (with Vigil, without it, broken), so these tests need no Python.
 */
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { createProbe, parseProbeOutput } from '../src/probe';

describe('probe: real processes', function () {
  let dir: string;
  const script = (name: string, body: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  before(function () {
    if (process.platform === 'win32') this.skip();
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-probe-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the version when the interpreter imports vigil', async () => {
    // The fake interpreter checks it was given `-c <script>` and answers like the real script would.
    const py = script('python-ok', '[ "$1" = "-X" ] && [ "$2" = "utf8" ] && [ "$3" = "-c" ] || exit 9\necho "noise from sitecustomize"\necho "VIGIL-PROBE:ok:0.1.0"');
    assert.deepEqual(await createProbe().pythonHasVigil([py, '-X', 'utf8']), { status: 'ok', version: '0.1.0' });
  });

  it('reports no-vigil when the import fails', async () => {
    const py = script('python-missing', "echo \"VIGIL-PROBE:missing:ModuleNotFoundError: No module named 'vigil'\"; exit 3");
    const r = await createProbe().pythonHasVigil([py]);
    assert.equal(r.status, 'no-vigil');
    assert.match(r.status === 'no-vigil' ? r.detail : '', /No module named 'vigil'/);
  });

  it('reports no-interpreter for a path that does not exist', async () => {
    const r = await createProbe().pythonHasVigil([path.join(dir, 'absent-python')]);
    assert.deepEqual(r, { status: 'no-interpreter', detail: 'cannot run it (ENOENT)' });
  });

  it('reports no-interpreter for a program that is not Python', async () => {
    const r = await createProbe().pythonHasVigil([script('not-python', 'echo "usage: whatever" >&2; exit 2')]);
    assert.equal(r.status, 'no-interpreter');
    assert.match(r.status === 'no-interpreter' ? r.detail : '', /usage: whatever/);
  });

  it('runs the interpreter in the given folder (the server gets the same one)', async () => {
    const py = script('python-cwd', 'echo "VIGIL-PROBE:ok:$(pwd)"');
    const r = await createProbe({ cwd: dir }).pythonHasVigil([py]);
    assert.deepEqual(r, { status: 'ok', version: dir });
  });

  it('gives up on a hung interpreter after the timeout', async () => {
    const r = await createProbe({ timeoutMs: 300 }).pythonHasVigil([script('python-hang', 'sleep 30')]);
    assert.equal(r.status, 'no-interpreter');
  });

  it('finds an executable on PATH and skips non-executable files', async () => {
    const a = mkdtempSync(path.join(dir, 'a-'));
    const b = mkdtempSync(path.join(dir, 'b-'));
    writeFileSync(path.join(a, 'vigil'), 'not executable');
    const exe = path.join(b, 'vigil');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    const probe = createProbe({ envPath: [a, b].join(path.delimiter) });
    assert.equal(await probe.findOnPath('vigil'), exe);
    assert.equal(await probe.findOnPath('no-such-tool'), undefined);
    assert.equal(await probe.isExecutable(exe), true);
    assert.equal(await probe.isExecutable(path.join(a, 'vigil')), false);
    assert.equal(await probe.isExecutable(a), false, 'a folder is not an executable');
  });
});

describe('probe: parseProbeOutput', () => {
  it('ignores output before the marker line', () => {
    assert.deepEqual(parseProbeOutput(null, 'hello\nVIGIL-PROBE:ok:1.2.3\n', ''), { status: 'ok', version: '1.2.3' });
  });
  it('treats EACCES like a missing interpreter', () => {
    assert.equal(parseProbeOutput({ code: 'EACCES', message: 'denied' }, '', '').status, 'no-interpreter');
  });
});

describe('probe: a real Python interpreter', function () {
  const python = process.env.VIGIL_TEST_PYTHON ?? 'python3';
  let dir: string;

  before(async function () {
    const r = await createProbe().pythonHasVigil([python, '-I']);
    if (r.status === 'no-interpreter') this.skip(); // no python3 on this machine
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-probe-py-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('the probe script is valid Python and reports a missing module as no-vigil', async () => {
    // -I -S: no site-packages, so `vigil` cannot be importable whatever is installed.
    const r = await createProbe().pythonHasVigil([python, '-I', '-S']);
    assert.equal(r.status, 'no-vigil');
    assert.match(r.status === 'no-vigil' ? r.detail : '', /ModuleNotFoundError/);
  });

  it('imports from the working folder first, which is why the server never runs in the workspace', async () => {
    mkdirSync(path.join(dir, 'vigil'));
    writeFileSync(path.join(dir, 'vigil', '__init__.py'), '__version__ = "9.9.9-from-cwd"\n');
    assert.deepEqual(await createProbe({ cwd: dir }).pythonHasVigil([python, '-S']), { status: 'ok', version: '9.9.9-from-cwd' });
  });
});
