// The port through which notifications leave the system; adapters: AWS (SES, SNS) and recording.

/** One message to one subscriber. */
export interface NotificationMessage {
  channel: 'email' | 'sms';
  /** An email address or an E.164 phone number. */
  target: string;
  subject: string;
  text: string;
  /** The delivery event the message tells about, and the delivery. */
  eventId: string;
  deliveryId: string;
  subscriptionId: string;
}

/** What the channel answered. */
export interface SendReceipt {
  providerMessageId?: string;
}

/** Sends a message; throws NotificationRejectedError when the channel refuses it for good. */
export interface NotificationSender {
  send(message: NotificationMessage): Promise<SendReceipt>;
}

/** The channel refused this message (bad address, opted-out number): retrying cannot help. */
export class NotificationRejectedError extends Error {
  override readonly name = 'NotificationRejectedError';
}
