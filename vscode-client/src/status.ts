/**
 * What the status-bar item says. Pure functions, so the wording and counting are unit-tested.
 */

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed' | 'not-installed';

/** Diagnostics as `vscode.languages.getDiagnostics()` returns them, reduced to what is counted. */
export type DiagnosticEntries = ReadonlyArray<readonly [unknown, ReadonlyArray<{ source?: string }>]>;

export interface FindingCount {
  findings: number;
  files: number;
}

/** Count Vigil's diagnostics (`source === "vigil"`, contract §4) and the files that have any. */
export function countFindings(entries: DiagnosticEntries, source = 'vigil'): FindingCount {
  let findings = 0;
  let files = 0;
  for (const [, diagnostics] of entries) {
    const n = diagnostics.filter((d) => d.source === source).length;
    findings += n;
    if (n > 0) files += 1;
  }
  return { findings, files };
}

export interface StatusView {
  text: string;
  tooltip: string;
  /** `error` and `warning` pick the status bar's error/warning background. */
  level: 'normal' | 'warning' | 'error';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function statusView(state: ServerState, count: FindingCount, detail?: string): StatusView {
  const more = detail ? `\n${detail}` : '';
  switch (state) {
    case 'starting':
      return { text: '$(loading~spin) Vigil', tooltip: `Vigil: starting the server${more}`, level: 'normal' };
    case 'running':
      return {
        text: count.findings === 0 ? '$(shield) Vigil' : `$(shield) Vigil: ${count.findings}`,
        tooltip:
          count.findings === 0
            ? `Vigil: running, no findings${more}`
            : `Vigil: running, ${plural(count.findings, 'finding')} in ${plural(count.files, 'file')}${more}`,
        level: 'normal',
      };
    case 'stopped':
      return { text: '$(circle-slash) Vigil', tooltip: `Vigil: server stopped${more}\nClick to show the log.`, level: 'warning' };
    case 'not-installed':
      return { text: '$(warning) Vigil', tooltip: `Vigil: not installed for the selected interpreter${more}\nClick to show the log.`, level: 'warning' };
    case 'failed':
      return { text: '$(error) Vigil', tooltip: `Vigil: the server failed${more}\nClick to show the log.`, level: 'error' };
  }
}
