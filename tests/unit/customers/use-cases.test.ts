import { describe, expect, it } from 'vitest';
import { getMyProfile } from '../../../domains/customers/get-profile.js';
import { type CustomerProfile, ProfileVersionConflict } from '../../../domains/customers/model.js';
import { updateMyProfile } from '../../../domains/customers/update-profile.js';
import { CustomerProfileUpdatedV2 } from '../../../events/customers/index.js';
import { FakeCustomerContactCipher } from '../shared/customer-contact-fakes.js';
import { FixedClock, InMemoryCustomerRepository } from './fakes.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const T1 = new Date('2026-11-22T11:00:00.000Z');
const trace = { correlationId: 'req-9a1c', causationId: 'req-9a1c' };
const ALICE = { name: 'Alice Liddell', email: 'alice@example.com' };

function profile(overrides: Partial<CustomerProfile> = {}): CustomerProfile {
  return {
    customerId: 'alice',
    profileVersion: 1,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

function shop(initial: CustomerProfile[] = [], at = T0) {
  return {
    customers: new InMemoryCustomerRepository(initial),
    contacts: new FakeCustomerContactCipher(),
    clock: new FixedClock(at),
  };
}

describe('getMyProfile', () => {
  it('creates an empty profile on first use and returns the same one afterwards', async () => {
    // given a customer we have never seen
    const ports = shop();

    // when they ask for their profile twice, an hour apart
    const first = await getMyProfile('alice', ports);
    ports.clock.set(T1);
    const second = await getMyProfile('alice', ports);

    // then a profile was created once, at version 1, with no contact details
    expect(first).toEqual({ customerId: 'alice', createdAt: T0.toISOString(), updatedAt: T0.toISOString() });
    expect(second).toEqual(first);
    expect(ports.customers.creates).toBe(1);
    expect(ports.customers.profiles.get('alice')?.profileVersion).toBe(1);
    // and nothing was published: an empty profile tells nobody anything
    expect(ports.customers.outbox).toEqual([]);
  });

  it('ends concurrent first calls with one profile, the one created first', async () => {
    // given a customer we have never seen
    const ports = shop();

    // when two first calls race
    const [a, b] = await Promise.all([getMyProfile('alice', ports), getMyProfile('alice', ports)]);

    // then both tried to create it, and both see the same, single profile
    expect(ports.customers.creates).toBe(2);
    expect(a).toEqual(b);
    expect(ports.customers.profiles.size).toBe(1);
  });

  it('shows the stored contact details, never the version', async () => {
    const ports = shop([profile({ ...ALICE, profileVersion: 3 })]);

    expect(await getMyProfile('alice', ports)).toEqual({
      customerId: 'alice',
      ...ALICE,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    });
  });
});

describe('updateMyProfile', () => {
  it('stores the details one version further and publishes CustomerProfileUpdated with them sealed', async () => {
    // given alice's profile at version 1
    const ports = shop([profile()], T1);

    // when she sets her name and e-mail
    const view = await updateMyProfile('alice', ALICE, ports, trace);

    // then the answer is her profile
    expect(view).toEqual({
      customerId: 'alice',
      ...ALICE,
      createdAt: T0.toISOString(),
      updatedAt: T1.toISOString(),
    });
    expect(ports.customers.profiles.get('alice')?.profileVersion).toBe(2);
    // and one event, valid against its contract, carries the version, the trace and the new details,
    // sealed for alice alone: neither the name nor the e-mail is anywhere in it in clear
    expect(ports.customers.outbox).toHaveLength(1);
    const event = CustomerProfileUpdatedV2.envelopeSchema.parse(ports.customers.outbox[0]);
    expect(event.data).toEqual({
      customerId: 'alice',
      sealedContact: expect.any(String),
      profileVersion: 2,
      updatedAt: T1.toISOString(),
    });
    expect(ports.contacts.peek(event.data.sealedContact)).toEqual({ contact: ALICE, customerId: 'alice' });
    expect(JSON.stringify(ports.customers.outbox)).not.toMatch(/Alice|alice@/);
    expect(event.metadata).toMatchObject({
      eventType: 'CustomerProfileUpdated',
      producer: 'customers',
      correlationId: 'req-9a1c',
      causationId: 'req-9a1c',
      occurredAt: T1.toISOString(),
    });
  });

  it('creates the profile first when PUT is the first use', async () => {
    const ports = shop([], T1);

    const view = await updateMyProfile('alice', ALICE, ports, trace);

    expect(view).toMatchObject({ customerId: 'alice', ...ALICE, createdAt: T1.toISOString() });
    expect(ports.customers.profiles.get('alice')?.profileVersion).toBe(2);
    expect(
      ports.customers.outbox.map((event) => (event.data as { profileVersion: number }).profileVersion),
    ).toEqual([2]);
  });

  it('changes and publishes nothing when the details are already stored (a retried PUT)', async () => {
    const ports = shop([profile({ ...ALICE, profileVersion: 2 })], T1);

    const view = await updateMyProfile('alice', { ...ALICE }, ports, trace);

    expect(view).toMatchObject({ ...ALICE, updatedAt: T0.toISOString() });
    expect(ports.customers.saves).toBe(0);
    expect(ports.customers.outbox).toEqual([]);
  });

  it('re-reads and re-applies after a concurrent change, publishing only the version it stored', async () => {
    // given another request stores new details between our read and our write, once
    const ports = shop([profile()], T1);
    let raced = false;
    ports.customers.beforeSave = () => {
      if (raced) return;
      raced = true;
      const stored = ports.customers.profiles.get('alice') as CustomerProfile;
      ports.customers.profiles.set('alice', {
        ...stored,
        name: 'Someone',
        email: 'x@example.com',
        profileVersion: 2,
      });
    };

    // when alice updates her details
    const view = await updateMyProfile('alice', ALICE, ports, trace);

    // then her details win, one version after the concurrent one
    expect(view).toMatchObject(ALICE);
    expect(ports.customers.saves).toBe(2);
    expect(ports.customers.profiles.get('alice')).toMatchObject({ ...ALICE, profileVersion: 3 });
    const [published] = ports.customers.outbox.map((event) =>
      CustomerProfileUpdatedV2.dataSchema.parse(event.data),
    );
    expect(ports.customers.outbox).toHaveLength(1);
    expect(published?.profileVersion).toBe(3);
    expect(ports.contacts.peek(published?.sealedContact ?? '')?.contact).toEqual(ALICE);
  });

  it('gives up with a 409 after five conflicts in a row', async () => {
    // given a writer that always gets there first
    const ports = shop([profile()], T1);
    ports.customers.beforeSave = () => {
      const stored = ports.customers.profiles.get('alice') as CustomerProfile;
      ports.customers.profiles.set('alice', { ...stored, profileVersion: stored.profileVersion + 1 });
    };

    // when alice updates her details
    const attempt = updateMyProfile('alice', ALICE, ports, trace);

    // then she is told to try again, and nothing was published
    await expect(attempt).rejects.toBeInstanceOf(ProfileVersionConflict);
    await expect(attempt).rejects.toMatchObject({ status: 409 });
    expect(ports.customers.saves).toBe(5);
    expect(ports.customers.outbox).toEqual([]);
  });
});
