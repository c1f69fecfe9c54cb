// Small process and port helpers for the local-cloud Serverless plugin.
// Plain ESM with JSDoc types: the Serverless CLI loads this file without a TypeScript compiler.

import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const KILL_GRACE_MS = 5_000;

/**
 * Whether a TCP port can be bound on `host` right now.
 * A port held by a process listening on 0.0.0.0 or :: also counts as busy.
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>}
 */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Resolves true once `port` can be bound, false if it still cannot after `timeoutMs`. After a process is
 * stopped its port frees a moment later: a JVM's main thread shows as a zombie while its other threads,
 * which share the listening socket, are still exiting.
 * @param {number} port
 * @param {{ timeoutMs?: number, host?: string, intervalMs?: number }} [options]
 * @returns {Promise<boolean>}
 */
export async function waitForPortFree(port, { timeoutMs = 5_000, host = '127.0.0.1', intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isPortFree(port, host)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Resolves once something accepts TCP connections on `host:port`; rejects after `timeoutMs`.
 * @param {number} port
 * @param {{ timeoutMs?: number, host?: string, intervalMs?: number }} [options]
 * @returns {Promise<void>}
 */
export async function waitForPort(port, { timeoutMs = 30_000, host = '127.0.0.1', intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(port, host)) return;
    if (Date.now() >= deadline) {
      throw new Error(`Nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    }
    await sleep(intervalMs);
  }
}

/**
 * @param {number} port
 * @param {string} host
 * @returns {Promise<boolean>}
 */
function canConnect(port, host) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Writes `pid` to `path` atomically (temp file + rename), creating the directory if needed.
 * @param {string} path
 * @param {number} pid
 */
export function writePidFile(path, pid) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${pid}\n`);
  renameSync(tmp, path);
}

/**
 * Reads a pid file; undefined when it is missing or does not hold a positive integer.
 * @param {string} path
 * @returns {number | undefined}
 */
export function readPidFile(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const pid = Number(text);
  return pid > 0 ? pid : undefined;
}

/**
 * Removes a pid file; when `onlyIfPid` is given, only if the file still records that pid.
 * @param {string} path
 * @param {number} [onlyIfPid]
 */
export function removePidFile(path, onlyIfPid) {
  if (onlyIfPid !== undefined && readPidFile(path) !== onlyIfPid) return;
  rmSync(path, { force: true });
}

/**
 * Whether `pid` is a live (non-zombie) process. A process owned by another user counts as alive.
 * @param {number} pid
 * @returns {boolean}
 */
export function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EPERM') return false;
  }
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 3 (after the parenthesised command name) is the state; Z = zombie, X = dead.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The command line of `pid` (arguments joined by spaces), or undefined when it cannot be read.
 * @param {number} pid
 * @returns {string | undefined}
 */
export function readCommandLine(pid) {
  if (process.platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      return undefined;
    }
  }
  if (process.platform === 'win32') return undefined;
  try {
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Sends SIGTERM, waits up to `graceMs` for the process to go, then SIGKILL.
 * Resolves true once the process is gone (false if it could not be signalled, e.g. EPERM).
 * @param {number} pid
 * @param {{ graceMs?: number }} [options]
 * @returns {Promise<boolean>}
 */
export async function terminateProcess(pid, { graceMs = KILL_GRACE_MS } = {}) {
  if (!isProcessAlive(pid)) return true;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH') return true;
    return false;
  }
  if (await waitForExit(pid, graceMs)) return true;
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH') return true;
    return false;
  }
  return waitForExit(pid, 2_000);
}

/**
 * @param {number} pid
 * @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Crash recovery: if `pidFile` records a live process whose command line contains `commandLineIncludes`,
 * SIGTERM it (SIGKILL after 5 s). The pid file is removed in every case.
 * A live pid whose command line does not match is left alone (the pid was reused by something else).
 * @param {string} pidFile
 * @param {{ commandLineIncludes: string, graceMs?: number }} options
 * @returns {Promise<boolean>} whether a stale process was killed
 */
export async function killStaleProcess(pidFile, { commandLineIncludes, graceMs = KILL_GRACE_MS }) {
  const pid = readPidFile(pidFile);
  try {
    if (pid === undefined || pid === process.pid || !isProcessAlive(pid)) return false;
    const commandLine = readCommandLine(pid);
    if (commandLine === undefined || !commandLine.includes(commandLineIncludes)) return false;
    return await terminateProcess(pid, { graceMs });
  } finally {
    removePidFile(pidFile);
  }
}

/**
 * Best-effort description of the process listening on a TCP port, e.g. `pid 1234 (java -jar DynamoDBLocal.jar …)`.
 * Uses /proc on Linux, then `lsof`; undefined when nothing can be found out.
 * @param {number} port
 * @returns {Promise<string | undefined>}
 */
export async function describePortOwner(port) {
  try {
    const fromProc = process.platform === 'linux' ? describeFromProc(port) : undefined;
    return fromProc ?? describeFromLsof(port);
  } catch {
    return undefined;
  }
}

/**
 * @param {number} pid
 * @returns {string}
 */
function describePid(pid) {
  const commandLine = readCommandLine(pid);
  if (!commandLine) return `pid ${pid}`;
  const short = commandLine.length > 160 ? `${commandLine.slice(0, 157)}...` : commandLine;
  return `pid ${pid} (${short})`;
}

/**
 * @param {number} port
 * @returns {string | undefined}
 */
function describeFromProc(port) {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  /** @type {Set<string>} */
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local_address rem_address st ... inode (index 9); st 0A = LISTEN
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (local.slice(local.lastIndexOf(':') + 1) !== portHex) continue;
      const inode = fields[9];
      if (inode && inode !== '0') inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  const targets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (targets.has(link)) return describePid(Number(entry));
    }
  }
  return undefined;
}

/**
 * @param {number} port
 * @returns {string | undefined}
 */
function describeFromLsof(port) {
  if (process.platform === 'win32') return undefined;
  try {
    const out = execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fp'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 3_000,
    });
    const pidLine = out.split('\n').find((line) => line.startsWith('p'));
    return pidLine ? describePid(Number(pidLine.slice(1))) : undefined;
  } catch {
    return undefined;
  }
}
