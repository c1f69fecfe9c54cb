import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allContracts } from '../../../events/index.js';

const SAMPLES_DIR = join(import.meta.dirname, '../../../events/samples');

interface BusEventSample {
  'detail-type': string;
  source: string;
  detail: { metadata: Record<string, unknown>; data: Record<string, unknown> };
}

const samples = readdirSync(SAMPLES_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    file,
    event: JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as BusEventSample,
  }));

function contractOf(file: string) {
  const [type, version] = file.split('.');
  return allContracts.find((contract) => contract.type === type && `v${contract.version}` === version);
}

describe('event contracts', () => {
  it('have a sample for every published contract, and a contract for every sample', () => {
    // given the samples directory and the contract registry
    // then they match one to one (SAMPLE NAME = <type>.v<version>.json)
    const fromSamples = samples.map(({ file }) => file.replace(/\.json$/, '')).sort();
    const fromContracts = allContracts.map((contract) => `${contract.type}.v${contract.version}`).sort();
    expect(fromSamples).toEqual(fromContracts);
  });

  it.each(samples)('accept their sample $file', ({ file, event }) => {
    // given a sample bus event and the contract named by its file
    const contract = contractOf(file);
    expect(contract).toBeDefined();

    // when its detail is validated
    const parsed = contract?.envelopeSchema.parse(event.detail);

    // then it is valid, and the bus headers agree with the envelope
    expect(parsed).toEqual(event.detail);
    expect(event['detail-type']).toBe(contract?.type);
    expect(event.detail.metadata.eventType).toBe(contract?.type);
    expect(event.detail.metadata.producer).toBe(contract?.producer);
    expect(event.source).toBe(`commerce.${contract?.producer}`);
  });

  describe.each(samples)('reject a broken $file', ({ file, event }) => {
    const contract = contractOf(file);
    const withMetadata = (metadata: Record<string, unknown>) => ({
      ...event.detail,
      metadata: { ...event.detail.metadata, ...metadata },
    });

    it('with a wrong event version', () => {
      // given the envelope claims another version of the event
      const envelope = withMetadata({ eventVersion: (contract?.version ?? 1) + 1 });

      // then the contract refuses it
      const result = contract?.envelopeSchema.safeParse(envelope);
      expect(result?.success).toBe(false);
      expect(result?.error?.issues.map((issue) => issue.path.join('.'))).toContain('metadata.eventVersion');
    });

    it('without a correlation id', () => {
      // given the envelope lost its correlation id
      const { correlationId: _dropped, ...metadata } = event.detail.metadata;
      const envelope = { ...event.detail, metadata };

      // then the contract refuses it
      const result = contract?.envelopeSchema.safeParse(envelope);
      expect(result?.success).toBe(false);
      expect(result?.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['metadata.correlationId']);
    });

    it('with an empty correlation id or another event type', () => {
      // given an empty correlation id, or an envelope of another type
      const empty = contract?.envelopeSchema.safeParse(withMetadata({ correlationId: '' }));
      const otherType = contract?.envelopeSchema.safeParse(withMetadata({ eventType: 'SomethingElse' }));

      // then both are refused
      expect(empty?.success).toBe(false);
      expect(otherType?.success).toBe(false);
    });

    it('but accepts unknown fields a newer producer may add', () => {
      // given an additive change: new fields in metadata and data
      const envelope = {
        metadata: { ...event.detail.metadata, tenant: 't-1' },
        data: { ...event.detail.data, newOptionalField: 42 },
      };

      // then the contract still accepts it (consumers tolerate additions)
      expect(contract?.envelopeSchema.safeParse(envelope).success).toBe(true);
    });
  });
});
