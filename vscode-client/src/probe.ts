/**
 * The real `Probe`: spawns the interpreter and looks at the file system.
 *
 * Kept apart from `interpreter.ts` so the decision logic stays pure, and free of `vscode` so the
 * probes themselves are tested against real (fake-Python) processes.
 */
import { execFile } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';

import type { Probe, ProbeResult } from './interpreter';

/** Printed by the probe script; anything before it (sitecustomize noise) is ignored. */
const MARKER = 'VIGIL-PROBE:';
const PROBE_SCRIPT = `import sys\ntry:\n    import vigil\nexcept Exception as e:\n    print("${MARKER}missing:" + type(e).__name__ + ": " + str(e))\n    sys.exit(3)\nprint("${MARKER}ok:" + getattr(vigil, "__version__", "unknown"))\n`;

export interface ProbeOptions {
  /**
   * Working folder of the probe. It must be the same folder the server is started in, because
   * `python -m` puts it first on `sys.path`: a folder the user does not control (the extension's
   * own) keeps a workspace's `vigil/` folder from being imported instead of the installed package.
   */
  cwd?: string;
  /** Milliseconds before a hung interpreter is given up on. */
  timeoutMs?: number;
  /** PATH to search; defaults to the extension host's. */
  envPath?: string;
  /** Executable suffixes to try (Windows: PATHEXT). */
  pathExt?: readonly string[];
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Interpret what `python -c PROBE_SCRIPT` did. Exported for tests. */
export function parseProbeOutput(error: { code?: unknown; message: string } | null, stdout: string, stderr: string): ProbeResult {
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith(MARKER));
  if (line !== undefined) {
    const body = line.slice(MARKER.length);
    if (body.startsWith('ok:')) return { status: 'ok', version: body.slice(3).trim() };
    return { status: 'no-vigil', detail: `Vigil is not importable (${body.slice('missing:'.length).trim()})` };
  }
  if (error !== null && (error.code === 'ENOENT' || error.code === 'EACCES')) {
    return { status: 'no-interpreter', detail: `cannot run it (${error.code})` };
  }
  const why = (stderr.trim().split(/\r?\n/).pop() ?? '') || (error?.message ?? 'no output');
  // The process ran but did not behave like Python (not an interpreter, or too old for the script).
  return { status: 'no-interpreter', detail: `it did not answer like a Python interpreter: ${why}` };
}

export function createProbe(options: ProbeOptions = {}): Probe {
  const timeout = options.timeoutMs ?? 20000;
  return {
    pythonHasVigil(interpreter: readonly string[]): Promise<ProbeResult> {
      return new Promise((resolve) => {
        execFile(
          interpreter[0],
          [...interpreter.slice(1), '-c', PROBE_SCRIPT],
          { timeout, windowsHide: true, encoding: 'utf8', cwd: options.cwd },
          (error, stdout, stderr) => resolve(parseProbeOutput(error, stdout, stderr)),
        );
      });
    },
    async findOnPath(name: string): Promise<string | undefined> {
      const dirs = (options.envPath ?? process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
      const exts = options.pathExt ?? (process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']);
      for (const dir of dirs) {
        for (const ext of exts) {
          const candidate = path.join(dir, name + ext);
          if (await isExecutableFile(candidate)) return candidate;
        }
      }
      return undefined;
    },
    isExecutable: isExecutableFile,
  };
}

