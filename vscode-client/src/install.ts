/**
 * The "Vigil is not installed" notification and its buttons, including installing Vigil into the
 * interpreter with pip (only when the user clicks "Install Vigil").
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';

import { type LaunchResolution, type NoticeAction, failureNotice, shellQuote } from './interpreter';
import { PYTHON_EXTENSION_ID } from './python';

/** Run `command`, streaming its output into the log; resolves to the exit code. */
function run(command: string[], log: vscode.LogOutputChannel, token: vscode.CancellationToken): Promise<number> {
  return new Promise((resolve) => {
    log.info(`Running: ${shellQuote(command)}`);
    const child = spawn(command[0], command.slice(1), { windowsHide: true });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim() !== '') log.info(`  ${line}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    token.onCancellationRequested(() => child.kill());
    child.on('error', (e) => {
      log.error(`${command[0]}: ${e.message}`);
      resolve(-1);
    });
    child.on('close', (code) => resolve(code ?? -1));
  });
}

async function install(command: string[], log: vscode.LogOutputChannel, onInstalled: () => void): Promise<void> {
  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Installing Vigil…', cancellable: true },
    (_progress, token) => run(command, log, token),
  );
  if (code === 0) {
    void vscode.window.showInformationMessage('Vigil installed; starting the server.');
    onInstalled();
  } else {
    const choice = await vscode.window.showErrorMessage(`Installing Vigil failed (exit code ${code}). Command: ${shellQuote(command)}`, 'Show Log');
    if (choice === 'Show Log') log.show();
  }
}

/** Show the notification for a failed resolution and carry out the button the user picks. */
export async function offerInstall(
  resolution: Exclude<LaunchResolution, { kind: 'ok' }>,
  log: vscode.LogOutputChannel,
  onInstalled: () => void,
): Promise<void> {
  const notice = failureNotice(resolution, vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined);
  const choice: NoticeAction | undefined =
    notice.severity === 'error'
      ? (log.error(notice.message), await vscode.window.showErrorMessage(notice.message, ...notice.actions))
      : (log.warn(notice.message), await vscode.window.showWarningMessage(notice.message, ...notice.actions));
  switch (choice) {
    case 'Install Vigil':
      if (notice.command) await install(notice.command, log, onInstalled);
      break;
    case 'Copy Command':
      if (notice.command) await vscode.env.clipboard.writeText(shellQuote(notice.command));
      break;
    case 'Select Interpreter':
      await vscode.commands.executeCommand('python.setInterpreter');
      break;
    case 'Open Settings':
      await vscode.commands.executeCommand('workbench.action.openSettings', 'vigil.interpreter');
      break;
    case 'Show Log':
      log.show();
      break;
    case undefined:
      break;
  }
}
