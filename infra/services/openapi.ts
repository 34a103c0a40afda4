// The OpenAPI document of the public API, served without authentication.
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import { acknowledgeNagRule } from '../constructs/nag-acknowledgements.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

/** `GET /v1/openapi.json`, the one public route without a JWT. */
export class OpenApiService extends ServiceConstruct {
  readonly route: HttpRoute;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'openapi', props);
    const getOpenApi = this.createFunction('GetOpenApi', {
      entry: 'functions/openapi/get-openapi.ts',
      description: 'Public API: the OpenAPI 3.1 document',
      memorySize: 256,
    });
    this.route = props.publicApi.addRoute(
      this,
      'GetOpenApiRoute',
      HttpMethod.GET,
      '/v1/openapi.json',
      getOpenApi,
      'none',
    );
    acknowledgeNagRule(
      this.route,
      'APIG4',
      'The OpenAPI document is public by design (docs/architecture.md §3): clients read it before they have a token',
    );
  }
}
