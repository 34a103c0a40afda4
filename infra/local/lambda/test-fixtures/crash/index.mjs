// Throws outside the handler's promise, which kills the execution environment.
let invocations = 0;

export const handler = (event) => {
  invocations += 1;
  if (event.crash) {
    setTimeout(() => {
      throw new RangeError('engine failure');
    }, 1);
    return new Promise(() => {});
  }
  return Promise.resolve({ invocations });
};
