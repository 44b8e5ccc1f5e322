/**
 * Owns the language client: finds the server, starts/stops/restarts it, keeps its settings in sync
 * and reports its state. One client serves all workspace folders (the server resolves settings per
 * document through `workspace/configuration`).
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { type ArgumentSources, completeArguments, SERVER_COMMANDS } from './commands';
import { type LaunchResolution, type Probe, type ServerLaunch, resolveLaunch } from './interpreter';
import { offerInstall } from './install';
import { activeInterpreter } from './python';
import type { RuleDocsProvider } from './ruleDocs';
import {
  type ClientSettings,
  type PathVariables,
  type ServerSettings,
  affectsServer,
  needsRestart,
  resolveClientSettings,
  resolveServerSettings,
} from './settings';
import type { ServerState } from './status';

export const CLIENT_ID = 'vigil';
const CLIENT_NAME = 'Vigil';

/** Python documents on disk and unsaved ones (issue #7: `file` and `untitled`). */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
];

/** Restarts asked for within this many ms are merged (settings.json saves fire several events). */
const RESTART_DELAY_MS = 300;

export interface ServerEvents {
  onState(state: ServerState, detail?: string): void;
}

function pathVariables(folder: vscode.WorkspaceFolder | undefined): PathVariables {
  return { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir(), env: process.env };
}

/** Settings for the folder of `scope` (or the first folder / the window). */
export function serverSettingsFor(scope: vscode.Uri | undefined, log?: vscode.LogOutputChannel): ServerSettings {
  const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
  const resolved = resolveServerSettings(vscode.workspace.getConfiguration('vigil', folder ?? scope), pathVariables(folder));
  for (const p of resolved.problems) log?.warn(`${p.key}: ${p.message}`);
  return resolved.value;
}

function clientSettings(log: vscode.LogOutputChannel): ClientSettings {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const resolved = resolveClientSettings(vscode.workspace.getConfiguration('vigil', folder), pathVariables(folder));
  for (const p of resolved.problems) log.warn(`${p.key}: ${p.message}`);
  return resolved.value;
}

function isDiagnosticFromVigil(d: vscode.Diagnostic): boolean {
  return d.source === 'vigil';
}

function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return code === undefined ? undefined : String(code);
}

