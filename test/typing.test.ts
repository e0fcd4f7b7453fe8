// Compile-only checks of the typed API: test/types/api.ts must type-check,
// which means its valid calls compile and every `@ts-expect-error` line is
// rejected. Only that file's diagnostics are computed (the TypeScript API
// checks the rest of the program lazily, as far as that file needs), so this
// stays fast; `npx tsc -p test/types` runs the same check from the shell.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const apiPath = fileURLToPath(new URL('./types/api.ts', import.meta.url));
const configPath = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));

function loadOptions(): ts.CompilerOptions {
  const cfg = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (cfg.error) throw new Error(ts.flattenDiagnosticMessageText(cfg.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(cfg.config, ts.sys, fileURLToPath(new URL('./types/', import.meta.url))).options;
}

const options = loadOptions();
let previous: ts.Program | undefined;

/** Diagnostics of api.ts, compiled with `source` as its text. */
function diagnose(source: string): string[] {
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    fileName === apiPath ? ts.createSourceFile(fileName, source, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  const program = ts.createProgram([apiPath], options, host, previous);
  previous = program;
  const sf = program.getSourceFile(apiPath)!;
  return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
    const { line } = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : { line: -1 };
    return `api.ts:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('typed API (compile-only)', () => {
  const source = readFileSync(apiPath, 'utf8');

  it('test/types/api.ts type-checks: valid calls compile, each misuse is rejected', () => {
    expect(diagnose(source)).toEqual([]);
  });

  it('the check can fail: a misuse without its @ts-expect-error, and a valid call with one, are both reported', () => {
    const broken = source
      .replace("  // @ts-expect-error wrong option name\n  x.cumsum(0, { dtyp: 'float64' }),", "  x.cumsum(0, { dtyp: 'float64' }),")
      .replace('  x.cumsum(1),\n', '  // @ts-expect-error\n  x.cumsum(1),\n');
    expect(broken.split('\n').length).toBe(source.split('\n').length);
    const errors = diagnose(broken);
    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual(expect.stringMatching(/Unused '@ts-expect-error' directive/));
    expect(errors).toContainEqual(expect.stringMatching(/'dtyp' does not exist/));
  });
});
