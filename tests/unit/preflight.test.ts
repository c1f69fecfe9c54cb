import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assess,
  CHROMIUM,
  failureMessage,
  okLines,
  type Probes,
  parseJavaMajor,
  requirementsFor,
} from '../../scripts/preflight.mjs';

/** `npm test` / `npm start` check Java (and, for the tests, Chromium) first: scripts/preflight.mjs. */

const OPENJDK_17 = [
  'openjdk version "17.0.15" 2025-04-15',
  'OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
  'OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)',
].join('\n');
const OPENJDK_21 = [
  'openjdk version "21.0.4" 2024-07-16 LTS',
  'OpenJDK Runtime Environment Temurin-21.0.4+7 (build 21.0.4+7-LTS)',
  'OpenJDK 64-Bit Server VM Temurin-21.0.4+7 (build 21.0.4+7-LTS, mixed mode, sharing)',
].join('\n');
const JAVA_8 = [
  'java version "1.8.0_412"',
  'Java(TM) SE Runtime Environment (build 1.8.0_412-b08)',
  'Java HotSpot(TM) 64-Bit Server VM (build 25.412-b08, mixed mode)',
].join('\n');

const java17: Probes['java'] = { kind: 'ran', command: 'java', output: OPENJDK_17 };
const chromiumHere = { path: CHROMIUM, present: true, version: 'Chromium 150.0.7871.100' };
const noChromium = { path: CHROMIUM, present: false };

describe('parseJavaMajor', () => {
  it('reads the major version of OpenJDK 17 and 21', () => {
    expect(parseJavaMajor(OPENJDK_17)).toBe(17);
    expect(parseJavaMajor(OPENJDK_21)).toBe(21);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('openjdk version "23-ea" 2024-09-17')).toBe(23);
  });

  it('reads the old 1.x scheme as its second number', () => {
    expect(parseJavaMajor(JAVA_8)).toBe(8);
    expect(parseJavaMajor('openjdk version "1.8.0_292"')).toBe(8);
    expect(parseJavaMajor('java version "1.7.0"')).toBe(7);
  });

  it('skips lines the JVM prints before the version', () => {
    expect(parseJavaMajor(`Picked up JAVA_TOOL_OPTIONS: -Xmx512m\n${OPENJDK_17}`)).toBe(17);
  });

  it('gives undefined for output that names no version', () => {
    expect(parseJavaMajor('')).toBeUndefined();
    expect(parseJavaMajor('Unable to locate a Java Runtime.')).toBeUndefined();
    expect(parseJavaMajor('openjdk version "banana"')).toBeUndefined();
    expect(parseJavaMajor('version 17')).toBeUndefined();
  });
});

describe('what is required', () => {
  it('npm test needs Java and Chromium; npm start needs Java only', () => {
    expect(requirementsFor('test')).toEqual(['java', 'chromium']);
    expect(requirementsFor('start')).toEqual(['java']);
  });

  it('passes with Java 17+ and Chromium, one line each', () => {
    const findings = assess('test', { java: java17, chromium: chromiumHere });
    expect(findings.every((finding) => finding.ok)).toBe(true);
    expect(failureMessage('test', findings)).toBeUndefined();
    const lines = okLines(findings);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('Java 17');
    expect(lines[0]).toContain('DynamoDB Local');
    expect(lines[1]).toContain(`Chromium 150.0.7871.100 at ${CHROMIUM}`);
    expect(lines[1]).toContain('browser test');
  });

  it('npm start does not require Chromium, even when it is absent', () => {
    const findings = assess('start', { java: java17, chromium: noChromium });
    expect(findings.map((finding) => finding.requirement)).toEqual(['java']);
    expect(failureMessage('start', findings)).toBeUndefined();
    expect(failureMessage('start', assess('start', { java: java17 }))).toBeUndefined();
  });
});

