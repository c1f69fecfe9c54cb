import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The CI/CD workflow is code too: a broken file fails here, not on the first push. */
const workflow = parse(readFileSync(join(import.meta.dirname, '../../.github/workflows/ci-cd.yml'), 'utf8'));
const stepsOf = (job: string): Array<{ run?: string; uses?: string }> => workflow.jobs[job].steps;
const runs = (job: string) => stepsOf(job).flatMap((step) => (step.run ? [step.run] : []));

describe('the CI/CD workflow', () => {
  it('lints, typechecks and runs npm test on every pull request', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect(runs('test')).toEqual(expect.arrayContaining(['npm run lint', 'npm run typecheck', 'npm test']));
  });

  it('deploys dev from main after the tests pass, with sls deploy --stage dev', () => {
    const job = workflow.jobs['deploy-dev'];
    expect(job.needs).toBe('test');
    expect(job.if).toContain("github.ref == 'refs/heads/main'");
    expect(runs('deploy-dev').some((run) => /sls deploy --stage dev\b/.test(run))).toBe(true);
  });

  it('promotes to prod only after dev, through the approval-gated prod environment', () => {
    const job = workflow.jobs['deploy-prod'];
    expect(job.needs).toBe('deploy-dev');
    expect(job.environment).toBe('prod');
    expect(runs('deploy-prod').some((run) => /sls deploy --stage prod\b/.test(run))).toBe(true);
  });

  it('uses OIDC role assumption, never stored AWS keys', () => {
    const text = readFileSync(join(import.meta.dirname, '../../.github/workflows/ci-cd.yml'), 'utf8');
    expect(text).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/);
    expect(workflow.permissions['id-token']).toBe('write');
  });
});
