/**
 * The Python extension's active environment, when that extension is installed.
 *
 * Only the three calls Vigil needs are typed here (the shape of the `environments` API of
 * `ms-python.python`, stable since 2023) instead of depending on `@vscode/python-extension`:
 * that package adds nothing at run time beyond `getExtension(...).exports`, and its engine
 * requirements would force a newer Node on every contributor just to build.
 */
import * as vscode from 'vscode';

export const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
  id: string;
  path: string;
}

interface ResolvedEnvironment {
  executable: { uri?: vscode.Uri };
}

interface ActiveEnvironmentPathChangeEvent {
  id: string;
  path: string;
  resource?: vscode.WorkspaceFolder | vscode.Uri;
}

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri | vscode.WorkspaceFolder): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
  readonly onDidChangeActiveEnvironmentPath: vscode.Event<ActiveEnvironmentPathChangeEvent>;
}

interface PythonExtensionExports {
  environments?: PythonEnvironmentsApi;
}

async function environmentsApi(): Promise<PythonEnvironmentsApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionExports>(PYTHON_EXTENSION_ID);
  if (ext === undefined) return undefined;
  const exports = ext.isActive ? ext.exports : await ext.activate();
  return exports?.environments;
}

/**
 * The interpreter the Python extension would use for `resource`, as a command line (`[python]`),
 * or undefined when the extension is absent or has no environment selected.
 */
export async function activeInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const api = await environmentsApi();
  if (api === undefined) return undefined;
  const envPath = api.getActiveEnvironmentPath(resource);
  const resolved = await api.resolveEnvironment(envPath);
  const exe = resolved?.executable.uri?.fsPath;
  return exe ? [exe] : undefined;
}

/** Subscribe to interpreter changes; a no-op disposable when the Python extension is absent. */
export async function onDidChangeInterpreter(listener: () => void): Promise<vscode.Disposable> {
  const api = await environmentsApi();
  if (api === undefined) return new vscode.Disposable(() => undefined);
  return api.onDidChangeActiveEnvironmentPath(() => listener());
}
