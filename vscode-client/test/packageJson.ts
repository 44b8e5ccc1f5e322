/** The extension manifest, read from disk (tests run from out/test/). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface ConfigProperty {
  type: string | string[];
  default?: unknown;
  enum?: string[];
  description?: string;
  markdownDescription?: string;
  scope?: string;
}

export interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string; enablement?: string }[];
    configuration: { properties: Record<string, ConfigProperty> };
  };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export const manifestPath = path.resolve(__dirname, '..', '..', 'package.json');
export const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
