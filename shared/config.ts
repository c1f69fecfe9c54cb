/** Reads a required environment variable; a missing one is a deployment bug, so fail loudly and early. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `Environment variable ${name} is not set: check the function's environment in serverless.yml`,
    );
  }
  return value;
}
