import { describe, expect, it } from 'vitest';
import { refusePlaceholders } from '../../../scripts/deploy/operations-plugin.mjs';

const real = {
  alarmEmail: 'oncall@shop.io',
  mailIdentity: 'shop.io',
  mailFromAddress: 'orders@shop.io',
};

describe('sls deploy refuses a stage whose params are still placeholders', () => {
  it('lets a stage with real values through', () => {
    expect(() => refusePlaceholders('prod', real)).not.toThrow();
  });

  it('names every placeholder, what it would break and where to set it', () => {
    const attempt = () =>
      refusePlaceholders('prod', {
        ...real,
        alarmEmail: 'commerce-alarms-prod@example.com',
        mailIdentity: 'shop.example.com',
      });
    expect(attempt).toThrow(/alarmEmail "commerce-alarms-prod@example\.com" \(its alarms would go/);
    expect(attempt).toThrow(/mailIdentity "shop\.example\.com" \(SES would refuse/);
    expect(attempt).toThrow(/Set params\.prod\.alarmEmail, mailIdentity in serverless\.yml/);
  });

  it('catches every reserved documentation domain, not look-alikes', () => {
    expect(() => refusePlaceholders('dev', { ...real, mailFromAddress: 'orders@dev.example.org' })).toThrow(
      /mailFromAddress/,
    );
    expect(() => refusePlaceholders('dev', { ...real, mailIdentity: 'myexample.com' })).not.toThrow();
  });
});
