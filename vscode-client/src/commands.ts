/**
 * Command wiring.
 *
 * Two kinds of commands exist:
 * - client commands (`vigil.restart`, `vigil.showOutput`) are registered here;
 * - server commands (`vigil.showRuleDocs`, `vigil.fixAll`, `vigil.scanWorkspace`, contract §4) are
 *   registered by vscode-languageclient from the server's `executeCommandProvider`. Registering
 *   them here too would throw "command already exists", so they are contributed in package.json
 *   (for the Command Palette) and this module only fills in the arguments a palette invocation
 *   lacks (the rule id, the document uri) through the client's `executeCommand` middleware.
 *
 * Nothing here imports `vscode`; the editor side comes in as small interfaces.
 */

export const CLIENT_COMMANDS = {
  restart: 'vigil.restart',
  showOutput: 'vigil.showOutput',
} as const;

export const SERVER_COMMANDS = {
  showRuleDocs: 'vigil.showRuleDocs',
  fixAll: 'vigil.fixAll',
  scanWorkspace: 'vigil.scanWorkspace',
} as const;

export interface Disposable {
  dispose(): unknown;
}

export interface ClientCommandHost {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable;
  restart(): Promise<void>;
  showOutput(): void;
}

/** Register the client-side commands; returns their disposables. */
export function registerClientCommands(host: ClientCommandHost): Disposable[] {
  return [
    host.registerCommand(CLIENT_COMMANDS.restart, () => host.restart()),
    host.registerCommand(CLIENT_COMMANDS.showOutput, () => host.showOutput()),
  ];
}

/** Where missing command arguments come from (the active editor, the user). */
export interface ArgumentSources {
  /** URI (string) of the active editor's document when it is a Python file Vigil handles. */
  activeDocumentUri(): string | undefined;
  /** Rule ids of Vigil diagnostics under the cursor of the active editor. */
  ruleIdsAtCursor(): string[];
  /** Rule ids of all Vigil diagnostics in the active editor's document. */
  ruleIdsInDocument(): string[];
  /** Let the user pick one of `ids` or type another; undefined when cancelled. */
  pickRule(ids: string[]): Promise<string | undefined>;
  /** Tell the user why nothing happened. */
  info(message: string): void;
}

/** A URI given by VS Code (menus pass `vscode.Uri`) or already a string. */
function uriArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg !== '') return arg;
  if (arg !== null && typeof arg === 'object' && 'scheme' in arg) {
    // vscode.Uri: its toString() is the canonical URI string the server expects.
    return (arg as { toString(): string }).toString();
  }
  return undefined;
}

/**
 * The arguments to send for `command`, or undefined when the command should not run
 * (no Python file open, rule pick cancelled). Arguments a caller already gave are kept.
 */
export async function completeArguments(command: string, args: readonly unknown[], src: ArgumentSources): Promise<unknown[] | undefined> {
  switch (command) {
    case SERVER_COMMANDS.fixAll: {
      const uri = uriArgument(args[0]) ?? src.activeDocumentUri();
      if (uri === undefined) {
        src.info('Vigil: Fix All works on the active Python file; open one first.');
        return undefined;
      }
      return [uri, ...args.slice(1)];
    }
    case SERVER_COMMANDS.showRuleDocs: {
      if (typeof args[0] === 'string' && args[0] !== '') return [...args];
      const atCursor = [...new Set(src.ruleIdsAtCursor())];
      if (atCursor.length === 1) return [atCursor[0]];
      const choices = atCursor.length > 0 ? atCursor : [...new Set(src.ruleIdsInDocument())].sort();
      const picked = await src.pickRule(choices);
      return picked === undefined || picked.trim() === '' ? undefined : [picked.trim().toUpperCase()];
    }
    default:
      return [...args];
  }
}
