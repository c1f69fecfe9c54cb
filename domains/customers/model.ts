import { ConflictError } from '../../shared/errors.js';

/** A customer's profile; the customer id is the subject of their token. */
export interface CustomerProfile {
  customerId: string;
  name?: string;
  email?: string;
  /**
   * Optimistic concurrency and the order of CustomerProfileUpdated: 1 for the profile created on first
   * use, one more with every change of the contact details.
   */
  profileVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** What the public API shows of a profile (API.md, GET /me). */
export type ProfileView = Pick<CustomerProfile, 'customerId' | 'name' | 'email' | 'createdAt' | 'updatedAt'>;

export interface ContactDetails {
  name: string;
  email: string;
}

/** Raised by the repository when the stored profile is no longer at the expected version. */
export class ProfileVersionConflict extends ConflictError {
  override readonly code = 'profile-version-conflict';
  constructor(customerId: string) {
    super(`The profile of ${customerId} changed concurrently; send the request again.`, { customerId });
  }
}

/** The profile a customer has before telling us anything: created on first use of /me. */
export function newProfile(customerId: string, now: Date): CustomerProfile {
  const timestamp = now.toISOString();
  return { customerId, profileVersion: 1, createdAt: timestamp, updatedAt: timestamp };
}

export function hasContactDetails(profile: CustomerProfile, details: ContactDetails): boolean {
  return profile.name === details.name && profile.email === details.email;
}

/** The profile with new contact details, one version further. */
export function withContactDetails(
  profile: CustomerProfile,
  details: ContactDetails,
  now: Date,
): CustomerProfile {
  return {
    ...profile,
    name: details.name,
    email: details.email,
    profileVersion: profile.profileVersion + 1,
    updatedAt: now.toISOString(),
  };
}

export function toView(profile: CustomerProfile): ProfileView {
  return {
    customerId: profile.customerId,
    ...(profile.name === undefined ? {} : { name: profile.name }),
    ...(profile.email === undefined ? {} : { email: profile.email }),
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  };
}
