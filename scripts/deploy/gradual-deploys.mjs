/**
 * Gradual deploys (decisions.md, entry 39): on a deployed stage every function is invoked through its
 * alias `live`, and CodeDeploy moves that alias to each new version the way the stage's `deploymentType`
 * param says (prod a canary, staging linear, dev all at once), rolling it back when one of the function's
 * rollback alarms goes off. serverless-plugin-canary-deployments builds the alias, the CodeDeploy
 * application, one deployment group per function, and points the event sources at the alias; the
 * operations plugin (./operations-plugin.mjs) uses what is here to:
 * - give every function its `deploymentSettings` when serverless loads the service (`gradualDeploySettings`);
 * - name each function's rollback alarms from the compiled template, before the canary plugin reads them
 *   (`rollbackAlarmIds`): its error alarm and the alarms on every queue its failures end in;
 * - replace the plugin's CodeDeploy role (AWSLambda_FullAccess) by one that may only move these aliases
 *   (`codeDeployRole`);
 * - after the canary plugin, move what it leaves on `$LATEST` to the alias (`aliasAsyncInvokeConfigs`: the
 *   retries and on-failure destination of asynchronous invocations) and refuse a template in which anything
 *   still invokes a function around its alias (`bypassesOfAliases`).
 */

/** The alias every event source invokes. */
export const ALIAS = 'live';
export const CODE_DEPLOY_ROLE = 'CodeDeployServiceRole';
/** CodeDeploy's limit per deployment group. */
const MAX_ALARMS = 10;

/** CodeDeploy's predefined Lambda configurations (`CodeDeployDefault.Lambda<type>`). */
export const DEPLOYMENT_TYPES = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
];

/**
 * Resources that may name a function itself rather than its alias: its versions and aliases, what watches
 * it, the roles that manage it (CodeDeploy's), its log group and its asynchronous-invocation settings
 * (which `aliasAsyncInvokeConfigs` qualifies with the alias).
 */
const MAY_NAME_THE_FUNCTION = [
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::CodeDeploy::DeploymentGroup',
  'AWS::IAM::Role',
  'AWS::Logs::LogGroup',
  'AWS::Logs::QueryDefinition',
];

/** @param {any} value the logical id a `Fn::GetAtt`/`Ref` points at, if any */
const referencedId = (value) => value?.['Fn::GetAtt']?.[0] ?? value?.Ref;

/**
 * The function a reference invokes: the function itself, or the function behind an alias.
 * @param {Record<string, any>} resources
 * @param {any} value
 */
export function invokedFunctionId(resources, value) {
  const id = referencedId(value);
  if (resources[id]?.Type === 'AWS::Lambda::Alias')
    return referencedId(resources[id].Properties.FunctionName);
  return id;
}

/**
 * What a function gets when the stage shifts traffic gradually, or nothing on a stage that does not.
 * @param {unknown} deploymentType the stage's `deploymentType` param
 * @returns {{ type: string, alias: string } | undefined}
 */
export function gradualDeploySettings(deploymentType) {
  if (deploymentType === undefined || deploymentType === '' || deploymentType === 'none') return undefined;
  if (!DEPLOYMENT_TYPES.includes(String(deploymentType))) {
    throw new Error(
      `Unknown deploymentType "${deploymentType}": use one of ${DEPLOYMENT_TYPES.join(', ')}, or none.`,
    );
  }
  return { type: String(deploymentType), alias: ALIAS };
}

/**
 * The queues a function's failures end in: the on-failure destination of its asynchronous invocations
 * and of its stream mappings, the DLQ of each queue it reads, and the DLQ of each rule target that is the
 * function (what EventBridge could not hand to it).
 * @param {Record<string, any>} resources
 * @param {string} functionId
 * @returns {string[]}
 */
export function failureQueuesOf(resources, functionId) {
  /** @type {any[]} */
  const arns = [];
  for (const resource of Object.values(resources)) {
    const properties = resource.Properties ?? {};
    const invokes = (/** @type {any} */ value) => invokedFunctionId(resources, value) === functionId;
    if (resource.Type === 'AWS::Lambda::EventInvokeConfig' && invokes(properties.FunctionName)) {
      arns.push(properties.DestinationConfig?.OnFailure?.Destination);
    }
    if (resource.Type === 'AWS::Lambda::EventSourceMapping' && invokes(properties.FunctionName)) {
      arns.push(properties.DestinationConfig?.OnFailure?.Destination);
      const source = resources[referencedId(properties.EventSourceArn)];
      if (source?.Type === 'AWS::SQS::Queue') arns.push(source.Properties.RedrivePolicy?.deadLetterTargetArn);
    }
    if (resource.Type === 'AWS::Events::Rule') {
      for (const target of properties.Targets ?? []) {
        if (invokes(target.Arn)) arns.push(target.DeadLetterConfig?.Arn);
      }
    }
  }
  const ids = arns.map(referencedId).filter((id) => resources[id]?.Type === 'AWS::SQS::Queue');
  return [...new Set(ids)];
}

