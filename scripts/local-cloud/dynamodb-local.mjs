// Runs the official DynamoDB Local jar (shipped in amplify-dynamodb-simulator) as a child process.
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  describePortOwner,
  isPortFree,
  killStaleProcess,
  removePidFile,
  waitForPortFree,
  writePidFile,
} from './processes.mjs';

const JAR_NAME = 'DynamoDBLocal.jar';
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 8_000;
const JAVA_INSTALL_HINT =
  'DynamoDB Local needs a Java runtime (17 or newer). Install it, e.g. `apt-get install -y openjdk-17-jre-headless` ' +
  '(macOS: `brew install openjdk@17`), and make sure `java` is on the PATH.';

/** @typedef {(level: 'info' | 'warn' | 'error', message: string) => void} Log */

/**
 * @typedef {object} DynamoDbLocal
 * @property {string} endpoint e.g. `http://127.0.0.1:8000`
 * @property {number} pid the java process id
 * @property {() => Promise<void>} stop SIGTERM, SIGKILL after 5 s, removes the pid file; idempotent
 */

/** Directory holding DynamoDBLocal.jar and DynamoDBLocal_lib/. */
export function emulatorDirectory() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/**
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ExitInfo
 * The java child: its output's tail, and how it exited (once it has).
 * @typedef {object} EmulatorProcess
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} pid
 * @property {() => string} output the last OUTPUT_TAIL_CHARS of stdout and stderr
 * @property {() => ExitInfo | undefined} exit
 * @property {Promise<void>} exited resolves when the process has exited
 */

/**
 * Starts DynamoDB Local (`-sharedDb`, `-dbPath dataDir` or `-inMemory`) and resolves once it answers ListTables.
 * @param {object} options
 * @param {number} options.port TCP port (DynamoDB Local listens on all interfaces)
 * @param {string} [options.dataDir] persistent data directory (created); in-memory when undefined
 * @param {string} options.pidFile where the java pid is recorded, for crash recovery
 * @param {Log} options.log
 * @param {number} [options.startTimeoutMs] default 30 s
 * @param {string} [options.java] java executable, default `java` from the PATH
 * @param {string[]} [options.javaOptions] extra JVM options, e.g. ['-Xmx512m']
 * @returns {Promise<DynamoDbLocal>}
 */
export async function startDynamoDbLocal({
  port,
  dataDir,
  pidFile,
  log,
  startTimeoutMs = START_TIMEOUT_MS,
  java = 'java',
  javaOptions = [],
}) {
  await claimPort(port, pidFile, log);
  assertJavaAvailable(java);
  const emulatorDir = emulatorDirectory();
  const emulator = await spawnEmulator(
    java,
    javaArguments(emulatorDir, port, dataDir, javaOptions),
    emulatorDir,
  );
  const { child, pid } = emulator;
  writePidFile(pidFile, pid);

  let stopping = false;
  let ready = false;
  const releaseParentHooks = bindToParentLifetime(() => {
    if (emulator.exit() === undefined) child.kill('SIGKILL');
    removePidFile(pidFile, pid);
  });
  child.once('exit', () => {
    if (stopping) return;
    releaseParentHooks();
    removePidFile(pidFile, pid);
    if (ready) {
      log(
        'error',
        `DynamoDB Local (pid ${pid}) exited unexpectedly (${describeExit(emulator.exit())}).${formatTail(emulator.output())}`,
      );
    }
  });
  const terminate = async () => {
    stopping = true;
    releaseParentHooks();
    await terminateChild(child, emulator.exited, () => emulator.exit() !== undefined);
    removePidFile(pidFile, pid);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, emulator, startTimeoutMs);
  } catch (error) {
    await terminate();
    throw error;
  }
  ready = true;
  log(
    'info',
    `DynamoDB Local listening on ${endpoint} (${dataDir === undefined ? 'in memory' : `data in ${resolve(dataDir)}`}, pid ${pid}).`,
  );

  /** @type {Promise<void> | undefined} */
  let stopPromise;
  return {
    endpoint,
    pid,
    stop() {
      stopPromise ??= terminate();
      return stopPromise;
    },
  };
}

/**
 * Makes sure the port is free: stops a DynamoDB Local an earlier session left running (its pid file), and
 * otherwise refuses a port that something else holds, naming it.
 * @param {number} port
 * @param {string} pidFile
 * @param {Log} log
 */
