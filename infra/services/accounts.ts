// Accounts: answers whether an account may schedule deliveries; seeds demo accounts in dev stages.
import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { LambdaVersion, UserPoolOperation } from 'aws-cdk-lib/aws-cognito';
import { Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { bindTable } from '../constructs/service-function.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

/** The Accounts service: `GET /accounts/{accountId}` on the internal API. */
export class AccountsService extends ServiceConstruct {
  /** The routes the scheduler calls. */
  readonly schedulerRoutes: readonly HttpRoute[];

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'accounts', props);
    const table = props.stateful.tables.accounts;

    const getAccount = this.createFunction('GetAccount', {
      entry: 'functions/accounts/get-account.ts',
      description: 'Accounts: get an account (internal API)',
    });
    bindTable(getAccount, table, { access: 'read' });
    this.schedulerRoutes = [
      props.internalApi.addRoute(
        this,
        'GetAccountRoute',
        HttpMethod.GET,
        '/accounts/{accountId}',
        getAccount,
      ),
    ];

    // Every token the user pool issues names the user's account in the `account_id` claim.
    const addAccountClaim = this.createFunction('AddAccountClaim', {
      entry: 'functions/accounts/add-account-claim.ts',
      description: 'Accounts: put account_id into the user pool tokens (pre token generation trigger)',
      timeout: Duration.seconds(5),
    });
    props.publicApi.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      addAccountClaim,
      LambdaVersion.V2_0,
    );

    if (props.config.seedDemoData) {
      const seed = this.createFunction('SeedDemoData', {
        entry: 'functions/accounts/seed-demo-data.ts',
        description: 'Accounts: seed the demo accounts (runs once per deployment, dev stages)',
        timeout: Duration.minutes(1),
      });
      bindTable(seed, table);
      new Trigger(this, 'SeedDemoDataTrigger', {
        handler: seed,
        executeAfter: [table],
        timeout: Duration.minutes(2),
      });
    }
  }
}