/**
 * The alarms that roll a deploy of the function back: its error alarm, then every alarm on a queue its
 * failures end in (generated or hand-written). Logical ids, as serverless-plugin-canary-deployments takes them.
 * @param {Record<string, any>} resources
 * @param {string} functionId
 * @returns {string[]}
 */
export function rollbackAlarmIds(resources, functionId) {
  const alarms = Object.entries(resources).filter(
    ([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm',
  );
  const watches = (/** @type {any} */ alarm, /** @type {string} */ id) =>
    JSON.stringify([alarm.Properties.Dimensions, alarm.Properties.Metrics]).includes(`"${id}"`);
  const errors = alarms.filter(
    ([, alarm]) =>
      alarm.Properties.Namespace === 'AWS/Lambda' &&
      alarm.Properties.MetricName === 'Errors' &&
      watches(alarm, functionId),
  );
  if (errors.length === 0) throw new Error(`${functionId} has no error alarm to roll its deploys back on.`);
  const queues = failureQueuesOf(resources, functionId);
  const onQueues = alarms.filter(([, alarm]) => queues.some((queue) => watches(alarm, queue)));
  const ids = [...new Set([...errors, ...onQueues].map(([id]) => id))];
  if (ids.length > MAX_ALARMS) {
    throw new Error(
      `${functionId} has ${ids.length} rollback alarms; CodeDeploy takes at most ${MAX_ALARMS}.`,
    );
  }
  return ids;
}

/**
 * CodeDeploy's role: read the alarms, move these functions' aliases. The canary plugin's own role carries
 * AWSLambda_FullAccess (for traffic hooks, which this project has none of). `cloudwatch:DescribeAlarms` stays
 * on `*` as in AWS's own AWSCodeDeployRoleForLambdaLimited: it reads alarm states, nothing else, and a
 * narrower scope is not documented to work for the calls CodeDeploy makes.
 * @param {string[]} functionIds
 */
export function codeDeployRole(functionIds) {
  const arn = (/** @type {string} */ id) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: 'shift-lambda-aliases',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
                // Lambda authorizes alias actions on the function's ARN, provisioned concurrency on the alias's.
                Resource: functionIds.flatMap((id) => [arn(id), { 'Fn::Join': [':', [arn(id), ALIAS]] }]),
              },
              { Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: '*' },
            ],
          },
        },
      ],
    },
  };
}

/**
 * Lambda applies an asynchronous invocation's retry, age and on-failure settings of the qualifier invoked:
 * the framework writes them for `$LATEST`, and once the rules invoke `live` nothing would apply them (two
 * retries, six hours, then the event is dropped). Each goes to the function's alias instead.
 * @param {Record<string, any>} resources
 * @param {Record<string, string>} aliasOf the alias logical id of each function logical id
 */
export function aliasAsyncInvokeConfigs(resources, aliasOf) {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const alias = aliasOf[referencedId(resource.Properties.FunctionName)];
    if (!alias) continue;
    resource.Properties.Qualifier = resources[alias].Properties.Name;
    resource.DependsOn = [...new Set([resource.DependsOn ?? []].flat().concat(alias))];
  }
}

/**
 * Every resource that still names a function with an alias directly (an event source the canary plugin
 * did not rewire would keep invoking `$LATEST`: new code at once, whatever CodeDeploy does).
 * @param {Record<string, any>} resources
 * @param {Record<string, string>} aliasOf
 * @returns {string[]} `<resource> → <function>`
 */
export function bypassesOfAliases(resources, aliasOf) {
  const found = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (MAY_NAME_THE_FUNCTION.includes(resource.Type) || aliasOf[logicalId]) continue;
    const text = JSON.stringify(resource.Properties ?? {});
    for (const functionId of Object.keys(aliasOf)) {
      if (text.includes(`"${functionId}"`)) found.push(`${logicalId} (${resource.Type}) → ${functionId}`);
    }
  }
  return found;
}
