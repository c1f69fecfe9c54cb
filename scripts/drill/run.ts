/**
 * `npm run drill [-- --json] [-- --only a,b] [-- --stage drill] [-- --no-boot]`: boots the `drill` stage,
 * runs each fault drill (inject a fault, check invariants after), prints a table, writes
 * docs/bench/drills.md and, with --json, prints one JSON object as the last stdout line.
 * Exit 1 when a drill failed, 2 on a usage error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { allDrills } from './drills/index.js';
import {
  type BootedStack,
  bootStack,
  type Drill,
  type DrillContext,
  ROOT,
  type Stack,
  setBusOutage,
  setSandboxOutage,
  stackFor,
} from './harness.js';

interface Row {
  name: string;
  passed: boolean;
  detail: string;
  seconds: number;
}

const TOTAL_BUDGET_MS = 14 * 60_000;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`drill: ${(error as Error).message}\n`);
    return 2;
  }
  const values = { ...parsed, stage: parsed.stage ?? 'drill' };
  return runDrills(values);
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      stage: { type: 'string', default: 'drill' },
      'no-boot': { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }).values;
}

type Options = ReturnType<typeof parseOptions> & { stage: string };
type Out = (line: string) => void;

async function runDrills(values: Options): Promise<number> {
  const names = allDrills.map((d) => d.name);
  if (values.help) {
    process.stdout.write(
      `usage: npm run drill -- [--json] [--only ${names.join(',')}] [--no-boot] [--quick]\n`,
    );
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((n) => !names.includes(n)) ?? [];
  if (unknown.length) {
    process.stderr.write(`drill: unknown drill(s) ${unknown.join(', ')} (known: ${names.join(', ')})\n`);
    return 2;
  }
  const drills = only ? allDrills.filter((d) => only.includes(d.name)) : allDrills;
  // Human output goes to stderr when --json is given, so the JSON line is the last stdout line.
  const out: Out = (line) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  const started = Date.now();
  const rows = await runOnStack(drills, values, out, started);
  const totalSeconds = (Date.now() - started) / 1000;
  out('');
  out(table(rows));
  out(`${rows.filter((r) => r.passed).length}/${rows.length} drills passed in ${totalSeconds.toFixed(0)} s`);
  if (!values['no-report']) writeReport(rows, totalSeconds, values.stage, Boolean(only));
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ drills: rows.map(({ name, passed, detail }) => ({ name, passed, detail })) })}\n`,
    );
  return rows.every((r) => r.passed) ? 0 : 1;
}

/**
 * Boots the stage's stack (unless --no-boot), runs the drills one after another within the time budget
 * and stops the stack again, also when a drill aborts the run or the process is interrupted.
 */
async function runOnStack(drills: Drill[], values: Options, out: Out, started: number): Promise<Row[]> {
  let booted: BootedStack | undefined;
  const rows: Row[] = [];
  const onSignal = async () => {
    await booted?.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let stack = stackFor(values.stage);
    if (!values['no-boot']) {
      out(`[drill] booting the local stack (stage ${values.stage})…`);
      booted = await bootStack(values.stage);
      stack = booted.stack;
      out(`[drill] stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    await setBusOutage(stack, false);
    await setSandboxOutage(stack, 'off');
    for (const [index, drill] of drills.entries()) {
      if (Date.now() - started > TOTAL_BUDGET_MS) {
        rows.push({ name: drill.name, passed: false, detail: 'not run: time budget exhausted', seconds: 0 });
        continue;
      }
      out(`[drill] (${index + 1}/${drills.length}) ${drill.name}: ${drill.fault}`);
      rows.push(await runDrill(drill, { stack, quick: values.quick ?? false, out }));
    }
  } catch (error) {
    out(`[drill] aborted: ${error instanceof Error ? error.message : String(error)}`);
    for (const drill of drills)
      if (!rows.some((r) => r.name === drill.name))
        rows.push({
          name: drill.name,
          passed: false,
          detail: `not run: ${(error as Error).message?.slice(0, 200)}`,
          seconds: 0,
        });
  } finally {
    if (booted) {
      out('[drill] stopping the stack');
      await booted.stop();
    }
  }
  return rows;
}

async function runDrill(drill: Drill, { stack, quick, out }: { stack: Stack; quick: boolean; out: Out }) {
  const t0 = Date.now();
  const ctx: DrillContext = {
    stack,
    quick,
    progress: (line) => out(`[drill]     ${drill.name}: ${line}`),
  };
  const logStart = stack.logMark?.();
  const result = await drill.run(ctx);
  // A drill never leaves a fault switched on for the next one.
  await setBusOutage(stack, false).catch(() => undefined);
  await setSandboxOutage(stack, 'off').catch(() => undefined);
  const seconds = (Date.now() - t0) / 1000;
  out(
    `[drill]   ${result.passed ? 'PASS' : 'FAIL'} ${drill.name} (${seconds.toFixed(1)} s): ${result.detail}`,
  );
  if (!result.passed && logStart !== undefined && stack.logsSince) {
    // A failure that does not repeat can only be explained from what the stack logged while it happened.
    const file = keepStackLog(drill.name, stack.logsSince(logStart), stack.stage);
    out(`[drill]   the stack's log during ${drill.name} is kept in ${file}`);
  }
  return { name: drill.name, ...result, seconds } satisfies Row;
}

/** Writes the stack's log of one drill under `.local/<stage>/drill-logs/` (git-ignored) and returns its path. */
function keepStackLog(drillName: string, log: string, stage: string): string {
  const dir = join(ROOT, '.local', stage, 'drill-logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${drillName}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  writeFileSync(file, log);
  return relative(ROOT, file);
}

function table(rows: Row[]): string {
  const header = ['drill', 'result', 'time', 'detail'];
  const lines = rows.map((r) => [r.name, r.passed ? 'PASS' : 'FAIL', `${r.seconds.toFixed(0)} s`, r.detail]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (i === 3 ? 0 : (l[i] ?? '').length))),
  );
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 3 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w || 6))), ...lines.map(fmt)].join('\n');
}

function writeReport(rows: Row[], totalSeconds: number, stage: string, subset: boolean) {
  const file = join(ROOT, 'docs', 'bench', 'drills.md');
  mkdirSync(dirname(file), { recursive: true });
  const byName = new Map(allDrills.map((d) => [d.name, d]));
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const md = [
    '# Fault drills',
    '',
    `Generated by \`npm run drill\`${subset ? ' (subset: --only)' : ''} on ${new Date().toISOString()} against the local stack of stage \`${stage}\``,
    `(${process.platform}, ${cpus().length} cores, Node ${process.version}); ${rows.filter((r) => r.passed).length}/${rows.length} passed in ${totalSeconds.toFixed(0)} s.`,
    'Each drill injects one fault into the running system and then checks invariants; see `scripts/drill/drills/`.',
    '',
    '| drill | fault | must hold | result | time | observed |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const d = byName.get(r.name);
      return `| \`${r.name}\` | ${esc(d?.fault ?? '')} | ${esc(d?.mustHold ?? '')} | ${r.passed ? 'PASS' : '**FAIL**'} | ${r.seconds.toFixed(0)} s | ${esc(r.detail)} |`;
    }),
    '',
  ].join('\n');
  writeFileSync(file, md);
}

process.exitCode = await main(process.argv.slice(2));
