/**
 * Entry point: creates the log channel, status-bar item, commands and the server manager, and
 * restarts the server when the Python extension's interpreter changes.
 */
import * as vscode from 'vscode';

import { CLIENT_COMMANDS, registerClientCommands } from './commands';
import { createProbe } from './probe';
import { onDidChangeInterpreter } from './python';
import { RULE_DOCS_SCHEME, RuleDocsProvider } from './ruleDocs';
import { ServerManager } from './server';
import { type ServerState, countFindings, statusView } from './status';

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Vigil', { log: true });
  context.subscriptions.push(log);
  const pkg = context.extension.packageJSON as { version?: string };
  log.info(`Vigil extension ${pkg.version ?? '?'} activating`);

  const item = vscode.window.createStatusBarItem('vigil.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Vigil';
  item.command = CLIENT_COMMANDS.showOutput;
  context.subscriptions.push(item);

  let state: ServerState = 'starting';
  let detail: string | undefined;
  const render = (): void => {
    const view = statusView(state, countFindings(vscode.languages.getDiagnostics()), detail);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.backgroundColor =
      view.level === 'normal' ? undefined : new vscode.ThemeColor(view.level === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    item.show();
  };
  context.subscriptions.push(vscode.languages.onDidChangeDiagnostics(render));

  const ruleDocs = new RuleDocsProvider();
  context.subscriptions.push(ruleDocs, vscode.workspace.registerTextDocumentContentProvider(RULE_DOCS_SCHEME, ruleDocs));

  const server = new ServerManager(context, log, createProbe({ cwd: context.extensionUri.fsPath }), {
    onState(newState, newDetail) {
      state = newState;
      detail = newDetail;
      void vscode.commands.executeCommand('setContext', 'vigil.serverRunning', newState === 'running');
      render();
    },
  }, ruleDocs);
  manager = server;
  context.subscriptions.push(server);

  context.subscriptions.push(
    ...registerClientCommands({
      registerCommand: (id, handler) => vscode.commands.registerCommand(id, handler),
      restart: () => server.restart('Vigil: Restart Server'),
      showOutput: () => log.show(),
    }),
    await onDidChangeInterpreter(() => server.scheduleRestart('Python interpreter changed')),
  );

  render();
  await server.start();
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}
