// Module state lives as long as the execution environment: the count shows warm reuse.
let invocations = 0;

export const handler = async () => {
  invocations += 1;
  process.env.LAST_SEEN = String(invocations);
  console.log(`invocation ${invocations} of ${process.env.MARKER}`);
  return { invocations, marker: process.env.MARKER };
};