/** Argument sources backed by the active editor and quick picks. */
export const editorArgumentSources: ArgumentSources = {
  activeDocumentUri() {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc === undefined || vscode.languages.match(DOCUMENT_SELECTOR, doc) === 0) return undefined;
    return doc.uri.toString();
  },
  ruleIdsAtCursor() {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) return [];
    const pos = editor.selection.active;
    return vscode.languages
      .getDiagnostics(editor.document.uri)
      .filter((d) => isDiagnosticFromVigil(d) && d.range.contains(pos))
      .map(diagnosticCode)
      .filter((c): c is string => c !== undefined);
  },
  ruleIdsInDocument() {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) return [];
    return vscode.languages
      .getDiagnostics(editor.document.uri)
      .filter(isDiagnosticFromVigil)
      .map(diagnosticCode)
      .filter((c): c is string => c !== undefined);
  },
  async pickRule(ids) {
    if (ids.length === 0) {
      return vscode.window.showInputBox({ title: 'Vigil: Show Rule Documentation', prompt: 'Rule id, e.g. DES002', ignoreFocusOut: true });
    }
    const picked = await vscode.window.showQuickPick(ids, { title: 'Vigil: Show Rule Documentation', placeHolder: 'Rule id' });
    return picked;
  },
  info(message) {
    void vscode.window.showInformationMessage(message);
  },
};

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private launch: ServerLaunch | undefined;
  /** Serialises start/stop so two restarts never run at once. */
  private queue: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly probe: Probe,
    private readonly events: ServerEvents,
    private readonly ruleDocs: RuleDocsProvider,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleRestart('workspace trusted')),
    );
  }

  /** The running client, if any (for commands that talk to the server). */
  get languageClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  get currentLaunch(): ServerLaunch | undefined {
    return this.launch;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  restart(reason: string): Promise<void> {
    this.log.info(`Restarting the server (${reason})`);
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Debounced restart for bursts of events (settings saves, interpreter switches). */
  scheduleRestart(reason: string): void {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart(reason);
    }, RESTART_DELAY_MS);
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  dispose(): void {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    for (const d of this.disposables) d.dispose();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch((e: unknown) => this.log.error(`Vigil server: ${e instanceof Error ? e.message : String(e)}`));
    return this.queue;
  }

  private onConfigurationChanged(e: vscode.ConfigurationChangeEvent): void {
    const affects = (s: string): boolean => e.affectsConfiguration(s);
    if (!affects('vigil')) return;
    if (needsRestart(affects)) {
      this.scheduleRestart('vigil.interpreter or vigil.path changed');
    } else if (affectsServer(affects) && this.languageClient === undefined) {
      this.log.info('Settings changed; the server is not running, they apply at its next start');
    } else if (affectsServer(affects) && this.languageClient !== undefined) {
      // Live update: the server re-reads settings (contract §2); no restart, open files keep state.
      const settings = serverSettingsFor(undefined, this.log);
      this.log.info('Settings changed; sending them to the server');
      this.languageClient
        .sendNotification(DidChangeConfigurationNotification.type, { settings: { vigil: settings } })
        .catch((err: unknown) => this.log.error(`didChangeConfiguration failed: ${String(err)}`));
    }
  }

  private async resolve(): Promise<LaunchResolution> {
    const settings = clientSettings(this.log);
    const folder = vscode.workspace.workspaceFolders?.[0];
    const activeEnvironment = settings.interpreter.length > 0 ? undefined : await activeInterpreter(folder?.uri).catch(() => undefined);
    return resolveLaunch({ interpreterSetting: settings.interpreter, activeEnvironment, pathSetting: settings.path }, this.probe);
  }

  private async doStart(): Promise<void> {
    this.events.onState('starting');
    const resolution = await this.resolve();
    for (const note of resolution.notes) this.log.info(note);
    if (resolution.kind !== 'ok') {
      this.launch = undefined;
      this.events.onState(resolution.kind === 'bad-interpreter' ? 'failed' : 'not-installed', describeFailure(resolution));
      void offerInstall(resolution, this.log, () => this.scheduleRestart('Vigil installed'));
      return;
    }
    const launch = resolution.launch;
    this.launch = launch;
    this.log.info(`Starting: ${launch.command} ${launch.args.join(' ')} (from ${launch.source}${launch.version ? `, Vigil ${launch.version}` : ''})`);

    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      // No `transport`: TransportKind.stdio would append `--stdio`, which `vigil serve` does not
      // take (stdio is its default).
      // See probe.ts: never let `python -m vigil` pick up a `vigil/` folder from the workspace.
      options: { cwd: this.context.extensionUri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const middleware: Middleware = {
      workspace: {
        // Answer `workspace/configuration` for section "vigil" with the resolved settings (paths
        // expanded, client-only keys left out) instead of VS Code's raw `vigil.*` object.
        configuration: async (params, token, next) => {
          const answers: unknown = await next(params, token);
          if (!Array.isArray(answers)) return answers as ResponseError<void>;
          const values: unknown[] = answers;
          return params.items.map((item, i): unknown =>
            item.section === 'vigil'
              ? serverSettingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined, this.log)
              : values[i],
          );
        },
      },
      executeCommand: async (command, args, next) => {
        const full = await completeArguments(command, args, editorArgumentSources);
        if (full === undefined) return undefined;
        const result: unknown = await next(command, full);
        if (command === SERVER_COMMANDS.showRuleDocs) await this.ruleDocs.show(String(full[0]), result);
        return result;
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { settings: serverSettingsFor(undefined, this.log) },
      diagnosticCollectionName: CLIENT_ID,
      middleware,
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (this.client !== client) return;
      if (e.newState === State.Running) this.events.onState('running', describeLaunch(launch));
      else if (e.newState === State.Starting) this.events.onState('starting');
      else this.events.onState('stopped', describeLaunch(launch));
    });
    try {
      await client.start();
      void vscode.commands.executeCommand('setContext', 'vigil.serverRunning', true);
    } catch (e) {
      this.events.onState('failed', `${describeLaunch(launch)}\n${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    void vscode.commands.executeCommand('setContext', 'vigil.serverRunning', false);
    if (client === undefined) return;
    try {
      if (client.needsStop()) await client.stop(5000);
    } catch (e) {
      this.log.warn(`Stopping the server: ${e instanceof Error ? e.message : String(e)}`);
    }
    await client.dispose().catch(() => undefined);
  }
}

function describeLaunch(launch: ServerLaunch): string {
  return `${launch.command} ${launch.args.join(' ')}${launch.version ? ` (Vigil ${launch.version})` : ''}`;
}

function describeFailure(r: Exclude<LaunchResolution, { kind: 'ok' }>): string {
  switch (r.kind) {
    case 'bad-interpreter':
      return `Cannot run ${r.interpreter.join(' ')}: ${r.detail}`;
    case 'not-installed':
      return `Vigil is not installed for ${r.interpreter.join(' ')}`;
    case 'nothing-found':
      return 'No Python interpreter with Vigil and no vigil executable found';
  }
}
