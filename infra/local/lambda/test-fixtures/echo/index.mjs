// Answers with the event, the environment it sees and its context.
export const handler = async (event, context) => ({
  event,
  env: { ...process.env },
  context: {
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    remainingTimeInMillis: context.getRemainingTimeInMillis(),
  },
});
