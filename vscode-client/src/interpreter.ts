/**
 * Which program runs the Vigil server.
 *
 * Order (issue #7, the same idea as Ruff/Pylint extensions): the `vigil.interpreter` setting, then
 * the Python extension's active environment, then `vigil` on PATH, then the `vigil.path` entries.
 *
 * An interpreter the user set explicitly is never silently replaced: if Vigil is missing there the
 * user is told and offered an install into that interpreter. The Python extension's environment is
 * only a guess, so when Vigil is missing there the other ways are tried first and the install is
 * offered only if none works.
 *
 * This module does not import `vscode` or spawn anything itself: the checks come in as a `Probe`,
 * so the decision table is unit-tested without Python installed.
 */

/** PyPI distribution that provides the `vigil` module (pyproject.toml `[project].name`). */
export const PIP_PACKAGE = 'vigil-lsp';

export type ProbeResult =
  | { status: 'ok'; version: string }
  | { status: 'no-interpreter'; detail: string }
  | { status: 'no-vigil'; detail: string };

/** Side-effecting checks, injected so tests can fake them. */
export interface Probe {
  /** Runs `<interpreter...> -c "import vigil"` and reports what happened. */
  pythonHasVigil(interpreter: readonly string[]): Promise<ProbeResult>;
  /** Absolute path of `name` found on PATH, or undefined. */
  findOnPath(name: string): Promise<string | undefined>;
  /** Whether `file` exists and can be executed. */
  isExecutable(file: string): Promise<boolean>;
}

export type LaunchSource = 'vigil.interpreter' | 'python-extension' | 'PATH' | 'vigil.path';

/** A resolved way to start `vigil serve` over stdio. */
export interface ServerLaunch {
  command: string;
  args: string[];
  source: LaunchSource;
  /** Vigil version reported by the interpreter, when known. */
  version?: string;
}

export interface LaunchInputs {
  /** `vigil.interpreter` (already variable-expanded); empty when unset. */
  interpreterSetting: readonly string[];
  /** The Python extension's active interpreter for the workspace, if that extension is present. */
  activeEnvironment?: readonly string[];
  /** `vigil.path` entries (already variable-expanded). */
  pathSetting: readonly string[];
}

export type LaunchResolution =
  | { kind: 'ok'; launch: ServerLaunch; notes: string[] }
  /** Vigil is not importable in `interpreter`: offer `installCommand(interpreter)`. */
  | { kind: 'not-installed'; interpreter: string[]; source: LaunchSource; notes: string[] }
  /** The interpreter itself cannot be run (bad path in settings, deleted venv). */
  | { kind: 'bad-interpreter'; interpreter: string[]; source: LaunchSource; detail: string; notes: string[] }
  /** No interpreter known and no `vigil` executable found anywhere. */
  | { kind: 'nothing-found'; notes: string[] };

/** Arguments that make a Python interpreter run the server. */
export function pythonServerArgs(interpreter: readonly string[]): ServerLaunch['args'] {
  return [...interpreter.slice(1), '-m', 'vigil', 'serve'];
}

/** The exact command that installs Vigil into `interpreter`. */
export function installCommand(interpreter: readonly string[]): string[] {
  return [...interpreter, '-m', 'pip', 'install', '--upgrade', PIP_PACKAGE];
}

/** Quote for display in a POSIX shell (only when needed, so common commands stay readable). */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_\-+=/.,:@%]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

async function fromExecutables(inputs: LaunchInputs, probe: Probe, notes: string[]): Promise<ServerLaunch | undefined> {
  const onPath = await probe.findOnPath('vigil');
  if (onPath !== undefined) {
    return { command: onPath, args: ['serve'], source: 'PATH' };
  }
  notes.push('no `vigil` executable on PATH');
  for (const candidate of inputs.pathSetting) {
    if (await probe.isExecutable(candidate)) {
      return { command: candidate, args: ['serve'], source: 'vigil.path' };
    }
    notes.push(`vigil.path entry ${candidate} is not an executable file`);
  }
  return undefined;
}

