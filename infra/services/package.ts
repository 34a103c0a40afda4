// Package: registers, cancels and reads the package of a delivery (internal API, idempotent by delivery id).
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Construct } from 'constructs';
import { bindTable } from '../constructs/service-function.ts';
import { ServiceConstruct, type ServiceProps } from './service-base.ts';

/** The Package service: `PUT|DELETE|GET /packages/{deliveryId}` on the internal API. */
export class PackageService extends ServiceConstruct {
  /** The routes the scheduler calls. */
  readonly schedulerRoutes: readonly HttpRoute[];

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id, 'package', props);
    const table = props.stateful.tables.package;
    const api = props.internalApi;

    const putPackage = this.createFunction('PutPackage', {
      entry: 'functions/package/put-package.ts',
      description: 'Package: create a delivery package (internal API)',
    });
    bindTable(putPackage, table);
    const cancelPackage = this.createFunction('CancelPackage', {
      entry: 'functions/package/cancel-package.ts',
      description: 'Package: cancel a delivery package (internal API)',
    });
    bindTable(cancelPackage, table);
    const getPackage = this.createFunction('GetPackage', {
      entry: 'functions/package/get-package.ts',
      description: 'Package: get a delivery package (internal API)',
    });
    bindTable(getPackage, table, { access: 'read' });

    this.schedulerRoutes = [
      api.addRoute(this, 'PutPackageRoute', HttpMethod.PUT, '/packages/{deliveryId}', putPackage),
      api.addRoute(this, 'CancelPackageRoute', HttpMethod.DELETE, '/packages/{deliveryId}', cancelPackage),
      api.addRoute(this, 'GetPackageRoute', HttpMethod.GET, '/packages/{deliveryId}', getPackage),
    ];
  }
}
