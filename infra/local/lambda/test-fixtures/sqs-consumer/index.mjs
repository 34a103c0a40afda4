// Reports the records whose body is "bad" as failed (a partial batch response).
export const handler = async (event) => ({
  batchItemFailures: event.Records.filter((record) => record.body === 'bad').map((record) => ({
    itemIdentifier: record.messageId,
  })),
});
