import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The CI/CD workflow is code too: a broken file fails here, not on the first push. */
const workflow = parse(readFileSync(join(import.meta.dirname, '../../.github/workflows/ci-cd.yml'), 'utf8'));
const stepsOf = (job: string): Array<{ run?: string; uses?: string }> => workflow.jobs[job].steps;
const runs = (job: string) => stepsOf(job).flatMap((step) => (step.run ? [step.run] : []));
const jobNames = Object.keys(workflow.jobs);
const permissionsOf = (job: string): Record<string, string> | undefined => workflow.jobs[job].permissions;

/** Jobs that assume an AWS role: the only ones that need an OIDC token. */
const assumesAwsRole = (job: string) =>
  stepsOf(job).some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials'));

/** Whether a job can run for a pull request: its `if` does not require a push, nor does any job it needs. */
function runsOnPullRequest(job: string): boolean {
  const { if: condition, needs } = workflow.jobs[job] as { if?: string; needs?: string | string[] };
  if (condition && /github\.event_name == 'push'/.test(condition)) return false;
  return [needs ?? []].flat().every(runsOnPullRequest);
}

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
    expect(jobNames.filter(assumesAwsRole)).toEqual(['deploy-dev', 'deploy-prod']);
  });

  it('grants the whole workflow only contents: read, never id-token', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('grants id-token: write on the deploy jobs only, which assume the AWS role', () => {
    for (const job of jobNames) {
      expect({ job, idToken: permissionsOf(job)?.['id-token'] }).toEqual({
        job,
        idToken: assumesAwsRole(job) ? 'write' : undefined,
      });
    }
    // A job's permissions replace the workflow's: the deploy jobs keep contents: read for the checkout.
    for (const job of jobNames.filter(assumesAwsRole)) expect(permissionsOf(job)?.contents).toBe('read');
  });

  it('gives the jobs that run for pull requests no id-token, neither their own nor inherited', () => {
    const pullRequestJobs = jobNames.filter(runsOnPullRequest);
    expect(pullRequestJobs).toEqual(['test']);
    for (const job of pullRequestJobs) {
      // Without its own permissions a job gets the workflow's.
      const effective = permissionsOf(job) ?? workflow.permissions;
      expect({ job, idToken: effective['id-token'] }).toEqual({ job, idToken: undefined });
    }
  });

  it('installs with npm ci in every job, never npm install', () => {
    for (const job of jobNames) {
      const installs = runs(job).filter((run) => /^npm (ci|install|i)\b/.test(run));
      expect({ job, installs }).toEqual({ job, installs: ['npm ci --no-audit --no-fund'] });
    }
  });
});
