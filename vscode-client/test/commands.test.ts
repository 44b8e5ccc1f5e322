import * as assert from 'node:assert/strict';

import { type ArgumentSources, CLIENT_COMMANDS, SERVER_COMMANDS, completeArguments, registerClientCommands } from '../src/commands';
import { manifest } from './packageJson';

function sources(o: Partial<ArgumentSources> & { picks?: (string | undefined)[] } = {}): ArgumentSources & { infos: string[]; offered: string[][] } {
  const infos: string[] = [];
  const offered: string[][] = [];
  const picks = [...(o.picks ?? [])];
  return {
    infos,
    offered,
    activeDocumentUri: o.activeDocumentUri ?? (() => undefined),
    ruleIdsAtCursor: o.ruleIdsAtCursor ?? (() => []),
    ruleIdsInDocument: o.ruleIdsInDocument ?? (() => []),
    pickRule: (ids) => {
      offered.push(ids);
      return Promise.resolve(picks.shift());
    },
    info: (m) => infos.push(m),
  };
}

describe('commands: package.json contributions', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();

  it('contributes exactly the client commands and the contract §4 server commands', () => {
    assert.deepEqual(contributed, [...Object.values(CLIENT_COMMANDS), ...Object.values(SERVER_COMMANDS)].sort());
  });

  it('gives every command a title in the Vigil category (Command Palette: "Vigil: ...")', () => {
    const titles = Object.fromEntries(manifest.contributes.commands.map((c) => [c.command, `${c.category}: ${c.title}`]));
    assert.deepEqual(titles, {
      'vigil.restart': 'Vigil: Restart Server',
      'vigil.showOutput': 'Vigil: Show Output',
      'vigil.scanWorkspace': 'Vigil: Scan Workspace',
      'vigil.showRuleDocs': 'Vigil: Show Rule Documentation',
      'vigil.fixAll': 'Vigil: Fix All',
    });
  });

  it('enables server commands only while the server runs (they exist only then)', () => {
    for (const c of manifest.contributes.commands) {
      const isServer = (Object.values(SERVER_COMMANDS) as string[]).includes(c.command);
      assert.equal(Boolean(c.enablement?.includes('vigil.serverRunning')), isServer, c.command);
    }
  });
});

describe('commands: registerClientCommands', () => {
  it('registers restart and showOutput, and nothing the language client registers itself', async () => {
    const handlers = new Map<string, (...a: unknown[]) => unknown>();
    const calls: string[] = [];
    const disposables = registerClientCommands({
      registerCommand: (id, h) => {
        assert.ok(!handlers.has(id), `${id} registered twice`);
        handlers.set(id, h);
        return { dispose: () => calls.push(`dispose ${id}`) };
      },
      restart: () => {
        calls.push('restart');
        return Promise.resolve();
      },
      showOutput: () => calls.push('show'),
    });
    assert.deepEqual([...handlers.keys()].sort(), ['vigil.restart', 'vigil.showOutput']);
    await handlers.get('vigil.restart')!();
    handlers.get('vigil.showOutput')!();
    for (const d of disposables) d.dispose();
    assert.deepEqual(calls, ['restart', 'show', 'dispose vigil.restart', 'dispose vigil.showOutput']);
  });
});

describe('commands: completeArguments (palette invocations have no arguments)', () => {
  it('fixAll uses the active Python document', async () => {
    const src = sources({ activeDocumentUri: () => 'file:///ws/a.py' });
    assert.deepEqual(await completeArguments('vigil.fixAll', [], src), ['file:///ws/a.py']);
  });

  it('fixAll keeps a uri given by a caller, converting a vscode.Uri-like object to its string', async () => {
    const src = sources({ activeDocumentUri: () => 'file:///ws/other.py' });
    assert.deepEqual(await completeArguments('vigil.fixAll', ['untitled:Untitled-1'], src), ['untitled:Untitled-1']);
    const uriLike = { scheme: 'file', toString: () => 'file:///ws/b.py' };
    assert.deepEqual(await completeArguments('vigil.fixAll', [uriLike], src), ['file:///ws/b.py']);
  });

  it('fixAll with no Python editor open does not run and says why', async () => {
    const src = sources();
    assert.equal(await completeArguments('vigil.fixAll', [], src), undefined);
    assert.equal(src.infos.length, 1);
  });

  it('showRuleDocs uses the single rule under the cursor without asking', async () => {
    const src = sources({ ruleIdsAtCursor: () => ['DES002', 'DES002'] });
    assert.deepEqual(await completeArguments('vigil.showRuleDocs', [], src), ['DES002']);
    assert.deepEqual(src.offered, []);
  });

  it('showRuleDocs asks among the rules at the cursor, else among the file, else free text', async () => {
    let src = sources({ ruleIdsAtCursor: () => ['B', 'A'], picks: ['A'] });
    assert.deepEqual(await completeArguments('vigil.showRuleDocs', [], src), ['A']);
    assert.deepEqual(src.offered, [['B', 'A']]);

    src = sources({ ruleIdsInDocument: () => ['INJ001', 'DES002', 'INJ001'], picks: ['des002 '] });
    assert.deepEqual(await completeArguments('vigil.showRuleDocs', [], src), ['DES002']);
    assert.deepEqual(src.offered, [['DES002', 'INJ001']]);

    src = sources({ picks: [undefined] });
    assert.equal(await completeArguments('vigil.showRuleDocs', [], src), undefined, 'cancelled');
    assert.deepEqual(src.offered, [[]]);
  });

  it('showRuleDocs keeps a rule id given by a code action', async () => {
    assert.deepEqual(await completeArguments('vigil.showRuleDocs', ['WEB002'], sources()), ['WEB002']);
  });

  it('scanWorkspace and unknown commands pass arguments through', async () => {
    assert.deepEqual(await completeArguments('vigil.scanWorkspace', [], sources()), []);
    assert.deepEqual(await completeArguments('vigil.other', [1, 'x'], sources()), [1, 'x']);
  });
});
