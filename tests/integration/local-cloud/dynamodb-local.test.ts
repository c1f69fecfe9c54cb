import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { emulatorDirectory, startDynamoDbLocal } from '../../../scripts/local-cloud/dynamodb-local.mjs';
import {
  isPortFree,
  isProcessAlive,
  waitForPort,
  waitForPortFree,
} from '../../../scripts/local-cloud/processes.mjs';
import { waitFor } from '../../support/eventually.js';

const workDir = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));
const logs: string[] = [];
const log = (level: 'info' | 'warn' | 'error', message: string) => {
  logs.push(`${level}: ${message}`);
};
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function client(endpoint: string) {
  const ddb = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  cleanups.push(() => ddb.destroy());
  return ddb;
}

/** Spawns a process and registers its cleanup; it is killed with SIGKILL if still alive after the test. */
function spawnForeign(command: string, args: string[], options: { cwd?: string } = {}): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...options });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

describe('DynamoDB Local process manager', () => {
  it('starts, answers, persists to dataDir, and stops cleanly', async () => {
    const port = await freePort();
    const pidFile = join(workDir, 'run', 'ddb.pid');
    const dataDir = join(workDir, 'data');
    const emulator = await startDynamoDbLocal({ port, pidFile, dataDir, log });
    cleanups.push(() => emulator.stop());

    expect(emulator.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(emulator.pid);
    const ddb = client(emulator.endpoint);
    await ddb.send(
      new CreateTableCommand({
        TableName: 'persisted',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    expect(existsSync(join(dataDir, 'shared-local-instance.db'))).toBe(true);

    await emulator.stop();
    expect(isProcessAlive(emulator.pid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    await emulator.stop(); // idempotent

    // -sharedDb + -dbPath: a new instance sees the table.
    const again = await startDynamoDbLocal({ port, pidFile, dataDir, log });
    cleanups.push(() => again.stop());
    const tables = await client(again.endpoint).send(new ListTablesCommand({}));
    expect(tables.TableNames).toEqual(['persisted']);
  });

  it('waits for a port its stopped owner is still releasing, and gives up on one that stays taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    setTimeout(() => holder.close(), 300);
    expect(await waitForPortFree(port, { timeoutMs: 5_000 })).toBe(true);

    const keeper = createServer();
    await new Promise<void>((resolve) => keeper.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => keeper.close(() => resolve())));
    expect(await waitForPortFree(port, { timeoutMs: 300 })).toBe(false);
  });

  it('kills a DynamoDB Local left behind by a crashed session (stale pid file) and takes over its port', async () => {
    const port = await freePort();
    const pidFile = join(workDir, 'stale.pid');
    const emulatorDir = emulatorDirectory();
    const orphan = spawnForeign(
      'java',
      [
        '-Djava.library.path=./DynamoDBLocal_lib',
        '-jar',
        'DynamoDBLocal.jar',
        '-port',
        String(port),
        '-inMemory',
      ],
      { cwd: emulatorDir },
    );
    await waitForPort(port, { timeoutMs: 30_000 });
    writeFileSync(pidFile, `${orphan.pid}\n`);

    const emulator = await startDynamoDbLocal({ port, pidFile, log });
    cleanups.push(() => emulator.stop());

    await waitFor(() => orphan.exitCode !== null || orphan.signalCode !== null);
    // SIGTERM, not SIGKILL: the JVM shuts down gracefully and exits with 128 + 15.
    expect([orphan.signalCode, orphan.exitCode]).toContainEqual(expect.toBeOneOf(['SIGTERM', 143]));
    expect(emulator.pid).not.toBe(orphan.pid);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(emulator.pid);
    expect(logs.some((line) => line.startsWith('warn:') && line.includes('left running'))).toBe(true);
    await client(emulator.endpoint).send(new ListTablesCommand({}));
  });

  it('leaves alone a live process whose pid was reused by something else', async () => {
    const port = await freePort();
    const pidFile = join(workDir, 'reused.pid');
    const bystander = spawnForeign(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    writeFileSync(pidFile, `${bystander.pid}\n`);

    const emulator = await startDynamoDbLocal({ port, pidFile, log });
    cleanups.push(() => emulator.stop());

    expect(isProcessAlive(bystander.pid as number)).toBe(true);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(emulator.pid);
  });

  it('refuses a port held by a foreign process, naming the port and its owner', async () => {
    const port = await freePort();
    const squatter = spawnForeign(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${port}, '0.0.0.0'); setTimeout(() => {}, 60_000);`,
    ]);
    await waitForPort(port, { timeoutMs: 10_000 });

    const pidFile = join(workDir, 'busy.pid');
    const error = await startDynamoDbLocal({ port, pidFile, log }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain(`port ${port} is already in use`);
    expect(error?.message).toContain(`pid ${squatter.pid}`);
    expect(error?.message).toMatch(/Stop that process/);
    expect(isProcessAlive(squatter.pid as number)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });

  it.each([
    ['process.exit()', 'exit'],
    ['an unhandled SIGTERM', 'SIGTERM'],
    ['an unhandled SIGINT', 'SIGINT'],
  ] as const)('does not outlive a parent that ends with %s', async (_label, how) => {
    const port = await freePort();
    const pidFile = join(workDir, `parent-${how}.pid`);
    const moduleUrl = new URL('../../../scripts/local-cloud/dynamodb-local.mjs', import.meta.url).href;
    const script = `
      import { startDynamoDbLocal } from ${JSON.stringify(moduleUrl)};
      const emulator = await startDynamoDbLocal({ port: ${port}, pidFile: ${JSON.stringify(pidFile)}, log: () => {} });
      console.log(JSON.stringify({ pid: emulator.pid }));
      if (${JSON.stringify(how)} === 'exit') process.exit(0);
      setInterval(() => {}, 1_000);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    });
    let stdout = '';
    parent.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const javaPid = await waitFor(() => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      return line ? (JSON.parse(line).pid as number) : undefined;
    }, 30_000);
    cleanups.push(() => {
      if (isProcessAlive(javaPid)) process.kill(javaPid, 'SIGKILL');
    });
    if (how !== 'exit') {
      expect(isProcessAlive(javaPid)).toBe(true);
      parent.kill(how);
    }

    await waitFor(() => parent.exitCode !== null || parent.signalCode !== null);
    if (how !== 'exit') expect(parent.signalCode).toBe(how); // default signal behaviour is preserved
    await waitFor(() => !isProcessAlive(javaPid), 10_000);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('explains how to install Java when it is missing', async () => {
    const pidFile = join(workDir, 'nojava.pid');
    await expect(
      startDynamoDbLocal({ port: await freePort(), pidFile, log, java: join(workDir, 'no-such-java') }),
    ).rejects.toThrow(/apt-get install -y openjdk-17-jre-headless/);
  });

  it('surfaces the emulator output when it dies during start-up', async () => {
    const pidFile = join(workDir, 'dies.pid');
    const error = await startDynamoDbLocal({
      port: await freePort(),
      pidFile,
      log,
      javaOptions: ['-XX:+ThisOptionDoesNotExist'],
    }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error?.message).toMatch(/exited during start-up \(exit code \d+\)/);
    expect(error?.message).toContain('ThisOptionDoesNotExist');
    expect(existsSync(pidFile)).toBe(false);
  });
});