describe('what is missing', () => {
  it('no java: names Java 17+, DynamoDB Local and both install commands', () => {
    const findings = assess('start', { java: { kind: 'missing', command: 'java' } });
    const message = failureMessage('start', findings);
    expect(message).toContain('`npm start` cannot run');
    expect(message).toContain('MISSING Java 17+: `java` was not found on the PATH');
    expect(message).toContain('DynamoDB Local');
    expect(message).toContain('sudo apt-get install -y openjdk-17-jre-headless');
    expect(message).toContain('brew install openjdk@17');
    expect(message).not.toContain('chromium');
  });

  it('java older than 17 is a miss that says which version was found', () => {
    const findings = assess('test', {
      java: { kind: 'ran', command: 'java', output: JAVA_8 },
      chromium: chromiumHere,
    });
    expect(findings.map((finding) => finding.ok)).toEqual([false, true]);
    const message = failureMessage('test', findings);
    expect(message).toContain('found Java 8 (java version "1.8.0_412")');
    expect(message).toContain('needs 17 or newer');
    expect(message).toContain('sudo apt-get install -y openjdk-17-jre-headless');
  });

  it('a java that fails or prints no version is a miss too', () => {
    const failed = failureMessage(
      'start',
      assess('start', { java: { kind: 'failed', command: 'java', detail: 'exit code 1: Unable to locate' } }),
    );
    expect(failed).toContain('`java -version` failed: exit code 1: Unable to locate');
    const garbled = failureMessage(
      'start',
      assess('start', { java: { kind: 'ran', command: 'java', output: 'something else' } }),
    );
    expect(garbled).toContain('printed no version I can read: "something else"');
  });

  it('no Chromium for npm test: names it, the browser test, its path and both install commands', () => {
    const findings = assess('test', { java: java17, chromium: noChromium });
    expect(okLines(findings)).toHaveLength(1);
    const message = failureMessage('test', findings);
    expect(message).toContain('`npm test` cannot run');
    expect(message).toContain(`MISSING Chromium: no Chromium executable at ${CHROMIUM}`);
    expect(message).toContain('tests/e2e/browser.test.ts');
    expect(message).toContain('sudo apt-get install -y chromium');
    expect(message).toContain('brew install --cask chromium');
    expect(message).not.toContain('openjdk');
  });

  it('both missing: both are named, each with its install command', () => {
    const message = failureMessage(
      'test',
      assess('test', { java: { kind: 'missing', command: 'java' }, chromium: noChromium }),
    );
    expect(message).toContain('Java 17+ and Chromium are missing');
    expect(message).toContain('openjdk-17-jre-headless');
    expect(message).toContain('apt-get install -y chromium');
  });
});

describe('the CLI, for real on this machine', () => {
  const script = join(import.meta.dirname, '../../scripts/preflight.mjs');

  it('finds Java and Chromium and exits 0 within seconds', { timeout: 15_000 }, () => {
    const started = Date.now();
    const result = spawnSync(process.execPath, [script, 'test'], { encoding: 'utf8', timeout: 10_000 });
    const elapsed = Date.now() - started;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^preflight: ok Java \d+ .* - for DynamoDB Local$/m);
    expect(result.stdout).toMatch(
      new RegExp(`^preflight: ok .* at ${CHROMIUM} - for the browser test$`, 'm'),
    );
    expect(elapsed).toBeLessThan(5_000);
  });

  it('stops with exit 1 and the install command when java is not on the PATH', { timeout: 15_000 }, () => {
    const result = spawnSync(process.execPath, [script, 'start'], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...process.env, PATH: '/nonexistent' },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('MISSING Java 17+: `java` was not found on the PATH');
    expect(result.stderr).toContain('sudo apt-get install -y openjdk-17-jre-headless');
  });

  it('rejects anything but test or start', () => {
    const result = spawnSync(process.execPath, [script, 'deploy'], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: node scripts/preflight.mjs test|start');
  });
});
