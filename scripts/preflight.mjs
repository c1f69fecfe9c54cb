/**
 * `node scripts/preflight.mjs test|start`, run by npm before `npm test` (pretest) and `npm start` (prestart):
 * checks, within a second and without downloading anything, the two things npm cannot install, and stops
 * with the install command when one is missing, instead of failing minutes into a run.
 *
 * - Java 17+ (both): DynamoDB Local is a Java program. Probed exactly as startDynamoDbLocal does
 *   (scripts/local-cloud/dynamodb-local.mjs): `java -version`, `java` from the PATH.
 * - Chromium (`test` only): tests/e2e/browser.test.ts launches /usr/bin/chromium through playwright-core,
 *   which downloads no browser. Probed at that same path.
 *
 * The decisions are pure functions (parseJavaMajor, assess, okLines, failureMessage) taking the probes'
 * results, so tests/unit/preflight.test.ts covers every case without spawning a process.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The java executable startDynamoDbLocal runs by default (the plugin passes none): `java` from the PATH. */
export const JAVA = 'java';
/** The one Chromium tests/e2e/browser.test.ts launches (its CHROMIUM constant); it has no override. */
export const CHROMIUM = '/usr/bin/chromium';
/** DynamoDB Local 2.x needs Java 17 or newer. */
export const MIN_JAVA_MAJOR = 17;
/** A probe that has not answered by then counts as failed: the whole check stays within seconds. */
const PROBE_TIMEOUT_MS = 10_000;

/** @typedef {'test' | 'start'} Purpose */
/** @typedef {'java' | 'chromium'} Requirement */

/**
 * What running `java -version` gave.
 * @typedef {{ kind: 'missing', command: string }
 *   | { kind: 'failed', command: string, detail: string }
 *   | { kind: 'ran', command: string, output: string }} JavaProbe
 */

/**
 * What is at the Chromium path; `version` is the first line of `--version`, when it answered.
 * @typedef {{ path: string, present: boolean, version?: string }} ChromiumProbe
 */

/** @typedef {{ java: JavaProbe, chromium?: ChromiumProbe }} Probes */

/**
 * One requirement, checked.
 * @typedef {object} Finding
 * @property {Requirement} requirement
 * @property {boolean} ok
 * @property {string} detail what was found (ok), or what is wrong (not ok)
 */

/** What each requirement is for and how to install it. */
export const REQUIREMENTS = {
  java: {
    name: `Java ${MIN_JAVA_MAJOR}+`,
    why: 'DynamoDB Local, the database emulator that `npm start` and the integration and e2e tests boot, runs on Java',
    debian: 'sudo apt-get install -y openjdk-17-jre-headless',
    macos: 'brew install openjdk@17',
    macosNote: 'then put it on the PATH as brew prints',
  },
  chromium: {
    name: 'Chromium',
    why: `the browser test (tests/e2e/browser.test.ts) drives the real Chromium at ${CHROMIUM} through playwright-core, which downloads no browser`,
    debian: 'sudo apt-get install -y chromium',
    macos: 'brew install --cask chromium',
    macosNote: `but the browser test only looks at ${CHROMIUM}`,
  },
};

/**
 * The Java major version in `java -version` output: 17 for `openjdk version "17.0.12"`, 21 for
 * `"21" 2023-09-19`, 8 for the old `java version "1.8.0_412"` scheme; undefined when there is none.
 * Lines before it (e.g. `Picked up JAVA_TOOL_OPTIONS: ...`) are skipped.
 * @param {string} output stdout and stderr of `java -version`
 * @returns {number | undefined}
 */
export function parseJavaMajor(output) {
  const quoted = /\bversion "([^"]+)"/.exec(output)?.[1];
  if (quoted === undefined) return undefined;
  const match = /^1\.(\d+)(?:[._]|$)/.exec(quoted) ?? /^(\d+)(?:[.+-]|$)/.exec(quoted);
  if (!match?.[1]) return undefined;
  const major = Number(match[1]);
  return major > 0 ? major : undefined;
}

/**
 * What `npm test` and `npm start` need: both need Java, only the tests need Chromium.
 * @param {Purpose} purpose
 * @returns {Requirement[]}
 */
export function requirementsFor(purpose) {
  return purpose === 'test' ? ['java', 'chromium'] : ['java'];
}

/**
 * Checks each requirement of `purpose` against the probes' results.
 * @param {Purpose} purpose
 * @param {Probes} probes
 * @returns {Finding[]}
 */
export function assess(purpose, probes) {
  return requirementsFor(purpose).map((requirement) => {
    if (requirement === 'java') return assessJava(probes.java);
    if (!probes.chromium) throw new Error(`preflight ${purpose}: Chromium was not probed`);
    return assessChromium(probes.chromium);
  });
}

/**
 * @param {JavaProbe} probe
 * @returns {Finding}
 */