/** Decide how to start the server (see the module comment for the order and why). */
export async function resolveLaunch(inputs: LaunchInputs, probe: Probe): Promise<LaunchResolution> {
  const notes: string[] = [];

  if (inputs.interpreterSetting.length > 0) {
    const interpreter = [...inputs.interpreterSetting];
    const r = await probe.pythonHasVigil(interpreter);
    if (r.status === 'ok') {
      return {
        kind: 'ok',
        launch: { command: interpreter[0], args: pythonServerArgs(interpreter), source: 'vigil.interpreter', version: r.version },
        notes,
      };
    }
    if (r.status === 'no-interpreter') {
      return { kind: 'bad-interpreter', interpreter, source: 'vigil.interpreter', detail: r.detail, notes };
    }
    notes.push(`vigil.interpreter ${interpreter.join(' ')}: ${r.detail}`);
    return { kind: 'not-installed', interpreter, source: 'vigil.interpreter', notes };
  }

  let missingIn: string[] | undefined;
  if (inputs.activeEnvironment !== undefined && inputs.activeEnvironment.length > 0) {
    const interpreter = [...inputs.activeEnvironment];
    const r = await probe.pythonHasVigil(interpreter);
    if (r.status === 'ok') {
      return {
        kind: 'ok',
        launch: { command: interpreter[0], args: pythonServerArgs(interpreter), source: 'python-extension', version: r.version },
        notes,
      };
    }
    notes.push(`Python extension interpreter ${interpreter.join(' ')}: ${r.detail}`);
    if (r.status === 'no-vigil') {
      missingIn = interpreter;
    }
  } else {
    notes.push('no interpreter from the Python extension');
  }

  const exe = await fromExecutables(inputs, probe, notes);
  if (exe !== undefined) {
    return { kind: 'ok', launch: exe, notes };
  }
  if (missingIn !== undefined) {
    return { kind: 'not-installed', interpreter: missingIn, source: 'python-extension', notes };
  }
  return { kind: 'nothing-found', notes };
}

/** Buttons a failure notification can offer (wired to actions in install.ts). */
export type NoticeAction = 'Install Vigil' | 'Copy Command' | 'Select Interpreter' | 'Open Settings' | 'Show Log';

export interface FailureNotice {
  severity: 'warning' | 'error';
  message: string;
  /** Command line that fixes the problem, shown in the message and copied by "Copy Command". */
  command?: string[];
  actions: NoticeAction[];
}

/**
 * What to tell the user when no server can be started. The message always names the interpreter
 * and the exact command, so it is useful even when the buttons are not (remote, no pip).
 */
export function failureNotice(r: Exclude<LaunchResolution, { kind: 'ok' }>, pythonExtensionPresent: boolean): FailureNotice {
  const selectOrSettings: NoticeAction[] = pythonExtensionPresent ? ['Select Interpreter', 'Open Settings'] : ['Open Settings'];
  switch (r.kind) {
    case 'not-installed': {
      const command = installCommand(r.interpreter);
      const where = r.source === 'vigil.interpreter' ? 'the interpreter in vigil.interpreter' : 'the selected Python environment';
      return {
        severity: 'warning',
        message: `Vigil is not installed in ${where} (${r.interpreter.join(' ')}). Install it with: ${shellQuote(command)}`,
        command,
        actions: ['Install Vigil', 'Copy Command', 'Show Log'],
      };
    }
    case 'bad-interpreter':
      return {
        severity: 'error',
        message: `Vigil cannot run the Python interpreter from ${r.source} (${r.interpreter.join(' ')}): ${r.detail}. Fix vigil.interpreter or clear it to use the Python extension's environment.`,
        actions: ['Open Settings', 'Show Log'],
      };
    case 'nothing-found': {
      const command = installCommand(['python3']);
      return {
        severity: 'warning',
        message: `Vigil found no Python environment with Vigil installed and no vigil executable on PATH. Install it with: ${shellQuote(command)}, or set vigil.interpreter.`,
        command,
        actions: [...selectOrSettings, 'Copy Command', 'Show Log'],
      };
    }
  }
}
