// Imported first by the tools that run AWS SDK clients on this machine (the benchmarks, the chaos
// run, the archive replay, the test runs' global set-ups): the SDK's notice that its releases after
// January 2027 need Node.js 22 is about this machine's Node.js, not about what the tool reports, and
// the SDK here is pinned. As `npm start` does for the local cloud; a caller who set the variable
// keeps their setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
