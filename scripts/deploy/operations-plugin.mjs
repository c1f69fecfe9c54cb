// @ts-check
/**
 * Operational guarantees every deployed stage gets without anyone having to remember them, applied to
 * the compiled CloudFormation template at package time (so `sls package` shows exactly what deploys):
 * - a CloudWatch alarm on the depth of every dead-letter queue and on the errors of every function,
 *   notifying one SNS topic per stage;
 * - HTTP API throttling from the stage's params (`httpApiRateLimit`, `httpApiBurstLimit`);
 * - no unused default Lambda role: each function has its own (serverless-iam-roles-per-function).
 */

const ALARM_TOPIC = 'OperationsAlarmTopic';
const DEFAULT_ROLE = 'IamRoleLambdaExecution';

/** @param {string} id */
const alarmId = (id) => `${id}Alarm`.replace(/[^A-Za-z0-9]/g, '');

export default class OperationsPlugin {
  /** @param {any} serverless */
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:aws:package:finalize:saveServiceState': () => this.applyToTemplate() };
  }

  applyToTemplate() {
    const provider = this.serverless.service.provider;
    const template = provider.compiledCloudFormationTemplate;
    const resources = template.Resources;
    const stagePrefix = `${this.serverless.service.service}-${provider.stage}`;
    const params = this.serverless.service.custom?.operations ?? {};

    resources[ALARM_TOPIC] = {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: `${stagePrefix}-alarms` },
    };
    const notify = [{ Ref: ALARM_TOPIC }];

    // A hand-written alarm on a queue wins over the generated one (CloudWatch refuses duplicate names).
    const alarmed = JSON.stringify(
      Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm'),
    );
    for (const [logicalId, resource] of Object.entries(resources)) {
      const isDlq = /-dlq(\.fifo)?$/.test(resource.Properties?.QueueName ?? '');
      if (resource.Type === 'AWS::SQS::Queue' && isDlq && !alarmed.includes(`"${logicalId}"`)) {
        resources[alarmId(`${logicalId}Depth`)] = {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: `${resource.Properties.QueueName}-not-empty`,
            AlarmDescription: `Messages are waiting in ${resource.Properties.QueueName}: inspect and \`npm run redrive\`.`,
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId, 'QueueName'] } }],
            Statistic: 'Maximum',
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
            TreatMissingData: 'notBreaching',
            AlarmActions: notify,
          },
        };
      }
      if (resource.Type === 'AWS::Lambda::Function') {
        resources[alarmId(`${logicalId}Errors`)] = {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: `${resource.Properties.FunctionName}-errors`,
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
            Statistic: 'Sum',
            Period: 300,
            EvaluationPeriods: 1,
            Threshold: Number(params.functionErrorThreshold ?? 0),
            ComparisonOperator: 'GreaterThanThreshold',
            TreatMissingData: 'notBreaching',
            AlarmActions: notify,
          },
        };
      }
      if (resource.Type === 'AWS::ApiGatewayV2::Stage') {
        resource.Properties.DefaultRouteSettings = {
          ...resource.Properties.DefaultRouteSettings,
          ThrottlingRateLimit: Number(params.httpApiRateLimit ?? 100),
          ThrottlingBurstLimit: Number(params.httpApiBurstLimit ?? 200),
        };
      }
    }

    const referencesDefaultRole = JSON.stringify(
      Object.entries(resources).filter(([id]) => id !== DEFAULT_ROLE),
    ).includes(`"${DEFAULT_ROLE}"`);
    if (!referencesDefaultRole) delete resources[DEFAULT_ROLE];
  }
}
