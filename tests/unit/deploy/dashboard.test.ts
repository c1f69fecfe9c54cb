import { describe, expect, it } from 'vitest';
import { cancellationReasonSchema } from '../../../events/orders/index.js';
import { ORDER_METRICS } from '../../../functions/orders/lifecycle-metrics.js';
import {
  CANCELLATION_REASONS,
  operationsDashboard,
  orderStoryQueries,
  SAGA_QUEUES,
  SAGA_STEP_FUNCTIONS,
} from '../../../scripts/deploy/dashboard.mjs';

/** A CloudFormation Fn::Sub placeholder, as the dashboard's body writes it. */
const sub = (name: string) => `\${${name}}`;

const input = {
  name: 'commerce-dev',
  namespace: 'commerce-dev',
  service: 'commerce',
  failureQueues: ['OrdersEventsDlq'],
  relays: ['OrdersOutboxRelayLambdaFunction'],
  httpApi: 'HttpApi',
};

function template(): Record<string, any> {
  const resources: Record<string, any> = {
    HttpApi: { Type: 'AWS::ApiGatewayV2::Api' },
    OrdersEventsDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'commerce-dev-orders-events-dlq' } },
    OrdersOutboxRelayLambdaFunction: { Type: 'AWS::Lambda::Function' },
    HealthLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: '/aws/lambda/commerce-dev-health' },
    },
    ApiAccessLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: '/aws/http-api/commerce-dev' },
    },
  };
  for (const id of [...SAGA_STEP_FUNCTIONS, ...SAGA_QUEUES]) resources[id] = { Type: 'Any', Properties: {} };
  return resources;
}

const metricLines = (dashboard: any): string[][] =>
  JSON.parse(dashboard.Properties.DashboardBody['Fn::Sub'])
    .widgets.filter((widget: any) => widget.type === 'metric')
    .flatMap((widget: any) =>
      widget.properties.metrics.map((line: unknown[]) => line.filter((p) => typeof p === 'string')),
    );

describe('the operations dashboard', () => {
  it('draws each failure queue and relay it is given, by the name CloudFormation resolves', () => {
    const lines = metricLines(operationsDashboard(template(), input));
    expect(lines).toContainEqual([
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'QueueName',
      sub('OrdersEventsDlq.QueueName'),
    ]);
    expect(lines).toContainEqual([
      'AWS/Lambda',
      'IteratorAge',
      'FunctionName',
      sub('OrdersOutboxRelayLambdaFunction'),
    ]);
    expect(lines).toContainEqual([
      'commerce-dev',
      'PaymentProviderCircuitStateChange',
      'service',
      'commerce',
      'state',
      'open',
    ]);
  });

  it('refuses to draw a saga step or an API the template does not have', () => {
    const resources = template();
    delete resources.OrdersApplySagaEventLambdaFunction;
    expect(() => operationsDashboard(resources, input)).toThrow(/name OrdersApplySagaEventLambdaFunction/);
  });
});

describe("the saved queries for one order's story", () => {
  it('read the functions’ log groups only, filter on the correlation id or the order id, oldest first', () => {
    const queries = orderStoryQueries(template(), 'commerce-dev');
    expect(Object.values(queries).map((query: any) => query.Properties.Name)).toEqual([
      'commerce-dev/order-story-by-correlation-id',
      'commerce-dev/order-story-by-order-id',
    ]);
    for (const query of Object.values(queries) as any[]) {
      expect(query.Properties.LogGroupNames).toEqual([{ Ref: 'HealthLogGroup' }]);
      expect(query.Properties.QueryString).toContain('| sort @timestamp asc');
    }
    expect(queries.OrderStoryByCorrelationIdQuery.Properties.QueryString).toContain(
      '| filter correlationId = "<correlation id>"',
    );
  });
});

describe("the dashboard's order widgets", () => {
  it('draw what the orders functions emit, under the same names, with every cancellation reason', () => {
    const lines = metricLines(operationsDashboard(template(), input));
    const { cancelled, ...counted } = ORDER_METRICS; // a cancellation always carries its reason
    for (const name of Object.values(counted)) {
      expect(lines, name).toContainEqual(['commerce-dev', name, 'service', 'commerce']);
    }
    expect(CANCELLATION_REASONS).toEqual(cancellationReasonSchema.options);
    for (const reason of CANCELLATION_REASONS) {
      expect(lines).toContainEqual([
        'commerce-dev',
        'OrderCancelled',
        'service',
        'commerce',
        'reason',
        reason,
      ]);
    }
  });
});
