import * as assert from 'node:assert/strict';

import { countFindings, statusView } from '../src/status';

describe('status: countFindings', () => {
  it('counts only diagnostics whose source is vigil, and the files that have any', () => {
    const entries = [
      ['file:///a.py', [{ source: 'vigil' }, { source: 'Pylance' }, { source: 'vigil' }]],
      ['file:///b.py', [{ source: 'ruff' }]],
      ['untitled:Untitled-1', [{ source: 'vigil' }]],
      ['file:///c.py', []],
    ] as const;
    assert.deepEqual(countFindings(entries), { findings: 3, files: 2 });
  });
});

describe('status: statusView', () => {
  it('shows the number of findings while running', () => {
    const v = statusView('running', { findings: 3, files: 2 });
    assert.equal(v.text, '$(shield) Vigil: 3');
    assert.match(v.tooltip, /3 findings in 2 files/);
    assert.equal(v.level, 'normal');
  });
  it('uses singular wording for one finding', () => {
    assert.match(statusView('running', { findings: 1, files: 1 }).tooltip, /1 finding in 1 file$/);
  });
  it('shows no count when clean', () => {
    assert.equal(statusView('running', { findings: 0, files: 0 }).text, '$(shield) Vigil');
  });
  it('marks failures and missing installs so they are noticed', () => {
    assert.equal(statusView('failed', { findings: 0, files: 0 }, 'boom').level, 'error');
    assert.match(statusView('failed', { findings: 0, files: 0 }, 'boom').tooltip, /boom/);
    assert.equal(statusView('not-installed', { findings: 0, files: 0 }).level, 'warning');
    assert.equal(statusView('stopped', { findings: 0, files: 0 }).level, 'warning');
    assert.match(statusView('starting', { findings: 0, files: 0 }).text, /spin/);
  });
});
