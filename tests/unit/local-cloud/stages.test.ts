import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStages, STAGES_FILE, stageOf } from '../../../scripts/local-cloud/stages.mjs';

const dir = mkdtempSync(join(tmpdir(), 'stages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the offline stages (scripts/local-cloud/stages.json)', () => {
  it('are read with every field a stage needs, each stage on its own ports', () => {
    const stages = readStages();
    expect(Object.keys(stages)).toEqual(['local', 'test', 'bench', 'drill']);
    const ports = Object.values(stages).flatMap((stage) =>
      Object.entries(stage)
        .filter(([field]) => field.endsWith('Port'))
        .map(([, port]) => port),
    );
    expect(ports).toHaveLength(40);
    expect(new Set(ports).size).toBe(ports.length);
    expect(stageOf('drill')).toMatchObject({
      httpPort: 5100,
      audience: 'commerce-drill',
      persistData: false,
    });
  });

  it('name the known stages when asked for another', () => {
    expect(() => stageOf('prod')).toThrow(/Unknown stage "prod" \(known: local, test, bench, drill\)/);
  });

  it('refuse a malformed stage, naming the stage and the field', () => {
    const file = join(dir, 'stages.json');
    const { local } = readStages(STAGES_FILE);
    writeFileSync(file, JSON.stringify({ local, broken: { ...local, sesPort: '4050' } }));
    expect(() => readStages(file)).toThrow(/stage "broken" has no valid sesPort \(a TCP port\)/);
    writeFileSync(file, JSON.stringify({ local: { ...local, persistData: 'yes' } }));
    expect(() => readStages(file)).toThrow(/stage "local" has no valid persistData/);
  });
});