async function claimPort(port, pidFile, log) {
  let portFree;
  if (await killStaleProcess(pidFile, { commandLineIncludes: JAR_NAME })) {
    log('warn', `Stopped a DynamoDB Local left running by an earlier session (pid file ${pidFile}).`);
    portFree = await waitForPortFree(port);
  } else {
    portFree = await isPortFree(port);
  }
  if (portFree) return;
  const owner = await describePortOwner(port);
  throw new Error(
    `Cannot start DynamoDB Local: port ${port} is already in use${owner ? ` by ${owner}` : ''}. ` +
      `Stop that process${owner ? '' : ` (find it with \`lsof -i :${port}\` or \`ss -ltnp 'sport = :${port}'\`)`} ` +
      'or configure a different DynamoDB Local port, then start again.',
  );
}

/**
 * The java command line of DynamoDB Local (the data directory is created).
 * @param {string} emulatorDir
 * @param {number} port
 * @param {string | undefined} dataDir
 * @param {string[]} javaOptions
 */
function javaArguments(emulatorDir, port, dataDir, javaOptions) {
  const jar = join(emulatorDir, JAR_NAME);
  if (!existsSync(jar)) {
    throw new Error(
      `DynamoDB Local jar not found at ${jar}; is amplify-dynamodb-simulator installed (npm ci)?`,
    );
  }
  const args = [
    ...javaOptions,
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    jar,
    '-port',
    String(port),
    '-sharedDb',
  ];
  if (dataDir === undefined) {
    args.push('-inMemory');
  } else {
    const dbPath = resolve(dataDir);
    mkdirSync(dbPath, { recursive: true });
    args.push('-dbPath', dbPath);
  }
  return args;
}

/**
 * Spawns java, keeping the tail of its output and its exit; throws when it could not be spawned.
 * @param {string} java
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<EmulatorProcess>}
 */
async function spawnEmulator(java, args, cwd) {
  // Its own process group: a Ctrl-C in the terminal reaches the Serverless process, which then stops
  // the emulator in order, instead of killing it under functions that are still running.
  const child = spawn(java, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keepTail = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);

  /** @type {ExitInfo | undefined} */
  let exit;
  /** @type {Promise<void>} */
  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolveExit();
    });
  });
  /** @type {Error | undefined} */
  let spawnError;
  child.once('error', (error) => {
    spawnError = error;
  });

  const pid = child.pid;
  if (pid === undefined) {
    await Promise.race([exited, sleep(1_000)]);
    const reason = spawnError?.message ?? 'unknown error';
    if (/** @type {NodeJS.ErrnoException | undefined} */ (spawnError)?.code === 'ENOENT') {
      throw new Error(`Cannot start DynamoDB Local: \`${java}\` was not found. ${JAVA_INSTALL_HINT}`);
    }
    throw new Error(`Cannot start DynamoDB Local: spawning ${java} failed (${reason}).`);
  }
  return { child, pid, output: () => output, exit: () => exit, exited };
}

/**
 * Waits until DynamoDB Local answers ListTables; throws if it exits first or does not answer in time.
 * @param {string} endpoint
 * @param {EmulatorProcess} emulator
 * @param {number} startTimeoutMs
 */
async function waitUntilAnswering(endpoint, emulator, startTimeoutMs) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + startTimeoutMs;
  try {
    for (;;) {
      const exit = emulator.exit();
      if (exit !== undefined) {
        throw new Error(
          `DynamoDB Local exited during start-up (${describeExit(exit)}).${formatTail(emulator.output())}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
        return;
      } catch {
        // not listening yet
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `DynamoDB Local did not answer ListTables on ${endpoint} within ${startTimeoutMs} ms.${formatTail(emulator.output())}`,
        );
      }
      await sleep(150);
    }
  } finally {
    client.destroy();
  }
}

/**
 * @param {string} java
 */
function assertJavaAvailable(java) {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error) {
    if (/** @type {NodeJS.ErrnoException} */ (result.error).code === 'ENOENT') {
      throw new Error(`Cannot start DynamoDB Local: \`${java}\` was not found. ${JAVA_INSTALL_HINT}`);
    }
    throw new Error(
      `Cannot start DynamoDB Local: \`${java} -version\` failed (${result.error.message}). ${JAVA_INSTALL_HINT}`,
    );
  }
  if (result.status !== 0) {
    throw new Error(
      `Cannot start DynamoDB Local: \`${java} -version\` exited with ${result.status}: ${(result.stderr ?? '').trim()} ${JAVA_INSTALL_HINT}`,
    );
  }
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {Promise<void>} exitedPromise
 * @param {() => boolean} hasExited
 */
async function terminateChild(child, exitedPromise, hasExited) {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = sleep(STOP_GRACE_MS).then(() => 'timeout');
  if ((await Promise.race([exitedPromise.then(() => 'exited'), timer])) === 'exited') return;
  if (!hasExited()) child.kill('SIGKILL');
  await Promise.race([exitedPromise, sleep(2_000)]);
}

/** @type {Set<() => void>} */
const exitCallbacks = new Set();
let parentHooksInstalled = false;
const FORWARDED_SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);

/**
 * Runs `callback` synchronously when the parent exits (process `exit`, or a terminating signal that nobody
 * else handles). Returns a function that unregisters it.
 * @param {() => void} callback
 * @returns {() => void}
 */
function bindToParentLifetime(callback) {
  exitCallbacks.add(callback);
  if (!parentHooksInstalled) {
    parentHooksInstalled = true;
    process.on('exit', runExitCallbacks);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  }
  return () => {
    exitCallbacks.delete(callback);
  };
}

function runExitCallbacks() {
  for (const callback of exitCallbacks) {
    try {
      callback();
    } catch {
      // exiting anyway
    }
  }
  exitCallbacks.clear();
}

/**
 * When we are the only listener, the signal would otherwise have terminated the process: clean up and
 * re-raise it with the default behaviour. When others listen (serverless-offline does), they decide; the
 * `exit` hook still covers the final process.exit().
 * @param {NodeJS.Signals} signal
 */
function onSignal(signal) {
  if (process.listenerCount(signal) > 1) return;
  runExitCallbacks();
  for (const forwarded of FORWARDED_SIGNALS) process.removeListener(forwarded, onSignal);
  process.removeListener('exit', runExitCallbacks);
  parentHooksInstalled = false;
  process.kill(process.pid, signal);
}

/**
 * @param {{ code: number | null, signal: NodeJS.Signals | null } | undefined} exit
 */
function describeExit(exit) {
  if (!exit) return 'still running';
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/**
 * @param {string} output
 */
function formatTail(output) {
  const trimmed = output.trim();
  return trimmed ? `\nDynamoDB Local output:\n${trimmed}` : '';
}