function assessJava(probe) {
  const requirement = 'java';
  if (probe.kind === 'missing') {
    return { requirement, ok: false, detail: `\`${probe.command}\` was not found on the PATH.` };
  }
  if (probe.kind === 'failed') {
    return { requirement, ok: false, detail: `\`${probe.command} -version\` failed: ${probe.detail}` };
  }
  const line = versionLine(probe.output);
  const major = parseJavaMajor(probe.output);
  if (major === undefined) {
    return {
      requirement,
      ok: false,
      detail: `\`${probe.command} -version\` printed no version I can read: ${JSON.stringify(line)}.`,
    };
  }
  if (major < MIN_JAVA_MAJOR) {
    return {
      requirement,
      ok: false,
      detail: `found Java ${major} (${line}) as \`${probe.command}\`; DynamoDB Local needs ${MIN_JAVA_MAJOR} or newer.`,
    };
  }
  return { requirement, ok: true, detail: `Java ${major} (${line}), \`${probe.command}\` on the PATH` };
}

/**
 * @param {ChromiumProbe} probe
 * @returns {Finding}
 */
function assessChromium(probe) {
  const requirement = 'chromium';
  if (!probe.present) {
    return { requirement, ok: false, detail: `no Chromium executable at ${probe.path}.` };
  }
  return {
    requirement,
    ok: true,
    detail: `${probe.version ?? 'Chromium (version unknown)'} at ${probe.path}`,
  };
}

/**
 * The line of `java -version` output naming the version (else its first line), for messages.
 * @param {string} output
 */
function versionLine(output) {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.find((line) => /\bversion "/.test(line)) ?? lines[0] ?? '';
}

/**
 * One line per requirement that is met, e.g. `preflight: Java 17 (...) - for DynamoDB Local`.
 * @param {Finding[]} findings
 * @returns {string[]}
 */
export function okLines(findings) {
  return findings
    .filter((finding) => finding.ok)
    .map(
      (finding) =>
        `preflight: ok ${finding.detail} - for ${finding.requirement === 'java' ? 'DynamoDB Local' : 'the browser test'}`,
    );
}

/**
 * The message naming what is missing, why it is needed and how to install it; undefined when nothing is.
 * @param {Purpose} purpose
 * @param {Finding[]} findings
 * @returns {string | undefined}
 */
export function failureMessage(purpose, findings) {
  const missing = findings.filter((finding) => !finding.ok);
  if (missing.length === 0) return undefined;
  const command = `npm ${purpose}`;
  const blocks = missing.map(({ requirement, detail }) => {
    const { name, why, debian, macos, macosNote } = REQUIREMENTS[requirement];
    return [
      `  MISSING ${name}: ${detail}`,
      `    Needed because ${why}.`,
      `    Debian/Ubuntu:  ${debian}`,
      `    macOS:          ${macos}   (${macosNote})`,
    ].join('\n');
  });
  const what = missing.map(({ requirement }) => REQUIREMENTS[requirement].name).join(' and ');
  return [
    `preflight: \`${command}\` cannot run on this machine yet: ${what} ${missing.length === 1 ? 'is' : 'are'} missing.`,
    '',
    ...blocks,
    '',
    `Install ${missing.length === 1 ? 'it' : 'them'}, then run \`${command}\` again.`,
  ].join('\n');
}

/**
 * Runs a command with a timeout; never throws.
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<{ error?: NodeJS.ErrnoException, status: number | null, timedOut: boolean, stdout: string, stderr: string }>}
 */
function run(command, args) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    /** @type {NodeJS.ErrnoException | undefined} */
    let error;
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, PROBE_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (spawnError) => {
      error = spawnError;
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ ...(error ? { error } : {}), status, timedOut, stdout, stderr });
    });
  });
}

/**
 * Runs `<java> -version` (it prints on stderr).
 * @param {string} [java]
 * @returns {Promise<JavaProbe>}
 */
export async function probeJava(java = JAVA) {
  const result = await run(java, ['-version']);
  if (result.error?.code === 'ENOENT') return { kind: 'missing', command: java };
  if (result.error) return { kind: 'failed', command: java, detail: result.error.message };
  if (result.timedOut) {
    return { kind: 'failed', command: java, detail: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` };
  }
  const output = `${result.stderr}\n${result.stdout}`.trim();
  if (result.status !== 0) {
    return {
      kind: 'failed',
      command: java,
      detail: `exit code ${result.status}: ${output.split('\n')[0] ?? ''}`,
    };
  }
  return { kind: 'ran', command: java, output };
}

/**
 * Whether an executable is at `path` (what the browser test needs), and its `--version`, for the report.
 * @param {string} [path]
 * @returns {Promise<ChromiumProbe>}
 */
export async function probeChromium(path = CHROMIUM) {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return { path, present: false };
  }
  const result = await run(path, ['--version']);
  const version = result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
  return version ? { path, present: true, version } : { path, present: true };
}

/**
 * The CLI: exit code 0 when everything `purpose` needs is there, 1 when not, 2 on a bad argument.
 * @param {string[]} argv
 * @returns {Promise<number>}
 */
export async function main(argv) {
  const purpose = argv[0];
  if (argv.length !== 1 || (purpose !== 'test' && purpose !== 'start')) {
    console.error('usage: node scripts/preflight.mjs test|start');
    return 2;
  }
  const [java, chromium] = await Promise.all([
    probeJava(),
    purpose === 'test' ? probeChromium() : Promise.resolve(undefined),
  ]);
  const findings = assess(purpose, chromium ? { java, chromium } : { java });
  for (const line of okLines(findings)) console.log(line);
  const failure = failureMessage(purpose, findings);
  if (failure === undefined) return 0;
  console.error(failure);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
