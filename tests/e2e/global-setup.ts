import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { STACK_LOG } from '../support/stack-logs.js';

/**
 * Boots the whole local stack (stage "test": its own ports, in-memory DynamoDB) once for the end-to-end
 * tests, exactly as `npm start` does for stage "local", and stops it afterwards.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BOOT_TIMEOUT_MS = 180_000;

let stack: ChildProcess | undefined;
let stackLog: WriteStream | undefined;

export async function setup(): Promise<void> {
  // The test stage starts from nothing: no stream checkpoints or data from an earlier run.
  for (const entry of ['stream-checkpoints.json', 'dynamodb', 'seeded']) {
    rmSync(join(ROOT, '.local', 'test', entry), { recursive: true, force: true });
  }
  // Everything the stack prints, every function's log lines included, is kept for the run's log checks.
  mkdirSync(dirname(STACK_LOG), { recursive: true });
  stackLog = createWriteStream(STACK_LOG, { flags: 'w' });
  const started = Date.now();
  process.stdout.write('[e2e] booting the local stack (stage test)…\n');
  stack = spawn(join(ROOT, 'node_modules', '.bin', 'sls'), ['offline', 'start', '--stage', 'test'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `The local stack did not become ready in ${BOOT_TIMEOUT_MS / 1000} s:\n${output.slice(-4000)}`,
          ),
        ),
      BOOT_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      stackLog?.write(chunk);
      if (process.env.E2E_STACK_LOGS) process.stdout.write(chunk);
      if (output.includes('LOCAL_CLOUD_READY')) {
        clearTimeout(timer);
        resolve();
      }
    };
    stack?.stdout?.on('data', onData);
    stack?.stderr?.on('data', onData);
    stack?.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`The local stack exited with code ${code} before it was ready:\n${output.slice(-4000)}`),
      );
    });
  });
  // Keep draining output so the child never blocks on a full pipe.
  stack.stdout?.removeAllListeners('data');
  stack.stderr?.removeAllListeners('data');
  const keep = (chunk: Buffer) => {
    stackLog?.write(chunk);
    if (process.env.E2E_STACK_LOGS) process.stdout.write(chunk);
  };
  stack.stdout?.on('data', keep);
  stack.stderr?.on('data', keep);
  process.stdout.write(`[e2e] local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

export async function teardown(): Promise<void> {
  const child = stack;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  const timeout = new Promise((resolve) => setTimeout(resolve, 15_000, 'timeout').unref());
  if ((await Promise.race([exited, timeout])) === 'timeout') process.kill(-child.pid, 'SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
  stackLog?.end();
  child.unref();
}
