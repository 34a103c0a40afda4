import { DeliveryIdParam } from '../../shared/contracts.ts';
import { type ApiEvent, validate } from '../../shared/http.ts';

/** The `{deliveryId}` path parameter, validated (400 otherwise). */
export function deliveryIdOf(event: ApiEvent): string {
  return validate(DeliveryIdParam, event.pathParameters?.deliveryId, 'The delivery id is invalid.');
}
