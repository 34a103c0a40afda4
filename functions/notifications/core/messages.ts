import type { DeliveryEvent, FailureReason, RescheduleRejectionReason } from '../../../events/schemas.ts';

// Short texts (an SMS is read on a lock screen): what happened and, when known, when.

const FAILURE_TEXTS: Record<FailureReason, string> = {
  AccountSuspended: 'the account is suspended',
  AccountNotFound: 'the account was not found',
  PackageRejected: 'the package was not accepted',
  NoDroneAvailable: 'no drone was available',
  RetriesExhausted: 'it could not be scheduled',
  InvalidRequest: 'the request was invalid',
};

const REJECTION_TEXTS: Record<RescheduleRejectionReason, string> = {
  NoDroneAvailable: 'no drone is free for the new plan',
  PackageRejected: 'the package rules do not allow it',
  InvalidRequest: 'the new times do not fit together',
};

function clock(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** The subject and text telling a subscriber about a delivery event. */
export function renderMessage(event: DeliveryEvent): { subject: string; text: string } {
  const id = event.detail.deliveryId;
  switch (event.detailType) {
    case 'DeliveryCreated':
      return {
        subject: `Delivery ${id} is scheduled`,
        text: `Your delivery ${id} is scheduled: pickup about ${clock(event.detail.pickupEta)}, arrival about ${clock(event.detail.deliveryEta)}.`,
      };
    case 'DeliveryRescheduled':
      return {
        subject: `Delivery ${id} was rescheduled`,
        text: `Your delivery ${id} was rescheduled: arrival now about ${clock(event.detail.deliveryEta)}.`,
      };
    case 'DeliveryInTransit':
      return {
        subject: `Delivery ${id} is on its way`,
        text: `Your delivery ${id} was picked up by drone ${event.detail.droneId} and is on its way.`,
      };
    case 'DeliveryCompleted':
      return {
        subject: `Delivery ${id} has arrived`,
        text: `Your delivery ${id} was delivered at ${clock(event.detail.completedAt)}.`,
      };
    case 'DeliveryCancelled':
      return {
        subject: `Delivery ${id} was cancelled`,
        text: `Your delivery ${id} was cancelled${event.detail.reason ? ` (${event.detail.reason})` : ''}.`,
      };
    case 'DeliveryFailed':
      return {
        subject: `Delivery ${id} could not be made`,
        text: `Your delivery ${id} could not be made: ${FAILURE_TEXTS[event.detail.reason]}.`,
      };
    case 'DeliveryRescheduleRejected':
      return {
        subject: `Delivery ${id} keeps its plan`,
        text: `Your change to delivery ${id} was refused: ${REJECTION_TEXTS[event.detail.reason]}. Its plan is unchanged.`,
      };
  }
}
